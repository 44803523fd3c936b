package lang

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/metabench/metabench/internal/infile"
)

// MaxLines bounds the sentences of one file.
const MaxLines = 5_000_000

// MaxBytes bounds the text of one compressed file once decompressed, far
// above any parallel corpus of the suite.
const MaxBytes = 1 << 30

// ReadLines reads a file of one sentence a line (UTF-8, LF or CRLF; gzip
// if the name ends in .gz) from fsys, or from the OS when fsys is nil. It
// fails, naming the file and line, on invalid UTF-8 or an empty line.
func ReadLines(fsys fs.FS, name string) ([]string, error) {
	var f io.ReadCloser
	var err error
	if fsys == nil {
		f, err = infile.Open(name)
	} else {
		f, err = fsys.Open(name)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer z.Close()
		// A small .gz can expand without end: bounded as it is read.
		r = infile.Limit(z, MaxBytes, name)
	}
	return scanLines(r, name)
}

func scanLines(r io.Reader, name string) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var out []string
	for sc.Scan() {
		n := len(out) + 1
		b := bytes.TrimSuffix(sc.Bytes(), []byte{'\r'})
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("%s:%d: invalid UTF-8", name, n)
		}
		line := strings.TrimSpace(string(b))
		if line == "" {
			return nil, fmt.Errorf("%s:%d: empty line (one sentence a line, none empty)", name, n)
		}
		if n > MaxLines {
			return nil, fmt.Errorf("%s: more than %d lines", name, MaxLines)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, len(out)+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no sentences", name)
	}
	return out, nil
}

// Corpus is real line-aligned text: English and source languages, with
// the document of each line (for splits that keep documents apart).
type Corpus struct {
	English []string
	Source  map[string][]string // by language code
	Docs    []string            // document id of each line; nil if unknown
	High    []string            // meta-training (high-resource) languages, in file order
	Low     []string            // low-resource (meta-test) languages
	Valid   []string            // validation languages for early stopping
}

// ReadCorpus reads a data directory (from fsys, or the OS when nil):
//
//	languages.tsv   one "code group" a line, group high, low or valid
//	eng.txt[.gz]    the English side
//	CODE.txt[.gz]   each language's side, line-aligned with English
//	docs.txt        optional: the document id of each line
func ReadCorpus(fsys fs.FS, dir string) (*Corpus, error) {
	d := dataDir{fsys, dir}
	langs, err := d.languages()
	if err != nil {
		return nil, fmt.Errorf("read corpus: %w", err)
	}
	c := &Corpus{Source: map[string][]string{}}
	engPath, err := d.pick("eng", ".txt")
	if err != nil {
		return nil, fmt.Errorf("read corpus: %w", err)
	}
	if c.English, err = ReadLines(fsys, engPath); err != nil {
		return nil, fmt.Errorf("read corpus: %w", err)
	}
	for _, r := range langs {
		p, err := d.pick(r.code, ".txt")
		if err != nil {
			return nil, fmt.Errorf("read corpus: %w", err)
		}
		lines, err := ReadLines(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("read corpus: %w", err)
		}
		if len(lines) != len(c.English) {
			return nil, fmt.Errorf("read corpus: %s has %d lines but %s has %d (files must be line-aligned)", p, len(lines), engPath, len(c.English))
		}
		c.Source[r.code] = lines
		group(&c.High, &c.Low, &c.Valid, r)
	}
	if d.exists("docs.txt") {
		if c.Docs, err = ReadLines(fsys, d.join("docs.txt")); err != nil {
			return nil, fmt.Errorf("read corpus: %w", err)
		}
		if len(c.Docs) != len(c.English) {
			return nil, fmt.Errorf("read corpus: %s has %d lines but %s has %d", d.join("docs.txt"), len(c.Docs), engPath, len(c.English))
		}
	}
	return c, nil
}

// Split assigns lines to train, dev and test by document: every k-th
// document (in order of first appearance) goes to dev, the next to test,
// so no document is split across sets. Without documents, lines are their
// own documents.
func (c *Corpus) Split(every int) (train, dev, test []int) {
	every = max(every, 3)
	docIndex := map[string]int{}
	for i := range c.English {
		d := fmt.Sprint(i)
		if c.Docs != nil {
			d = c.Docs[i]
		}
		k, ok := docIndex[d]
		if !ok {
			k = len(docIndex)
			docIndex[d] = k
		}
		switch k % every {
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

// maxCodeLen bounds a language code (ISO 639-3 codes have 3 letters,
// tagged variants such as "pt_BR" a few more).
const maxCodeLen = 32

// CheckCode accepts a language code: a letter, then letters, digits, '_'
// or '-', at most maxCodeLen in all. A code names the file CODE.txt beside
// languages.tsv, so nothing that could lead out of the data directory
// ("../base/ron", "/etc/x") is one.
func CheckCode(code string) error {
	ok := code != "" && len(code) <= maxCodeLen
	for i, r := range code {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '_' || r == '-')) {
			ok = false
			break
		}
	}
	if !ok {
		return fmt.Errorf("language code %q: want a letter, then letters, digits, '_' or '-' (at most %d)", code, maxCodeLen)
	}
	return nil
}
