package nn

import (
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/golden"
)

var updateBits = flag.Bool("update-bits", false, "rewrite testdata/op-bits.golden from this machine")

// bitsCase is one op, run forward and backward on fixed float32 inputs.
type bitsCase struct {
	name   string
	shapes [][]int
	fwd    func(tp *Tape[float32], p []*Tensor[float32]) *Tensor[float32]
}

// bitsCases cover every op the suites train with, in float32 and at sizes
// that reach the vector code, the matrix kernel's full and edge tiles,
// several blocks of k and the split over goroutines.
func bitsCases() []bitsCase {
	un := func(name string, f func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32]) bitsCase {
		return bitsCase{name, [][]int{{37, 29}}, func(tp *Tape[float32], p []*Tensor[float32]) *Tensor[float32] { return f(tp, p[0]) }}
	}
	bin := func(name string, sa, sb []int, f func(tp *Tape[float32], a, b *Tensor[float32]) *Tensor[float32]) bitsCase {
		return bitsCase{name, [][]int{sa, sb}, func(tp *Tape[float32], p []*Tensor[float32]) *Tensor[float32] { return f(tp, p[0], p[1]) }}
	}
	targets := func(n, k int) []int {
		t := make([]int, n)
		for i := range t {
			t[i] = (i * 7) % k
		}
		return t
	}
	return []bitsCase{
		bin("Add", []int{37, 29}, []int{29}, (*Tape[float32]).Add),
		bin("Mul", []int{37, 29}, []int{37, 29}, (*Tape[float32]).Mul),
		bin("Div", []int{37, 29}, []int{37, 29}, func(tp *Tape[float32], a, b *Tensor[float32]) *Tensor[float32] {
			return tp.Div(a, tp.AddScalar(tp.Square(b), 0.5))
		}),
		un("ReLU", (*Tape[float32]).ReLU),
		un("Tanh", (*Tape[float32]).Tanh),
		un("Sigmoid", (*Tape[float32]).Sigmoid),
		un("GELU", (*Tape[float32]).GELU),
		un("Exp", (*Tape[float32]).Exp),
		un("LogSquare", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] {
			return tp.Log(tp.AddScalar(tp.Square(a), 0.1))
		}),
		un("Softmax", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] { return tp.Softmax(tp.Scale(a, 20), -1) }),
		un("LogSoftmax", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] { return tp.LogSoftmax(a, -1) }),
		un("GatedActivation", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] {
			return tp.GatedActivation(tp.Slice(a, 1, 0, 28), 1)
		}),
		un("MaxAxis", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] { return tp.MaxAxis(a, 0) }),
		un("CrossEntropy", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] {
			return tp.CrossEntropy(a, targets(37, 29), nil)
		}),
		un("SmoothedCrossEntropy", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] {
			return tp.SmoothedCrossEntropy(a, targets(37, 29), nil, 0.1)
		}),
		un("BCEWithLogits", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] {
			t := make([]float32, a.Size())
			for i := range t {
				t[i] = float32(i % 2)
			}
			return tp.BCEWithLogits(a, t, nil)
		}),
		bin("LayerNorm", []int{37, 29}, []int{29}, func(tp *Tape[float32], a, g *Tensor[float32]) *Tensor[float32] {
			return tp.LayerNorm(a, g, tp.Scale(g, 0.5), 1e-5)
		}),
		bin("MatMulSmall", []int{13, 37}, []int{37, 22}, (*Tape[float32]).MatMul),
		bin("MatMulTiles", []int{50, 300}, []int{300, 70}, (*Tape[float32]).MatMul),
		bin("MatMulParallel", []int{130, 150}, []int{150, 140}, (*Tape[float32]).MatMul),
		bin("MatMulTT", []int{40, 25}, []int{33, 40}, func(tp *Tape[float32], a, b *Tensor[float32]) *Tensor[float32] { return tp.MatMulT(a, b, true, true) }),
		bin("BatchMatMulNT", []int{3, 20, 16}, []int{3, 18, 16}, func(tp *Tape[float32], a, b *Tensor[float32]) *Tensor[float32] {
			return tp.BatchMatMul(a, b, false, true)
		}),
		bin("Linear", []int{37, 29}, []int{29, 18}, func(tp *Tape[float32], a, w *Tensor[float32]) *Tensor[float32] {
			return tp.Linear(a, w, tp.SumAxis(w, 0))
		}),
		bin("Conv2D", []int{2, 3, 12, 11}, []int{8, 3, 3, 3}, func(tp *Tape[float32], x, w *Tensor[float32]) *Tensor[float32] {
			return tp.Conv2D(x, w, nil, ConvOpts{PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1, DilH: 1, DilW: 1})
		}),
		bin("MaskedConv2D", []int{2, 4, 10, 10}, []int{6, 4, 3, 3}, func(tp *Tape[float32], x, w *Tensor[float32]) *Tensor[float32] {
			return tp.MaskedConv2D(x, w, nil, ConvOpts{PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1, DilH: 1, DilW: 1}, []int{0, 1, 2, 3})
		}),
		bin("Conv1DCausal", []int{2, 6, 40}, []int{5, 6, 3}, func(tp *Tape[float32], x, w *Tensor[float32]) *Tensor[float32] {
			return tp.Conv1D(x, w, nil, 2, true)
		}),
		un("Gather", func(tp *Tape[float32], a *Tensor[float32]) *Tensor[float32] { return tp.Gather(a, targets(50, 37)) }),
	}
}

// runBits runs c forward and backward and hashes the bits of its output
// and of every input's gradient.
func runBits(t *testing.T, c bitsCase) string {
	r := rand.New(rand.NewPCG(11, uint64(len(c.name))))
	tp := NewTape[float32]()
	var params []*Param[float32]
	var ins []*Tensor[float32]
	for i, s := range c.shapes {
		p := NewParam[float32](fmt.Sprintf("p%d", i), s...)
		for j := range p.Value {
			p.Value[j] = float32(r.NormFloat64())
		}
		params = append(params, p)
		ins = append(ins, tp.Param(p))
	}
	y := c.fwd(tp, ins)
	w := make([]float32, y.Size())
	for i := range w {
		w[i] = float32(math.Sin(1.3*float64(i) + 0.7))
	}
	loss := tp.Sum(tp.Mul(y, tp.Constant(w, y.Shape...)))
	if err := tp.Backward(loss); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	h := sha256.New()
	put := func(xs []float32) {
		for _, x := range xs {
			binary.Write(h, binary.LittleEndian, math.Float32bits(x))
		}
	}
	put(y.Data)
	for _, p := range params {
		put(p.Grad)
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:8])
}

// TestOpBits compares the bits of every op's output and gradients with
// testdata/op-bits.golden, written on another machine: the engine promises
// the same bits for the same inputs on every x86-64 CPU, with or without
// AVX2 and FMA (make unit runs it in the purego build too), built for amd64
// v1 or v2.
// When a whole run differs between two CPUs, the ops listed here as
// different are where the bits part. Rewrite the file with -args -update-bits
// only when an op's arithmetic changes on purpose.
func TestOpBits(t *testing.T) {
	if strings.Contains(Backend(), "openblas") || FusesMultiplyAdd() {
		t.Skipf("the golden bits are those of the pure-Go build for amd64 v1 or v2 (AVX2/FMA kernels or the portable ones), not of %s", Backend())
	}
	path := filepath.Join("testdata", "op-bits.golden")
	got := map[string]string{}
	for _, c := range bitsCases() {
		got[c.name] = runBits(t, c)
	}
	differ, err := golden.Check(path, got, *updateBits,
		"op: sha256 (first 8 bytes) of its float32 output and input gradients",
		"go test -run TestOpBits ./nn -args -update-bits")
	if err != nil {
		t.Fatal(err)
	}
	if len(differ) > 0 {
		t.Errorf("ops whose bits differ from %s:\n%s", path, strings.Join(differ, "\n"))
	}
}
