package lang

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	nmtassets "github.com/metabench/metabench/assets/nmt"
)

func world(t testing.TB, seed uint64) *World {
	t.Helper()
	w, err := NewWorld(DefaultConfig(seed))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestSameSeedSameLanguages(t *testing.T) {
	a, b, c := world(t, 7), world(t, 7), world(t, 8)
	for i, l := range a.Languages() {
		pa, pb := a.Parallel(l, "train", 50), b.Parallel(b.Languages()[i], "train", 50)
		if !reflect.DeepEqual(pa, pb) {
			t.Fatalf("%s: same seed, different corpora", l.Code)
		}
	}
	if reflect.DeepEqual(a.Parallel(a.Languages()[0], "train", 20), c.Parallel(c.Languages()[0], "train", 20)) {
		t.Fatal("different seeds gave the same corpus")
	}
}

// Related languages share more roots (after sound change) than unrelated
// ones: compare the share of identical first letters of noun roots, a
// crude but robust cognate measure.
func TestFamiliesShareRoots(t *testing.T) {
	w := world(t, 3)
	sim := func(a, b *Language) float64 {
		same := 0
		for i := range nNouns {
			if editDistance(a.Root("noun", i), b.Root("noun", i)) <= 1 {
				same++
			}
		}
		return float64(same) / float64(nNouns)
	}
	f0, f1 := w.Families[0].Langs, w.Families[1].Langs
	within, across := sim(f0[0], f0[1]), sim(f0[0], f1[0])
	if within < 0.3 || across > 0.1 || within <= across {
		t.Fatalf("cognate share within a family %.2f, across %.2f", within, across)
	}
}

func editDistance(a, b string) int {
	d := make([]int, len(b)+1)
	for j := range d {
		d[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := d[0]
		d[0] = i
		for j := 1; j <= len(b); j++ {
			cur := d[j]
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[j] = min(d[j]+1, d[j-1]+1, prev+cost)
			prev = cur
		}
	}
	return d[len(b)]
}

func TestMorphologyAndOrder(t *testing.T) {
	w := world(t, 5)
	obj := Entity{Noun: 0, Adj: -1, Owner: 0, Plural: true}
	m := Meaning{Clauses: []Clause{{Subj: Entity{Noun: 1, Adj: -1, Owner: -1}, Verb: 0, Obj: &obj, Tense: Past}}}
	if got := strings.Join(English(m), " "); got != "the cat saw my dogs" {
		t.Fatalf("English %q", got)
	}
	for _, f := range w.Families {
		l := f.Langs[0]
		toks := l.Realise(rand.New(rand.NewPCG(1, 1)), m)
		suffixes := 0
		for _, tk := range toks {
			if strings.HasPrefix(tk, "-") {
				suffixes++
			}
		}
		// Object "my dogs": plural, possessive and accusative suffixes in
		// an agglutinative language, with the past suffix on the verb; one fused ending on each noun and
		// the verb in a fusional one; none in an isolating one.
		want := map[Morphology]int{Isolating: 0, Agglutinative: 4, Fusional: 3}[l.Morph]
		if suffixes != want {
			t.Errorf("%s (%v): %d suffix tokens in %q, want %d", l.Code, l.Morph, suffixes, Text(toks), want)
		}
		verb := l.Root("verb", 0)
		vi := -1
		for i, tk := range toks {
			if tk == verb {
				vi = i
			}
		}
		switch {
		case vi < 0:
			t.Errorf("%s: verb %q missing from %v", l.Code, verb, toks)
		case l.Order == VSO && vi > 1, l.Order == SOV && vi < len(toks)-3, l.Order == SVO && (vi == 0 || vi >= len(toks)-2):
			t.Errorf("%s (%v): verb at %d in %v", l.Code, l.Order, vi, toks)
		}
	}
}

func TestSubsampleByTargetTokens(t *testing.T) {
	w := world(t, 1)
	pairs := w.Parallel(w.Languages()[0], "train", 2000)
	for _, k := range []int{0, 400, 4000} {
		s := Subsample(rand.New(rand.NewPCG(1, 2)), pairs, k)
		n := TargetTokens(s)
		if n < k || (k > 0 && n-k > 40) || (k == 0 && len(s) != 0) {
			t.Errorf("Subsample(%d): %d pairs, %d target tokens", k, len(s), n)
		}
	}
}

func TestUnknownLanguage(t *testing.T) {
	w := world(t, 1)
	if _, err := w.Language("zz9"); err == nil || !strings.Contains(err.Error(), `"zz9"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestBPE(t *testing.T) {
	lines := []string{"lower lowest newer newest", "low lower new newer", "widest wider"}
	a, b := TrainBPE(lines, 20), TrainBPE(lines, 20)
	if !reflect.DeepEqual(a.Merges, b.Merges) {
		t.Fatal("BPE training is not deterministic")
	}
	for _, l := range append(lines, "lowers unseen") {
		p := a.Encode(l)
		if Decode(p) != l {
			t.Fatalf("Decode(Encode(%q)) = %q (%v)", l, Decode(p), p)
		}
	}
	if got := a.Encode("lowest"); len(got) > 2 {
		t.Errorf("frequent word split into %v", got)
	}
	if !reflect.DeepEqual(NewBPE(a.Merges).Encode("newest lower"), a.Encode("newest lower")) {
		t.Fatal("rebuilt vocabulary encodes differently")
	}
}

func TestReadCorpusErrors(t *testing.T) {
	base := fstest.MapFS{
		"d/languages.tsv": {Data: []byte("xx high\nyy low\n")},
		"d/eng.txt":       {Data: []byte("one\ntwo\n")},
		"d/xx.txt":        {Data: []byte("un\r\ndeux\r\n")},
		"d/yy.txt":        {Data: []byte("eins\nzwei\n")},
		"base/ron.txt":    {Data: []byte("unu\ndoi\n")},
	}
	if c, err := ReadCorpus(base, "d"); err != nil || len(c.Source["xx"]) != 2 || c.Source["xx"][1] != "deux" {
		t.Fatalf("good corpus: %v %+v", err, c)
	}
	cases := []struct{ file, data, want string }{
		{"d/yy.txt", "eins\n", "d/yy.txt has 1 lines but d/eng.txt has 2"},
		{"d/yy.txt", "eins\n\n", "d/yy.txt:2: empty line"},
		{"d/xx.txt", "un\n\xffdeux\n", "d/xx.txt:2: invalid UTF-8"},
		{"d/languages.tsv", "xx high\nyy middle\n", "d/languages.tsv:2"},
		{"d/languages.tsv", "xx high\nzz low\n", "no zz.txt"},
		// A code is a name, not a path: nothing outside the directory is
		// read (base/ron.txt exists, so the old reader took it).
		{"d/languages.tsv", "xx high\n../base/ron low\n", `d/languages.tsv:2: language code "../base/ron"`},
		{"d/languages.tsv", "/etc/yy high\nyy low\n", `language code "/etc/yy"`},
		{"d/languages.tsv", "xx high\n.yy low\n", `language code ".yy"`},
		{"d/languages.tsv", "xx high\n1yy low\n", `language code "1yy"`},
	}
	for _, c := range cases {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		fsys[c.file] = &fstest.MapFile{Data: []byte(c.data)}
		_, err := ReadCorpus(fsys, "d")
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s = %q: err %v, want %q", c.file, c.data, err, c.want)
		}
	}
	if _, err := ReadLines(nil, filepath.Join(t.TempDir(), "missing.txt")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func TestNTREXAssets(t *testing.T) {
	c, err := ReadCorpus(nmtassets.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.English) != 1997 || len(c.High) != 18 || len(c.Low) != 5 || len(c.Docs) != 1997 {
		t.Fatalf("%d lines, %d high, %d low, %d docs", len(c.English), len(c.High), len(c.Low), len(c.Docs))
	}
	train, dev, test := c.Split(5)
	docsOf := func(idx []int) map[string]bool {
		m := map[string]bool{}
		for _, i := range idx {
			m[c.Docs[i]] = true
		}
		return m
	}
	tr := docsOf(train)
	for d := range docsOf(append(dev, test...)) {
		if tr[d] {
			t.Fatalf("document %s in train and dev/test", d)
		}
	}
	if len(train)+len(dev)+len(test) != 1997 || len(dev) < 200 || len(test) < 200 {
		t.Fatalf("split %d/%d/%d", len(train), len(dev), len(test))
	}
}

// naiveBPE is the textbook algorithm (recount every pair after every
// merge): the reference the incremental TrainBPE must reproduce.
func naiveBPE(lines []string, merges int) [][2]string {
	freq := map[string]int{}
	for _, l := range lines {
		for _, w := range strings.Fields(l) {
			freq[w]++
		}
	}
	type entry struct {
		syms []string
		n    int
	}
	var vocab []entry
	for w, n := range freq {
		vocab = append(vocab, entry{splitChars(w), n})
	}
	var out [][2]string
	for range merges {
		pairs := map[[2]string]int{}
		for _, e := range vocab {
			for j := 0; j+1 < len(e.syms); j++ {
				pairs[[2]string{e.syms[j], e.syms[j+1]}] += e.n
			}
		}
		var best [2]string
		bestN := 0
		for p, n := range pairs {
			if n > bestN || (n == bestN && (p[0] < best[0] || (p[0] == best[0] && p[1] < best[1]))) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		out = append(out, best)
		for i := range vocab {
			vocab[i].syms = mergePair(vocab[i].syms, best)
		}
	}
	return out
}

func TestBPEMatchesNaive(t *testing.T) {
	w := world(t, 2)
	var lines []string
	for _, s := range w.Monolingual(w.Languages()[1], 300) {
		lines = append(lines, Text(s))
	}
	lines = append(lines, "aaaa aaa aa a", "abab baba abba")
	got := TrainBPE(lines, 150).Merges
	if want := naiveBPE(lines, 150); !reflect.DeepEqual(got, want) {
		t.Fatalf("incremental BPE learned %d merges, naive %d; first difference at %d", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b [][2]string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
