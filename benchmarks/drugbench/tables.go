package drugbench

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/internal/plot"
)

// perTask averages a model's ROC AUC per task over the folds of
// experiment 1 (tasks never evaluable are left out).
func perTask(r Rows, model string) map[int]float64 {
	return perTaskOf(r, model, func(res Result) []float64 { return res.AUC })
}

// perTaskPRC is perTask of the average precision.
func perTaskPRC(r Rows, model string) map[int]float64 {
	return perTaskOf(r, model, func(res Result) []float64 { return res.PRC })
}

func perTaskOf(r Rows, model string, metric func(Result) []float64) map[int]float64 {
	sum, n := map[int]float64{}, map[int]int{}
	for _, res := range r.Results {
		if res.Exp != ExpModels || res.Model != model {
			continue
		}
		m := metric(res)
		if len(m) != len(res.Tasks) {
			continue // rows written before the metric existed
		}
		for k, t := range res.Tasks {
			sum[t] += m[k]
			n[t]++
		}
	}
	out := map[int]float64{}
	for t, s := range sum {
		out[t] = s / float64(n[t])
	}
	return out
}

func modelsRun(r Rows) []string {
	var ms []string
	for _, m := range AllModels {
		for _, res := range r.Results {
			if res.Exp == ExpModels && res.Model == m {
				ms = append(ms, m)
				break
			}
		}
	}
	return ms
}

// groupTasks returns the tasks of group g that every model evaluated, so
// that models are compared on the same tasks.
func groupTasks(r Rows, g string, models []string) []int {
	var ts []int
	for t, tg := range r.Data.Groups {
		if g != "all" && tg != g {
			continue
		}
		ok := true
		for _, m := range models {
			if _, has := perTask(r, m)[t]; !has {
				ok = false
			}
		}
		if ok {
			ts = append(ts, t)
		}
	}
	return ts
}

// values returns m's values of the tasks ts, NaN where m has none (a
// metric the rows do not have).
func values(m map[int]float64, ts []int) []float64 {
	out := make([]float64, len(ts))
	for k, t := range ts {
		v, ok := m[t]
		if !ok {
			v = math.NaN()
		}
		out[k] = v
	}
	return out
}

// meanMedian is the "mean / median" cell of vs, "–" when any is missing.
func meanMedian(vs []float64) string {
	if slices.ContainsFunc(vs, math.IsNaN) {
		return "–"
	}
	return f3(claims.Mean(vs)) + " / " + f3(Median(vs))
}

func f3(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf("%.3f", x)
}

func groupsOf(r Rows) []string {
	var gs []string
	for _, g := range r.Data.Groups {
		if !slices.Contains(gs, g) {
			gs = append(gs, g)
		}
	}
	if len(gs) > 1 {
		gs = append(gs, "all")
	}
	return gs
}

func tables(r Rows) []report.Table {
	var ts []report.Table
	d := r.Data
	var lab, act, cells int
	for t := range d.Tasks {
		lab += d.Labelled[t]
		act += d.Actives[t]
		cells += d.Molecules
	}
	ts = append(ts, report.Table{
		Title:  "Data",
		Header: []string{"dataset", "split", "molecules read", "used", "unparsable SMILES", "tasks", "labelled %", "actives % of labelled"},
		Rows: [][]string{{d.Name, d.Split, fmt.Sprint(d.Read), fmt.Sprint(d.Molecules), fmt.Sprint(d.Unparsable), fmt.Sprint(len(d.Tasks)),
			report.Pct(lab, cells), report.Pct(act, lab)}},
	})
	models := modelsRun(r)
	if len(models) > 0 {
		folds := map[int]bool{}
		skipped := 0
		for _, res := range r.Results {
			if res.Exp == ExpModels {
				folds[res.Fold] = true
				if res.Model == models[0] {
					skipped += res.Skipped
				}
			}
		}
		t := report.Table{
			Title:  fmt.Sprintf("(1) Mean / median test ROC AUC per dataset group (%d fold(s); %d task-folds with one class in the test part skipped)", len(folds), skipped),
			Header: append(append([]string{"group", "tasks"}, models...), ""),
		}
		t.Header = t.Header[:len(t.Header)-1]
		per, perPRC := map[string]map[int]float64{}, map[string]map[int]float64{}
		for _, m := range models {
			per[m] = perTask(r, m)
			perPRC[m] = perTaskPRC(r, m)
		}
		pt := report.Table{
			Title:  fmt.Sprintf("(1) Mean / median test PRC AUC per dataset group (%d fold(s)): average precision, step-wise as scikit-learn's average_precision_score, not trapezoidal; MoleculeNet's metric for MUV and PCBA", len(folds)),
			Header: t.Header,
		}
		for _, g := range groupsOf(r) {
			tasks := groupTasks(r, g, models)
			row := []string{g, fmt.Sprint(len(tasks))}
			prow := slices.Clone(row)
			for _, m := range models {
				row = append(row, meanMedian(values(per[m], tasks)))
				prow = append(prow, meanMedian(values(perPRC[m], tasks)))
			}
			t.Rows = append(t.Rows, row)
			pt.Rows = append(pt.Rows, prow)
		}
		ts = append(ts, t, pt)
		if slices.Contains(models, ModelPMTNN) {
			st := report.Table{
				Title:  "(1) Pyramidal multitask net against each model: Δ log-odds of mean AUC and sign test over tasks",
				Header: []string{"group", "against", "Δ log-odds mean AUC", "PMTNN wins", "losses", "sign test p"},
			}
			for _, g := range groupsOf(r) {
				tasks := groupTasks(r, g, models)
				pm := values(per[ModelPMTNN], tasks)
				for _, m := range models {
					if m == ModelPMTNN {
						continue
					}
					b := values(per[m], tasks)
					w, l, p := SignTest(pm, b)
					st.Rows = append(st.Rows, []string{g, m, fmt.Sprintf("%+.3f", DeltaLogOdds(pm, b)), fmt.Sprint(w), fmt.Sprint(l), fmt.Sprintf("%.3g", p)})
				}
			}
			ts = append(ts, st)
		}
	}
	if t, ok := addedTable(r); ok {
		ts = append(ts, t)
	}
	if t, ok := examplesTable(r); ok {
		ts = append(ts, t)
	}
	if t, ok := pretrainTable(r); ok {
		ts = append(ts, t)
	}
	if t, ok := occurrenceTable(r); ok {
		ts = append(ts, t)
	}
	if r.Speed != nil {
		ts = append(ts, speedTable(*r.Speed))
	}
	return ts
}

func resultsOf(r Rows, exp string) []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Exp == exp {
			out = append(out, res)
		}
	}
	return out
}

// addedCurve returns, per number of added tasks, the held-in mean AUC and
// the per-task AUCs.
func addedCurve(r Rows) (ks []float64, mean []float64, res []Result) {
	res = resultsOf(r, ExpAdded)
	slices.SortStableFunc(res, func(a, b Result) int { return a.K - b.K })
	for _, x := range res {
		ks = append(ks, float64(x.K))
		mean = append(mean, claims.Mean(x.AUC))
	}
	return
}

func addedTable(r Rows) (report.Table, bool) {
	ks, mean, res := addedCurve(r)
	if len(res) == 0 {
		return report.Table{}, false
	}
	t := report.Table{
		Title:  fmt.Sprintf("(2) Tasks added to %d held-in tasks (pyramidal multitask net): held-in test ROC AUC", len(res[0].Tasks)+res[0].Skipped),
		Header: []string{"tasks added", "held-in mean AUC", "Δ vs none", "held-in tasks below their AUC with none"},
	}
	base := map[int]float64{}
	for k, task := range res[0].Tasks {
		base[task] = res[0].AUC[k]
	}
	for i, x := range res {
		dips := 0
		for k, task := range x.Tasks {
			if b, ok := base[task]; ok && x.AUC[k] < b {
				dips++
			}
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(int(ks[i])), f3(mean[i]), fmt.Sprintf("%+.3f", mean[i]-mean[0]), fmt.Sprintf("%d of %d", dips, len(x.Tasks))})
	}
	return t, true
}

func examplesTable(r Rows) (report.Table, bool) {
	res := resultsOf(r, ExpExamples)
	if len(res) == 0 {
		return report.Table{}, false
	}
	var fracs []float64
	var ns []int
	for _, x := range res {
		if !slices.Contains(fracs, x.Frac) {
			fracs = append(fracs, x.Frac)
		}
		if !slices.Contains(ns, x.K) {
			ns = append(ns, x.K)
		}
	}
	slices.Sort(fracs)
	slices.Sort(ns)
	t := report.Table{Title: "(3) More tasks or more examples: held-in mean test ROC AUC (pyramidal multitask net)", Header: []string{"tasks trained"}}
	for _, f := range fracs {
		t.Header = append(t.Header, fmt.Sprintf("%.0f%% of molecules", 100*f))
	}
	for _, n := range ns {
		row := []string{fmt.Sprint(n)}
		for _, f := range fracs {
			cell := "–"
			for _, x := range res {
				if x.K == n && x.Frac == f {
					cell = f3(claims.Mean(x.AUC))
				}
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, true
}

func pretrainTable(r Rows) (report.Table, bool) {
	res := resultsOf(r, ExpPretrain)
	if len(res) == 0 {
		return report.Table{}, false
	}
	x := res[0]
	t := report.Table{
		Title:  "(4) Pretrain a pyramidal multitask net on the other tasks, then train on a held-out task, against a pyramidal single-task net from scratch",
		Header: []string{"held-out task", "from scratch AUC", "pretrained AUC", "Δ"},
	}
	for k, task := range x.Tasks {
		if k >= len(x.Base) {
			break
		}
		t.Rows = append(t.Rows, []string{r.Data.Tasks[task], f3(x.Base[k]), f3(x.AUC[k]), fmt.Sprintf("%+.3f", x.AUC[k]-x.Base[k])})
	}
	n := min(len(x.AUC), len(x.Base))
	w, l, _ := SignTest(x.AUC[:n], x.Base[:n])
	t.Rows = append(t.Rows, []string{fmt.Sprintf("mean (%d better, %d worse)", w, l), f3(claims.Mean(x.Base[:n])), f3(claims.Mean(x.AUC[:n])), fmt.Sprintf("%+.3f", claims.Mean(x.AUC[:n])-claims.Mean(x.Base[:n]))})
	return t, true
}

// occurrence returns, per task evaluated by both nets, the active
// occurrence rate and the multitask gain (Δ log-odds of AUC, pyramidal
// multitask against pyramidal single-task).
func occurrencePoints(r Rows) (tasks []int, rate, gain []float64) {
	mt, st := perTask(r, ModelPMTNN), perTask(r, ModelPSTNN)
	if len(mt) == 0 || len(st) == 0 {
		return
	}
	for t := range r.Data.Tasks {
		a, ok1 := mt[t]
		b, ok2 := st[t]
		if !ok1 || !ok2 || a >= 1 || b >= 1 || a <= 0 || b <= 0 {
			continue
		}
		tasks = append(tasks, t)
		rate = append(rate, r.Data.Occurrence[t])
		gain = append(gain, LogOdds(a)-LogOdds(b))
	}
	return
}

func occurrenceTable(r Rows) (report.Table, bool) {
	tasks, rate, gain := occurrencePoints(r)
	if len(tasks) < 3 {
		return report.Table{}, false
	}
	mt, st := perTask(r, ModelPMTNN), perTask(r, ModelPSTNN)
	t := report.Table{
		Title:  fmt.Sprintf("(5) Multitask gain against active-occurrence rate: Pearson r = %.3f over %d tasks", Pearson(rate, gain), len(tasks)),
		Header: []string{"task", "group", "active occurrence rate", "PSTNN AUC", "PMTNN AUC", "gain (Δ log-odds)"},
	}
	for k, task := range tasks {
		t.Rows = append(t.Rows, []string{r.Data.Tasks[task], r.Data.Groups[task], f3(rate[k]), f3(st[task]), f3(mt[task]), fmt.Sprintf("%+.3f", gain[k])})
	}
	return t, true
}

func plots(r Rows, dir string) ([]string, error) {
	var out []string
	if ks, mean, res := addedCurve(r); len(res) > 1 {
		series := []plot.Series{{Name: "mean of held-in tasks", X: ks, Y: mean}}
		p := filepath.Join(dir, "tasks-added.png")
		if err := plot.Lines(p, plot.Axes{Title: "Tasks added to held-in tasks", X: "tasks added", Y: "held-in mean test ROC AUC"}, series...); err != nil {
			return out, err
		}
		out = append(out, p)
	}
	if tasks, rate, gain := occurrencePoints(r); len(tasks) >= 3 {
		p := filepath.Join(dir, "occurrence-gain.png")
		title := fmt.Sprintf("Multitask gain vs active occurrence rate (r = %.2f)", Pearson(rate, gain))
		if err := plot.Scatter(p, plot.Axes{Title: title, X: "active occurrence rate", Y: "Δ log-odds AUC (PMTNN − PSTNN)"}, true, plot.Series{Name: "tasks", X: rate, Y: gain}); err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}
