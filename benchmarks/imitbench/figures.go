package imitbench

import (
	"fmt"
	"path/filepath"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/plot"
)

// writeAttentionPictures writes the attention along one rollout into dir:
// heatmaps over blocks (attention-blocks.png) and over demonstration frames
// (attention-demo.png), and the stage figure (attention-stages.png).
func writeAttentionPictures(tr *imitation.AttentionTrace, dir string) error {
	var cols []string
	if len(tr.Blocks) > 0 {
		for i := range tr.Blocks[0] {
			cols = append(cols, string(stack.Letter(i)))
		}
	}
	title := fmt.Sprintf("attention over blocks: %q (%s)", tr.Task, tr.Verdict)
	if err := plot.Heatmap(filepath.Join(dir, "attention-blocks.png"), plot.Axes{Title: title, X: "block", Y: "step"}, tr.Blocks, cols); err != nil {
		return err
	}
	title = fmt.Sprintf("attention over demonstration frames: %q", tr.Task)
	if err := plot.Heatmap(filepath.Join(dir, "attention-demo.png"), plot.Axes{Title: title, X: "demonstration frame", Y: "step"}, tr.Temporal, nil); err != nil {
		return err
	}
	return writeStageFigure(tr, filepath.Join(dir, "attention-stages.png"), "")
}

// writeStageFigure draws the attention over demonstration time against the
// rollout's time, coloured by stage, as the paper's figure: at every
// rollout step, the attention-weighted mean demonstration time step, one
// curve per stage being executed; and, per stage of the demonstration, a
// band edge at the demonstration time step where that stage ends. When the
// attention follows the stage, each coloured curve stays between its
// stage's edges.
func writeStageFigure(tr *imitation.AttentionTrace, path, title string) error {
	n := len(stack.MustParse(tr.Task).Stages())
	var series []plot.Series
	for k := range n + 1 {
		name := fmt.Sprintf("executing stage %d", k+1)
		if k == n {
			name = "done"
		}
		// Only the executing curves are named: a legend of every stage's
		// edge too (15 entries at seven stages) covered the curves; an edge
		// shares its stage's colour.
		s := plot.Series{Name: name, Group: fmt.Sprint("stage ", k+1)}
		for t, w := range tr.Temporal {
			if tr.StepDone[t] != k {
				continue
			}
			var c float64
			for j, v := range w {
				c += v * float64(tr.Frames[j])
			}
			s.X = append(s.X, float64(t))
			s.Y = append(s.Y, c)
		}
		if len(s.X) > 0 {
			series = append(series, s)
		}
	}
	// Stage ends in the demonstration: the first frame whose count passes k.
	last := float64(max(len(tr.Temporal)-1, 1))
	for k := range n {
		for j, d := range tr.FrameDone {
			if d > k {
				y := float64(tr.Frames[j])
				series = append(series, plot.Series{Group: fmt.Sprint("stage ", k+1), X: []float64{0, last}, Y: []float64{y, y}})
				break
			}
		}
	}
	if len(tr.Frames) > 0 {
		// The demonstration's whole time span, from its first step to its last.
		series = append(series, plot.Series{X: []float64{0, 0}, Y: []float64{0, float64(tr.Frames[len(tr.Frames)-1])}})
	}
	if title == "" {
		title = fmt.Sprintf("attention over the demonstration: %q (%s)", tr.Task, tr.Verdict)
	}
	return plot.Lines(path, plot.Axes{Title: title, X: "rollout step", Y: "mean attended demonstration step (dashed: stage ends)", LegendBottom: true}, series...)
}
