package nmtbench

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/metabench/metabench/benchmarks/bleu"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/internal/plot"
)

// stat is a mean ± standard deviation over support sets.
type stat struct {
	mean, std float64
	n         int
}

// meanStd is the mean and sample standard deviation of xs, summed in order:
// gonum's stat.MeanStdDev sums in SIMD lanes and differs in the last bit
// for about half of such samples, which would move the suite's numbers.
func meanStd(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	if len(xs) > 1 {
		v /= float64(len(xs) - 1)
	}
	return stat{m, math.Sqrt(v), len(xs)}
}

func (s stat) String() string {
	if s.n == 0 {
		return "–"
	}
	if s.n == 1 {
		return fmt.Sprintf("%.2f", s.mean)
	}
	return fmt.Sprintf("%.2f ± %.2f", s.mean, s.std)
}

// collect returns the BLEU of the units keep selects.
func collect(r Rows, keep func(Row) bool) []float64 {
	return collectScore(r, keep, func(u Row) float64 { return u.BLEU })
}

// collectChrF returns the chrF of the units keep selects.
func collectChrF(r Rows, keep func(Row) bool) []float64 {
	return collectScore(r, keep, func(u Row) float64 { return u.ChrF })
}

func collectScore(r Rows, keep func(Row) bool, score func(Row) float64) []float64 {
	var out []float64
	for _, u := range r.Units {
		if keep(u) {
			out = append(out, score(u))
		}
	}
	return out
}

func langsOf(r Rows, exp string) []string {
	var out []string
	for _, u := range r.Units {
		if u.Exp == exp && !slices.Contains(out, u.Lang) {
			out = append(out, u.Lang)
		}
	}
	return out
}

func sizesOf(r Rows, exp string) []int {
	var out []int
	for _, u := range r.Units {
		if u.Exp == exp && !slices.Contains(out, u.Size) {
			out = append(out, u.Size)
		}
	}
	slices.Sort(out)
	return out
}

func tables(r Rows) []report.Table {
	var ts []report.Table
	// Main: meta vs multitask by language and size.
	mainMode := ""
	for _, u := range r.Units {
		if u.Exp == "main" {
			mainMode = u.Mode
			break
		}
	}
	if langs := langsOf(r, "main"); len(langs) > 0 {
		t := report.Table{Title: fmt.Sprintf("BLEU by fine-tuning size (target tokens), meta vs multitask, fine-tuning %s (mean ± std over support sets)", mainMode),
			Header: []string{"language", "tokens", "meta", "multitask", "meta − multitask"}}
		// Real text: chrF too, which still separates models whose BLEU
		// is 0 (no 4-gram matches).
		real := r.Data != "synthetic"
		if real {
			t.Header = append(t.Header, "chrF meta", "chrF multitask")
		}
		tokid := slices.ContainsFunc(r.Units, func(u Row) bool { return u.Exp == "main" && u.Model == "multitask-tokid" })
		if tokid {
			t.Header = append(t.Header, "multitask, authors' E", "meta − it")
		}
		double := slices.ContainsFunc(r.Units, func(u Row) bool { return u.Exp == "main" && u.Model == "multitask-2x" })
		if double {
			t.Header = append(t.Header, "multitask, 2× steps", "meta − it")
		}
		for _, l := range langs {
			for _, s := range sizesOf(r, "main") {
				keep := func(model string) func(Row) bool {
					return func(u Row) bool { return u.Exp == "main" && u.Model == model && u.Lang == l && u.Size == s }
				}
				m, mt := meanStd(collect(r, keep("meta"))), meanStd(collect(r, keep("multitask")))
				row := []string{l, fmt.Sprint(s), m.String(), mt.String(), fmt.Sprintf("%+.2f", m.mean-mt.mean)}
				if real {
					row = append(row, meanStd(collectChrF(r, keep("meta"))).String(), meanStd(collectChrF(r, keep("multitask"))).String())
				}
				if tokid {
					a := meanStd(collect(r, keep("multitask-tokid")))
					row = append(row, a.String(), fmt.Sprintf("%+.2f", m.mean-a.mean))
				}
				if double {
					a := meanStd(collect(r, keep("multitask-2x")))
					row = append(row, a.String(), fmt.Sprintf("%+.2f", m.mean-a.mean))
				}
				t.Rows = append(t.Rows, row)
			}
		}
		ts = append(ts, t)
	}
	if langs := langsOf(r, "fixedk"); len(langs) > 0 {
		var ks []int
		for _, u := range r.Units {
			if u.Exp == "fixedk" && !slices.Contains(ks, u.K) {
				ks = append(ks, u.K)
			}
		}
		slices.Sort(ks)
		t := report.Table{Title: "Fixed-K protocol: test BLEU (greedy) after K fine-tuning steps, no dev selection; meta / multitask / meta − multitask (mean over support sets)",
			Header: []string{"language", "tokens"}}
		for _, k := range ks {
			t.Header = append(t.Header, fmt.Sprintf("K=%d", k))
		}
		for _, l := range langs {
			for _, size := range sizesOf(r, "fixedk") {
				row := []string{l, fmt.Sprint(size)}
				for _, k := range ks {
					get := func(model string) stat {
						return meanStd(collect(r, func(u Row) bool {
							return u.Exp == "fixedk" && u.Model == model && u.Lang == l && u.Size == size && u.K == k
						}))
					}
					m, mt := get("meta"), get("multitask")
					row = append(row, fmt.Sprintf("%.1f / %.1f / %+.1f", m.mean, mt.mean, m.mean-mt.mean))
				}
				t.Rows = append(t.Rows, row)
			}
		}
		ts = append(ts, t)
	}
	if g := gates(r); len(g.Rows) > 0 {
		ts = append(ts, g)
	}
	if langs := langsOf(r, "modes"); len(langs) > 0 {
		size := sizesOf(r, "modes")[0]
		t := report.Table{Title: fmt.Sprintf("BLEU by fine-tuning mode at %d target tokens", size),
			Header: []string{"language", "model", "all", "emb+enc", "emb"}}
		for _, l := range langs {
			for _, m := range []string{"meta", "multitask"} {
				row := []string{l, m}
				for _, mode := range []string{"all", "emb+enc", "emb"} {
					row = append(row, meanStd(collect(r, func(u Row) bool {
						return (u.Exp == "modes" || u.Exp == "main") && u.Model == m && u.Lang == l && u.Size == size && u.Mode == mode
					})).String())
				}
				t.Rows = append(t.Rows, row)
			}
		}
		ts = append(ts, t)
	}
	if langs := langsOf(r, "zeroshot"); len(langs) > 0 {
		t := report.Table{Title: "Zero-shot BLEU (no fine-tuning data)", Header: []string{"language", "meta, ULR", "multitask, ULR", "meta, plain embeddings"}}
		for _, l := range langs {
			row := []string{l}
			for _, m := range []string{"meta", "multitask", "meta-noULR"} {
				row = append(row, meanStd(collect(r, func(u Row) bool { return u.Exp == "zeroshot" && u.Model == m && u.Lang == l })).String())
			}
			t.Rows = append(t.Rows, row)
		}
		ts = append(ts, t)
	}
	if langs := langsOf(r, "langs"); len(langs) > 0 {
		var names []string
		for _, u := range r.Units {
			if u.Exp == "langs" && !slices.Contains(names, u.Model) {
				names = append(names, u.Model)
			}
		}
		size := sizesOf(r, "langs")[0]
		t := report.Table{Title: fmt.Sprintf("BLEU by number of meta-training languages at %d target tokens", size), Header: append([]string{"language"}, append(names, "meta (all)")...)}
		for _, l := range langs {
			row := []string{l}
			for _, n := range names {
				row = append(row, meanStd(collect(r, func(u Row) bool { return u.Exp == "langs" && u.Model == n && u.Lang == l })).String())
			}
			row = append(row, meanStd(collect(r, func(u Row) bool { return u.Exp == "main" && u.Model == "meta" && u.Lang == l && u.Size == size })).String())
			t.Rows = append(t.Rows, row)
		}
		ts = append(ts, t)
	}
	if langs := langsOf(r, "supervised"); len(langs) > 0 {
		bl := "BLEU"
		if r.Data != "synthetic" {
			bl = "sacreBLEU 13a"
		}
		t := report.Table{Title: "Fully supervised upper bound (all training data of the language, from scratch)", Header: []string{"language", "tokens", bl, "chrF"}}
		for _, u := range r.Units {
			if u.Exp == "supervised" {
				t.Rows = append(t.Rows, []string{u.Lang, fmt.Sprint(u.Tokens), fmt.Sprintf("%.2f", u.BLEU), fmt.Sprintf("%.2f", u.ChrF)})
			}
		}
		ts = append(ts, t)
	}
	if len(r.Models) > 0 {
		t := report.Table{Title: "Shared models", Header: []string{"model", "method", "ULR", "languages", "steps", "best step", "val BLEU", "last loss"}}
		for _, m := range r.Models {
			if m.Steps < 0 {
				continue
			}
			last := "–"
			if len(m.Losses) > 0 {
				last = fmt.Sprintf("%.3f", m.Losses[len(m.Losses)-1])
			}
			t.Rows = append(t.Rows, []string{m.Name, m.Method, fmt.Sprint(m.ULR), fmt.Sprint(len(m.Langs)), fmt.Sprint(m.Steps), fmt.Sprint(m.BestStep), fmt.Sprintf("%.2f", m.BestScore), last})
		}
		ts = append(ts, t)
	}
	if len(r.Align) > 0 {
		t := report.Table{Title: "Monolingual embeddings aligned to English (Procrustes on a seed dictionary)", Header: []string{"language", "role", "family", "seed pairs", "held-out pairs", "P@1 held out", "train tokens"}}
		for _, a := range r.Align {
			p1 := "–"
			if a.Held > 0 {
				p1 = fmt.Sprintf("%.2f", a.P1)
			}
			t.Rows = append(t.Rows, []string{a.Lang, a.Role, a.Family, fmt.Sprint(a.Seed), fmt.Sprint(a.Held), p1, fmt.Sprint(a.Train)})
		}
		ts = append(ts, t)
	}
	// Every BLEU above is one convention, stated as sacreBLEU states its.
	sig := bleu.SignatureOf("none", 1)
	how := "multi-bleu on the synthetic language's tokens"
	if r.Data != "synthetic" {
		sig, how = bleu.SignatureOf("13a", 1), "sacreBLEU's definition on the detokenised text"
	}
	ts = append(ts, report.Table{Title: "BLEU signature", Header: []string{"BLEU", "signature"}, Rows: [][]string{{how, sig.String()}}})
	if s := r.Speed; s != nil {
		ts = append(ts, report.Table{Title: "Speed (this run, this machine)", Header: []string{"measure", "value"}, Rows: [][]string{
			{"shared-model training, target tokens/s per worker", trainRate(s)},
			{fmt.Sprintf("beam-%d decoding, sentences/s", s.BeamWidth), fmt.Sprintf("%.1f", s.DecodeSentsPerSec)},
			{"greedy decoding (batched), sentences/s", fmt.Sprintf("%.1f", s.GreedySentsPerSec)},
			{"shared-model training, worker-seconds", fmt.Sprintf("%.1f", s.TrainSeconds)},
			{"fine-tuning and evaluation, worker-seconds", fmt.Sprintf("%.1f", s.FineTuneSeconds)},
		}})
	}
	return ts
}

// trainRate formats the shared models' training speed; a run that loaded
// every shared model from the cache trained nothing to measure.
func trainRate(s *Speed) string {
	if s.TrainedTargetToken == 0 {
		return "– (loaded from the cache)"
	}
	return fmt.Sprintf("%.0f", s.TrainTokensPerSec)
}

func plots(r Rows, dir string) ([]string, error) {
	sizes := sizesOf(r, "main")
	if len(sizes) < 2 {
		return nil, nil
	}
	var series []plot.Series
	for _, l := range langsOf(r, "main") {
		for _, m := range []string{"meta", "multitask"} {
			s := plot.Series{Name: l + " " + m, Group: l}
			for _, size := range sizes {
				st := meanStd(collect(r, func(u Row) bool { return u.Exp == "main" && u.Model == m && u.Lang == l && u.Size == size }))
				s.X = append(s.X, float64(size))
				s.Y = append(s.Y, st.mean)
			}
			series = append(series, s)
		}
	}
	path := filepath.Join(dir, "bleu-by-size.png")
	if err := plot.Lines(path, plot.Axes{Title: "Meta-learning vs multitask: BLEU by fine-tuning size", X: "target tokens", Y: "BLEU", LogX: true, LegendBottom: true}, series...); err != nil {
		return nil, err
	}
	return []string{path}, nil
}

// Design gates: the task must leave room for the effect the suite
// measures. A saturated task (every model near the ceiling) or one where
// nothing translates cannot tell meta-learning from multitask learning.
const (
	gateCeiling      = 95 // supervised upper bound, BLEU, at least
	gateFineTuneLow  = 30 // fine-tuned BLEU at 250-1,000 target tokens, within
	gateFineTuneHigh = 85
	gateZeroShot     = 30 // zero-shot BLEU with ULR, at most
	gateSmallLow     = 250
	gateSmallHigh    = 1000
	// Real data: a supervised model of one high-resource pair.
	gateRealSupervised = 15
)

// gates returns the table of the design gates the rows can check.
func gates(r Rows) report.Table {
	t := report.Table{Title: "Design gates (is there room for the effect?)", Header: []string{"gate", "measured", "want", "met"}}
	add := func(name string, v float64, want string, ok bool) {
		t.Rows = append(t.Rows, []string{name, fmt.Sprintf("%.2f", v), want, map[bool]string{true: "yes", false: "NO"}[ok]})
	}
	role := map[string]string{}
	for _, a := range r.Align {
		role[a.Lang] = a.Role
	}
	if r.Data != "synthetic" {
		// Real data: the gate is that the model and data translate at all.
		for _, u := range r.Units {
			if u.Exp == "supervised" && role[u.Lang] == "high" {
				add(fmt.Sprintf("supervised %s (high-resource, sacreBLEU 13a)", u.Lang), u.BLEU, fmt.Sprintf("≥ %d", gateRealSupervised), u.BLEU >= gateRealSupervised)
			}
		}
		return t
	}
	if sup := collect(r, func(u Row) bool { return u.Exp == "supervised" }); len(sup) > 0 {
		v := slices.Min(sup)
		add("supervised upper bound, lowest language", v, fmt.Sprintf("≥ %d", gateCeiling), v >= gateCeiling)
	}
	for _, size := range sizesOf(r, "main") {
		if size < gateSmallLow || size > gateSmallHigh {
			continue
		}
		for _, m := range []string{"meta", "multitask"} {
			xs := collect(r, func(u Row) bool { return u.Exp == "main" && u.Model == m && u.Size == size })
			if len(xs) == 0 {
				continue
			}
			lo, hi := slices.Min(xs), slices.Max(xs)
			v := meanStd(xs).mean
			add(fmt.Sprintf("fine-tuned %s at %d tokens, mean (range %.1f-%.1f)", m, size, lo, hi), v,
				fmt.Sprintf("%d-%d", gateFineTuneLow, gateFineTuneHigh), v >= gateFineTuneLow && v <= gateFineTuneHigh)
		}
	}
	var zs []float64
	for _, m := range []string{"meta", "multitask"} {
		for _, l := range langsOf(r, "zeroshot") {
			if x := collect(r, func(u Row) bool { return u.Exp == "zeroshot" && u.Model == m && u.Lang == l }); len(x) > 0 {
				zs = append(zs, meanStd(x).mean)
			}
		}
	}
	if len(zs) > 0 {
		v := slices.Max(zs)
		add("zero-shot with ULR, highest language", v, fmt.Sprintf("≤ %d", gateZeroShot), v <= gateZeroShot)
	}
	var p1 []float64
	for _, a := range r.Align {
		if a.Role == "low" && a.Held > 0 {
			p1 = append(p1, a.P1)
		}
	}
	if len(p1) > 0 {
		v := meanStd(p1).mean
		add(fmt.Sprintf("alignment P@1 of low-resource languages, mean (range %.2f-%.2f)", slices.Min(p1), slices.Max(p1)), v, "0.20-0.35", v >= 0.2 && v <= 0.35)
	}
	return t
}
