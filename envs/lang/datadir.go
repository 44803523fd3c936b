package lang

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// dataDir is a directory of language files, on fsys or (nil) the OS.
type dataDir struct {
	fsys fs.FS
	dir  string
}

func (d dataDir) join(n string) string {
	if d.fsys == nil {
		return d.dir + string(os.PathSeparator) + n
	}
	return path.Join(d.dir, n)
}

func (d dataDir) exists(n string) bool {
	var err error
	if d.fsys == nil {
		_, err = os.Stat(d.join(n))
	} else {
		_, err = fs.Stat(d.fsys, d.join(n))
	}
	return err == nil
}

// pick returns the path of base+ext or base+ext+".gz", whichever exists.
func (d dataDir) pick(base, ext string) (string, error) {
	for _, n := range []string{base + ext, base + ext + ".gz"} {
		if d.exists(n) {
			return d.join(n), nil
		}
	}
	return "", fmt.Errorf("%s: no %s%s or %s%s.gz", d.dir, base, ext, base, ext)
}

// langRole is one line of languages.tsv.
type langRole struct {
	code, role string // role: high, low or valid
}

// languages reads languages.tsv: one "code high|low|valid" a line, each
// code a name (CheckCode), none twice and none "eng", at least one high-
// and one low-resource language.
func (d dataDir) languages() ([]langRole, error) {
	name := d.join("languages.tsv")
	lines, err := ReadLines(d.fsys, name)
	if err != nil {
		return nil, err
	}
	var out []langRole
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) != 2 || !slices.Contains([]string{"high", "low", "valid"}, f[1]) {
			return nil, fmt.Errorf("%s:%d: want \"code high|low|valid\", got %q", name, i+1, l)
		}
		if err := CheckCode(f[0]); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, i+1, err)
		}
		if f[0] == "eng" || slices.ContainsFunc(out, func(r langRole) bool { return r.code == f[0] }) {
			return nil, fmt.Errorf("%s:%d: language %q listed twice", name, i+1, f[0])
		}
		out = append(out, langRole{f[0], f[1]})
	}
	count := func(role string) int {
		n := 0
		for _, r := range out {
			if r.role == role {
				n++
			}
		}
		return n
	}
	if h, l := count("high"), count("low"); h == 0 || l == 0 {
		return nil, fmt.Errorf("%s lists %d high- and %d low-resource languages, want at least one of each", name, h, l)
	}
	return out, nil
}

// group appends code to the list of its role.
func group(high, low, valid *[]string, r langRole) {
	switch r.role {
	case "high":
		*high = append(*high, r.code)
	case "low":
		*low = append(*low, r.code)
	default:
		*valid = append(*valid, r.code)
	}
}
