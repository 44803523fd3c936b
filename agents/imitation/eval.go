package imitation

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/internal/plot"
	"github.com/metabench/metabench/internal/progress"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
)

// EvalOptions configure an evaluation.
type EvalOptions struct {
	Set      string       // label of the task set in the rows ("train", "test", ...)
	Tasks    []stack.Task // tasks to evaluate
	Episodes int          // start configurations per task (paper: 100)
	Ensemble int          // demonstrations per episode, action distributions averaged (0: 1)
	Seed     uint64       // base seed of the start configurations
	DemoSeed uint64       // base seed of the conditioning demonstrations (never a training dataset's)
	Noise    float64      // noise of the conditioning demonstrations (0: the clean expert); see PolicyOptions.Noise
	Relabel  bool         // permutation test: each episode's task is randomly relabelled
	Workers  int          // parallel episodes (0: all CPUs)
	Progress bool
	Label    string // progress label
}

// EpisodeResult is the outcome of one evaluation episode.
type EpisodeResult struct {
	Task    string        `json:"task"`
	Stages  int           `json:"stages"`
	Index   int           `json:"index"`
	Verdict stack.Verdict `json:"verdict"`
	Steps   int           `json:"steps"`
}

// Row counts the outcomes of one model on one task set and stage count.
type Row struct {
	Model  string `json:"model"`
	Set    string `json:"set"`
	Stages int    `json:"stages"`
	Tasks  int    `json:"tasks"`
	stack.Outcomes
}

// Evaluate runs m (nil: the clean scripted expert, for reference) on every
// task of opt, opt.Episodes start configurations each, each conditioned on
// fresh demonstrations recorded by the noisy expert from opt.DemoSeed, with
// greedy actions. The results are in (task, episode) order and do not
// depend on the number of workers.
func Evaluate(ctx context.Context, m *Model, opt EvalOptions) ([]EpisodeResult, error) {
	if opt.Episodes <= 0 {
		return nil, fmt.Errorf("evaluate: %d episodes per task, want at least 1", opt.Episodes)
	}
	ens := max(opt.Ensemble, 1)
	cfg := sim.DefaultConfig()
	noise := opt.Noise
	type job struct {
		task stack.Task
		k    int
	}
	var jobs []job
	for _, t := range opt.Tasks {
		for k := range opt.Episodes {
			jobs = append(jobs, job{t, k})
		}
	}
	out := make([]EpisodeResult, len(jobs))
	bar := &progress.Bar{}
	if opt.Progress {
		bar = progress.New(len(jobs), opt.Label)
	}
	defer bar.Finish()
	err := parallel.For(ctx, len(jobs), opt.Workers, func(i int) error {
		j := jobs[i]
		t := j.task
		if opt.Relabel {
			// Drawn from the task and the episode, not from the job's
			// position in this call, so that a shard of the tasks relabels
			// its episodes as the whole run does.
			rng := rand.New(rand.NewPCG(stack.EpisodeSeed(opt.Seed^0x7e3a, j.task, j.k), 0))
			t = stack.RandomRelabel(t, rng)
		}
		env, err := stack.New(t, stack.Options{Config: &cfg})
		if err != nil {
			return err
		}
		seed := stack.EpisodeSeed(opt.Seed, t, j.k)
		if err := env.Reset(seed); err != nil {
			return err
		}
		var p policies.Policy
		if m == nil {
			p = policies.NewExpert(cfg)
			p.Reset(t, seed)
		} else {
			ds, err := RecordDemos(t, cfg, opt.DemoSeed, j.k*(4*ens+8), ens, noise)
			if err != nil {
				return err
			}
			lp := NewPolicy(m, cfg, PolicyOptions{Ensemble: ens, Noise: noise})
			lp.Condition(t, ds)
			p = lp
		}
		v := policies.Rollout(env, p, nil)
		out[i] = EpisodeResult{Task: j.task.String(), Stages: t.NumStages(), Index: j.k, Verdict: v, Steps: env.Steps()}
		bar.Add(1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	return out, nil
}

// Summarise groups episode results by stage count into rows labelled with
// a model name and a set.
func Summarise(model, set string, res []EpisodeResult) []Row {
	by := map[int]*Row{}
	tasks := map[int]map[string]bool{}
	for _, r := range res {
		row := by[r.Stages]
		if row == nil {
			row = &Row{Model: model, Set: set, Stages: r.Stages}
			by[r.Stages] = row
			tasks[r.Stages] = map[string]bool{}
		}
		tasks[r.Stages][r.Task] = true
		row.Add(r.Verdict)
	}
	var rows []Row
	for s, r := range by {
		r.Tasks = len(tasks[s])
		rows = append(rows, *r)
	}
	slices.SortFunc(rows, func(a, b Row) int { return a.Stages - b.Stages })
	return rows
}

// Merge adds up rows of the same model, set and stage count (from shards).
func Merge(rows ...[]Row) []Row {
	type key struct {
		m, s string
		st   int
	}
	idx := map[key]int{}
	var out []Row
	for _, rs := range rows {
		for _, r := range rs {
			k := key{r.Model, r.Set, r.Stages}
			i, ok := idx[k]
			if !ok {
				out = append(out, Row{Model: r.Model, Set: r.Set, Stages: r.Stages})
				i = len(out) - 1
				idx[k] = i
			}
			o := &out[i]
			o.Tasks += r.Tasks
			o.Merge(r.Outcomes)
		}
	}
	for i := range out {
		if out[i].Episodes > 0 {
			out[i].SuccessRate = float64(out[i].Successes) / float64(out[i].Episodes)
		}
	}
	return out
}

// AttentionTrace is the attention along one rollout.
type AttentionTrace struct {
	Task     string
	Verdict  stack.Verdict
	Blocks   [][]float64 // per step: mean attention of the fixed queries over the blocks
	Temporal [][]float64 // per step: attention of the last context step over the demonstration frames
}

// TraceAttention rolls out m on t from the start configuration of seed,
// conditioned on one demonstration recorded from demoSeed, and records the
// attention at every step.
func TraceAttention(m *Model, t stack.Task, seed, demoSeed uint64) (*AttentionTrace, error) {
	cfg := sim.DefaultConfig()
	ds, err := RecordDemos(t, cfg, demoSeed, 0, 1, 0)
	if err != nil {
		return nil, err
	}
	env, err := stack.New(t, stack.Options{Config: &cfg})
	if err != nil {
		return nil, err
	}
	if err := env.Reset(seed); err != nil {
		return nil, err
	}
	p := NewPolicy(m, cfg, PolicyOptions{})
	p.Condition(t, ds)
	tr := &AttentionTrace{Task: t.String()}
	tr.Verdict = policies.Rollout(env, p, func(*sim.State, sim.Control) {
		tr.Blocks = append(tr.Blocks, p.BlockWeights())
		a := p.Attention()
		tr.Temporal = append(tr.Temporal, slices.Clone(a.Temporal[len(a.Temporal)-1]))
	})
	return tr, nil
}

// WritePictures writes the trace as two heatmaps into dir:
// attention-blocks.png and attention-demo.png.
func (tr *AttentionTrace) WritePictures(dir string) error {
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
	cols = cols[:0]
	if len(tr.Temporal) > 0 {
		for i := range tr.Temporal[0] {
			cols = append(cols, fmt.Sprint(i))
		}
	}
	title = fmt.Sprintf("attention over demonstration frames: %q", tr.Task)
	return plot.Heatmap(filepath.Join(dir, "attention-demo.png"), plot.Axes{Title: title, X: "demonstration frame", Y: "step"}, tr.Temporal, nil)
}
