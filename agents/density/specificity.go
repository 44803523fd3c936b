package density

import (
	"context"
	"fmt"
	"math"

	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/nn"
)

// Specificity measures how much of a Meta model's adaptation depends on
// the support. For each test episode it scores the target three ways: with
// θ unadapted, adapted on the episode's own support, and adapted on
// another episode's support (the next episode's, a different draw of
// class); and it compares the inner steps Δθ = θ' − θ of the two supports.
type Specificity struct {
	Episodes int `json:"episodes"`
	K        int `json:"k"`
	// Mean nats/dim of the targets.
	Unadapted float64 `json:"unadapted"`
	Own       float64 `json:"own"`
	Other     float64 `json:"other"`
	// OwnSE is the standard error of the paired difference other − own.
	OwnSE float64 `json:"own_se"`
	// Share is the part of the adaptation's gain that needs the episode's
	// own support: (other − own) / (unadapted − own). 0 means any support
	// does as well; 1 means another's support gains nothing.
	Share float64 `json:"share"`
	// StepNorm is the mean ‖Δθ‖/‖θ‖; StepCos the mean cosine between the
	// steps of an episode's own and the other support; StepNormRatio the
	// mean |log(‖Δθ_own‖/‖Δθ_other‖)| (0 when every step has one size).
	StepNorm      float64 `json:"step_norm"`
	StepCos       float64 `json:"step_cos"`
	StepNormRatio float64 `json:"step_norm_ratio"`
}

// MeasureSpecificity computes [Specificity] on test episodes 0..n-1 of src
// with support size k (n ≥ 2), on the given number of workers. The result
// does not depend on the worker count.
func MeasureSpecificity[T nn.Float](ctx context.Context, m *Model[T], src images.Source, k int, seed uint64, n, workers int) (Specificity, error) {
	if !m.Cfg.meta() {
		return Specificity{}, fmt.Errorf("density: support specificity of a %s model (meta kinds only)", m.Cfg.Kind)
	}
	if n < 2 {
		return Specificity{}, fmt.Errorf("density: support specificity needs 2 or more episodes, have %d", n)
	}
	bt, err := MakeBatch[T](src, images.TestSplit, k, seed, 0, n)
	if err != nil {
		return Specificity{}, err
	}
	hw := m.Cfg.H * m.Cfg.W
	type row struct{ base, own, other, norm, cos, ratio float64 }
	rows := make([]row, n)
	theta := m.Params()
	var thetaNorm float64
	for _, p := range theta {
		for _, v := range p.Value {
			thetaNorm += float64(v) * float64(v)
		}
	}
	thetaNorm = math.Sqrt(thetaNorm)
	score := func(params []*nn.Param[T], support, target []T) float64 {
		tp := nn.NewTape[T]()
		tp.SetNoGrad(true)
		if params != nil {
			tp.SubstituteParams(theta, params)
		}
		logits := m.Logits(tp, tp.Constant(target, 1, 1, m.Cfg.H, m.Cfg.W), m.supportContext(tp, support, k))
		return NatsPerDim(logits.Data, target, hw)[0]
	}
	err = parallel.For(ctx, n, workers, func(i int) error {
		j := (i + 1) % n
		own, other := bt.Support[i*k*hw:(i+1)*k*hw], bt.Support[j*k*hw:(j+1)*k*hw]
		target := bt.Targets[i*hw : (i+1)*hw]
		fo, err := m.Adapt(own, k)
		if err != nil {
			return err
		}
		fx, err := m.Adapt(other, k)
		if err != nil {
			return err
		}
		// With attention + meta the target then reads the other support's
		// keys too, as if that support were its own.
		var no, nx, dot float64
		for l, p := range theta {
			for e, v := range p.Value {
				a, b := float64(fo[l].Value[e]-v), float64(fx[l].Value[e]-v)
				no += a * a
				nx += b * b
				dot += a * b
			}
		}
		r := row{base: score(nil, own, target), own: score(fo, own, target), other: score(fx, other, target)}
		if no > 0 && nx > 0 {
			r.norm = math.Sqrt(no) / thetaNorm
			r.cos = dot / math.Sqrt(no*nx)
			r.ratio = math.Abs(0.5 * math.Log(no/nx))
		}
		rows[i] = r
		return nil
	})
	if err != nil {
		return Specificity{}, err
	}
	s := Specificity{Episodes: n, K: k}
	var d, d2 float64
	for _, r := range rows {
		s.Unadapted += r.base / float64(n)
		s.Own += r.own / float64(n)
		s.Other += r.other / float64(n)
		s.StepNorm += r.norm / float64(n)
		s.StepCos += r.cos / float64(n)
		s.StepNormRatio += r.ratio / float64(n)
		d += r.other - r.own
		d2 += (r.other - r.own) * (r.other - r.own)
	}
	mean := d / float64(n)
	s.OwnSE = math.Sqrt(max(0, d2/float64(n)-mean*mean) / float64(n-1))
	if gain := s.Unadapted - s.Own; gain != 0 {
		s.Share = (s.Other - s.Own) / gain
	}
	return s, nil
}
