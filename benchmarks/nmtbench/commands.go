package nmtbench

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/metabench/metabench/agents/nmt"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/lang"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/dirlock"
)

// savedExtra is what a saved model needs besides weights to translate:
// where its data came from and the subword vocabularies of real data.
type savedExtra struct {
	Profile string                 `json:"profile"`
	Seed    uint64                 `json:"seed"`
	Data    string                 `json:"data"`
	Lang    string                 `json:"lang"` // the language fine-tuned on ("" for a shared model)
	SrcBPE  map[string][][2]string `json:"src_bpe,omitempty"`
	TgtBPE  [][2]string            `json:"tgt_bpe,omitempty"`
	Train   *ModelRow              `json:"train,omitempty"`
	Tokens  int                    `json:"tokens,omitempty"`
}

type common struct {
	profile, data string
	seed          uint64
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.profile, "profile", "default", "scale of the data and model: smoke, default, quick or full")
	fs.StringVar(&c.data, "data", "", "real data: ntrex or a directory (default: synthetic languages)")
	cli.SeedVar(fs, &c.seed, cli.DefaultSeed, "data, models and fine-tuning")
}

func (c *common) dataset(ctx context.Context) (Profile, *dataset, error) {
	su, err := spec().Setup(suite.Options{Profile: c.profile, Data: c.data})
	if err != nil {
		return Profile{}, nil, err
	}
	p := su.Config.Profile
	if c.data != "" {
		d, err := real(p, c.seed, c.data)
		return p, d, err
	}
	d, err := synthetic(ctx, p, c.seed)
	return p, d, err
}

func (d *dataset) extra(c common, code string) savedExtra {
	x := savedExtra{Profile: c.profile, Seed: c.seed, Data: c.data, Lang: code}
	if d.engBPE != nil {
		x.TgtBPE = d.engBPE.Merges
		x.SrcBPE = map[string][][2]string{}
		for _, l := range append(append([]*langData{}, d.High...), d.Low...) {
			x.SrcBPE[l.Code] = l.bpe.Merges
		}
	}
	return x
}

func lowCodes(d *dataset) string {
	var cs []string
	for _, l := range d.Low {
		cs = append(cs, l.Code)
	}
	return strings.Join(cs, " ")
}

func trainCommand() cli.Command {
	return cli.Command{Name: "train", Summary: "train a shared model by FOMAML or multitask (and fine-tune it on a low-resource language) into --out DIR",
		Run: func(ctx context.Context, e cli.Env, args []string) error {
			fs := cli.NewFlags("train nmt")
			var c common
			c.register(fs)
			out := fs.String("out", "", "directory to write the model into (required)")
			method := fs.String("method", "meta", "meta (FOMAML) or multitask")
			ulr := fs.Bool("ulr", true, "universal lexical representation (false: plain embeddings)")
			code := fs.String("lang", "", "fine-tune on this low-resource language after training")
			tokens := fs.Int("tokens", 4000, "fine-tuning target tokens")
			mode := fs.String("mode", "emb+enc", "fine-tuning mode: all, emb+enc or emb")
			if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
				return err
			}
			if err := cli.NewCheck("train nmt").Required("out", *out).Int("tokens", *tokens, 0, 10_000_000).Err(); err != nil {
				return err
			}
			if *method != "meta" && *method != "multitask" {
				return cli.Usagef("train nmt: --method %q: want meta or multitask", *method)
			}
			if m := nmt.Mode(*mode); m != nmt.FineTuneAll && m != nmt.FineTuneEmbEnc && m != nmt.FineTuneEmb {
				return cli.Usagef("train nmt: --mode %q: want all, emb+enc or emb", *mode)
			}
			p, d, err := c.dataset(ctx)
			if err != nil {
				return err
			}
			var low *langData
			if *code != "" {
				if low = d.find(*code); low == nil || !contains(d.Low, low) {
					return cli.Usagef("train nmt: --lang %q is not a low-resource language of this data (want one of: %s)", *code, lowCodes(d))
				}
			}
			// Locked from before training to after saving: a second trainer
			// on the same --out is refused at once, not after its training.
			unlock, err := dirlock.MkdirLock(*out, "--out")
			if err != nil {
				return fmt.Errorf("train nmt: %w", err)
			}
			defer unlock()
			// What a killed save into this --out left behind.
			if err := atomicfile.RemoveTemps(*out, nmt.WeightsFile, nmt.ConfigFile); err != nil {
				return fmt.Errorf("train nmt: %w", err)
			}
			o := suite.Options{Profile: c.profile, Seed: c.seed, Data: c.data}
			spec := modelSpec{Name: *method, Method: nmt.Method(*method), ULR: *ulr, Langs: d.High}
			fmt.Fprintf(e.Stderr, "train nmt: %s on %d languages, %d steps\n", *method, len(d.High), p.Train.Steps)
			m, row, _, err := trainModel(ctx, o, p, d, "", spec)
			if err != nil {
				return err
			}
			x := d.extra(c, "")
			x.Train = &row
			if low != nil {
				m = m.Clone()
				if _, err := m.AddLanguage(rand.New(rand.NewPCG(c.seed, 1)), low.Code, low.Vocab, low.Emb); err != nil {
					return err
				}
				ft := p.FineTune
				ft.Mode, ft.Seed = nmt.Mode(*mode), c.seed
				data := support(low, *tokens, 0, c.seed)
				if m, _, _, err = nmt.FineTune(ctx, m, low.Code, data, ft, devScore(p, d, low)); err != nil {
					return err
				}
				x.Lang, x.Tokens = low.Code, *tokens
			}
			if err := nmt.Save(*out, m, x); err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "saved %s (last loss %.3f)\n", *out, last(row.Losses))
			return nil
		}}
}

func contains(ls []*langData, l *langData) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

func last(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return xs[len(xs)-1]
}

func evalCommand() cli.Command {
	return cli.Command{Name: "eval", Summary: "BLEU and chrF of a saved model on a language's test set",
		Run: func(ctx context.Context, e cli.Env, args []string) error {
			fs := cli.NewFlags("eval nmt")
			model := fs.String("model", "", "model directory (from train nmt)")
			code := fs.String("lang", "", "language to test (default: the one the model was fine-tuned on)")
			beam := fs.Int("beam", 4, "beam width (1: greedy)")
			n := fs.Int("n", 300, "test sentences")
			if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
				return err
			}
			if err := cli.NewCheck("eval nmt").Required("model", *model).Int("beam", *beam, 1, 64).Int("n", *n, 1, 1_000_000).Err(); err != nil {
				return err
			}
			var x savedExtra
			m, err := nmt.Load(*model, &x)
			if err != nil {
				return err
			}
			c := common{profile: x.Profile, data: x.Data, seed: x.Seed}
			p, d, err := c.dataset(ctx)
			if err != nil {
				return err
			}
			if *code == "" {
				*code = x.Lang
			}
			l := d.find(*code)
			if l == nil {
				return cli.Usagef("eval nmt: unknown language %q", *code)
			}
			if _, err := m.Lang(l.Code); err != nil {
				// Zero-shot: a language the model has not seen.
				if _, err := m.AddLanguage(rand.New(rand.NewPCG(c.seed, 1)), l.Code, l.Vocab, l.Emb); err != nil {
					return err
				}
			}
			b, chrf, err := score(m, d, l.Code, l.Test, l.TestRef, *n, *beam, p.LenPenalty)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.Stdout, "%s: BLEU %.2f chrF %.2f (%d test sentences, beam %d)\n", l.Code, b, chrf, min(*n, len(l.Test)), *beam)
			return nil
		}}
}

// segment splits a synthetic word into a root and suffix tokens known to
// the vocabulary (the fewest pieces), so that translate accepts joined
// text as well as tokens.
func segment(v *nmt.Vocab, w string) []string {
	if v.Has(w) || strings.HasPrefix(w, "-") {
		return []string{w}
	}
	n := len(w)
	best := make([][]string, n+1) // best[i]: pieces of w[:i]
	for i := 1; i <= n; i++ {
		if v.Has(w[:i]) {
			best[i] = []string{w[:i]}
		}
	}
	for i := 1; i <= n; i++ {
		if best[i] == nil {
			continue
		}
		for j := i + 1; j <= n; j++ {
			s := "-" + w[i:j]
			if v.Has(s) && (best[j] == nil || len(best[i])+1 < len(best[j])) {
				best[j] = append(append([]string{}, best[i]...), s)
			}
		}
	}
	if best[n] == nil {
		return []string{w}
	}
	return best[n]
}

func translateCommand() cli.Command {
	return cli.Command{Name: "translate", Summary: "translate sentences on stdin into English with a saved nmt model",
		Run: func(ctx context.Context, e cli.Env, args []string) error {
			fs := cli.NewFlags("translate")
			model := fs.String("model", "", "model directory (from metabench train nmt)")
			code := fs.String("lang", "", "source language (default: the one the model was fine-tuned on, else its last)")
			beam := fs.Int("beam", 4, "beam width (1: greedy)")
			if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
				return err
			}
			if err := cli.NewCheck("translate").Required("model", *model).Int("beam", *beam, 1, 64).Err(); err != nil {
				return err
			}
			var x savedExtra
			m, err := nmt.Load(*model, &x)
			if err != nil {
				return err
			}
			if *code == "" {
				*code = x.Lang
			}
			if *code == "" && len(m.Langs()) > 0 {
				*code = m.Langs()[len(m.Langs())-1].Code
			}
			l, err := m.Lang(*code)
			if err != nil {
				return cli.Usagef("translate: %v", err)
			}
			var srcBPE, tgtBPE *lang.BPE
			if x.TgtBPE != nil {
				tgtBPE = lang.NewBPE(x.TgtBPE)
				if mg, ok := x.SrcBPE[*code]; ok {
					srcBPE = lang.NewBPE(mg)
				}
			}
			return translateStream(os.Stdin, e.Stdout, m, l, srcBPE, tgtBPE != nil, *beam)
		}}
}

func translateStream(in io.Reader, out io.Writer, m *nmt.Model[float32], l *nmt.SrcLang[float32], srcBPE *lang.BPE, bpeTarget bool, beam int) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriter(out)
	defer w.Flush()
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if !utf8.ValidString(text) {
			return fmt.Errorf("translate: stdin:%d: invalid UTF-8", line)
		}
		var toks []string
		if srcBPE != nil {
			toks = srcBPE.Encode(text)
		} else {
			for _, f := range strings.Fields(text) {
				toks = append(toks, segment(l.Vocab, f)...)
			}
		}
		var outToks []string
		if len(toks) > 0 {
			ids := l.Vocab.IDs(toks)
			if len(ids) > m.Cfg.MaxLen-1 {
				ids = ids[:m.Cfg.MaxLen-1]
			}
			var hyp []int
			if beam > 1 {
				hyp = m.Beam(l, ids, beam, m.Cfg.MaxLen, 1)
			} else {
				hyp = m.Greedy(l, [][]int{ids}, m.Cfg.MaxLen)[0]
			}
			outToks = m.Tgt.Words(hyp)
		}
		s := strings.Join(outToks, " ")
		if bpeTarget {
			s = lang.Decode(outToks)
		}
		if _, err := fmt.Fprintln(w, s); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("translate: stdin:%d: %w", line+1, err)
	}
	return nil
}
