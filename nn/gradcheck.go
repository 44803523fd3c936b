package nn

import (
	"fmt"
	"math"
)

// GradCheck compares the gradients of a scalar loss with respect to params,
// computed by backpropagation, with central differences of step eps. loss
// builds the forward pass on the tape it is given and must be deterministic.
// It returns the largest relative error |a-n| / max(|a|, |n|, 1e-3) over all
// parameter elements, and the name and index where it occurred.
func GradCheck(params []*Param[float64], loss func(tp *Tape[float64]) *Tensor[float64], eps float64) (maxErr float64, where string, err error) {
	ZeroGrads(params)
	tp := NewTape[float64]()
	tp.SetCheck(true)
	l := loss(tp)
	if err := tp.Backward(l); err != nil {
		return 0, "", fmt.Errorf("nn: GradCheck backward: %w", err)
	}
	analytic := make([][]float64, len(params))
	for i, p := range params {
		analytic[i] = append([]float64(nil), p.Grad...)
	}
	eval := func() float64 {
		tp := NewTape[float64]()
		tp.SetNoGrad(true)
		return loss(tp).Item()
	}
	for i, p := range params {
		for j := range p.Value {
			v := p.Value[j]
			p.Value[j] = v + eps
			fp := eval()
			p.Value[j] = v - eps
			fm := eval()
			p.Value[j] = v
			num := (fp - fm) / (2 * eps)
			a := analytic[i][j]
			e := math.Abs(a-num) / math.Max(math.Max(math.Abs(a), math.Abs(num)), 1e-3)
			if math.IsNaN(e) {
				e = math.Inf(1)
			}
			if e > maxErr {
				maxErr = e
				where = fmt.Sprintf("%s[%d] (backprop %.9g, numeric %.9g)", p.Name, j, a, num)
			}
		}
	}
	return maxErr, where, nil
}
