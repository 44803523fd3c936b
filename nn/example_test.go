package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/layers"
	"github.com/metabench/metabench/nn/optim"
)

// Example trains a two-layer network on XOR: one tape per step (reused
// after Reset), parameters and optimiser state outside the tape.
func Example() {
	r := rand.New(rand.NewPCG(1, 1))
	l1 := layers.NewLinear[float32](r, "l1", 2, 8, layers.LinearOpts{})
	l2 := layers.NewLinear[float32](r, "l2", 8, 1, layers.LinearOpts{})
	opt := optim.NewAdam(optim.Config{LR: 0.05}, optim.AdamOpts{},
		optim.NewGroup("all", layers.CollectParams[float32](l1, l2)...))
	x := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	y := []float32{0, 1, 1, 0}
	tp := nn.NewTape[float32]()
	tp.SetCheck(true) // report the first NaN/Inf with the op that made it
	for range 500 {
		tp.Reset()
		h := tp.Tanh(l1.Forward(tp, tp.Constant(x, 4, 2)))
		loss := tp.BCEWithLogits(l2.Forward(tp, h), y, nil)
		if err := tp.Backward(loss); err != nil {
			fmt.Println(err)
			return
		}
		if err := opt.Step(); err != nil {
			fmt.Println(err)
			return
		}
		opt.ZeroGrad()
	}
	tp.Reset()
	out := l2.Forward(tp, tp.Tanh(l1.Forward(tp, tp.Constant(x, 4, 2))))
	for _, v := range out.Data {
		fmt.Print(v > 0, " ")
	}
	fmt.Println()
	// Output: false true true false
}
