package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestSplitByEnglish: no English sentence is in two of train, dev and
// test, however many translations it has; every pair is in one set; the
// sets have about the asked shares; the split is the same every time.
func TestSplitByEnglish(t *testing.T) {
	var eng []string
	for i := range 3000 {
		eng = append(eng, fmt.Sprintf("sentence %d .", i%1100)) // most sentences 2-3 times
	}
	train, dev, test := SplitByEnglish(eng, 10)
	if len(train)+len(dev)+len(test) != len(eng) {
		t.Fatalf("%d+%d+%d pairs, want %d", len(train), len(dev), len(test), len(eng))
	}
	set := map[string]string{}
	for name, idx := range map[string][]int{"train": train, "dev": dev, "test": test} {
		for _, i := range idx {
			if s, ok := set[eng[i]]; ok && s != name {
				t.Fatalf("%q is in %s and %s", eng[i], s, name)
			}
			set[eng[i]] = name
		}
	}
	for _, n := range []int{len(dev), len(test)} {
		if n < 200 || n > 400 {
			t.Errorf("a set of %d pairs of 3000, want about 300", n)
		}
	}
	tr2, _, _ := SplitByEnglish(eng, 10)
	if fmt.Sprint(tr2) != fmt.Sprint(train) {
		t.Error("the split is not deterministic")
	}
}

func TestReadPairs(t *testing.T) {
	good := fstest.MapFS{
		"d/languages.tsv": {Data: []byte("xx high\nyy low\n")},
		"d/xx.tsv":        {Data: []byte("Hello .\tHallo .\nA cat .\tEine Katze .\n")},
		"d/yy.tsv":        {Data: []byte("Hello .\tSalut .\n")},
	}
	c, err := ReadPairs(good, "d")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.English["xx"]) != 2 || c.Source["yy"][0] != "Salut ." || c.High[0] != "xx" || c.Low[0] != "yy" {
		t.Fatalf("read %+v", c)
	}
	for _, tc := range []struct {
		name, file, data, want string
	}{
		{"no tab", "d/yy.tsv", "Hello . Salut .\n", "yy.tsv:1"},
		{"empty side", "d/yy.tsv", "Hello .\t \n", "yy.tsv:1"},
		{"missing file", "d/yy.tsv", "", "no yy.tsv"},
		{"bad role", "d/languages.tsv", "xx high\nyy medium\n", "languages.tsv:2"},
		{"a path for a code", "d/languages.tsv", "xx high\n../yy low\n", "languages.tsv:2"},
		{"listed twice", "d/languages.tsv", "xx high\nxx low\n", "listed twice"},
	} {
		fs := fstest.MapFS{}
		for k, v := range good {
			fs[k] = v
		}
		if tc.data == "" {
			delete(fs, tc.file)
		} else {
			fs[tc.file] = &fstest.MapFile{Data: []byte(tc.data)}
		}
		if _, err := ReadPairs(fs, "d"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "languages.tsv"), []byte("xx high\nyy low\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "xx.tsv"), []byte("a\tb\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "yy.tsv"), []byte("c\td\n"), 0o644)
	if _, err := ReadPairs(nil, dir); err != nil {
		t.Errorf("from disk: %v", err)
	}
}
