package imitbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/sim"
)

// Variant is one trained policy of the tables.
type Variant struct {
	Name string // column name: DAgger, BC, snapshot, final, matching
	Algo string
	Cond imitation.Cond
	// MatchQuery and StageLoss set imitation.Arch.MatchQuery and
	// TrainOptions.StageLoss (with Arch.StageHead): the read-out that made
	// the temporal attention follow the stage (docs/imitation.md).
	MatchQuery bool
	StageLoss  float64
}

// Variants lists the table's learned columns in order.
var Variants = []Variant{
	{Name: "DAgger", Algo: imitation.AlgoDAgger, Cond: imitation.CondFull},
	{Name: "BC", Algo: imitation.AlgoBC, Cond: imitation.CondFull},
	{Name: "snapshot", Algo: imitation.AlgoBC, Cond: imitation.CondSnapshot},
	{Name: "final", Algo: imitation.AlgoBC, Cond: imitation.CondFinal},
}

// Matching is the variant a profile with StageAttention adds: behaviour
// cloning on the full demonstration whose temporal attention scores frames
// by their distance to the current observation, with the auxiliary stage
// loss at weight 0.1 — on tasks of 1-3 stages the first read-out whose
// attention followed the stage without costing success.
var Matching = Variant{Name: "matching", Algo: imitation.AlgoBC, Cond: imitation.CondFull, MatchQuery: true, StageLoss: 0.1}

// variants returns the profile's variants in the tables' order.
func (o run) variants() []Variant {
	if o.Profile.StageAttention {
		return append(slices.Clip(Variants), Matching)
	}
	return Variants
}

// arch returns the architecture of a variant in this run's profile.
func (o run) arch(v Variant) imitation.Arch {
	a := o.Profile.Arch(v.Cond)
	a.MatchQuery, a.StageHead = v.MatchQuery, v.StageLoss > 0
	return a
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
	t.StageLoss = v.StageLoss
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
	variants := o.variants()
	runs := make([]*variantRun, len(variants))
	bc, dagger := -1, -1
	for i, v := range variants {
		runs[i] = o.newVariantRun(v, dataset)
		if runs[i].cached {
			ready(v.Name, runs[i].model)
		}
		switch {
		case v.Algo == imitation.AlgoBC && v.Cond == imitation.CondFull && !v.MatchQuery && v.StageLoss == 0:
			bc = i
		case v.Algo == imitation.AlgoDAgger:
			dagger = i
		}
	}
	// Jobs, longest first, so that two workers end close together: the
	// BC-then-DAgger chain, the other full-demonstration variants (a step
	// reads every frame), then snapshot and final state.
	chained := bc >= 0 && dagger >= 0
	var jobs [][]int
	if chained {
		jobs = append(jobs, []int{bc, dagger})
	}
	for _, full := range []bool{true, false} {
		for i, v := range variants {
			if (v.Cond == imitation.CondFull) == full && (!chained || (i != bc && i != dagger)) {
				jobs = append(jobs, []int{i})
			}
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
	stats := make([]TrainStat, len(variants))
	for i, v := range variants {
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

// modelDir returns a variant's checkpoint directory, relative to the cache:
// its name and the hash of its architecture and training options.
func (o run) modelDir(v Variant, dataset string) string {
	return filepath.Join("imitation", "models", fmt.Sprintf("%s-%s", strings.ToLower(v.Name), suite.Key([]any{o.arch(v), o.TrainOptions(v, dataset)})))
}

func (o run) newVariantRun(v Variant, dataset string) *variantRun {
	arch := o.arch(v)
	topt := o.TrainOptions(v, dataset)
	rel := o.modelDir(v, dataset)
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
		for _, v := range o.variants() {
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
	for _, j := range jobs {
		j.cacheFile = o.evalCacheFile(j, ds)
	}
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
	o.logf("imitation %s: training %d variants", o.Name, len(o.variants()))
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
	for _, v := range o.variants() {
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
			for _, name := range AttentionModels {
				if models[name] == nil {
					continue
				}
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

	// cacheFile keeps the job's rows once evaluated (evalCacheFile), so
	// that an interrupted run does not evaluate it again.
	cacheFile string

	done     bool
	rows     []imitation.Row
	taskRows []TaskRow
}

// evalResult is what the cache keeps of an evaluation job.
type evalResult struct {
	Rows     []imitation.Row `json:"rows"`
	TaskRows []TaskRow       `json:"task_rows"`
}

// evalCacheFile returns the cache file of job j's rows: named by what
// determines them — the model's checkpoint directory (its architecture,
// training options and dataset), the tasks, episodes, ensemble size,
// relabelling, the evaluation seeds and noise, and the expert-state
// measure where the job takes it.
func (o run) evalCacheFile(j *evalJob, dataset string) string {
	model := "expert"
	for _, v := range o.variants() {
		if v.Name == j.model {
			model = o.modelDir(v, dataset)
		}
	}
	key := suite.Key(struct {
		Model, Label, Set  string
		Tasks              []string
		Episodes, Ensemble int
		Relabel            bool
		Table              int
		Seed, DemoSeed     uint64
		Noise              float64
		ExpertStates       int
	}{model, j.label, j.set, specs(j.tasks), j.eps, j.ens, j.relabel, j.table, evalSeed(o.Seed), demoSeed(o.Seed), o.Profile.DemoNoise, o.expertStates(j)})
	name := strings.NewReplacer("=", "", " ", "-").Replace(strings.ToLower(j.label + "-" + j.set))
	return filepath.Join(o.CacheDir, "imitation", "evals", name+"-"+key+".json")
}

// expertStates is the number of expert demonstrations per task on whose
// states job j also measures the attention share: the profile's, for the
// success table's full-demonstration models; 0 for every other job.
func (o run) expertStates(j *evalJob) int {
	if j.table == tableRows && slices.Contains(AttentionModels, j.model) {
		return o.Profile.ExpertStates
	}
	return 0
}

// loadCached fills j from its cache file; false when there is none or it
// does not hold the job's rows (it is then evaluated again and rewritten).
func (j *evalJob) loadCached() bool {
	b, err := os.ReadFile(j.cacheFile)
	if err != nil {
		return false
	}
	var r evalResult
	if json.Unmarshal(b, &r) != nil || len(r.Rows) == 0 || len(r.TaskRows) == 0 {
		return false
	}
	for _, row := range r.Rows {
		if row.Model != j.label || row.Set != j.set {
			return false
		}
	}
	// Only what a fresh evaluation would write is taken: a file that does
	// not re-encode to the same bytes is damaged or from another version.
	if again, err := json.Marshal(r); err != nil || !bytes.Equal(again, b) {
		return false
	}
	j.rows, j.taskRows, j.done = r.Rows, r.TaskRows, true
	return true
}

// saveCached writes j's rows to its cache file, atomically.
func (j *evalJob) saveCached() error {
	b, err := json.Marshal(evalResult{Rows: j.rows, TaskRows: j.taskRows})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(j.cacheFile), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(j.cacheFile, b, 0o644)
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
	for _, j := range jobs {
		if j.cacheFile != "" && j.loadCached() {
			o.logf("imitation %s: %s on %s: evaluated before (%s)", o.Name, j.label, j.set, filepath.Base(j.cacheFile))
		}
	}
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
	if n := o.expertStates(j); n > 0 {
		if err := setExpertStates(e.ctx, m, j.tasks, n, demoSeed(o.Seed), o.Profile.DemoNoise, o.Workers, j.rows); err != nil {
			return fmt.Errorf("%s on %s: %w", j.label, j.set, err)
		}
	}
	tset := j.set
	if perm {
		// Kept apart from the success table's rows of the same model and
		// set (see permPrefix).
		tset = permPrefix + j.set
	}
	j.taskRows = taskRows(j.label, tset, res)
	if j.cacheFile != "" {
		if err := j.saveCached(); err != nil {
			return fmt.Errorf("keep the evaluation of %s on %s: %w", j.label, j.set, err)
		}
	}
	o.logf("imitation %s: evaluated %s on %s: %d episodes in %.1fs", o.Name, j.label, j.set, len(res), time.Since(t0).Seconds())
	e.mu.Lock()
	j.done = true
	e.mu.Unlock()
	return nil
}

// setExpertStates measures m's attention share on the states of n expert
// demonstrations of every task (taskExpertStates) and adds it to the row
// of the task's stage count among rows (one set's).
func setExpertStates(ctx context.Context, m *imitation.Model, tasks []stack.Task, n int, base uint64, noise float64, workers int, rows []imitation.Row) error {
	sums := make([]imitation.ShareSum, len(tasks))
	err := parallel.For(ctx, len(tasks), parallel.Workers(workers), func(i int) error {
		var err error
		sums[i], err = taskExpertStates(m, tasks[i], n, base, noise)
		return err
	})
	if err != nil {
		return err
	}
	for i := range rows {
		var s imitation.ShareSum
		for k, t := range tasks {
			if t.NumStages() == rows[i].Stages {
				s.Add(sums[k])
			}
		}
		rows[i].SetExpertStates(s)
	}
	return nil
}

// taskExpertStates records n+1 expert demonstrations of t (base seed base,
// the given noise) and returns m's attention share conditioned on the
// first over the states of the others (imitation.ExpertStateShare).
func taskExpertStates(m *imitation.Model, t stack.Task, n int, base uint64, noise float64) (imitation.ShareSum, error) {
	ds, err := imitation.RecordDemos(t, sim.DefaultConfig(), base, 0, n+1, noise)
	if err != nil {
		return imitation.ShareSum{}, fmt.Errorf("expert states of %s: %w", t, err)
	}
	var sum imitation.ShareSum
	for _, d := range ds[1:] {
		sum.Add(imitation.ExpertStateShare(m, ds[0], d))
	}
	return sum, nil
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

func newRun(s suite.Setup[config]) run {
	o := s.Options
	return run{Profile: s.Config.Profile, Name: o.Profile, Seed: o.Seed, CacheDir: o.CacheDir, Shard: o.Shard, Workers: o.Workers,
		Progress: o.Progress, Prepare: o.Prepare, Log: o.Log, Phases: o.Phases}
}

func (o run) logf(format string, a ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", a...)
	}
}

func runSuite(ctx context.Context, s suite.Setup[config]) (Rows, error) {
	o := newRun(s)
	var err error
	rep := Rows{Profile: o.Name}
	if w := o.Profile.World; w != nil && o.Shard.Has(0) && !o.Prepare {
		if rep.World, err = world(ctx, o, w); err != nil {
			return Rows{}, err
		}
	}
	if o.Profile.Learns() {
		if err := learn(ctx, o, &rep); err != nil {
			return Rows{}, err
		}
	}
	return rep, nil
}

// world measures the block-stacking world: physics speed, the expert on
// every task, demonstration throughput.
func world(ctx context.Context, o run, w *World) (*WorldRows, error) {
	var out WorldRows
	var err error
	stop := o.Phases.Start("physics speed")
	out.Sim, err = stackbench.SimSpeedContext(ctx, stackbench.SimOptions{Blocks: w.SimBlocks, Budget: w.SimBudget, Repeats: w.SimRepeats, Seed: o.Seed})
	stop()
	if err != nil {
		return nil, err
	}
	stop = o.Phases.Start("expert")
	out.Expert, err = stackbench.Expert(ctx, stackbench.ExpertOptions{
		Sets:     []stackbench.TaskSet{{Label: "train", Tasks: stack.Tasks(stack.Train)}, {Label: "test", Tasks: stack.Tasks(stack.Test)}},
		Episodes: w.ExpertEpisodes, Noise: append([]float64{0}, w.ExpertNoise...), Seed: o.Seed, Workers: o.Workers, Progress: o.Progress,
	})
	stop()
	if err != nil {
		return nil, err
	}
	stop = o.Phases.Start("demonstration throughput")
	out.Gen, err = stackbench.GenSpeed(ctx, stackbench.GenOptions{Workers: []int{1, 2}, Tasks: stackbench.DefaultGenTasks(), Episodes: w.GenEpisodes, Repeats: w.GenRepeats})
	stop()
	if err != nil {
		return nil, err
	}
	return &out, nil
}
