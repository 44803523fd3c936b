// Package imitbench is the one-shot imitation suite (Duan et al. 2017;
// docs/imitation.md): it builds (or reuses) demonstration datasets, trains
// the policy variants — DAgger, behaviour cloning on the full
// demonstration, on snapshots, on the final state — and evaluates them
// beside the scripted expert on training and test tasks, printing the
// paper's tables. Its default section measures the block-stacking world
// itself: physics speed, the expert's success, demonstration throughput.
//
// # Profiles
//
//	default  the world: physics speed by number of blocks, the expert's
//	         success on every task with and without noise, demonstration
//	         generation on 1 and 2 workers (about 30 s).
//	smoke    3 training tasks (1 stage) and 2 test tasks, 8 demonstrations
//	         each, 2500 steps: the whole pipeline in about a minute (CI);
//	         the numbers only show that it runs.
//	quick    the 31 training tasks of 1-3 stages, 40 demonstrations each,
//	         12000 steps of 8 tasks × 16 pairs per variant (two variants
//	         train at a time); the 11 test tasks of 1-3 stages; 10 start
//	         configurations per task. At most 30 minutes on 2 cores.
//	medium   the 90 training tasks of 1-7 stages, 50 demonstrations each,
//	         24000 steps per variant; the 31 test tasks of 1-7 stages; 10
//	         start configurations per task; ensembles of 1 and 5. About 2
//	         hours on 2 cores (estimated from measured costs, not run whole).
//	full     every task (95 train, 33 test), 1000 demonstrations per
//	         training task, 100 start configurations per task: the paper's
//	         protocol, split into shards (--shard i/n) whose reports merge.
//
// smoke and quick train with Adamax at lr 3e-3 instead of the paper's 1e-3:
// with a few thousand steps, 1e-3 reached the same loss about 2.5× later.
// They also divide the rate by 5 for the last quarter of the steps. full
// uses the paper's constant 1e-3 and sizes (imitation.PaperArch).
//
// Everything is deterministic: the same profile and seed give the same
// datasets, models and tables (for a given binary and CPU).
package imitbench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
)

// Profile is the scale of a run. A profile with World set measures the
// block-stacking world; one with Steps > 0 trains and evaluates the
// policies.
type Profile struct {
	World         *World       `json:",omitempty"`
	TrainTasks    []stack.Task `json:",omitempty"`
	TestTasks     []stack.Task `json:",omitempty"`
	Demos         int          // demonstrations per training task
	Steps         int          // training steps per variant
	TasksPerBatch int
	PairsPerTask  int
	DAggerRounds  int
	DAggerEps     int
	Episodes      int // evaluation start configurations per task
	EnsembleEps   int // episodes per task for the ensemble table
	Ensembles     []int
	PermEps       int     // episodes per training task for the permutation test
	SpeedEps      int     // episodes per worker count for the evaluation throughput
	PaperSizes    bool    // imitation.PaperArch instead of the scaled-down DefaultArch
	LR            float64 // Adamax learning rate
	DecayAt       float64 // from this fraction of the steps on, the rate is multiplied by DecayBy (0: constant)
	DecayBy       float64
	DemoNoise     float64 // noise of the expert's demonstrations, training and conditioning (policies.Noisy scale)
	// TaskGrads spreads each training step's tasks over the cores a
	// variant has (imitation.TrainOptions.TaskGrads): on a cluster node the
	// prepare job's training then uses its cores, not two of them.
	TaskGrads bool `json:",omitempty"`
}

// World is the scale of the world section.
type World struct {
	SimBlocks      []int         // block counts of the physics-speed table
	SimBudget      time.Duration // wall time per physics measurement
	SimRepeats     int
	ExpertEpisodes int       // per task and noise level, every task of both splits
	ExpertNoise    []float64 // noise levels beside the clean expert
	GenEpisodes    int       // per task and measurement of generation speed
	GenRepeats     int
}

// Learns reports whether the profile trains policies.
func (p Profile) Learns() bool { return p.Steps > 0 }

// Arch returns the architecture of a conditioning variant in this profile.
func (p Profile) Arch(c imitation.Cond) imitation.Arch {
	if p.PaperSizes {
		return imitation.PaperArch(c)
	}
	return imitation.DefaultArch(c)
}

func tasksUpTo(s stack.Split, maxStages int) []stack.Task {
	var out []stack.Task
	for _, t := range stack.Tasks(s) {
		if t.NumStages() <= maxStages {
			out = append(out, t)
		}
	}
	return out
}

// mostStages returns the tasks with the largest number of stages.
func mostStages(tasks []stack.Task) []stack.Task {
	most := 0
	for _, t := range tasks {
		most = max(most, t.NumStages())
	}
	var out []stack.Task
	for _, t := range tasks {
		if t.NumStages() == most {
			out = append(out, t)
		}
	}
	return out
}

// profiles declares the suite's profiles in order of scale.
func profiles() []suite.Profile[Profile] {
	return []suite.Profile[Profile]{
		{Name: "default", Summary: "the world: physics speed, expert success on all 128 tasks, demonstration throughput", Expected: 30 * time.Second,
			Scale: Profile{World: &World{SimBlocks: []int{2, 4, 6, 8, 10}, SimBudget: 300 * time.Millisecond, SimRepeats: 5,
				ExpertEpisodes: 10, ExpertNoise: []float64{policies.DefaultNoise}, GenEpisodes: 4, GenRepeats: 3}}},
		{Name: "smoke", Summary: "the whole imitation pipeline on 3 one-stage tasks (numbers show only that it runs)", Expected: 80 * time.Second,
			Scale: Profile{TrainTasks: tasksUpTo(stack.Train, 1)[:3], TestTasks: tasksUpTo(stack.Test, 1), Demos: 8, Steps: 2500,
				TasksPerBatch: 3, PairsPerTask: 16, DAggerRounds: 1, DAggerEps: 2, Episodes: 4, LR: 3e-3, DecayAt: 0.75, DecayBy: 0.2, DemoNoise: DemoNoise,
				EnsembleEps: 1, Ensembles: []int{1, 2}, PermEps: 1, SpeedEps: 2}},
		{Name: "quick", Summary: "the paper's tables on the 42 tasks of 1-3 stages, scaled-down networks", Expected: 20 * time.Minute,
			Scale: Profile{TrainTasks: tasksUpTo(stack.Train, 3), TestTasks: tasksUpTo(stack.Test, 3), Demos: 40, Steps: 12000,
				TasksPerBatch: 8, PairsPerTask: 16, DAggerRounds: 2, DAggerEps: 2, Episodes: 10, LR: 3e-3, DecayAt: 0.75, DecayBy: 0.2, DemoNoise: DemoNoise,
				EnsembleEps: 10, Ensembles: []int{1, 5, 10}, PermEps: 10, SpeedEps: 8}},
		// medium: sized from BenchmarkStageCosts (docs/imitation.md, "The
		// medium profile"): a training step of 8 tasks costs about 80 ms on
		// tasks of 4-7 stages against 50 ms on 1-3, an evaluation episode
		// about 0.5 s of one core, so 24000 steps (BC then DAgger on one
		// core, snapshot then final on the other: ≈ 50 min) and 10 start
		// configurations on 121 tasks for four models (≈ 20 min) make about
		// 80-120 minutes on 2 cores.
		{Name: "medium", Summary: "the paper's figures on the 121 tasks of 1-7 stages, scaled-down networks", Expected: 2 * time.Hour,
			Scale: Profile{TrainTasks: tasksUpTo(stack.Train, 7), TestTasks: tasksUpTo(stack.Test, 7), Demos: 50, Steps: 24000,
				TasksPerBatch: 8, PairsPerTask: 16, DAggerRounds: 2, DAggerEps: 1, Episodes: 10, LR: 3e-3, DecayAt: 0.75, DecayBy: 0.2, DemoNoise: DemoNoise,
				EnsembleEps: 5, Ensembles: []int{1, 5}, PermEps: 3, SpeedEps: 8, TaskGrads: true}},
		{Name: "full", Summary: "the paper's protocol: every task, 1000 demonstrations each, the paper's sizes (days on 2 cores; shard it)", Expected: 72 * time.Hour,
			Scale: Profile{TrainTasks: stack.Tasks(stack.Train), TestTasks: stack.Tasks(stack.Test), Demos: 1000, Steps: 100000,
				TasksPerBatch: 16, PairsPerTask: 16, DAggerRounds: 5, DAggerEps: 10, Episodes: 100, LR: 1e-3, DemoNoise: DemoNoise,
				EnsembleEps: 20, Ensembles: []int{1, 5, 10}, PermEps: 20, SpeedEps: 20, PaperSizes: true}},
	}
}

// DemoNoise is the noise of the expert's demonstrations in every profile
// (policies.Noisy: σ = 0.5·(|v| + 0.1) per velocity component), for the
// training datasets and the demonstrations that condition evaluation
// episodes. The paper found injected noise important for behaviour cloning
// and does not give its magnitude. On the quick profile, with 12000 steps,
// full-demonstration BC succeeded on 73% of 3-stage training episodes with
// noise 0.2 (policies.DefaultNoise) and 88% with 0.5: the wider spread of
// states in noisier demonstrations is what lets the policy recover from
// its own deviations. The expert still succeeds at 0.5 (1240 of 1254
// attempts on the quick profile's tasks); failed attempts are retried and
// left out of the datasets. A trained model records its demonstrations'
// noise (imitation.TrainOptions.DemoNoise).
const DemoNoise = 0.5

// Variant is one trained policy of the tables.
type Variant struct {
	Name string // column name: DAgger, BC, snapshot, final
	Algo string
	Cond imitation.Cond
}

// Variants lists the table's learned columns in order.
var Variants = []Variant{
	{"DAgger", imitation.AlgoDAgger, imitation.CondFull},
	{"BC", imitation.AlgoBC, imitation.CondFull},
	{"snapshot", imitation.AlgoBC, imitation.CondSnapshot},
	{"final", imitation.AlgoBC, imitation.CondFinal},
}

// run is one run of the suite: the harness's options and the profile's
// scale.
type run struct {
	Profile  Profile
	Name     string // the profile's name, for titles
	Seed     uint64
	CacheDir string
	Shard    suite.Shard
	Workers  int
	Progress bool
	Prepare  bool // build the datasets and train the models; evaluate nothing
	Log      io.Writer
	Phases   *suite.Phases
}

// TrainStat reports one variant's training.
type TrainStat struct {
	Variant       string  `json:"variant"`
	Dir           string  `json:"dir"` // relative to the cache directory
	Steps         int     `json:"steps"`
	Cached        bool    `json:"cached"`
	Samples       int     `json:"samples"`
	Seconds       float64 `json:"seconds"`
	SamplesPerSec float64 `json:"samples_per_sec"`
	FinalLoss     float64 `json:"final_loss"`
	DAggerPairs   int     `json:"dagger_pairs,omitempty"`
	ForkedAt      int     `json:"forked_at,omitempty"` // DAgger: forked from BC at this step (samples and seconds count from there)
}

// TaskRow is one model's success on one task of a set.
type TaskRow struct {
	Model     string `json:"model"`
	Set       string `json:"set"`
	Task      string `json:"task"`
	Stages    int    `json:"stages"`
	Episodes  int    `json:"episodes"`
	Successes int    `json:"successes"`
}

// taskRows counts a model's successes per task, in the order of res.
func taskRows(model, set string, res []imitation.EpisodeResult) []TaskRow {
	var out []TaskRow
	at := map[string]int{}
	for _, r := range res {
		i, ok := at[r.Task]
		if !ok {
			out = append(out, TaskRow{Model: model, Set: set, Task: r.Task, Stages: r.Stages})
			i = len(out) - 1
			at[r.Task] = i
		}
		out[i].Episodes++
		if r.Verdict == stack.Success {
			out[i].Successes++
		}
	}
	return out
}

// Trace is the attention along one rollout of a model on the set's task
// with the most stages (its first start configuration).
type Trace struct {
	Model string `json:"model"`
	Set   string `json:"set"`
	imitation.AttentionTrace
}

// EvalSpeed is the evaluation throughput at one worker count.
type EvalSpeed struct {
	Workers        int     `json:"workers"`
	Episodes       int     `json:"episodes"`
	Seconds        float64 `json:"seconds"`
	EpisodesPerSec float64 `json:"episodes_per_sec"`
}

// Rows are what a run measures: the success tables' rows, training and
// evaluation throughput, and the world section's tables.
type Rows struct {
	Profile     string            `json:"profile"`
	Rows        []imitation.Row   `json:"rows,omitempty"`        // models expert, DAgger, BC, snapshot, final; sets train, test
	Permutation []imitation.Row   `json:"permutation,omitempty"` // BC on relabelled training tasks (set "train-relabelled") and not
	Ensemble    []imitation.Row   `json:"ensemble,omitempty"`    // BC full with ensembles, model "K=n", test tasks and the training tasks with the most stages
	Training    []TrainStat       `json:"training,omitempty"`
	EvalSpeed   []EvalSpeed       `json:"eval_speed,omitempty"`
	Tasks       []TaskRow         `json:"task_rows,omitempty"`        // success per model, set and task: the claims' paired items
	Traces      []Trace           `json:"attention_traces,omitempty"` // one rollout's attention per full-demonstration model and set (shard 0)
	Data        map[string]string `json:"data,omitempty"`             // datasets, relative to the cache directory
	World       *WorldRows        `json:"world,omitempty"`
}

// WorldRows are the tables of the world section.
type WorldRows struct {
	Sim    []stackbench.SimRow    `json:"sim"`
	Expert []stackbench.ExpertRow `json:"expert"`
	Gen    []stackbench.GenRow    `json:"demos"`
}

func specs(ts []stack.Task) []string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return s
}

// dataset builds (or reuses, resumably) the profile's training dataset in
// the cache and returns its directory.
func dataset(ctx context.Context, o run) (string, error) {
	p := o.Profile
	key := suite.Key(struct {
		Tasks []string
		N     int
		Seed  uint64
		Noise float64
	}{specs(p.TrainTasks), p.Demos, o.Seed, p.DemoNoise})
	dir := filepath.Join(o.CacheDir, "imitation", "demos-"+key)
	// A complete dataset is only read: shards that start together on a
	// cluster all find the one their prepare stage built, and none of them
	// takes the writer's lock.
	if complete(dir) {
		return dir, nil
	}
	_, err := collect.Generate(ctx, collect.GenOptions{Dir: dir, Tasks: p.TrainTasks, Episodes: p.Demos, Seed: o.Seed, Noise: p.DemoNoise, Workers: o.Workers, Progress: o.Progress})
	if err != nil {
		return "", fmt.Errorf("demonstrations: %w", err)
	}
	return dir, nil
}

// complete reports whether dir holds a complete, verified dataset.
func complete(dir string) bool {
	ds, err := demos.Open(dir)
	if err != nil {
		return false
	}
	defer ds.Close()
	return ds.Info().Status == demos.StatusComplete
}

// TrainOptions returns the training options of a variant.
func (o run) TrainOptions(v Variant, dataset string) imitation.TrainOptions {
	p := o.Profile
	t := imitation.DefaultTrainOptions(v.Algo)
	t.Seed, t.Steps, t.TasksPerBatch, t.PairsPerTask, t.Dataset = o.Seed, p.Steps, p.TasksPerBatch, p.PairsPerTask, filepath.Base(dataset)
	t.DemoNoise, t.TaskGrads = p.DemoNoise, p.TaskGrads
	if p.LR > 0 {
		t.LR = p.LR
	}
	t.DecayAt, t.DecayBy = p.DecayAt, p.DecayBy
	if v.Algo == imitation.AlgoDAgger {
		t.DAggerRounds, t.DAggerEpisodes = p.DAggerRounds, p.DAggerEps
	}
	return t
}

// TrainVariants trains (or loads from the cache) every variant, on two
// cores. DAgger is behaviour cloning until its first round, so it is not
// trained twice: one core trains BC, forks DAgger from it at that step
// (imitation.Trainer.Fork; the result is bit for bit the same) and then
// finishes both; the other core trains the final-state and snapshot
// variants. ready, if not nil, receives each model as soon as it is
// trained or loaded (from the training goroutines).
func TrainVariants(ctx context.Context, o run, dataset string, ready func(name string, m *imitation.Model)) (map[string]*imitation.Model, []TrainStat, error) {
	if ready == nil {
		ready = func(string, *imitation.Model) {}
	}
	data, err := imitation.LoadData(dataset, nil)
	if err != nil {
		return nil, nil, err
	}
	runs := make([]*variantRun, len(Variants))
	bc, dagger := -1, -1
	for i, v := range Variants {
		runs[i] = o.newVariantRun(v, dataset)
		if runs[i].cached {
			ready(v.Name, runs[i].model)
		}
		switch {
		case v.Algo == imitation.AlgoBC && v.Cond == imitation.CondFull:
			bc = i
		case v.Algo == imitation.AlgoDAgger:
			dagger = i
		}
	}
	// Jobs: the BC-then-DAgger chain first (the longest), then the others.
	chained := bc >= 0 && dagger >= 0
	var jobs [][]int
	if chained {
		jobs = append(jobs, []int{bc, dagger})
	}
	for i := range Variants {
		if !chained || (i != bc && i != dagger) {
			jobs = append(jobs, []int{i})
		}
	}
	var logMu sync.Mutex
	err = parallel.For(ctx, len(jobs), min(2, parallel.Workers(o.Workers)), func(j int) error {
		if len(jobs[j]) == 2 {
			return o.trainChain(ctx, runs[jobs[j][0]], runs[jobs[j][1]], data, &logMu, ready)
		}
		r := runs[jobs[j][0]]
		if r.cached {
			return nil
		}
		tr, err := r.trainer(data, o.Seed)
		if err != nil {
			return err
		}
		if err := r.train(ctx, o, tr, 0, &logMu); err != nil {
			return err
		}
		ready(r.v.Name, r.model)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out := map[string]*imitation.Model{}
	stats := make([]TrainStat, len(Variants))
	for i, v := range Variants {
		out[v.Name] = runs[i].model
		stats[i] = runs[i].stat
	}
	return out, stats, nil
}

// variantRun is the training of one variant: its checkpoint directory,
// options, model and statistics.
type variantRun struct {
	v      Variant
	arch   imitation.Arch
	opt    imitation.TrainOptions
	dir    string
	cached bool
	model  *imitation.Model
	stat   TrainStat
}

func (o run) newVariantRun(v Variant, dataset string) *variantRun {
	arch := o.Profile.Arch(v.Cond)
	topt := o.TrainOptions(v, dataset)
	rel := filepath.Join("imitation", "models", fmt.Sprintf("%s-%s", strings.ToLower(v.Name), suite.Key([]any{arch, topt})))
	dir := filepath.Join(o.CacheDir, rel)
	r := &variantRun{v: v, arch: arch, opt: topt, dir: dir, stat: TrainStat{Variant: v.Name, Dir: rel}}
	if m, cc, err := imitation.Load(dir, &arch); err == nil && cc.Step == topt.Steps {
		r.model, r.cached = m, true
		r.stat.Cached, r.stat.Steps = true, cc.Step
		if c, err := imitation.ReadCurve(dir); err == nil && len(c) > 0 {
			r.stat.FinalLoss = c[len(c)-1].Loss
		}
	}
	return r
}

// trainer returns a fresh trainer with its own copy of the task list
// (DAgger adds to it); Train resumes it from the checkpoint in r.dir.
func (r *variantRun) trainer(data []*imitation.TaskData, seed uint64) (*imitation.Trainer, error) {
	m, err := imitation.NewModel(r.arch, seed)
	if err != nil {
		return nil, err
	}
	own := make([]*imitation.TaskData, len(data))
	for k, td := range data {
		c := *td
		own[k] = &c
	}
	return imitation.NewTrainer(m, own, r.opt)
}

// train runs tr in r.dir up to step until (0: to the end) and adds the run
// to r's statistics.
func (r *variantRun) train(ctx context.Context, o run, tr *imitation.Trainer, until int, logMu *sync.Mutex) error {
	var lw io.Writer
	if o.Log != nil {
		lw = prefixWriter{o.Log, r.v.Name + ": ", logMu}
	}
	// Two variants train at a time; with TaskGrads each spreads its steps
	// (and DAgger its rollouts) over its half of the cores.
	workers := 1
	if r.opt.TaskGrads {
		workers = max(1, parallel.Workers(o.Workers)/2)
	}
	res, err := imitation.Train(ctx, tr, imitation.RunOptions{Dir: r.dir, Wait: true, Resume: true, Until: until, CheckpointEvery: max(100, r.opt.Steps/5), Workers: workers, Log: lw, LogEvery: max(10, r.opt.Steps/30)})
	if err != nil {
		return fmt.Errorf("train %s: %w", r.v.Name, err)
	}
	r.model = tr.M
	st := &r.stat
	st.Steps, st.DAggerPairs = res.Steps, st.DAggerPairs+res.DAggerPairs
	st.Samples, st.Seconds = st.Samples+res.Samples, st.Seconds+res.Seconds
	if st.Seconds > 0 {
		st.SamplesPerSec = float64(st.Samples) / st.Seconds
	}
	if c := res.Curve; len(c) > 0 {
		st.FinalLoss = c[len(c)-1].Loss
	}
	return nil
}

// trainChain trains BC and DAgger, forking DAgger from BC at DAgger's first
// round when neither has gone past it; otherwise each goes on from its own
// checkpoint.
func (o run) trainChain(ctx context.Context, bc, dagger *variantRun, data []*imitation.TaskData, logMu *sync.Mutex, ready func(string, *imitation.Model)) error {
	var bcTr, dgTr *imitation.Trainer
	var err error
	if !bc.cached {
		if bcTr, err = bc.trainer(data, o.Seed); err != nil {
			return err
		}
	}
	if !dagger.cached {
		forkAt := int(dagger.opt.DAggerStart * float64(dagger.opt.Steps))
		ck, err := imitation.LatestCheckpoint(dagger.dir)
		if err != nil {
			return err
		}
		if bcTr != nil && ck == "" {
			if err := bc.train(ctx, o, bcTr, forkAt, logMu); err != nil {
				return err
			}
			if bcTr.Step() == forkAt {
				if dgTr, err = bcTr.Fork(dagger.opt); err != nil {
					return fmt.Errorf("train %s: %w", dagger.v.Name, err)
				}
				// Saved now, an interrupted run resumes DAgger from the fork.
				if err := dgTr.Save(dagger.dir); err != nil {
					return fmt.Errorf("train %s: %w", dagger.v.Name, err)
				}
				dagger.stat.ForkedAt = forkAt
			}
		}
		if dgTr == nil {
			if dgTr, err = dagger.trainer(data, o.Seed); err != nil {
				return err
			}
		}
	}
	if bcTr != nil {
		if err := bc.train(ctx, o, bcTr, 0, logMu); err != nil {
			return err
		}
		ready(bc.v.Name, bc.model)
	}
	if dgTr != nil {
		if err := dagger.train(ctx, o, dgTr, 0, logMu); err != nil {
			return err
		}
		ready(dagger.v.Name, dagger.model)
	}
	return nil
}

type prefixWriter struct {
	w      io.Writer
	prefix string
	mu     *sync.Mutex
}

func (p prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := fmt.Fprintf(p.w, "%s%s", p.prefix, b)
	return len(b), err
}

// Seeds of evaluation: start configurations and conditioning demonstrations
// come from base seeds no dataset uses. They are not seeds.Sub: 0xe7a1 is
// no multiple of its 7,919, and changing them changes the suite's results.
func evalSeed(seed uint64) uint64 { return seed*1_000_003 + 0xe7a1 }
func demoSeed(seed uint64) uint64 { return seed*1_000_033 + 0xd3e0 }

// learn runs the learning section: data, training, evaluation.
func learn(ctx context.Context, o run, rep *Rows) error {
	p := o.Profile
	stop := o.Phases.Start("demonstrations")
	o.logf("imitation %s: demonstrations for %d training tasks × %d", o.Name, len(p.TrainTasks), p.Demos)
	ds, err := dataset(ctx, o)
	stop()
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(o.CacheDir, ds)
	if err != nil {
		return err
	}
	rep.Data = map[string]string{"train": rel}
	sets := []struct {
		name  string
		tasks []stack.Task
	}{{"train", suite.Take(o.Shard, p.TrainTasks)}, {"test", suite.Take(o.Shard, p.TestTasks)}}
	// The evaluations, in the order their rows are reported: the success
	// table (the expert and every variant on both sets), the permutation
	// test (BC on the training tasks as named and relabelled), ensembles
	// (BC on the training tasks with the most stages — at the quick scale
	// the test tasks are near the ceiling and the longest training tasks
	// are not, while the shorter ones would only add evaluation time — and
	// on the test tasks).
	var jobs []*evalJob
	for _, s := range sets {
		jobs = append(jobs, &evalJob{label: "expert", set: s.name, tasks: s.tasks, eps: p.Episodes, ens: 1, table: tableRows})
		for _, v := range Variants {
			jobs = append(jobs, &evalJob{label: v.Name, model: v.Name, set: s.name, tasks: s.tasks, eps: p.Episodes, ens: 1, table: tableRows})
		}
	}
	for _, relabel := range []bool{false, true} {
		set := "train"
		if relabel {
			set = "train-relabelled"
		}
		jobs = append(jobs, &evalJob{label: "BC", model: "BC", set: set, tasks: sets[0].tasks, eps: p.PermEps, ens: 1, relabel: relabel, table: tablePermutation})
	}
	ensembleSets := []struct {
		name  string
		tasks []stack.Task
	}{{"train", suite.Take(o.Shard, mostStages(p.TrainTasks))}, sets[1]}
	for _, s := range ensembleSets {
		for _, k := range p.Ensembles {
			jobs = append(jobs, &evalJob{label: fmt.Sprintf("K=%d", k), model: "BC", set: s.name, tasks: s.tasks, eps: p.EnsembleEps, ens: k, table: tableEnsemble})
		}
	}
	jobs = slices.DeleteFunc(jobs, func(j *evalJob) bool { return len(j.tasks) == 0 })

	// Evaluation starts with training: a job runs as soon as its model is
	// trained (the expert's at once), so that a core the shorter training
	// chain leaves idle evaluates instead. Results do not depend on when
	// a job runs: an evaluation's episodes are fixed by their seeds.
	ev := newEvaluator(ctx, o, jobs)
	// A failed evaluation stops the training too, rather than after it.
	tctx, cancelTraining := context.WithCancel(ctx)
	defer cancelTraining()
	var evalDone chan error
	if !o.Prepare {
		evalDone = make(chan error, 1)
		go func() {
			err := ev.run()
			if err != nil {
				cancelTraining()
			}
			evalDone <- err
		}()
	}
	stop = o.Phases.Start("training")
	o.logf("imitation %s: training %d variants", o.Name, len(Variants))
	models, stats, err := TrainVariants(tctx, o, ds, ev.ready)
	stop()
	if err != nil {
		ev.abort()
		if evalDone != nil {
			if eerr := <-evalDone; eerr != nil {
				return eerr
			}
		}
		return err
	}
	rep.Training = stats
	if o.Prepare {
		return nil
	}
	defer o.Phases.Start("evaluation")()
	for _, v := range Variants {
		ev.ready(v.Name, models[v.Name])
	}
	if err := <-evalDone; err != nil {
		return err
	}
	for _, j := range jobs {
		switch j.table {
		case tableRows:
			rep.Rows = append(rep.Rows, j.rows...)
		case tablePermutation:
			rep.Permutation = append(rep.Permutation, j.rows...)
		case tableEnsemble:
			rep.Ensemble = append(rep.Ensemble, j.rows...)
		}
		rep.Tasks = append(rep.Tasks, j.taskRows...)
	}
	if o.Shard.Has(0) {
		for _, s := range []struct {
			name  string
			tasks []stack.Task
		}{{"train", p.TrainTasks}, {"test", p.TestTasks}} {
			if len(s.tasks) == 0 {
				continue
			}
			t := mostStages(s.tasks)[0]
			for _, name := range []string{"DAgger", "BC"} {
				tr, err := imitation.TraceAttention(models[name], t, stack.EpisodeSeed(evalSeed(o.Seed), t, 0), demoSeed(o.Seed), p.DemoNoise)
				if err != nil {
					return fmt.Errorf("attention trace of %s on %s: %w", name, t, err)
				}
				rep.Traces = append(rep.Traces, Trace{Model: name, Set: s.name, AttentionTrace: *tr})
			}
		}
	}
	sp, err := EvalThroughput(ctx, models["BC"], o, []int{1, 2})
	if err != nil {
		return err
	}
	rep.EvalSpeed = sp
	return nil
}

// Tables an evaluation job's rows go to.
const (
	tableRows = iota
	tablePermutation
	tableEnsemble
)

// evalJob is one evaluation of a model on a set of tasks, and its rows.
type evalJob struct {
	label, model, set string // model: the variant evaluated; "" for the expert
	tasks             []stack.Task
	eps, ens          int
	relabel           bool
	table             int

	done     bool
	rows     []imitation.Row
	taskRows []TaskRow
}

// evaluator runs evaluation jobs, in their order among those whose model
// is ready, one at a time, each on the run's workers.
type evaluator struct {
	ctx  context.Context
	o    run
	jobs []*evalJob

	mu      sync.Mutex
	cond    *sync.Cond
	models  map[string]*imitation.Model
	aborted bool
	// The success table's models share their conditioning
	// demonstrations: each is a whole expert episode, recorded once per
	// task and episode, not once per model. The permutation test and the
	// ensembles evaluate one model each and record their own, so that the
	// cache stays small.
	demos imitation.DemoCache
}

func newEvaluator(ctx context.Context, o run, jobs []*evalJob) *evaluator {
	e := &evaluator{ctx: ctx, o: o, jobs: jobs, models: map[string]*imitation.Model{}}
	e.cond = sync.NewCond(&e.mu)
	return e
}

// ready makes a trained model's jobs runnable.
func (e *evaluator) ready(name string, m *imitation.Model) {
	e.mu.Lock()
	e.models[name] = m
	e.mu.Unlock()
	e.cond.Broadcast()
}

// abort stops run before its next job.
func (e *evaluator) abort() {
	e.mu.Lock()
	e.aborted = true
	e.mu.Unlock()
	e.cond.Broadcast()
}

// next waits for a runnable job; nil when every job is done or run was
// aborted.
func (e *evaluator) next() (*evalJob, *imitation.Model) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for !e.aborted {
		left := false
		for _, j := range e.jobs {
			if j.done {
				continue
			}
			left = true
			if m, ok := e.models[j.model]; ok || j.model == "" {
				return j, m
			}
		}
		if !left {
			return nil, nil
		}
		e.cond.Wait()
	}
	return nil, nil
}

func (e *evaluator) run() error {
	for {
		j, m := e.next()
		if j == nil {
			return e.ctx.Err()
		}
		if err := e.runJob(j, m); err != nil {
			return err
		}
	}
}

func (e *evaluator) runJob(j *evalJob, m *imitation.Model) error {
	o := e.o
	t0 := time.Now()
	perm := j.table == tablePermutation
	cache := &e.demos
	if perm || j.ens > 1 {
		cache = nil
	}
	res, err := imitation.Evaluate(e.ctx, m, imitation.EvalOptions{Set: j.set, Tasks: j.tasks, Episodes: j.eps, Ensemble: j.ens, Seed: evalSeed(o.Seed), DemoSeed: demoSeed(o.Seed),
		Noise: o.Profile.DemoNoise, Relabel: j.relabel, Workers: o.Workers, Demos: cache, Progress: o.Progress, Label: j.label + " " + j.set})
	if err != nil {
		return err
	}
	j.rows = imitation.Summarise(j.label, j.set, res)
	tset := j.set
	if perm {
		// Kept apart from the success table's rows of the same model and
		// set (see permPrefix).
		tset = permPrefix + j.set
	}
	j.taskRows = taskRows(j.label, tset, res)
	o.logf("imitation %s: evaluated %s on %s: %d episodes in %.1fs", o.Name, j.label, j.set, len(res), time.Since(t0).Seconds())
	e.mu.Lock()
	j.done = true
	e.mu.Unlock()
	return nil
}

// EvalThroughput measures evaluation episodes per second of m at each worker
// count on the same episodes (the first training tasks).
func EvalThroughput(ctx context.Context, m *imitation.Model, o run, workers []int) ([]EvalSpeed, error) {
	p := o.Profile
	tasks := p.TrainTasks[:min(len(p.TrainTasks), 2)]
	eps := max(1, p.SpeedEps/len(tasks))
	var out []EvalSpeed
	for _, w := range workers {
		t0 := time.Now()
		res, err := imitation.Evaluate(ctx, m, imitation.EvalOptions{Tasks: tasks, Episodes: eps, Seed: evalSeed(o.Seed) + 1, DemoSeed: demoSeed(o.Seed), Noise: o.Profile.DemoNoise, Workers: w})
		if err != nil {
			return nil, err
		}
		s := time.Since(t0).Seconds()
		out = append(out, EvalSpeed{Workers: w, Episodes: len(res), Seconds: s, EpisodesPerSec: float64(len(res)) / s})
	}
	return out, nil
}

// merge merges the rows of the shards of one run, in shard order, into
// the rows of the whole run. Training happens in every shard (from the
// cache after the first); the world section runs in shard 0.
func merge(shards []Rows) (Rows, error) {
	out := Rows{Profile: shards[0].Profile, Training: slices.Clone(shards[0].Training), EvalSpeed: shards[0].EvalSpeed, Data: shards[0].Data}
	for _, r := range shards {
		if out.Traces == nil {
			out.Traces = r.Traces
		}
	}
	var rows, perm, ens [][]imitation.Row
	for _, r := range shards {
		rows, perm, ens = append(rows, r.Rows), append(perm, r.Permutation), append(ens, r.Ensemble)
		out.Tasks = append(out.Tasks, r.Tasks...)
		// Prefer the training statistics of a shard that actually trained.
		for i, st := range r.Training {
			if i < len(out.Training) && out.Training[i].Cached && !st.Cached {
				out.Training[i] = st
			}
		}
		if out.World == nil {
			out.World = r.World
		}
	}
	out.Rows, out.Permutation, out.Ensemble = inRunOrder(imitation.Merge(rows...)), inRunOrder(imitation.Merge(perm...)), inRunOrder(imitation.Merge(ens...))
	// Task rows in one order whatever the number of shards.
	slices.SortStableFunc(out.Tasks, func(a, b TaskRow) int {
		return cmp.Or(strings.Compare(a.Model, b.Model), strings.Compare(a.Set, b.Set), cmp.Compare(a.Stages, b.Stages), strings.Compare(a.Task, b.Task))
	})
	return out, nil
}

// inRunOrder sorts rows as an unsharded run writes them: by set (train,
// relabelled train, test), then model (the table's columns, ensembles by
// size), then stages.
func inRunOrder(rows []imitation.Row) []imitation.Row {
	setRank := func(s string) int {
		switch s {
		case "train":
			return 0
		case "train-relabelled":
			return 1
		}
		return 2
	}
	modelRank := func(m string) int {
		if i := slices.Index(Columns, m); i >= 0 {
			return i
		}
		var k int
		if _, err := fmt.Sscanf(m, "K=%d", &k); err == nil {
			return len(Columns) + k
		}
		return 1 << 30
	}
	slices.SortStableFunc(rows, func(a, b imitation.Row) int {
		return cmp.Or(cmp.Compare(setRank(a.Set), setRank(b.Set)), cmp.Compare(modelRank(a.Model), modelRank(b.Model)), cmp.Compare(a.Stages, b.Stages))
	})
	return rows
}
