package nmtbench

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/plot"
)

// across renders runs of several seeds (`bench nmt --across`): the seed
// draws the languages, corpora, initial weights and batches, so a
// difference between methods that one seed shows may be that seed's luck.
// The tables give meta − multitask per seed with its mean and standard
// error over seeds, how many cells of each of the paper's findings hold
// in each seed, and where early stopping left each shared model.
func across(runs []Rows, seeds []uint64) ([]report.Table, error) {
	if len(runs) != len(seeds) || len(runs) == 0 {
		return nil, fmt.Errorf("%d runs for %d seeds", len(runs), len(seeds))
	}
	seedCols := make([]string, len(seeds))
	for i, s := range seeds {
		seedCols[i] = fmt.Sprintf("seed %d", s)
	}
	ts := []report.Table{gapBySeed(runs, seedCols), findingsBySeed(runs, seedCols)}
	if t := modelsBySeed(runs, seedCols); len(t.Rows) > 0 {
		ts = append(ts, t)
	}
	return ts, nil
}

// cellMean is the mean BLEU over support sets of the units keep selects,
// and whether there were any.
func cellMean(r Rows, keep func(Row) bool) (float64, bool) {
	s := meanStd(collect(r, keep))
	return s.mean, s.n > 0
}

// mainCell selects the main experiment's units of one model, language and size.
func mainCell(model, lang string, size int) func(Row) bool {
	return func(u Row) bool { return u.Exp == "main" && u.Model == model && u.Lang == lang && u.Size == size }
}

// modeCell selects the units of one model, language, size and fine-tuning
// mode; the main experiment's units count for its mode.
func modeCell(model, lang string, size int, mode string) func(Row) bool {
	return func(u Row) bool {
		return (u.Exp == "modes" || u.Exp == "main") && u.Model == model && u.Lang == lang && u.Size == size && u.Mode == mode
	}
}

// mainPair is meta's and multitask's mean BLEU on a main cell of r, and
// whether both were measured.
func mainPair(r Rows, lang string, size int) (meta, multi float64, ok bool) {
	m, ok1 := cellMean(r, mainCell("meta", lang, size))
	mt, ok2 := cellMean(r, mainCell("multitask", lang, size))
	return m, mt, ok1 && ok2
}

// gap is meta − multitask on a main cell of r.
func gap(r Rows, lang string, size int) (float64, bool) {
	m, mt, ok := mainPair(r, lang, size)
	return m - mt, ok
}

func gapBySeed(runs []Rows, seedCols []string) report.Table {
	mode := ""
	if i := slices.IndexFunc(runs[0].Units, func(u Row) bool { return u.Exp == "main" }); i >= 0 {
		mode = runs[0].Units[i].Mode
	}
	t := report.Table{
		Title:  fmt.Sprintf("meta − multitask by seed, fine-tuning %s (BLEU, each seed's mean over support sets)", mode),
		Header: append(append([]string{"language", "tokens"}, seedCols...), "mean ± s.e. over seeds", "meta ahead", "meta, mean ± std over seeds", "multitask, mean ± std over seeds"),
	}
	for _, l := range langsOf(runs[0], "main") {
		for _, size := range sizesOf(runs[0], "main") {
			row := []string{l, fmt.Sprint(size)}
			var gaps, metas, multis []float64
			for _, r := range runs {
				m, mt, ok := mainPair(r, l, size)
				if !ok {
					row = append(row, "–")
					continue
				}
				g := m - mt
				gaps, metas, multis = append(gaps, g), append(metas, m), append(multis, mt)
				row = append(row, fmt.Sprintf("%+.2f", g))
			}
			s := meanStd(gaps)
			se := "–"
			if s.n > 1 {
				se = fmt.Sprintf("%+.2f ± %.2f", s.mean, s.std/math.Sqrt(float64(s.n)))
			}
			ahead := 0
			for _, g := range gaps {
				if g > 0 {
					ahead++
				}
			}
			row = append(row, se, fmt.Sprintf("%d of %d", ahead, len(gaps)), meanStd(metas).String(), meanStd(multis).String())
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// finding is one of the paper's claims, checked cell by cell in a run:
// holds and total count the cells where it holds and where it applies.
type finding struct {
	name  string
	check func(r Rows) (holds, total int)
}

func findings(first Rows) []finding {
	var fs []finding
	mainSizes := sizesOf(first, "main")
	fs = append(fs, finding{"meta > multitask (language × size)", func(r Rows) (h, n int) {
		for _, l := range langsOf(r, "main") {
			for _, size := range sizesOf(r, "main") {
				if g, ok := gap(r, l, size); ok {
					n++
					if g > 0 {
						h++
					}
				}
			}
		}
		return h, n
	}})
	if len(mainSizes) > 1 {
		lo, hi := mainSizes[0], mainSizes[len(mainSizes)-1]
		fs = append(fs, finding{fmt.Sprintf("gap smaller at %d than at %d tokens (language)", hi, lo), func(r Rows) (h, n int) {
			for _, l := range langsOf(r, "main") {
				gl, ok1 := gap(r, l, lo)
				gh, ok2 := gap(r, l, hi)
				if ok1 && ok2 {
					n++
					if gh < gl {
						h++
					}
				}
			}
			return h, n
		}})
	}
	modeFinding := func(name, better, worse string, orEqual bool) finding {
		return finding{name, func(r Rows) (h, n int) {
			sizes := sizesOf(r, "modes")
			if len(sizes) == 0 {
				return 0, 0
			}
			for _, l := range langsOf(r, "modes") {
				for _, m := range []string{"meta", "multitask"} {
					b, ok1 := cellMean(r, modeCell(m, l, sizes[0], better))
					w, ok2 := cellMean(r, modeCell(m, l, sizes[0], worse))
					if ok1 && ok2 {
						n++
						if b > w || orEqual && b == w {
							h++
						}
					}
				}
			}
			return h, n
		}}
	}
	fs = append(fs,
		modeFinding("emb+enc ≥ all (language × model)", "emb+enc", "all", true),
		modeFinding("emb+enc > emb (language × model)", "emb+enc", "emb", false),
		finding{"meta on all languages > on fewer (language)", func(r Rows) (h, n int) {
			sizes := sizesOf(r, "langs")
			if len(sizes) == 0 {
				return 0, 0
			}
			for _, u := range r.Units {
				if u.Exp != "langs" || u.Set != 0 {
					continue
				}
				few, ok1 := cellMean(r, func(v Row) bool { return v.Exp == "langs" && v.Model == u.Model && v.Lang == u.Lang })
				all, ok2 := cellMean(r, mainCell("meta", u.Lang, sizes[0]))
				if ok1 && ok2 {
					n++
					if all > few {
						h++
					}
				}
			}
			return h, n
		}},
		finding{"zero-shot: ULR > plain embeddings (language)", func(r Rows) (h, n int) {
			for _, l := range langsOf(r, "zeroshot") {
				ulr, ok1 := cellMean(r, func(u Row) bool { return u.Exp == "zeroshot" && u.Model == "meta" && u.Lang == l })
				plain, ok2 := cellMean(r, func(u Row) bool { return u.Exp == "zeroshot" && u.Model == "meta-noULR" && u.Lang == l })
				if ok1 && ok2 {
					n++
					if ulr > plain {
						h++
					}
				}
			}
			return h, n
		}},
	)
	return fs
}

func findingsBySeed(runs []Rows, seedCols []string) report.Table {
	t := report.Table{
		Title:  "The paper's findings: cells where each holds, by seed",
		Header: append(append([]string{"finding"}, seedCols...), "all seeds"),
	}
	for _, f := range findings(runs[0]) {
		row := []string{f.name}
		var h, n int
		for _, r := range runs {
			hi, ni := f.check(r)
			h, n = h+hi, n+ni
			row = append(row, fmt.Sprintf("%d of %d", hi, ni))
		}
		if n == 0 {
			continue // the profile does not run this experiment
		}
		t.Rows = append(t.Rows, append(row, fmt.Sprintf("%d of %d", h, n)))
	}
	return t
}

func modelsBySeed(runs []Rows, seedCols []string) report.Table {
	t := report.Table{
		Title:  "Shared models by seed: best step / steps trained, validation BLEU at the best step",
		Header: append([]string{"model"}, seedCols...),
	}
	for _, m := range runs[0].Models {
		row := []string{m.Name}
		for _, r := range runs {
			cell := "–"
			if i := slices.IndexFunc(r.Models, func(x ModelRow) bool { return x.Name == m.Name }); i >= 0 && r.Models[i].Steps >= 0 {
				x := r.Models[i]
				cell = fmt.Sprintf("%d / %d, %.1f", x.BestStep, x.Steps, x.BestScore)
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// acrossPlots draws meta − multitask by fine-tuning size: per language the
// mean over seeds (solid, in the legend) and, in the same colour, each
// seed's own curve, so that the spread between seeds sits beside the mean
// it moves; beyond maxSeedCurves seeds, whose curves would hide the means,
// the ends of the mean's 95% interval instead.
func acrossPlots(runs []Rows, seeds []uint64, dir string) ([]string, error) {
	const maxSeedCurves = 5
	sizes := sizesOf(runs[0], "main")
	if len(sizes) < 2 {
		return nil, nil
	}
	xs := make([]float64, len(sizes))
	for i, s := range sizes {
		xs[i] = float64(s)
	}
	series := []plot.Series{{Name: "no difference", X: xs, Y: make([]float64, len(xs))}}
	for _, l := range langsOf(runs[0], "main") {
		mean := plot.Series{Name: fmt.Sprintf("%s, mean of %d seeds", l, len(seeds)), Group: l, X: xs}
		perSeed := make([]plot.Series, len(runs))
		for i := range runs {
			perSeed[i] = plot.Series{Group: l, X: xs}
		}
		lo, hi := plot.Series{Group: l, X: xs}, plot.Series{Group: l, X: xs}
		for _, size := range sizes {
			var gaps []float64
			for i, r := range runs {
				g, ok := gap(r, l, size)
				if !ok {
					g = math.NaN() // a gap in that seed's curve
				} else {
					gaps = append(gaps, g)
				}
				perSeed[i].Y = append(perSeed[i].Y, g)
			}
			m := math.NaN()
			if len(gaps) > 0 {
				m = meanStd(gaps).mean
			}
			mean.Y = append(mean.Y, m)
			a, b, ok := claims.TInterval(gaps, 0.95)
			if !ok {
				a, b = math.NaN(), math.NaN()
			}
			lo.Y, hi.Y = append(lo.Y, a), append(hi.Y, b)
		}
		series = append(series, mean)
		if len(runs) > maxSeedCurves {
			lo.Name = fmt.Sprintf("%s, 95%% interval", l)
			series = append(series, lo, hi)
		} else {
			series = append(series, perSeed...)
		}
	}
	path := filepath.Join(dir, "across-seeds-gap-by-size.png")
	title := fmt.Sprintf("meta − multitask by fine-tuning size, seeds %s", suite.FormatSeeds(seeds))
	if err := plot.Lines(path, plot.Axes{Title: title, X: "target tokens", Y: "BLEU, meta − multitask", LogX: true, LegendRight: true}, series...); err != nil {
		return nil, err
	}
	return []string{path}, nil
}
