package imitation

import (
	"math"
	"slices"
	"testing"
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
