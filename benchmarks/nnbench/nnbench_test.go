package nnbench

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/metabench/metabench/nn"
)

func TestRunSmoke(t *testing.T) {
	rep, err := Run(context.Background(), Options{Duration: time.Millisecond, MinIters: 1, Models: []string{ModelAttention, ModelLSTM}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.MatMul) != 4 || len(rep.Train) != 2 || rep.Backend == "" {
		t.Fatalf("unexpected report %+v", rep)
	}
	for _, tr := range rep.Train {
		if !(tr.StepsPerSec > 0) || tr.LastLoss != tr.LastLoss {
			t.Fatalf("bad result %+v", tr)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
	h, rows := rep.Rows()
	if len(rows) != 6 || len(rows[0]) != len(h) {
		t.Fatalf("table %v %v", h, rows)
	}
	if _, err := Run(context.Background(), Options{NoMatMul: true, Models: []string{"nope"}}); err == nil {
		t.Fatal("unknown model accepted")
	}
}

func TestModelsLearn(t *testing.T) {
	for _, name := range Models() {
		t.Run(name, func(t *testing.T) {
			if name == ModelMLPDense || (testing.Short() && name == ModelMLP) {
				t.Skip("slow in pure Go; the MLP case covers the model")
			}
			m, err := testModel(name)
			if err != nil {
				t.Fatal(err)
			}
			first, err := m.step()
			if err != nil {
				t.Fatal(err)
			}
			var last float32
			for range 5 {
				if last, err = m.step(); err != nil {
					t.Fatal(err)
				}
			}
			if !(last < first) {
				t.Fatalf("loss %v → %v after 6 steps, want a decrease", first, last)
			}
		})
	}
}

func BenchmarkMatMul(b *testing.B) {
	for _, s := range MatMulShapes() {
		b.Run(matMulName(s), func(b *testing.B) {
			m, k, n := s[0], s[1], s[2]
			r := rand.New(rand.NewPCG(1, 1))
			x, y, z := randn(r, m*k), randn(r, k*n), make([]float32, m*n)
			for b.Loop() {
				nn.Gemm(false, false, m, n, k, 1, x, k, y, n, 0, z, n)
			}
			b.ReportMetric(2*float64(m*k*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

func BenchmarkTrain(b *testing.B) {
	for _, name := range Models() {
		b.Run(name, func(b *testing.B) {
			m, err := testModel(name)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.step(); err != nil {
				b.Fatal(err)
			}
			// CPU time per step leaves out the time the step waited for a
			// core, which on a shared machine varies more than the step.
			cpu0, cpuOK := cpuTime()
			for b.Loop() {
				if _, err := m.step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			if cpu1, ok := cpuTime(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// testModel builds a model with the data it needs.
func testModel(name string) (*trainer, error) {
	d, err := newRealData([]string{name}, 1)
	if err != nil {
		return nil, err
	}
	return newModel(name, 1, d)
}
