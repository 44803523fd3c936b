package nnbench

import (
	"fmt"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// ModelImitationBC is the imitation suite's behaviour-cloning step: the
// quick profile's network (width 32, 2 heads, dilations 1, 2, 4, 8, two
// context steps, manipulation MLP 128-128 with weight normalisation) on a
// batch of 8 tasks × 16 (observation, action) pairs, each conditioned on
// another demonstration of its task with temporal dropout, Adamax.
const ModelImitationBC = "imitation-bc"

// imitQuick mirrors the imitation suite's quick profile (benchmarks/
// imitbench): tasks of 1-3 stages, demonstrations with noise 0.5, 8 tasks
// per batch, 16 pairs per task, learning rate 3e-3. The benchmark records
// 3 demonstrations of 8 of those tasks (a batch draws two per task).
var imitQuick = struct {
	tasks, demos, maxStages int
	noise                   float64
	tasksPerBatch, pairs    int
	lr                      float64
}{tasks: 8, demos: 3, maxStages: 3, noise: 0.5, tasksPerBatch: 8, pairs: 16, lr: 3e-3}

// ImitationInputs is the imitation step's data for the reference script:
// the architecture and the recorded demonstrations.
type ImitationInputs struct {
	Arch          imitation.Arch  `json:"arch"`
	TasksPerBatch int             `json:"tasks_per_batch"`
	Pairs         int             `json:"pairs_per_task"`
	LR            float64         `json:"lr"`
	ClipNorm      float64         `json:"clip_norm"`
	NumLogits     int             `json:"num_logits"`
	SpeedBins     int             `json:"speed_bins"`
	Tasks         []ImitationTask `json:"tasks"`
}

// ImitationTask is one task's demonstrations: per demonstration its
// observations (rows of 3·blocks+4) and action labels (vx bin, vy bin,
// grip).
type ImitationTask struct {
	Blocks int           `json:"blocks"`
	Obs    [][][]float32 `json:"obs"`
	Labels [][][3]int    `json:"labels"`
}

// newImitationData records the demonstrations with the suite's expert.
func newImitationData(seed uint64) ([]*imitation.TaskData, *ImitationInputs, error) {
	q := imitQuick
	var pool []stack.Task
	for _, t := range stack.Tasks(stack.Train) {
		if t.NumStages() <= q.maxStages {
			pool = append(pool, t)
		}
	}
	if len(pool) < q.tasks {
		return nil, nil, fmt.Errorf("%d training tasks of up to %d stages, want %d", len(pool), q.maxStages, q.tasks)
	}
	arch := imitation.DefaultArch(imitation.CondFull)
	topt := imitation.DefaultTrainOptions(imitation.AlgoBC)
	in := &ImitationInputs{Arch: arch, TasksPerBatch: q.tasksPerBatch, Pairs: q.pairs, LR: q.lr, ClipNorm: topt.ClipNorm,
		NumLogits: arch.NumLogits(), SpeedBins: stack.NumSpeedBins}
	var data []*imitation.TaskData
	for i := range q.tasks {
		t := pool[i*len(pool)/q.tasks] // spread over 1, 2 and 3 stages
		ds, err := imitation.RecordDemos(t, sim.DefaultConfig(), seed, 0, q.demos, q.noise)
		if err != nil {
			return nil, nil, fmt.Errorf("task %s: %w", t, err)
		}
		if len(ds) < 2 {
			return nil, nil, fmt.Errorf("task %s: %d successful demonstrations, want 2", t, len(ds))
		}
		data = append(data, &imitation.TaskData{Task: t, Demos: ds})
		it := ImitationTask{Blocks: t.NumBlocks}
		for _, d := range ds {
			it.Obs, it.Labels = append(it.Obs, d.Obs), append(it.Labels, d.Labels)
		}
		in.Tasks = append(in.Tasks, it)
	}
	return data, in, nil
}

// newImitation is the suite's own trainer (imitation.Trainer.TrainStep):
// the batches are drawn by the trainer, a new one every step.
func newImitation(seed uint64, d *realData) (*trainer, error) {
	m, err := imitation.NewModel(d.Inputs.Imitation.Arch, seed)
	if err != nil {
		return nil, err
	}
	topt := imitation.DefaultTrainOptions(imitation.AlgoBC)
	topt.Seed, topt.TasksPerBatch, topt.PairsPerTask, topt.LR = seed, imitQuick.tasksPerBatch, imitQuick.pairs, imitQuick.lr
	tr, err := imitation.NewTrainer(m, d.imitation, topt)
	if err != nil {
		return nil, err
	}
	t := &trainer{name: ModelImitationBC, desc: "imitation quick: BC step, width 32, 8 tasks × 16 pairs, temporal dropout"}
	t.custom = func() (float32, error) {
		l, _, err := tr.TrainStep()
		return float32(l), err
	}
	return t, nil
}
