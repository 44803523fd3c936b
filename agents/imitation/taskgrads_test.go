package imitation

import (
	"math"
	"slices"
	"testing"

	"github.com/metabench/metabench/nn"
)

// TestTaskGrads: per-task gradients give the same weights whatever the
// number of workers, and weights close to the single tape's (the sums
// differ only in rounding).
func TestTaskGrads(t *testing.T) {
	data := fixture(t)
	train := func(taskGrads bool, workers int) []float32 {
		m, err := NewModel(smallArch(CondFull), 1)
		if err != nil {
			t.Fatal(err)
		}
		opt := DefaultTrainOptions(AlgoBC)
		opt.TasksPerBatch, opt.PairsPerTask, opt.TaskGrads = 4, 4, taskGrads
		own := make([]*TaskData, len(data))
		for i, td := range data {
			c := *td
			own[i] = &c
		}
		tr, err := NewTrainer(m, own, opt)
		if err != nil {
			t.Fatal(err)
		}
		tr.SetWorkers(workers)
		for range 5 {
			if _, _, err := tr.TrainStep(); err != nil {
				t.Fatal(err)
			}
		}
		var w []float32
		for _, p := range m.Params() {
			w = append(w, p.Value...)
		}
		return w
	}
	one, three := train(true, 1), train(true, 3)
	if !slices.Equal(one, three) {
		t.Fatal("per-task gradients: the weights depend on the number of workers")
	}
	single := train(false, 1)
	var worst float64
	for i := range single {
		worst = max(worst, math.Abs(float64(single[i]-one[i])))
	}
	if worst > 1e-4 {
		t.Fatalf("per-task gradients: weights up to %g from the single tape's", worst)
	}
	if !slices.Equal(single, train(false, 1)) {
		t.Fatal("single tape not deterministic")
	}
}

// TestTimeFeature: with Arch.TimeFeature the embedding depends on the
// frames' positions, both training paths run, and without it a model is
// initialised as before (the time layer comes last).
func TestTimeFeature(t *testing.T) {
	a := smallArch(CondFull)
	a.TimeFeature = true
	m, err := NewModel(a, 2)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := NewModel(smallArch(CondFull), 2)
	for i, p := range plain.Params() {
		if !slices.Equal(p.Value, m.Params()[i].Value) {
			t.Fatalf("%s: initialised differently with the time feature", p.Name)
		}
	}
	d := fixture(t)[2].Demos[0]
	tp := nn.NewTape[f32]()
	tp.SetNoGrad(true)
	frames := m.Arch.Frames(d, nil)
	at := func(t0 float32) []float32 {
		times := make([]f32, len(frames))
		for i := range times {
			times[i] = t0 + float32(i)/float32(2*len(frames))
		}
		return slices.Clone(m.demoEmbedding(tp, frames, times, d.Blocks).Data)
	}
	if slices.Equal(at(0), at(0.5)) {
		t.Fatal("the embedding does not depend on the frames' positions")
	}
	for _, tg := range []bool{false, true} {
		opt := DefaultTrainOptions(AlgoBC)
		opt.TasksPerBatch, opt.PairsPerTask, opt.TaskGrads = 2, 4, tg
		tr, err := NewTrainer(m, fixture(t), opt)
		if err != nil {
			t.Fatal(err)
		}
		before := slices.Clone(m.TimeIn.W.Value)
		if _, _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
		if slices.Equal(before, m.TimeIn.W.Value) {
			t.Fatalf("per-task gradients %v: the time layer did not learn", tg)
		}
	}
}
