package imitation

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/dirlock"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/internal/plot"
	"github.com/metabench/metabench/internal/progress"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/optim"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
)

// Algorithms.
const (
	AlgoBC     = "bc"
	AlgoDAgger = "dagger"
)

// TrainOptions are the training hyper-parameters; they are stored in
// config.json with the checkpoint.
type TrainOptions struct {
	Algo          string  `json:"algo"` // AlgoBC or AlgoDAgger
	Seed          uint64  `json:"seed"`
	Steps         int     `json:"steps"`
	TasksPerBatch int     `json:"tasks_per_batch"` // distinct tasks per batch, one conditioning demonstration each
	PairsPerTask  int     `json:"pairs_per_task"`  // (observation, label) pairs per task, from another demonstration
	LR            float64 `json:"lr"`              // Adamax learning rate (paper: 1e-3)
	ClipNorm      float64 `json:"clip_norm"`       // global gradient-norm clip (0: none)
	// DecayAt, if in (0, 1), multiplies the learning rate by DecayBy from
	// that fraction of the steps on (not in the paper; helps short runs).
	DecayAt float64 `json:"decay_at,omitempty"`
	DecayBy float64 `json:"decay_by,omitempty"`
	// DAgger schedule: plain behaviour cloning for the first DAggerStart of
	// the steps, then DAggerRounds rounds evenly spaced over the rest. Each
	// round rolls out the current policy DAggerEpisodes times per task
	// (greedy actions, conditioned on a dataset demonstration), labels every
	// visited state with the closed-loop expert and adds the pairs to the
	// task's pool; from then on a quarter of each task's pairs come from its
	// pool.
	DAggerStart    float64 `json:"dagger_start,omitempty"`
	DAggerRounds   int     `json:"dagger_rounds,omitempty"`
	DAggerEpisodes int     `json:"dagger_episodes,omitempty"`
	Dataset        string  `json:"dataset,omitempty"` // the demonstrations trained on; a resume must use the same
	// DemoNoise is the noise of the expert demonstrations trained on
	// (policies.Noisy scale); evaluation and the window condition on
	// demonstrations of the same noise unless told otherwise.
	DemoNoise float64 `json:"demo_noise"`
	// TaskGrads computes each task's gradient of a batch on a tape of its
	// own and adds them up in task order, RunOptions.Workers tasks at a
	// time: a step spreads over cores, with the same result for any number
	// of workers. Without it the batch is one tape on one core, as earlier
	// checkpoints were trained; the two differ in rounding, so it is a
	// training option.
	TaskGrads bool `json:"task_grads,omitempty"`
	// StageLoss weights the stage head's cross-entropy (Arch.StageHead,
	// which it needs) in the objective: an auxiliary loss that rewards a
	// temporal attention that follows the stage being executed
	// (docs/imitation.md). 0: none; omitted from the JSON then.
	StageLoss float64 `json:"stage_loss,omitempty"`
}

// DefaultTrainOptions returns the settings of the benchmarks' quick profile.
func DefaultTrainOptions(algo string) TrainOptions {
	o := TrainOptions{Algo: algo, Seed: 1, Steps: 2000, TasksPerBatch: 8, PairsPerTask: 16, LR: 1e-3, ClipNorm: 10}
	if algo == AlgoDAgger {
		o.DAggerStart, o.DAggerRounds, o.DAggerEpisodes = 0.5, 2, 2
	}
	return o
}

// Validate checks the options.
func (o TrainOptions) Validate() error {
	switch {
	case o.Algo != AlgoBC && o.Algo != AlgoDAgger:
		return fmt.Errorf("unknown algorithm %q (want bc or dagger)", o.Algo)
	case o.Steps <= 0 || o.TasksPerBatch <= 0 || o.PairsPerTask <= 0:
		return fmt.Errorf("steps, tasks per batch and pairs per task must be positive")
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("learning rate must be positive and finite")
	case !(o.DemoNoise >= 0) || math.IsInf(o.DemoNoise, 0):
		return fmt.Errorf("demonstration noise must be non-negative and finite")
	case !(o.StageLoss >= 0) || math.IsInf(o.StageLoss, 0):
		return fmt.Errorf("stage loss weight must be non-negative and finite")
	case o.Algo == AlgoDAgger && (o.DAggerRounds <= 0 || o.DAggerEpisodes <= 0 || o.DAggerStart < 0 || o.DAggerStart >= 1):
		return fmt.Errorf("dagger needs rounds > 0, episodes > 0 and start in [0, 1)")
	}
	return nil
}

// RunOptions say where and how a training run reports.
type RunOptions struct {
	Dir             string    // checkpoint directory ("" for none)
	Resume          bool      // continue from the checkpoint in Dir if there is one
	Until           int       // stop (and checkpoint) after this step; 0: at TrainOptions.Steps
	Locked          bool      // the caller holds Dir's lock (package dirlock); otherwise Train takes it
	Wait            bool      // wait for another process holding Dir's lock (a cache entry), rather than fail
	CheckpointEvery int       // steps between checkpoints (0: only at the end)
	Progress        bool      // progress bar on a terminal
	Label           string    // progress bar label
	Workers         int       // DAgger rollouts (0: all CPUs)
	Log             io.Writer // one line per logged interval (nil: quiet)
	LogEvery        int       // steps per loss-curve point (0: 50)
}

// LossPoint is one point of the loss curve: the mean training loss over the
// steps up to Step since the previous point.
type LossPoint struct {
	Step    int     `json:"step"`
	Loss    float64 `json:"loss"`
	Seconds float64 `json:"seconds"` // wall time since this process's run began; not saved in loss.csv (0 when read back)
}

// TrainResult summarises a run.
type TrainResult struct {
	Steps         int         `json:"steps"`
	Samples       int         `json:"samples"`         // (observation, label) pairs trained on in this process
	Seconds       float64     `json:"seconds"`         // wall time of the gradient steps in this process
	SamplesPerSec float64     `json:"samples_per_sec"` //
	DAggerPairs   int         `json:"dagger_pairs,omitempty"`
	DAggerSeconds float64     `json:"dagger_seconds,omitempty"`
	Curve         []LossPoint `json:"-"`
}

// Trainer holds the state of a training run.
type Trainer struct {
	M    *Model
	Data []*TaskData
	Opt  TrainOptions
	Cfg  sim.Config

	opt  *optim.Optimizer[f32]
	step int
	// The weights' fingerprints along training, kept in every checkpoint
	// and resumed with it, so that a run made in pieces writes the trace of
	// a run made in one.
	trace *optim.Trace[f32]
	tp    *nn.Tape[f32]
	curve []LossPoint
	// The losses of the steps since the last curve point: a checkpoint
	// keeps them, so that a resumed run's next point averages the same
	// steps as an uninterrupted run's.
	lossSum float64
	lossN   int
	// The stage head's mean loss over the same steps, for the log only
	// (not checkpointed: a resumed run's first point may average fewer).
	stageSum float64
	stageN   int

	// With TaskGrads: the tasks computed at a time, and per task of a
	// batch a replica of M (sharing its weights, with gradients of its
	// own) and a tape.
	workers  int
	replicas []*Model
	tapes    []*nn.Tape[f32]
}

// SetWorkers sets how many tasks of a batch a TaskGrads step computes at a
// time (0: all CPUs). It does not change the results.
func (tr *Trainer) SetWorkers(n int) { tr.workers = n }

// NewTrainer prepares training of m on data.
func NewTrainer(m *Model, data []*TaskData, opt TrainOptions) (*Trainer, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, errors.New("no training data")
	}
	if opt.StageLoss > 0 && !m.Arch.StageHead {
		return nil, errors.New("a stage loss needs an architecture with the stage head")
	}
	for _, td := range data {
		if len(td.Demos) < 2 {
			return nil, fmt.Errorf("task %s: %d demonstrations, need at least 2", td.Task, len(td.Demos))
		}
	}
	return &Trainer{M: m, Data: data, Opt: opt, Cfg: sim.DefaultConfig(), opt: newOptimizer(m, opt), trace: optim.NewTrace(m.Params()), tp: nn.NewTape[f32]()}, nil
}

// newOptimizer returns the paper's optimiser, Adamax (β1 = 0.9, β2 = 0.999,
// ε = 1e-8), with global-norm clipping.
func newOptimizer(m *Model, opt TrainOptions) *optim.Optimizer[f32] {
	return optim.NewAdamax(optim.Config{LR: opt.LR, ClipNorm: opt.ClipNorm}, optim.AdamOpts{}, optim.NewGroup("all", m.Params()...))
}

// Fork returns a trainer for opt that continues from tr's current state
// with copies of its model, optimiser state, loss curve and task data. A
// DAgger run is behaviour cloning until its first round, so it can share
// that part with a BC run: forking the BC trainer there gives, bit for bit,
// the trainer that DAgger from scratch would have at that step. Fork
// refuses options under which the steps taken so far would have been
// different: other batches, learning rates or clipping, or a DAgger round
// (of tr.Opt or opt) before the current step.
func (tr *Trainer) Fork(opt TrainOptions) (*Trainer, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	same := func(o TrainOptions) TrainOptions {
		o.Algo, o.DAggerStart, o.DAggerRounds, o.DAggerEpisodes, o.Dataset = "", 0, 0, 0, ""
		return o
	}
	if same(opt) != same(tr.Opt) {
		return nil, fmt.Errorf("fork at step %d: options differ in more than the algorithm and the DAgger schedule", tr.step)
	}
	for _, r := range append(tr.Opt.daggerRounds(), opt.daggerRounds()...) {
		if r < tr.step {
			return nil, fmt.Errorf("fork at step %d: a DAgger round at step %d lies before it", tr.step, r)
		}
	}
	m, err := NewModel(tr.M.Arch, 0)
	if err != nil {
		return nil, err
	}
	for i, p := range tr.M.Params() {
		copy(m.Params()[i].Value, p.Value)
	}
	data := make([]*TaskData, len(tr.Data))
	for i, td := range tr.Data {
		c := *td
		c.ExtraObs, c.ExtraLabs = slices.Clone(td.ExtraObs), slices.Clone(td.ExtraLabs)
		data[i] = &c
	}
	o := newOptimizer(m, opt)
	if err := o.CopyStateFrom(tr.opt); err != nil {
		return nil, fmt.Errorf("fork at step %d: %w", tr.step, err)
	}
	return &Trainer{M: m, Data: data, Opt: opt, Cfg: tr.Cfg, opt: o, step: tr.step, trace: tr.trace.Clone(m.Params()), tp: nn.NewTape[f32](), curve: slices.Clone(tr.curve),
		lossSum: tr.lossSum, lossN: tr.lossN}, nil
}

// Step returns the number of steps taken.
func (tr *Trainer) Step() int { return tr.step }

// Curve returns the loss curve so far.
func (tr *Trainer) Curve() []LossPoint { return tr.curve }

// TrainStep takes one gradient step and returns the batch loss and the
// number of (observation, label) pairs in it. The batch is drawn from a
// generator seeded by (Seed, step), so a resumed run draws the same batches.
func (tr *Trainer) TrainStep() (float64, int, error) {
	rng := rand.New(rand.NewPCG(tr.Opt.Seed, uint64(tr.step)+1))
	if tr.Opt.TaskGrads {
		return tr.taskGradStep(rng)
	}
	// One tape for the run: its arena holds about one pass of the largest
	// recent batch, whatever the mix of shapes (frames × blocks).
	if tr.tp == nil {
		tr.tp = nn.NewTape[f32]()
	}
	tp := tr.tp
	tp.Reset()
	nt := min(tr.Opt.TasksPerBatch, len(tr.Data))
	order := rng.Perm(len(tr.Data))[:nt]
	var total *nn.Tensor[f32]
	var stages []*nn.Tensor[f32]
	samples := 0
	for _, ti := range order {
		td := tr.Data[ti]
		i := rng.IntN(len(td.Demos))
		j := rng.IntN(len(td.Demos) - 1)
		if j >= i {
			j++
		}
		cond, imit := td.Demos[i], td.Demos[j]
		emb, _ := tr.M.EmbedDemo(tp, cond, rng)
		K := tr.Opt.PairsPerTask
		obs := make([][]float32, K)
		labels := make([][3]int, K)
		for k := range K {
			if len(td.ExtraObs) > 0 && k%4 == 3 {
				e := rng.IntN(len(td.ExtraObs))
				obs[k], labels[k] = td.ExtraObs[e], td.ExtraLabs[e]
				continue
			}
			t := rng.IntN(len(imit.Labels))
			obs[k], labels[k] = imit.Obs[t], imit.Labels[t]
		}
		l, st := tr.M.trainLoss(tp, emb, obs, td.Task.NumBlocks, labels, td.Task.Supports(), tr.Opt.StageLoss)
		if st != nil {
			stages = append(stages, st)
		}
		if total == nil {
			total = l
		} else {
			total = tp.Add(total, l)
		}
		samples += K
	}
	total = tp.Scale(total, 1/float32(nt))
	ps := tr.M.Params()
	nn.ZeroGrads(ps)
	if err := tp.Backward(total); err != nil {
		return 0, 0, err
	}
	if err := tr.optimStep(); err != nil {
		return 0, 0, err
	}
	for _, st := range stages {
		tr.stageSum += float64(st.Item()) / float64(len(stages))
	}
	if len(stages) > 0 {
		tr.stageN++
	}
	return float64(total.Item()), samples, nil
}

// taskBatch is one task's part of a batch.
type taskBatch struct {
	blocks int
	goal   []int // the task's goal supports (for the stage head's labels)
	frames [][]float32
	times  []float32 // the frames' positions in the demonstration, in [0, 1]
	obs    [][]float32
	labels [][3]int
}

// drawBatch draws a batch from rng in the order TrainStep's single tape
// does.
func (tr *Trainer) drawBatch(rng *rand.Rand) []taskBatch {
	nt := min(tr.Opt.TasksPerBatch, len(tr.Data))
	order := rng.Perm(len(tr.Data))[:nt]
	out := make([]taskBatch, 0, nt)
	for _, ti := range order {
		td := tr.Data[ti]
		i := rng.IntN(len(td.Demos))
		j := rng.IntN(len(td.Demos) - 1)
		if j >= i {
			j++
		}
		cond, imit := td.Demos[i], td.Demos[j]
		b := taskBatch{blocks: td.Task.NumBlocks, goal: td.Task.Supports()}
		last := max(len(cond.Obs)-1, 1)
		for _, f := range tr.M.Arch.FrameIndices(cond, rng) {
			b.frames = append(b.frames, cond.Obs[f])
			b.times = append(b.times, float32(f)/float32(last))
		}
		K := tr.Opt.PairsPerTask
		b.obs, b.labels = make([][]float32, K), make([][3]int, K)
		for k := range K {
			if len(td.ExtraObs) > 0 && k%4 == 3 {
				e := rng.IntN(len(td.ExtraObs))
				b.obs[k], b.labels[k] = td.ExtraObs[e], td.ExtraLabs[e]
				continue
			}
			t := rng.IntN(len(imit.Labels))
			b.obs[k], b.labels[k] = imit.Obs[t], imit.Labels[t]
		}
		out = append(out, b)
	}
	return out
}

// taskGradStep is TrainStep with TaskGrads: every task's loss, scaled by
// 1/tasks, is differentiated on its own tape into its own replica's
// gradients, which are then added up in task order into M's.
func (tr *Trainer) taskGradStep(rng *rand.Rand) (float64, int, error) {
	batch := tr.drawBatch(rng)
	nt := len(batch)
	ps := tr.M.Params()
	for len(tr.replicas) < nt {
		r, err := NewModel(tr.M.Arch, 0)
		if err != nil {
			return 0, 0, err
		}
		tr.replicas = append(tr.replicas, r)
		tr.tapes = append(tr.tapes, nn.NewTape[f32]())
	}
	losses, stages := make([]float64, nt), make([]float64, nt)
	err := parallel.For(context.Background(), nt, tr.workers, func(k int) error {
		rep := tr.replicas[k]
		// Weights are M's own slices (a resume or the optimiser may have
		// replaced them since the last step); gradients are the replica's.
		for i, p := range rep.Params() {
			p.Value = ps[i].Value
		}
		tp := tr.tapes[k]
		tp.Reset()
		b := batch[k]
		emb := rep.demoEmbedding(tp, b.frames, b.times, b.blocks)
		l, st := rep.trainLoss(tp, emb, b.obs, b.blocks, b.labels, b.goal, tr.Opt.StageLoss)
		nn.ZeroGrads(rep.Params())
		if err := tp.Backward(tp.Scale(l, 1/float32(nt))); err != nil {
			return err
		}
		losses[k] = float64(l.Item())
		if st != nil {
			stages[k] = float64(st.Item())
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for _, p := range ps {
		if len(p.Grad) != len(p.Value) {
			p.Grad = make([]f32, len(p.Value))
		}
		clear(p.Grad)
	}
	var loss float64
	samples := 0
	for k := range nt {
		for i, p := range ps {
			g := tr.replicas[k].Params()[i].Grad
			if len(g) != len(p.Grad) {
				continue // not in this task's graph
			}
			for x, v := range g {
				p.Grad[x] += v
			}
		}
		loss += losses[k] / float64(nt)
		samples += len(batch[k].obs)
	}
	if err := tr.optimStep(); err != nil {
		return 0, 0, err
	}
	if tr.Opt.StageLoss > 0 {
		for _, v := range stages {
			tr.stageSum += v / float64(nt)
		}
		tr.stageN++
	}
	return loss, samples, nil
}

// optimStep applies the optimiser with the step's learning rate, counts
// the step and traces the weights.
func (tr *Trainer) optimStep() error {
	tr.opt.Config.LR = tr.Opt.LR
	if tr.Opt.DecayAt > 0 && tr.Opt.DecayBy > 0 && float64(tr.step) >= tr.Opt.DecayAt*float64(tr.Opt.Steps) {
		tr.opt.Config.LR = tr.Opt.LR * tr.Opt.DecayBy
	}
	if err := tr.opt.Step(); err != nil {
		return fmt.Errorf("imitation: %w", err)
	}
	tr.step++
	tr.trace.Observe(tr.step)
	return nil
}

// daggerRounds returns the steps at which DAgger rounds run.
func (o TrainOptions) daggerRounds() []int {
	if o.Algo != AlgoDAgger {
		return nil
	}
	start := int(o.DAggerStart * float64(o.Steps))
	var r []int
	for i := range o.DAggerRounds {
		r = append(r, start+i*(o.Steps-start)/o.DAggerRounds)
	}
	return r
}

// Train runs (or resumes) training to opt.Steps and checkpoints into
// run.Dir.
func Train(ctx context.Context, tr *Trainer, run RunOptions) (*TrainResult, error) {
	if run.LogEvery <= 0 {
		run.LogEvery = 50
	}
	if run.Dir != "" {
		if !run.Locked {
			lock := func() (func(), error) { return dirlock.MkdirLock(run.Dir, "model directory") }
			if run.Wait {
				lock = func() (func(), error) { return dirlock.Wait(ctx, run.Dir, "model directory") }
			}
			unlock, err := lock()
			if err != nil {
				return nil, err
			}
			defer unlock()
		}
		if err := removeTemps(run.Dir); err != nil {
			return nil, err
		}
	}
	if run.Dir != "" && run.Resume {
		if err := tr.resume(run.Dir); err != nil {
			return nil, err
		}
	}
	res := &TrainResult{}
	bar := &progress.Bar{}
	if run.Progress {
		label := run.Label
		if label == "" {
			label = "train " + tr.Opt.Algo + "-" + string(tr.M.Arch.Cond)
		}
		bar = progress.New(tr.Opt.Steps, label)
		bar.Add(tr.step)
	}
	defer bar.Finish()
	if tr.workers == 0 {
		tr.workers = run.Workers
	}
	rounds := tr.Opt.daggerRounds()
	end := tr.Opt.Steps
	if run.Until > 0 {
		end = min(end, run.Until)
	}
	start := time.Now()
	var stepTime time.Duration
	saved := tr.step // the step of the newest checkpoint in run.Dir
	for tr.step < end {
		if err := ctx.Err(); err != nil {
			// Between two steps the state is whole: keep the steps taken
			// since the last checkpoint, so that a resume redoes none.
			if run.Dir != "" && tr.step > saved {
				if serr := tr.Save(run.Dir); serr != nil {
					return res, fmt.Errorf("%w; the checkpoint of step %d failed: %v", err, tr.step, serr)
				}
			}
			return res, err
		}
		for ri, rs := range rounds {
			if rs == tr.step {
				t0 := time.Now()
				added, err := tr.DAggerRound(ctx, ri, run.Workers)
				if err != nil {
					return res, err
				}
				res.DAggerPairs += added
				res.DAggerSeconds += time.Since(t0).Seconds()
				if run.Log != nil {
					fmt.Fprintf(run.Log, "dagger round %d at step %d: %d labelled states (%.1fs)\n", ri+1, tr.step, added, time.Since(t0).Seconds())
				}
			}
		}
		t0 := time.Now()
		l, s, err := tr.TrainStep()
		if err != nil {
			return res, fmt.Errorf("step %d: %w", tr.step, err)
		}
		stepTime += time.Since(t0)
		res.Samples += s
		tr.lossSum += l
		tr.lossN++
		bar.Add(1)
		// Points at multiples of LogEvery and at the last step only, not
		// where this process stops (Until, or a resume's start): the curve
		// of a run made in pieces is that of a run made in one.
		if tr.step%run.LogEvery == 0 || tr.step == tr.Opt.Steps {
			p := LossPoint{Step: tr.step, Loss: tr.lossSum / float64(tr.lossN), Seconds: time.Since(start).Seconds()}
			tr.curve = append(tr.curve, p)
			if run.Log != nil {
				if tr.stageN > 0 {
					fmt.Fprintf(run.Log, "step %d loss %.4f stage %.4f\n", p.Step, p.Loss, tr.stageSum/float64(tr.stageN))
				} else {
					fmt.Fprintf(run.Log, "step %d loss %.4f\n", p.Step, p.Loss)
				}
			}
			// The last step's point off the LogEvery grid keeps its window
			// (in the checkpoint too): a run extended to more steps drops
			// the point and goes on averaging, as a run to the new end does.
			if tr.step%run.LogEvery == 0 {
				tr.lossSum, tr.lossN = 0, 0
				tr.stageSum, tr.stageN = 0, 0
			}
		}
		if run.Dir != "" && run.CheckpointEvery > 0 && tr.step%run.CheckpointEvery == 0 && tr.step < end {
			if err := tr.Save(run.Dir); err != nil {
				return res, err
			}
			saved = tr.step
		}
	}
	res.Steps = tr.step
	res.Seconds = stepTime.Seconds()
	if res.Seconds > 0 {
		res.SamplesPerSec = float64(res.Samples) / res.Seconds
	}
	res.Curve = tr.curve
	if run.Dir != "" {
		if err := tr.Save(run.Dir); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Save writes a checkpoint of the current step into the model directory
// dir as one unit (see LatestCheckpoint): weights, config.json, optimiser
// state, DAgger pool, loss curve and the weights' trace; then the loss
// curve as CSV and PNG beside it, for people.
func (tr *Trainer) Save(dir string) error {
	curve := tr.curveCSV()
	err := writeCheckpoint(dir, tr.step, func(ck string) error {
		if err := tr.M.saveWeights(ck, CheckpointConfig{Step: tr.step, Train: tr.Opt, LossSum: tr.lossSum, LossSteps: tr.lossN}); err != nil {
			return err
		}
		if err := tr.opt.SaveState(filepath.Join(ck, OptimFile)); err != nil {
			return err
		}
		if err := tr.trace.WriteFile(filepath.Join(ck, TraceFile), tr.step); err != nil {
			return err
		}
		if tr.Opt.Algo == AlgoDAgger {
			if err := tr.savePool(filepath.Join(ck, PoolFile)); err != nil {
				return err
			}
		}
		return atomicfile.WriteFile(filepath.Join(ck, LossCSV), curve, 0o644)
	})
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, LossCSV), curve, 0o644); err != nil {
		return err
	}
	xs := make([]float64, len(tr.curve))
	ys := make([]float64, len(tr.curve))
	for i, p := range tr.curve {
		xs[i], ys[i] = float64(p.Step), p.Loss
	}
	title := fmt.Sprintf("%s-%s training loss (action cross-entropy)", tr.Opt.Algo, tr.M.Arch.Cond)
	return plot.Lines(filepath.Join(dir, LossPNG), plot.Axes{Title: title, X: "step", Y: "loss"}, plot.Series{X: xs, Y: ys})
}

func (tr *Trainer) curveCSV() []byte {
	var b strings.Builder
	// No wall-time column: a run resumed after a kill writes the bytes an
	// uninterrupted run writes. The exact loss: a resumed or cached run
	// reports it.
	b.WriteString("step,loss\n")
	for _, p := range tr.curve {
		fmt.Fprintf(&b, "%d,%s\n", p.Step, strconv.FormatFloat(p.Loss, 'g', -1, 64))
	}
	return []byte(b.String())
}

type poolFile struct {
	Tasks []string
	Obs   [][][]float32
	Labs  [][][3]int
}

func (tr *Trainer) savePool(path string) error {
	var pf poolFile
	for _, td := range tr.Data {
		pf.Tasks = append(pf.Tasks, td.Task.String())
		pf.Obs = append(pf.Obs, td.ExtraObs)
		pf.Labs = append(pf.Labs, td.ExtraLabs)
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return gob.NewEncoder(w).Encode(pf) })
}

// resume restores the trainer from the newest checkpoint in dir, if there
// is one. It refuses a checkpoint trained with other settings: whatever
// would make the resumed run differ from an uninterrupted one.
func (tr *Trainer) resume(dir string) error {
	ck, err := LatestCheckpoint(dir)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	if ck == "" {
		if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
			return fmt.Errorf("resume: %s was written by an older metabench (checkpoint format 1); give a new --out", dir)
		}
		return nil
	}
	m, cc, err := Load(dir, &tr.M.Arch)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	if d := resumeDiff(cc.Train, tr.Opt); d != "" {
		return fmt.Errorf("resume: the checkpoint in %s was trained with %s; train with the same settings or into a new --out", dir, d)
	}
	for i, p := range m.Params() {
		copy(tr.M.Params()[i].Value, p.Value)
	}
	tr.lossSum, tr.lossN = cc.LossSum, cc.LossSteps
	if err := tr.opt.LoadState(filepath.Join(ck, OptimFile)); err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	if tr.opt.Steps() != cc.Step {
		return fmt.Errorf("resume: optimiser state at step %d, weights at %d", tr.opt.Steps(), cc.Step)
	}
	tr.step = cc.Step
	// A checkpoint of an older metabench has no trace: the trace then holds
	// only the steps from here on.
	if err := tr.trace.Resume(filepath.Join(ck, TraceFile), tr.step); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("resume: %w", err)
	}
	if tr.Opt.Algo == AlgoDAgger {
		f, err := os.Open(filepath.Join(ck, PoolFile))
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		var pf poolFile
		err = gob.NewDecoder(bufio.NewReader(f)).Decode(&pf)
		f.Close()
		if err != nil || len(pf.Tasks) != len(tr.Data) {
			return fmt.Errorf("resume: dagger pool: corrupt or for other tasks (%v)", err)
		}
		for i, td := range tr.Data {
			if pf.Tasks[i] != td.Task.String() {
				return fmt.Errorf("resume: dagger pool is for other tasks")
			}
			td.ExtraObs, td.ExtraLabs = pf.Obs[i], pf.Labs[i]
		}
	}
	// The loss curve up to the checkpoint.
	curve, err := readCurve(filepath.Join(ck, LossCSV))
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	for _, p := range curve {
		if p.Step <= tr.step {
			tr.curve = append(tr.curve, p)
		}
	}
	// A finished run extended to more steps: its last point closed a
	// window off the LogEvery grid, which the checkpoint keeps open.
	if n := len(tr.curve); n > 0 && tr.lossN > 0 && tr.curve[n-1].Step == tr.step && tr.step < tr.Opt.Steps {
		tr.curve = tr.curve[:n-1]
	}
	return nil
}

// ReadCurve returns the loss curve of the newest checkpoint in the model
// directory dir.
func ReadCurve(dir string) ([]LossPoint, error) {
	ck, err := LatestCheckpoint(dir)
	if err != nil || ck == "" {
		return nil, fmt.Errorf("model %s: no checkpoint (%v)", dir, err)
	}
	return readCurve(filepath.Join(ck, LossCSV))
}

func readCurve(path string) ([]LossPoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var out []LossPoint
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		var p LossPoint
		var e1, e2, e3 error
		// Checkpoints written before the wall-time column was dropped
		// have it: step,loss,seconds.
		if len(f) == 2 || len(f) == 3 {
			p.Step, e1 = strconv.Atoi(f[0])
			p.Loss, e2 = strconv.ParseFloat(f[1], 64)
		}
		if len(f) == 3 {
			_, e3 = strconv.ParseFloat(f[2], 64)
		}
		if len(f) < 2 || len(f) > 3 || e1 != nil || e2 != nil || e3 != nil {
			return nil, fmt.Errorf("%s:%d: not a step,loss line", path, i+2)
		}
		out = append(out, p)
	}
	return out, nil
}

// resumeDiff names the settings in which a checkpoint's training differs
// from now, or returns "". The number of steps may grow.
func resumeDiff(was, now TrainOptions) string {
	var d []string
	add := func(name string, a, b any) {
		if a != b {
			d = append(d, fmt.Sprintf("%s %v (now %v)", name, a, b))
		}
	}
	add("algorithm", was.Algo, now.Algo)
	add("seed", was.Seed, now.Seed)
	add("tasks per batch", was.TasksPerBatch, now.TasksPerBatch)
	add("pairs per task", was.PairsPerTask, now.PairsPerTask)
	add("learning rate", was.LR, now.LR)
	add("clip norm", was.ClipNorm, now.ClipNorm)
	add("learning-rate decay", [2]float64{was.DecayAt, was.DecayBy}, [2]float64{now.DecayAt, now.DecayBy})
	add("DAgger schedule", [3]float64{was.DAggerStart, float64(was.DAggerRounds), float64(was.DAggerEpisodes)}, [3]float64{now.DAggerStart, float64(now.DAggerRounds), float64(now.DAggerEpisodes)})
	add("dataset", was.Dataset, now.Dataset)
	add("per-task gradients", was.TaskGrads, now.TaskGrads)
	add("demonstration noise", was.DemoNoise, now.DemoNoise)
	return strings.Join(d, ", ")
}

// DAggerRound rolls out the current policy on every task, labels the visited
// states with the expert and adds them to the tasks' pools. Results do not
// depend on the number of workers. It returns the number of pairs added.
func (tr *Trainer) DAggerRound(ctx context.Context, round, workers int) (int, error) {
	type job struct{ task, ep int }
	var jobs []job
	for ti := range tr.Data {
		for e := range tr.Opt.DAggerEpisodes {
			jobs = append(jobs, job{ti, e})
		}
	}
	type result struct {
		obs  [][]float32
		labs [][3]int
	}
	out := make([]result, len(jobs))
	cfg := tr.Cfg
	err := parallel.For(ctx, len(jobs), workers, func(i int) error {
		j := jobs[i]
		td := tr.Data[j.task]
		t := td.Task
		rng := rand.New(rand.NewPCG(tr.Opt.Seed^0xda66e4, uint64(round)<<32|uint64(i)))
		cond := td.Demos[rng.IntN(len(td.Demos))]
		env, err := stack.New(t, stack.Options{Config: &cfg})
		if err != nil {
			return err
		}
		seed := stack.EpisodeSeed(tr.Opt.Seed^0xda66e4000+uint64(round), t, j.ep)
		if err := env.Reset(seed); err != nil {
			return err
		}
		learner := NewPolicy(tr.M, cfg, PolicyOptions{})
		learner.Condition(t, []*Demo{cond})
		expert := policies.NewExpert(cfg)
		expert.Reset(t, seed)
		var r result
		policies.Rollout(env, learner, func(s *sim.State, _ sim.Control) {
			r.obs = append(r.obs, stack.Observe(nil, s))
			v := stack.ActionVector(expert.Act(s))
			r.labs = append(r.labs, Label(v[:]))
		})
		out[i] = r
		return nil
	})
	if err != nil {
		return 0, err
	}
	added := 0
	for i, j := range jobs {
		td := tr.Data[j.task]
		td.ExtraObs = append(td.ExtraObs, out[i].obs...)
		td.ExtraLabs = append(td.ExtraLabs, out[i].labs...)
		added += len(out[i].obs)
	}
	return added, nil
}
