package imitbench

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/plot"
)

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
	csv.WriteString("set,model,stages,tasks,episodes,successes,success_rate,wrong_moves,manipulation_failures,timeouts,attention_share,attention_chance\n")
	for _, set := range []string{"train", "test"} {
		var series []plot.Series
		for _, model := range Columns {
			s := plot.Series{Name: model}
			for _, row := range r.Rows {
				if row.Set == set && row.Model == model && row.Episodes > 0 {
					s.X = append(s.X, float64(row.Stages))
					s.Y = append(s.Y, 100*float64(row.Successes)/float64(row.Episodes))
					fmt.Fprintf(&csv, "%s,%s,%d,%d,%d,%d,%.4f,%d,%d,%d,%.4f,%.4f\n", set, model, row.Stages, row.Tasks, row.Episodes, row.Successes,
						row.SuccessRate, row.WrongMoves, row.ManipulationFailures, row.Timeouts, row.AttentionShare, row.AttentionChance)
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
		if err := plot.Lines(path, plot.Axes{Title: title, X: "stages", Y: "success (%)"}, series...); err != nil {
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
		if err := tr.WriteStageFigure(path, title); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
