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
		if len(out)%checkEvery == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("%s: read %d lines: %w", name, len(out), ctx.Err())
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, len(out)+1, err)
	}
	return out, nil
}

// Score holds a corpus's BLEU (in the chosen convention), its signature
// and chrF.
type Score struct {
	BLEU      Result
	Signature Signature
	ChrF      float64
}

func tokenizer(tok string) (Tokenizer, error) {
	switch tok {
	case "13a":
		return Tokenize13a, nil
	case "none":
		return None, nil
	}
	return nil, cli.Usagef("bleu: unknown tokenizer %q (want 13a or none)", tok)
}

// scorer returns the BLEU convention of tokenizer tok: sacreBLEU (exp
// smoothing) on 13a tokens, multi-bleu on pre-tokenised text.
func scorer(tok string) func(Stats) Result {
	if tok == "13a" {
		return Stats.Sacre
	}
	return Stats.MultiBLEU
}

// readAligned reads the hypothesis files and the reference files (one
// reference per file), all line-aligned.
func readAligned(ctx context.Context, hypPaths, refPaths []string) (hyps, refs [][]string, err error) {
	hyps = make([][]string, len(hypPaths))
	for k, p := range hypPaths {
		if hyps[k], err = readLinesCtx(ctx, p); err != nil {
			return nil, nil, fmt.Errorf("bleu: %w", err)
		}
		if len(hyps[k]) != len(hyps[0]) {
			return nil, nil, fmt.Errorf("bleu: %s has %d lines but %s has %d", p, len(hyps[k]), hypPaths[0], len(hyps[0]))
		}
	}
	refs = make([][]string, len(refPaths))
	for k, p := range refPaths {
		if refs[k], err = readLinesCtx(ctx, p); err != nil {
			return nil, nil, fmt.Errorf("bleu: %w", err)
		}
		if len(refs[k]) != len(hyps[0]) {
			return nil, nil, fmt.Errorf("bleu: %s has %d lines but %s has %d", p, len(refs[k]), hypPaths[0], len(hyps[0]))
		}
	}
	return hyps, refs, nil
}

// sentenceStats is SentenceStats with a look at ctx every checkEvery
// sentences.
func sentenceStats(ctx context.Context, hyps []string, refs [][]string, t Tokenizer) ([]Stats, error) {
	out := make([]Stats, 0, len(hyps))
	part := make([][]string, len(refs))
	for i := 0; i < len(hyps); i += checkEvery {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("bleu: scored %d of %d lines: %w", i, len(hyps), ctx.Err())
		}
		j := min(i+checkEvery, len(hyps))
		for k := range refs {
			part[k] = refs[k][i:j]
		}
		out = append(out, SentenceStats(hyps[i:j], part, t)...)
	}
	return out, nil
}

// Files scores the hypothesis file against reference files (one
// reference per file, line-aligned) with tokenizer tok ("13a" or "none").
// With "13a" BLEU follows sacreBLEU (exp smoothing); with "none" it
// follows multi-bleu on the whitespace tokens. It stops, returning ctx's
// error, soon after ctx is cancelled.
func Files(ctx context.Context, hypPath string, refPaths []string, tok string) (Score, error) {
	t, err := tokenizer(tok)
	if err != nil {
		return Score{}, err
	}
	hyps, refs, err := readAligned(ctx, []string{hypPath}, refPaths)
	if err != nil {
		return Score{}, err
	}
	stats, err := sentenceStats(ctx, hyps[0], refs, t)
	if err != nil {
		return Score{}, err
	}
	var c ChrFStats
	for i, h := range hyps[0] {
		c.Add(h, refs[0][i])
	}
	return Score{
		BLEU:      scorer(tok)(sum(stats)),
		Signature: SignatureOf(tok, len(refs)),
		ChrF:      c.Score(),
	}, nil
}

// PairedFiles runs sacreBLEU's paired bootstrap test (PairedBootstrap) of
// the system file against the baseline file on the same references, with
// n resamples drawn from seed. The signature includes the test.
func PairedFiles(ctx context.Context, basePath, sysPath string, refPaths []string, tok string, n int, seed uint64) (Paired, Signature, error) {
	t, err := tokenizer(tok)
	if err != nil {
		return Paired{}, Signature{}, err
	}
	hyps, refs, err := readAligned(ctx, []string{basePath, sysPath}, refPaths)
	if err != nil {
		return Paired{}, Signature{}, err
	}
	base, err := sentenceStats(ctx, hyps[0], refs, t)
	if err != nil {
		return Paired{}, Signature{}, err
	}
	system, err := sentenceStats(ctx, hyps[1], refs, t)
	if err != nil {
		return Paired{}, Signature{}, err
	}
	p, err := PairedBootstrap(base, system, scorer(tok), n, seed)
	if err != nil {
		return Paired{}, Signature{}, fmt.Errorf("bleu: %w", err)
	}
	sig := SignatureOf(tok, len(refs))
	sig.Resamples, sig.Seed = n, seed
	return p, sig, nil
}

// Command is `metabench bleu`: corpus BLEU and chrF of a hypothesis file
// against one or more reference files, as people use sacreBLEU, each BLEU
// with its signature; with --hyp2, sacreBLEU's paired bootstrap test of
// the second system against the first.
func Command() cli.Command {
	return cli.Command{Name: "bleu", Summary: "score a translation file against references: corpus BLEU (sacreBLEU 13a or multi-bleu) with its signature, chrF, paired bootstrap test of two systems",
		Run: func(ctx context.Context, e cli.Env, args []string) error {
			fs := cli.NewFlags("bleu")
			var refs cli.StringList
			fs.Var(&refs, "ref", "reference file, one sentence a line (repeat for several references)")
			hyp := fs.String("hyp", "", "hypothesis file, line-aligned with the references (with --hyp2: the baseline)")
			hyp2 := fs.String("hyp2", "", "second system's hypothesis file: paired bootstrap test against --hyp (sacreBLEU's --paired-bs)")
			n := fs.Int("paired-bs-n", DefaultResamples, "paired bootstrap resamples")
			seed := new(uint64)
			cli.SeedVar(fs, seed, DefaultSeed, "the paired bootstrap resamples")
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
			if err := cli.NewCheck("bleu").Int("paired-bs-n", *n, 1, 1_000_000).Err(); err != nil {
				return err
			}
			sc, err := Files(ctx, *hyp, refs, *tok)
			if err != nil {
				return err
			}
			if *hyp2 != "" {
				fmt.Fprintf(e.Stdout, "%s (baseline):\n", *hyp)
			}
			printScore(e.Stdout, sc, *tok)
			if *hyp2 == "" {
				return nil
			}
			sc2, err := Files(ctx, *hyp2, refs, *tok)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "%s:\n", *hyp2)
			printScore(e.Stdout, sc2, *tok)
			p, sig, err := PairedFiles(ctx, *hyp, *hyp2, refs, *tok, *n, *seed)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "paired bootstrap resampling (%d resamples, seed %d), sacreBLEU's test:\n", p.Resamples, p.Seed)
			fmt.Fprintf(e.Stdout, "  baseline %s: BLEU %.2f (μ = %.2f ± %.2f)\n", *hyp, p.Baseline.Score, p.BaselineMean, p.BaselineCI)
			star := ""
			if p.P < 0.05 {
				star = " *"
			}
			fmt.Fprintf(e.Stdout, "  system   %s: BLEU %.2f (μ = %.2f ± %.2f) p = %.4f%s\n", *hyp2, p.System.Score, p.SystemMean, p.SystemCI, p.P, star)
			fmt.Fprintf(e.Stdout, "  signature: %s\n", sig)
			return nil
		}}
}

// printScore prints a score as sacreBLEU 1's text output, then its
// signature and chrF.
func printScore(w io.Writer, sc Score, tok string) {
	b := sc.BLEU
	ratio := 0.0
	if b.RefLen > 0 {
		ratio = float64(b.HypLen) / float64(b.RefLen)
	}
	fmt.Fprintf(w, "BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d) tokenize=%s\n",
		b.Score, b.Precisions[0], b.Precisions[1], b.Precisions[2], b.Precisions[3], b.BP, ratio, b.HypLen, b.RefLen, tok)
	fmt.Fprintf(w, "  signature: %s\n", sc.Signature)
	fmt.Fprintf(w, "chrF2 = %.2f\n", sc.ChrF)
}
