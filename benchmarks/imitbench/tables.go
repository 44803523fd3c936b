package imitbench

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/plot"
)

type rowKey struct {
	set    string
	stages int
}

func index(rows []imitation.Row) (map[rowKey]map[string]imitation.Row, []rowKey) {
	by := map[rowKey]map[string]imitation.Row{}
	var keys []rowKey
	for _, r := range rows {
		k := rowKey{r.Set, r.Stages}
		if by[k] == nil {
			by[k] = map[string]imitation.Row{}
			keys = append(keys, k)
		}
		by[k][r.Model] = r
	}
	setOrder := func(s string) int {
		switch s {
		case "train":
			return 0
		case "test":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(keys, func(a, b rowKey) int {
		if a.set != b.set {
			return setOrder(a.set) - setOrder(b.set)
		}
		return a.stages - b.stages
	})
	return by, keys
}

func cell(r imitation.Row, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%s (%d/%d)", report.Pct(r.Successes, r.Episodes), r.Successes, r.Episodes)
}

// Columns of the success table, in the paper's order, then the variants
// the paper has not; a table shows those with rows.
var Columns = []string{"expert", "DAgger", "BC", "snapshot", "final", Matching.Name}

// present returns the names among names that some row of rows has.
func present(rows []imitation.Row, names []string, has func(imitation.Row) bool) []string {
	var out []string
	for _, n := range names {
		if slices.ContainsFunc(rows, func(r imitation.Row) bool { return r.Model == n && has(r) }) {
			out = append(out, n)
		}
	}
	return out
}

// SuccessTable is the paper's main table: success (%) by number of stages
// for the expert and the learned variants, training and test tasks.
func SuccessTable(rep Rows) report.Table {
	cols := present(rep.Rows, Columns, func(imitation.Row) bool { return true })
	t := report.Table{
		Title:  fmt.Sprintf("One-shot imitation (%s profile): success %% (successes/episodes) by number of stages", rep.Profile),
		Header: append([]string{"set", "stages", "tasks"}, cols...),
	}
	by, keys := index(rep.Rows)
	for _, k := range keys {
		m := by[k]
		tasks := 0
		for _, r := range m {
			tasks = max(tasks, r.Tasks)
		}
		row := []string{k.set, strconv.Itoa(k.stages), strconv.Itoa(tasks)}
		for _, c := range cols {
			r, ok := m[c]
			row = append(row, cell(r, ok))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// FailureTable breaks the failures down: wrong move (layout incompatible
// with the goal), manipulation failure (a block off the table) and
// recoverable failure (time ran out), per model, set and stage count.
func FailureTable(rep Rows) report.Table {
	t := report.Table{
		Title:  "Failure breakdown (% of episodes)",
		Header: []string{"model", "set", "stages", "episodes", "success", "wrong move", "manipulation", "recoverable (timeout)"},
	}
	by, keys := index(rep.Rows)
	for _, c := range Columns {
		for _, k := range keys {
			r, ok := by[k][c]
			if !ok {
				continue
			}
			t.Rows = append(t.Rows, []string{c, k.set, strconv.Itoa(k.stages), strconv.Itoa(r.Episodes),
				report.Pct(r.Successes, r.Episodes), report.Pct(r.WrongMoves, r.Episodes),
				report.Pct(r.ManipulationFailures, r.Episodes), report.Pct(r.Timeouts, r.Episodes)})
		}
	}
	return t
}

// EnsembleTable compares ensembles of K conditioning demonstrations (BC,
// full demonstration; test tasks and the training tasks with the most
// stages).
func EnsembleTable(rep Rows) report.Table {
	var models []string
	for _, r := range rep.Ensemble {
		if !slices.Contains(models, r.Model) {
			models = append(models, r.Model)
		}
	}
	t := report.Table{
		Title:  "Ensembles of K demonstrations (BC, full demonstration): success % (successes/episodes)",
		Header: append([]string{"set", "stages"}, models...),
	}
	by, keys := index(rep.Ensemble)
	for _, k := range keys {
		row := []string{k.set, strconv.Itoa(k.stages)}
		for _, m := range models {
			r, ok := by[k][m]
			row = append(row, cell(r, ok))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// PermutationTable is the permutation test: BC on training tasks with the
// blocks renamed by a random permutation, beside the canonical names.
func PermutationTable(rep Rows) report.Table {
	t := report.Table{
		Title:  "Permutation test (BC, full demonstration): training tasks as named and relabelled",
		Header: []string{"stages", "as named", "relabelled"},
	}
	by, keys := index(rep.Permutation)
	stages := []int{}
	for _, k := range keys {
		if !slices.Contains(stages, k.stages) {
			stages = append(stages, k.stages)
		}
	}
	slices.Sort(stages)
	for _, s := range stages {
		a, okA := by[rowKey{"train", s}]["BC"]
		b, okB := by[rowKey{"train-relabelled", s}]["BC"]
		t.Rows = append(t.Rows, []string{strconv.Itoa(s), cell(a, okA), cell(b, okB)})
	}
	return t
}

// SpeedTable reports training and evaluation throughput.
func SpeedTable(rep Rows) report.Table {
	t := report.Table{
		Title:  "Throughput",
		Header: []string{"what", "workers", "units", "seconds", "rate"},
	}
	for _, s := range rep.Training {
		if s.Cached {
			t.Rows = append(t.Rows, []string{"train " + s.Variant, "1", fmt.Sprintf("%d steps (cached)", s.Steps), "–", "–"})
			continue
		}
		t.Rows = append(t.Rows, []string{"train " + s.Variant, "1", fmt.Sprintf("%d samples", s.Samples), fmt.Sprintf("%.1f", s.Seconds), fmt.Sprintf("%.0f samples/s", s.SamplesPerSec)})
	}
	for _, s := range rep.EvalSpeed {
		t.Rows = append(t.Rows, []string{"evaluate BC", strconv.Itoa(s.Workers), fmt.Sprintf("%d episodes", s.Episodes), fmt.Sprintf("%.1f", s.Seconds), fmt.Sprintf("%.2f episodes/s", s.EpisodesPerSec)})
	}
	return t
}

// AttentionModels are the columns of the attention table: the variants
// conditioned on the full demonstration, whose frames follow the stages.
var AttentionModels = []string{"DAgger", "BC", Matching.Name}

// AttentionTable reports, per set and stage count, the share of the
// temporal attention on the demonstration frames of the stage being
// executed (imitation.StageShare; mean over the rollouts' steps and context
// steps), beside the share uniform attention would give; and, where the
// profile measures it, the same on the expert's states. A model whose
// attention follows the stage is near 1; one that reads a fixed frame sits
// at or below chance.
func AttentionTable(rep Rows) report.Table {
	t := report.Table{
		Title:  "Temporal attention on the demonstration frames of the stage being executed (share of the mass; chance = uniform attention)",
		Header: []string{"set", "stages"},
	}
	rollouts := present(rep.Rows, AttentionModels, func(r imitation.Row) bool { return r.Attention.Steps > 0 })
	expert := present(rep.Rows, AttentionModels, func(r imitation.Row) bool { return r.ExpertStates.Steps > 0 })
	for _, m := range rollouts {
		t.Header = append(t.Header, m, m+" chance")
	}
	for _, m := range expert {
		t.Header = append(t.Header, m+" (expert's states)", "chance")
	}
	by, keys := index(rep.Rows)
	for _, k := range keys {
		row := []string{k.set, strconv.Itoa(k.stages)}
		seen := false
		add := func(s imitation.ShareSum) {
			if s.Steps == 0 {
				row = append(row, "–", "–")
				return
			}
			seen = true
			sh, ch := s.Mean()
			row = append(row, fmt.Sprintf("%.2f", sh), fmt.Sprintf("%.2f", ch))
		}
		for _, m := range rollouts {
			add(by[k][m].Attention)
		}
		for _, m := range expert {
			add(by[k][m].ExpertStates)
		}
		if seen {
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// Tables returns every table of a run's rows.
func Tables(r Rows) []report.Table {
	var out []report.Table
	if w := r.World; w != nil {
		out = append(out, stackbench.SimTable(w.Sim), stackbench.ExpertTable(w.Expert), stackbench.GenTable(w.Gen))
	}
	if len(r.Training) > 0 {
		out = append(out, SuccessTable(r), FailureTable(r), AttentionTable(r), EnsembleTable(r), PermutationTable(r), SpeedTable(r))
	}
	return out
}

// Plots draws the paper's figures: success against the number of stages,
// one curve per model (the expert's, each algorithm and conditioning), on
// the training and the test tasks, with their data in success-by-stages.csv;
// and the attention over the demonstration along one rollout of each
// full-demonstration model (attention-MODEL-SET.png).
func Plots(r Rows, dir string) ([]string, error) {
	if len(r.Rows) == 0 {
		return nil, nil
	}
	var paths []string
	var csv strings.Builder
	csv.WriteString("set,model,stages,tasks,episodes,successes,success_rate,wrong_moves,manipulation_failures,timeouts,attention_share,attention_chance,expert_states_share,expert_states_chance\n")
	for _, set := range []string{"train", "test"} {
		var series []plot.Series
		for _, model := range Columns {
			s := plot.Series{Name: model}
			for _, row := range r.Rows {
				if row.Set == set && row.Model == model && row.Episodes > 0 {
					s.X = append(s.X, float64(row.Stages))
					s.Y = append(s.Y, 100*float64(row.Successes)/float64(row.Episodes))
					// The share on the expert's own states is empty
					// where the profile does not measure it.
					esh, ech := "", ""
					if row.ExpertStates.Steps > 0 {
						esh, ech = fmt.Sprintf("%.4f", row.ExpertShare), fmt.Sprintf("%.4f", row.ExpertChance)
					}
					fmt.Fprintf(&csv, "%s,%s,%d,%d,%d,%d,%.4f,%d,%d,%d,%.4f,%.4f,%s,%s\n", set, model, row.Stages, row.Tasks, row.Episodes, row.Successes,
						row.SuccessRate, row.WrongMoves, row.ManipulationFailures, row.Timeouts, row.AttentionShare, row.AttentionChance, esh, ech)
				}
			}
			if len(s.X) > 0 {
				series = append(series, s)
			}
		}
		if len(series) == 0 {
			continue
		}
		path := filepath.Join(dir, "success-"+set+".png")
		title := fmt.Sprintf("One-shot imitation (%s): success on %s tasks", r.Profile, set)
		if err := plot.Lines(path, plot.Axes{Title: title, X: "stages", Y: "success (%)", LegendRight: true}, series...); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	path := filepath.Join(dir, "success-by-stages.csv")
	if err := atomicfile.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		return nil, err
	}
	paths = append(paths, path)
	for _, tr := range r.Traces {
		path := filepath.Join(dir, fmt.Sprintf("attention-%s-%s.png", strings.ToLower(tr.Model), tr.Set))
		sh, ch := tr.Share().Mean()
		title := fmt.Sprintf("%s, %s task %q (%s): share %.2f, chance %.2f", tr.Model, tr.Set, tr.Task, tr.Verdict, sh, ch)
		if err := writeStageFigure(&tr.AttentionTrace, path, title); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
