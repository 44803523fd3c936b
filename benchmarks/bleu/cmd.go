package bleu

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/metabench/metabench/internal/cli"

	"github.com/metabench/metabench/internal/infile"
)

// MaxLines bounds the lines of a file the bleu command reads.
const MaxLines = 10_000_000

// ReadLines reads a UTF-8 text file into lines (LF or CRLF endings). It
// names the file and line of invalid UTF-8.
func ReadLines(path string) ([]string, error) {
	return readLinesCtx(context.Background(), path)
}

// checkEvery is how many lines are read or scored between two looks at
// the context: a few milliseconds of work.
const checkEvery = 4096

func readLinesCtx(ctx context.Context, path string) ([]string, error) {
	f, err := infile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLines(ctx, f, path)
}

func readLines(ctx context.Context, r io.Reader, name string) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var out []string
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s:%d: invalid UTF-8", name, len(out)+1)
		}
		if len(out) >= MaxLines {
			return nil, fmt.Errorf("%s: more than %d lines", name, MaxLines)
		}
		out = append(out, line)
		if len(out)%checkEvery == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("%s: read %d lines: %w", name, len(out), ctx.Err())
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, len(out)+1, err)
	}
	return out, nil
}

// Score holds a corpus's BLEU (in the chosen convention) and chrF.
type Score struct {
	BLEU Result
	ChrF float64
}

// Files scores the hypothesis file against reference files (one
// reference per file, line-aligned) with tokenizer tok ("13a" or "none").
// With "13a" BLEU follows sacreBLEU (exp smoothing); with "none" it
// follows multi-bleu on the whitespace tokens.
// It stops, returning ctx's error, soon after ctx is cancelled.
func Files(ctx context.Context, hypPath string, refPaths []string, tok string) (Score, error) {
	var t Tokenizer
	switch tok {
	case "13a":
		t = Tokenize13a
	case "none":
		t = None
	default:
		return Score{}, cli.Usagef("bleu: unknown tokenizer %q (want 13a or none)", tok)
	}
	hyps, err := readLinesCtx(ctx, hypPath)
	if err != nil {
		return Score{}, fmt.Errorf("bleu: %w", err)
	}
	refs := make([][]string, len(refPaths))
	for k, p := range refPaths {
		if refs[k], err = readLinesCtx(ctx, p); err != nil {
			return Score{}, fmt.Errorf("bleu: %w", err)
		}
		if len(refs[k]) != len(hyps) {
			return Score{}, fmt.Errorf("bleu: %s has %d lines but %s has %d", p, len(refs[k]), hypPath, len(hyps))
		}
	}
	var s Stats
	var c ChrFStats
	rs := make([][]string, len(refs))
	for i, h := range hyps {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return Score{}, fmt.Errorf("bleu: scored %d of %d lines: %w", i, len(hyps), ctx.Err())
		}
		for k := range refs {
			rs[k] = t(refs[k][i])
		}
		s.Add(t(h), rs)
		c.Add(h, refs[0][i])
	}
	out := Score{ChrF: c.Score()}
	if tok == "13a" {
		out.BLEU = s.Sacre()
	} else {
		out.BLEU = s.MultiBLEU()
	}
	return out, nil
}

// Command is `metabench bleu`: corpus BLEU and chrF of a hypothesis file
// against one or more reference files, as people use sacreBLEU.
func Command() cli.Command {
	return cli.Command{Name: "bleu", Summary: "score a translation file against references: corpus BLEU (sacreBLEU 13a or multi-bleu) and chrF",
		Run: func(ctx context.Context, e cli.Env, args []string) error {
			fs := cli.NewFlags("bleu")
			var refs cli.StringList
			fs.Var(&refs, "ref", "reference file, one sentence a line (repeat for several references)")
			hyp := fs.String("hyp", "", "hypothesis file, line-aligned with the references")
			tok := fs.String("tokenize", "13a", "13a (sacreBLEU's default, exp smoothing) or none (pre-tokenised text, multi-bleu)")
			if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
				return err
			}
			if *hyp == "" || len(refs) == 0 {
				return cli.Usagef("bleu: give --hyp FILE and at least one --ref FILE")
			}
			if *tok != "13a" && *tok != "none" {
				return cli.Usagef("bleu: --tokenize %q: want 13a or none", *tok)
			}
			sc, err := Files(ctx, *hyp, refs, *tok)
			if err != nil {
				return err
			}
			b := sc.BLEU
			ratio := 0.0
			if b.RefLen > 0 {
				ratio = float64(b.HypLen) / float64(b.RefLen)
			}
			fmt.Fprintf(e.Stdout, "BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d) tokenize=%s\n",
				b.Score, b.Precisions[0], b.Precisions[1], b.Precisions[2], b.Precisions[3], b.BP, ratio, b.HypLen, b.RefLen, *tok)
			fmt.Fprintf(e.Stdout, "chrF2 = %.2f\n", sc.ChrF)
			return nil
		}}
}
