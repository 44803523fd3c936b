package imitbench

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/plot"
)

// across renders whole runs that differ only in seed: success by stages
// pooled over the seeds with each seed's range, and the attention share on
// the stage being executed averaged over the seeds (what `bench imitation
// --across` prints beside the claims).
func across(runs []Rows, seeds []uint64) ([]report.Table, error) {
	if len(runs) != len(seeds) || len(runs) == 0 {
		return nil, fmt.Errorf("%d runs for %d seeds", len(runs), len(seeds))
	}
	ts := []report.Table{successAcross(runs, seeds)}
	if t := attentionAcross(runs, seeds); len(t.Rows) > 0 {
		ts = append(ts, t)
	}
	return ts, nil
}

// allRows returns the success rows of every run, in run order.
func allRows(runs []Rows) []imitation.Row {
	var all []imitation.Row
	for _, r := range runs {
		all = append(all, r.Rows...)
	}
	return all
}

// acrossKeys returns the (set, stages) keys of the runs' success rows in
// table order and every run's index of them.
func acrossKeys(runs []Rows) ([]map[rowKey]map[string]imitation.Row, []rowKey) {
	idx := make([]map[rowKey]map[string]imitation.Row, len(runs))
	for i, r := range runs {
		idx[i], _ = index(r.Rows)
	}
	_, keys := index(allRows(runs))
	return idx, keys
}

// pooledSuccess is a model's successes and episodes at one key summed over
// the runs, with the lowest and highest of the runs' success rates.
type pooledSuccess struct {
	successes, episodes, runs int
	lo, hi                    float64
}

func pool(idx []map[rowKey]map[string]imitation.Row, k rowKey, model string) pooledSuccess {
	var p pooledSuccess
	for _, by := range idx {
		r, ok := by[k][model]
		if !ok || r.Episodes == 0 {
			continue
		}
		rate := 100 * float64(r.Successes) / float64(r.Episodes)
		if p.runs == 0 || rate < p.lo {
			p.lo = rate
		}
		if p.runs == 0 || rate > p.hi {
			p.hi = rate
		}
		p.successes, p.episodes, p.runs = p.successes+r.Successes, p.episodes+r.Episodes, p.runs+1
	}
	return p
}

// successAcross is the success table over seeds: per set, stage count and
// model, the successes of every seed's episodes pooled, and the range of
// the seeds' own rates.
func successAcross(runs []Rows, seeds []uint64) report.Table {
	all := allRows(runs)
	cols := present(all, Columns, func(imitation.Row) bool { return true })
	t := report.Table{
		Title:  fmt.Sprintf("One-shot imitation (%s profile), seeds %s: success %% pooled over the seeds [lowest–highest seed]", runs[0].Profile, suite.FormatSeeds(seeds)),
		Header: append([]string{"set", "stages"}, cols...),
	}
	idx, keys := acrossKeys(runs)
	for _, k := range keys {
		row := []string{k.set, strconv.Itoa(k.stages)}
		for _, c := range cols {
			p := pool(idx, k, c)
			if p.runs == 0 {
				row = append(row, "–")
				continue
			}
			row = append(row, fmt.Sprintf("%s [%.0f–%.0f]", report.Pct(p.successes, p.episodes), p.lo, p.hi))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// attentionAcross is the attention table over seeds: per set, stage count
// and full-demonstration model, the share on the stage being executed and
// chance, from the steps of every seed pooled — on the expert's states
// where the runs measured them, else on the rollouts.
func attentionAcross(runs []Rows, seeds []uint64) report.Table {
	all := allRows(runs)
	on := "the rollouts"
	sum := func(r imitation.Row) imitation.ShareSum { return r.Attention }
	models := present(all, AttentionModels, func(r imitation.Row) bool { return r.Attention.Steps > 0 })
	if m := present(all, AttentionModels, func(r imitation.Row) bool { return r.ExpertStates.Steps > 0 }); len(m) > 0 {
		on, models = "the expert's states", m
		sum = func(r imitation.Row) imitation.ShareSum { return r.ExpertStates }
	}
	t := report.Table{
		Title:  fmt.Sprintf("Temporal attention on the demonstration frames of the stage being executed, seeds %s: share / chance on %s, pooled over the seeds", suite.FormatSeeds(seeds), on),
		Header: append([]string{"set", "stages"}, models...),
	}
	idx, keys := acrossKeys(runs)
	for _, k := range keys {
		row := []string{k.set, strconv.Itoa(k.stages)}
		seen := false
		for _, m := range models {
			var s imitation.ShareSum
			for _, by := range idx {
				s.Add(sum(by[k][m]))
			}
			if s.Steps == 0 {
				row = append(row, "–")
				continue
			}
			seen = true
			sh, ch := s.Mean()
			row = append(row, fmt.Sprintf("%.2f / %.2f", sh, ch))
		}
		if seen {
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// acrossPlots draws success against the number of stages pooled over the
// seeds, one curve per model, on the training and the test tasks
// (across-success-SET.png).
func acrossPlots(runs []Rows, seeds []uint64, dir string) ([]string, error) {
	idx, keys := acrossKeys(runs)
	all := allRows(runs)
	var paths []string
	for _, set := range []string{"train", "test"} {
		var series []plot.Series
		for _, c := range present(all, Columns, func(imitation.Row) bool { return true }) {
			s := plot.Series{Name: c}
			for _, k := range keys {
				if k.set != set {
					continue
				}
				if p := pool(idx, k, c); p.episodes > 0 {
					s.X = append(s.X, float64(k.stages))
					s.Y = append(s.Y, 100*float64(p.successes)/float64(p.episodes))
				}
			}
			if len(s.X) > 0 {
				series = append(series, s)
			}
		}
		if len(series) == 0 {
			continue
		}
		path := filepath.Join(dir, "across-success-"+set+".png")
		title := fmt.Sprintf("One-shot imitation (%s): success on %s tasks, seeds %s pooled", runs[0].Profile, set, suite.FormatSeeds(seeds))
		if err := plot.Lines(path, plot.Axes{Title: title, X: "stages", Y: "success (%)", LegendRight: true}, series...); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
