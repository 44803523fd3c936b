// Package golden keeps the hashes that tests compare a run's results with:
// a text file of "key hash" lines, written on one machine and checked on
// the next, so that a test names every key whose bits differ.
package golden

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Check compares got (key → hash) with the file at path. With update it
// rewrites the file instead, headed by the comment lines of header. It
// returns one line per key that differs, is new or is missing, sorted; an
// error only when the file cannot be read or written.
func Check(path string, got map[string]string, update bool, header ...string) ([]string, error) {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range got {
			if !yield(k) {
				return
			}
		}
	})
	if update {
		var b strings.Builder
		for _, h := range header {
			fmt.Fprintf(&b, "# %s\n", h)
		}
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %s\n", k, got[k])
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return nil, fmt.Errorf("golden: %w", err)
		}
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("golden: %w", err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			want[line[:i]] = line[i+1:]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("golden: %s: %w", path, err)
	}
	var differ []string
	for _, k := range keys {
		switch w, ok := want[k]; {
		case !ok:
			differ = append(differ, fmt.Sprintf("%s: %s, not in the file", k, got[k]))
		case w != got[k]:
			differ = append(differ, fmt.Sprintf("%s: %s, golden %s", k, got[k], w))
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			differ = append(differ, k+": in the file, not in this run")
		}
	}
	slices.Sort(differ)
	return differ, nil
}
