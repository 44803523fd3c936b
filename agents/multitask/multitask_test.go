package multitask

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/metabench/metabench/nn/optim"
)

// toy returns rows of 64 random bits; task 0 is active when bits 3 and 7
// are both set, task 1 when bit 3 or 11 is, with labels missing at random.
func toy(n int, seed uint64) Data {
	r := rand.New(rand.NewPCG(seed, 1))
	d := Data{Bits: 64}
	for range n {
		var x []int32
		for b := range 64 {
			if r.Float64() < 0.3 {
				x = append(x, int32(b))
			}
		}
		y := []int8{0, 0}
		if slices.Contains(x, 3) && slices.Contains(x, 7) {
			y[0] = 1
		}
		if slices.Contains(x, 3) || slices.Contains(x, 11) {
			y[1] = 1
		}
		if r.Float64() < 0.2 {
			y[1] = -1
		}
		d.X = append(d.X, x)
		d.Y = append(d.Y, y)
	}
	return d
}

func auc(p []float64, y []int8) float64 {
	var num, den float64
	for i := range p {
		for j := range p {
			if y[i] == 1 && y[j] == 0 {
				den++
				switch {
				case p[i] > p[j]:
					num++
				case p[i] == p[j]:
					num += 0.5
				}
			}
		}
	}
	return num / den
}

func TestModelsLearn(t *testing.T) {
	ctx := context.Background()
	train, test := toy(600, 1), toy(300, 2)
	if err := train.Validate(); err != nil {
		t.Fatal(err)
	}
	x, y := train.Task(0)
	xt, yt := test.Task(0)
	tests := []struct {
		name string
		fit  func() []float64
		min  float64
	}{
		{"logistic", func() []float64 {
			m, err := TrainLogistic(x, y, LogisticConfig{Epochs: 30, LR: 0.05, L2: 1e-4, Balanc: true}, 1)
			if err != nil {
				t.Fatal(err)
			}
			return m.Predict(xt)
		}, 0.85},
		{"forest", func() []float64 {
			m, err := TrainForest(ctx, x, y, ForestConfig{Trees: 30}, 1)
			if err != nil {
				t.Fatal(err)
			}
			return m.Predict(xt)
		}, 0.95},
		{"multitask net", func() []float64 {
			n, err := NewNet(NetConfig{Hidden: []int{32, 8}, Epochs: 30, Batch: 32, LR: 0.01}, 64, 2, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Train(ctx, train, 1); err != nil {
				t.Fatal(err)
			}
			return Column(n.Predict(xt), 0)
		}, 0.95},
	}
	for _, tc := range tests {
		if a := auc(tc.fit(), yt); a < tc.min {
			t.Errorf("%s: test AUC %.3f, want ≥ %.2f", tc.name, a, tc.min)
		}
	}
}

// TestForestDeterministic: the same seed gives the same forest whatever
// the number of workers; another seed gives another forest.
func TestForestDeterministic(t *testing.T) {
	ctx := context.Background()
	x, y := toy(400, 3).Task(0)
	var preds [][]float64
	for _, w := range []int{1, 2, 3} {
		f, err := TrainForest(ctx, x, y, ForestConfig{Trees: 12, Workers: w}, 9)
		if err != nil {
			t.Fatal(err)
		}
		preds = append(preds, f.Predict(x))
	}
	if !slices.Equal(preds[0], preds[1]) || !slices.Equal(preds[0], preds[2]) {
		t.Fatal("forest depends on the number of workers")
	}
	f, _ := TrainForest(ctx, x, y, ForestConfig{Trees: 12}, 10)
	if slices.Equal(f.Predict(x), preds[0]) {
		t.Fatal("another seed gave the same forest")
	}
}

// TestNetMasksMissing: labels of -1 take no part in the loss, so a task
// whose labels are all missing keeps its head's initial weights.
func TestNetMasksMissing(t *testing.T) {
	d := toy(200, 4)
	for i := range d.Y {
		d.Y[i][1] = -1
	}
	n, err := NewNet(NetConfig{Hidden: []int{16}, Epochs: 3, Batch: 32, LR: 0.01}, 64, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := NewNet(NetConfig{Hidden: []int{16}, Epochs: 3, Batch: 32, LR: 0.01}, 64, 2, 5)
	if err := n.Train(context.Background(), d, 5); err != nil {
		t.Fatal(err)
	}
	W, R := n.Head.W.Value, ref.Head.W.Value
	for i := range 16 {
		for c := 2; c < 4; c++ { // task 1's two logits
			if W[i*4+c] != R[i*4+c] {
				t.Fatalf("head of the unlabelled task moved: %v vs %v", W[i*4+c], R[i*4+c])
			}
		}
	}
	if slices.Equal(n.Head.W.Value, ref.Head.W.Value) {
		t.Fatal("the labelled task's head did not train")
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []NetConfig{
		{Hidden: nil, Epochs: 1, Batch: 1, LR: 0.1},
		{Hidden: []int{0}, Epochs: 1, Batch: 1, LR: 0.1},
		{Hidden: []int{4}, Dropout: 1, Epochs: 1, Batch: 1, LR: 0.1},
		{Hidden: []int{4}, Epochs: 1, Batch: 0, LR: 0.1},
	} {
		if _, err := NewNet(c, 8, 1, 1); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, err := TrainForest(context.Background(), Data{Bits: 8}, nil, ForestConfig{Trees: 1}, 1); err == nil {
		t.Error("forest on no rows: no error")
	}
	if err := (Data{Bits: 8, X: [][]int32{{9}}}).Validate(); err == nil {
		t.Error("bit out of range: no error")
	}
}

func BenchmarkTrainForest(b *testing.B) {
	x, y := toy(2000, 7).Task(0)
	for b.Loop() {
		if _, err := TrainForest(context.Background(), x, y, ForestConfig{Trees: 20, Workers: 1}, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTrainTraced: TrainTraced gives Train's weights and their trace, whose
// steps are the optimiser's (1, 10, 100, … and the last) and whose last
// line is the trained weights.
func TestTrainTraced(t *testing.T) {
	tests := []struct {
		rows, epochs int
		want         []int
	}{
		{200, 1, []int{1, 4}},      // 200 rows in batches of 64: 4 steps an epoch
		{200, 3, []int{1, 10, 12}}, // a power of ten mid-run
		{200, 25, []int{1, 10, 100}},
	}
	for _, tc := range tests {
		cfg := NetConfig{Hidden: []int{16}, Epochs: tc.epochs, Batch: 64, LR: 0.01}
		d := toy(tc.rows, 3)
		plain, _ := NewNet(cfg, 64, 2, 5)
		traced, _ := NewNet(cfg, 64, 2, 5)
		if err := plain.Train(context.Background(), d, 5); err != nil {
			t.Fatal(err)
		}
		b, err := traced.TrainTraced(context.Background(), d, 5)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range plain.Params() {
			if !slices.Equal(p.Value, traced.Params()[i].Value) {
				t.Fatalf("%d epochs: TrainTraced's %s differs from Train's", tc.epochs, p.Name)
			}
		}
		pts, err := optim.ParseTrace(b)
		if err != nil {
			t.Fatal(err)
		}
		var steps []int
		for _, p := range pts {
			steps = append(steps, p.Step)
		}
		if !slices.Equal(steps, tc.want) || pts[len(pts)-1].SHA256 != optim.Fingerprint(plain.Params()) {
			t.Errorf("%d epochs: trace steps %v, want %v ending with the trained weights", tc.epochs, steps, tc.want)
		}
	}
}
