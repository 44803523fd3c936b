// Package meta provides meta-learning helpers on top of [nn]: gradient
// computation at a substituted parameter set, inner-loop adaptation,
// first-order MAML, and second-order meta-gradients for a learned inner loss
// by finite-difference Hessian-vector products.
//
// Model code is written once against its original parameters; the helpers
// run it with clones substituted on the tape ([nn.Tape.SubstituteParams]).
package meta

import (
	"fmt"
	"math"

	"github.com/metabench/metabench/nn"
)

// LossFunc builds a forward pass on tp and returns a scalar loss. It must
// read parameters through tp.Param so that substitutions apply.
type LossFunc[T nn.Float] func(tp *nn.Tape[T]) *nn.Tensor[T]

// GradAt evaluates loss with params replaced by at and stores the gradient
// in at's Grad (zeroed first). It returns the loss value.
func GradAt[T nn.Float](params, at []*nn.Param[T], loss LossFunc[T]) (T, error) {
	nn.ZeroGrads(at)
	tp := nn.NewTape[T]()
	tp.SubstituteParams(params, at)
	l := loss(tp)
	if err := tp.Backward(l); err != nil {
		return 0, fmt.Errorf("meta: backward: %w", err)
	}
	return l.Item(), nil
}

// Adapt returns a clone of params after steps of plain SGD with rate lr on
// loss (the MAML inner loop). params are not modified.
func Adapt[T nn.Float](params []*nn.Param[T], loss LossFunc[T], lr T, steps int) ([]*nn.Param[T], error) {
	fast := nn.CloneParams(params)
	for i := range steps {
		if _, err := GradAt(params, fast, loss); err != nil {
			return nil, fmt.Errorf("meta: inner step %d: %w", i, err)
		}
		sgdStep(fast, lr)
	}
	return fast, nil
}

func sgdStep[T nn.Float](ps []*nn.Param[T], lr T) {
	for _, p := range ps {
		for i, g := range p.Grad {
			p.Value[i] -= lr * g
		}
	}
}

// Task is one meta-learning task: a support loss to adapt on and a query
// loss to evaluate the adapted parameters.
type Task[T nn.Float] struct {
	Support, Query LossFunc[T]
}

// FOMAML accumulates into params' Grad the first-order MAML meta-gradient
// averaged over tasks: for each task, the query-loss gradient at the
// parameters adapted on its support set. It returns the mean query loss
// after adaptation.
func FOMAML[T nn.Float](params []*nn.Param[T], tasks []Task[T], innerLR T, innerSteps int) (float64, error) {
	var total float64
	scale := 1 / T(max(len(tasks), 1))
	for ti, task := range tasks {
		fast, err := Adapt(params, task.Support, innerLR, innerSteps)
		if err != nil {
			return 0, fmt.Errorf("meta: task %d: %w", ti, err)
		}
		l, err := GradAt(params, fast, task.Query)
		if err != nil {
			return 0, fmt.Errorf("meta: task %d query: %w", ti, err)
		}
		total += float64(l)
		for i, p := range params {
			for j, g := range fast[i].Grad {
				p.Grad[j] += scale * g
			}
		}
	}
	return total / float64(max(len(tasks), 1)), nil
}

// LearnedLoss describes inner-loop adaptation with a learned loss:
//
//	θ₀ = Theta, θₖ₊₁ = θₖ − α ∇θ Inner(θₖ, φ), objective Outer(θ_K)
//
// where φ (Phi) parameterises the inner loss. Inner reads both θ and φ
// through tp.Param; Outer reads θ only.
type LearnedLoss[T nn.Float] struct {
	Theta, Phi   []*nn.Param[T]
	Inner, Outer LossFunc[T]
	Alpha        T
	Steps        int
	// Eps is the finite-difference step of the Hessian-vector products,
	// relative to the norm of the vector (zero means 1e-4 for float64 and
	// 1e-2 for float32).
	Eps float64
}

// MetaGrad computes the full second-order gradients of the outer objective
// with respect to θ₀ and φ, back-propagating through every inner step with
// Hessian-vector products by central differences of gradients:
//
//	H v ≈ (∇L(θ+εv) − ∇L(θ−εv)) / 2ε
//
// for both the θθ block (to carry the adjoint back through a step) and the
// φθ block (the learned loss's contribution). The gradients are added to
// Theta's and Phi's Grad; the outer loss at θ_K is returned.
func (m *LearnedLoss[T]) MetaGrad() (float64, error) {
	eps := m.Eps
	if eps == 0 {
		eps = 1e-4
		if _, ok := any(T(0)).(float32); ok {
			eps = 1e-2
		}
	}
	phiScratch := nn.CloneParams(m.Phi)
	// Forward through the inner loop, keeping every iterate.
	iterates := [][]*nn.Param[T]{nn.CloneParams(m.Theta)}
	for k := range m.Steps {
		cur := iterates[k]
		next := nn.CloneParams(cur)
		if _, err := m.innerGrad(next, phiScratch); err != nil {
			return 0, fmt.Errorf("meta: inner step %d: %w", k, err)
		}
		for i, p := range next {
			for j, g := range p.Grad {
				p.Value[j] = cur[i].Value[j] - m.Alpha*g
			}
		}
		iterates = append(iterates, next)
	}
	final := nn.CloneParams(iterates[m.Steps])
	outer, err := GradAt(m.Theta, final, m.Outer)
	if err != nil {
		return 0, fmt.Errorf("meta: outer loss: %w", err)
	}
	v := grads(final)
	gPhi := make([][]T, len(m.Phi))
	for i, p := range m.Phi {
		gPhi[i] = make([]T, p.Size())
	}
	// Backward through the inner steps.
	for k := m.Steps - 1; k >= 0; k-- {
		norm := vecNorm(v)
		if norm == 0 {
			break
		}
		h := eps / norm
		plus, minus := nn.CloneParams(iterates[k]), nn.CloneParams(iterates[k])
		for i := range plus {
			for j, d := range v[i] {
				plus[i].Value[j] += T(h) * d
				minus[i].Value[j] -= T(h) * d
			}
		}
		if _, err := m.innerGrad(plus, phiScratch); err != nil {
			return 0, fmt.Errorf("meta: HVP at step %d: %w", k, err)
		}
		phiPlus := grads(phiScratch)
		if _, err := m.innerGrad(minus, phiScratch); err != nil {
			return 0, fmt.Errorf("meta: HVP at step %d: %w", k, err)
		}
		f := m.Alpha / T(2*h)
		for i, p := range phiScratch {
			for j, g := range p.Grad {
				gPhi[i][j] -= f * (phiPlus[i][j] - g)
			}
		}
		for i := range v {
			for j := range v[i] {
				v[i][j] -= f * (plus[i].Grad[j] - minus[i].Grad[j])
			}
		}
	}
	for i, p := range m.Theta {
		for j, g := range v[i] {
			p.Grad[j] += g
		}
	}
	for i, p := range m.Phi {
		for j, g := range gPhi[i] {
			p.Grad[j] += g
		}
	}
	return float64(outer), nil
}

// innerGrad evaluates the inner loss at θ = at (and φ = scratch, which holds
// φ's values), leaving ∇θ in at's Grad and ∇φ in scratch's Grad.
func (m *LearnedLoss[T]) innerGrad(at, scratch []*nn.Param[T]) (T, error) {
	for i, p := range scratch {
		copy(p.Value, m.Phi[i].Value)
	}
	nn.ZeroGrads(scratch)
	nn.ZeroGrads(at)
	tp := nn.NewTape[T]()
	tp.SubstituteParams(m.Theta, at)
	tp.SubstituteParams(m.Phi, scratch)
	l := m.Inner(tp)
	if err := tp.Backward(l); err != nil {
		return 0, err
	}
	return l.Item(), nil
}

func grads[T nn.Float](ps []*nn.Param[T]) [][]T {
	out := make([][]T, len(ps))
	for i, p := range ps {
		out[i] = append([]T(nil), p.Grad...)
	}
	return out
}

func vecNorm[T nn.Float](v [][]T) float64 {
	var s float64
	for _, x := range v {
		for _, e := range x {
			s += float64(e) * float64(e)
		}
	}
	return math.Sqrt(s)
}
