package imitation

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/parallel"
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
	// Demos, if not nil, keeps the conditioning demonstrations for other
	// evaluations of the same tasks and episodes (other models).
	Demos    *DemoCache
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
	// Attention is the stage-following attention of the rollout (policies
	// conditioned on the full demonstration only): sums over the steps at
	// which a stage was being executed.
	Attention ShareSum `json:"attention,omitzero"`
}

// ShareSum accumulates, over rollout steps, the temporal attention mass on
// the demonstration frames of the stage being executed (Policy.StageShare)
// and its chance level. The sums are integers (millionths), so that rows
// merged from shards equal the whole run's whatever the order of addition.
type ShareSum struct {
	Steps  int   `json:"steps"`
	Share  int64 `json:"share_micro"`  // sum over steps, in millionths
	Chance int64 `json:"chance_micro"` // sum over steps, in millionths
}

// shareStep is one step's share and chance level.
func shareStep(share, chance float64) ShareSum {
	return ShareSum{Steps: 1, Share: int64(math.Round(share * 1e6)), Chance: int64(math.Round(chance * 1e6))}
}

// Add adds another sum.
func (a *ShareSum) Add(b ShareSum) {
	a.Steps += b.Steps
	a.Share += b.Share
	a.Chance += b.Chance
}

// Mean returns the mean share and chance level per step (0, 0 without
// steps).
func (a ShareSum) Mean() (share, chance float64) {
	if a.Steps == 0 {
		return 0, 0
	}
	n := 1e6 * float64(a.Steps)
	return float64(a.Share) / n, float64(a.Chance) / n
}

// Row counts the outcomes of one model on one task set and stage count.
type Row struct {
	Model  string `json:"model"`
	Set    string `json:"set"`
	Stages int    `json:"stages"`
	Tasks  int    `json:"tasks"`
	stack.Outcomes
	// Attention: the stage-following attention over the episodes' steps
	// (see ShareSum; zero for the expert and for the snapshot and
	// final-state conditionings).
	Attention ShareSum `json:"attention,omitzero"`
	// AttentionShare and AttentionChance are Attention's means.
	AttentionShare  float64 `json:"attention_share,omitempty"`
	AttentionChance float64 `json:"attention_chance,omitempty"`
	// ExpertStates is the same measure on the states of expert
	// demonstrations instead of the policy's rollouts (ExpertStateShare);
	// zero unless asked for (eval --expert-states).
	ExpertStates ShareSum `json:"expert_states,omitzero"`
	// ExpertShare and ExpertChance are ExpertStates' means.
	ExpertShare  float64 `json:"expert_share,omitempty"`
	ExpertChance float64 `json:"expert_chance,omitempty"`
}

func (r *Row) setMeans() {
	if r.Episodes > 0 {
		r.SuccessRate = float64(r.Successes) / float64(r.Episodes)
	}
	r.AttentionShare, r.AttentionChance = r.Attention.Mean()
	r.ExpertShare, r.ExpertChance = r.ExpertStates.Mean()
}

// SetExpertStates sets the row's ExpertStates and their means.
func (r *Row) SetExpertStates(s ShareSum) {
	r.ExpertStates = s
	r.setMeans()
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
		var lp *Policy
		if m == nil {
			p = policies.NewExpert(cfg)
			p.Reset(t, seed)
		} else {
			ds, err := opt.Demos.Record(t, cfg, opt.DemoSeed, j.k*(4*ens+8), ens, noise)
			if err != nil {
				return err
			}
			lp = NewPolicy(m, cfg, PolicyOptions{Ensemble: ens, Noise: noise})
			lp.Condition(t, ds)
			p = lp
		}
		var att ShareSum
		var visit func(*sim.State, sim.Control)
		// The share is defined on the full demonstration's frames: a
		// snapshot or the final frame belongs to the stage after it.
		if lp != nil && m.Arch.Cond == CondFull {
			visit = func(s *sim.State, _ sim.Control) {
				if sh, ch, ok := lp.StageShare(s); ok {
					att.Add(shareStep(sh, ch))
				}
			}
		}
		v := policies.Rollout(env, p, visit)
		out[i] = EpisodeResult{Task: j.task.String(), Stages: t.NumStages(), Index: j.k, Verdict: v, Steps: env.Steps(), Attention: att}
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
		row.Attention.Add(r.Attention)
	}
	var rows []Row
	for s, r := range by {
		r.Tasks = len(tasks[s])
		r.setMeans()
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
			o.Attention.Add(r.Attention)
			o.ExpertStates.Add(r.ExpertStates)
		}
	}
	for i := range out {
		out[i].setMeans()
	}
	return out
}

// AttentionTrace is the attention along one rollout.
type AttentionTrace struct {
	Task    string        `json:"task"`
	Verdict stack.Verdict `json:"verdict"`
	// Blocks: per step, the mean attention of the fixed queries over the
	// blocks.
	Blocks [][]float64 `json:"-"`
	// Temporal: per step, the attention over the conditioning frames, mean
	// over context steps.
	Temporal [][]float64 `json:"temporal"`
	// Frames are the demonstration time steps of the conditioning frames,
	// FrameDone their stages done (StagesDone).
	Frames    []int `json:"frames"`
	FrameDone []int `json:"frame_done"`
	// StepDone is the rollout's stages done at each step: StepDone[t] = k
	// means stage k+1 is being executed.
	StepDone []int `json:"step_done"`
}

// TraceAttention rolls out m on t from the start configuration of seed,
// conditioned on one demonstration recorded from demoSeed by the expert
// with noise (the model's training noise, as in Evaluate), and records the
// attention at every step.
func TraceAttention(m *Model, t stack.Task, seed, demoSeed uint64, noise float64) (*AttentionTrace, error) {
	cfg := sim.DefaultConfig()
	ds, err := RecordDemos(t, cfg, demoSeed, 0, 1, noise)
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
	goal := t.Supports()
	tr := &AttentionTrace{Task: t.String(), Frames: m.Arch.FrameIndices(ds[0], nil), FrameDone: slices.Clone(p.frameDone)}
	var obs []float32
	tr.Verdict = policies.Rollout(env, p, func(s *sim.State, _ sim.Control) {
		tr.Blocks = append(tr.Blocks, p.BlockWeights())
		tr.Temporal = append(tr.Temporal, meanRows(p.Attention().Temporal))
		obs = stack.Observe(obs[:0], s)
		tr.StepDone = append(tr.StepDone, StagesDone(obs, goal))
	})
	return tr, nil
}

// Share returns the mean share of the attention on the demonstration
// frames of the stage being executed, over the steps at which one was.
func (tr *AttentionTrace) Share() ShareSum {
	var s ShareSum
	n := len(stack.MustParse(tr.Task).Stages())
	for t, w := range tr.Temporal {
		if tr.StepDone[t] >= n {
			continue
		}
		sh, ch := StageShare(w, tr.FrameDone, tr.StepDone[t])
		s.Add(shareStep(sh, ch))
	}
	return s
}
