package lang

import (
	"fmt"
	"hash/fnv"
	"io/fs"
	"strings"
)

// PairCorpus is real parallel text given pair by pair: each source
// language has its own English side (as Tatoeba's English↔X pairs), and
// an English sentence may occur several times with other translations.
type PairCorpus struct {
	// English and Source hold each language's pairs, line by line.
	English, Source map[string][]string
	High, Low       []string // meta-training and meta-test languages, in file order
	Valid           []string
}

// ReadPairs reads a pair directory (from fsys, or the OS when nil):
//
//	languages.tsv   one "code high|low|valid" a line
//	CODE.tsv[.gz]   one "english<TAB>source" pair a line
func ReadPairs(fsys fs.FS, dir string) (*PairCorpus, error) {
	d := dataDir{fsys, dir}
	langs, err := d.languages()
	if err != nil {
		return nil, fmt.Errorf("read pairs: %w", err)
	}
	c := &PairCorpus{English: map[string][]string{}, Source: map[string][]string{}}
	for _, r := range langs {
		name, err := d.pick(r.code, ".tsv")
		if err != nil {
			return nil, fmt.Errorf("read pairs: %w", err)
		}
		lines, err := ReadLines(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read pairs: %w", err)
		}
		eng, src := make([]string, len(lines)), make([]string, len(lines))
		for j, line := range lines {
			e, s, ok := strings.Cut(line, "\t")
			e, s = strings.TrimSpace(e), strings.TrimSpace(s)
			if !ok || e == "" || s == "" || strings.Contains(s, "\t") {
				return nil, fmt.Errorf("read pairs: %s:%d: want \"english<TAB>source\", both non-empty", name, j+1)
			}
			eng[j], src[j] = e, s
		}
		c.English[r.code], c.Source[r.code] = eng, src
		group(&c.High, &c.Low, &c.Valid, r)
	}
	return c, nil
}

// SplitByEnglish assigns pairs to train, dev and test by their English
// sentence: a hash of the sentence decides, so every pair with the same
// English sentence lands in the same set — in every language — and no
// English sentence (a translation of which a model could learn) is both
// trained on and tested. About one English sentence in every goes to dev
// and one in every to test.
func SplitByEnglish(english []string, every int) (train, dev, test []int) {
	every = max(every, 3)
	for i, e := range english {
		h := fnv.New64a()
		h.Write([]byte(e))
		switch h.Sum64() % uint64(every) {
		case 0:
			dev = append(dev, i)
		case 1:
			test = append(test, i)
		default:
			train = append(train, i)
		}
	}
	return train, dev, test
}
