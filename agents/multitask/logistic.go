package multitask

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// LogisticConfig configures L2-regularised logistic regression.
type LogisticConfig struct {
	Epochs int     `json:"epochs"`
	LR     float64 `json:"lr"`
	L2     float64 `json:"l2"`       // penalty λ·‖w‖²/2 per row, as scikit-learn's C = 1/(λ n)
	Balanc bool    `json:"balanced"` // re-weight actives and inactives to equal weight
}

// Logistic is a trained logistic regression.
type Logistic struct {
	W []float64
	B float64
}

// TrainLogistic fits w, b by Adam on minibatches of 64 in an order drawn
// from seed; binary features make each gradient sparse, and the L2 term is
// applied lazily per step.
func TrainLogistic(x Data, y []int8, cfg LogisticConfig, seed uint64) (*Logistic, error) {
	n := x.Rows()
	if n == 0 || len(y) != n {
		return nil, fmt.Errorf("logistic: %d rows and %d labels", n, len(y))
	}
	wPos, wNeg := 1.0, 1.0
	if cfg.Balanc {
		wPos, wNeg = classWeights(y)
	}
	d := x.Bits
	m := &Logistic{W: make([]float64, d)}
	mw, vw := make([]float64, d+1), make([]float64, d+1)
	g := make([]float64, d+1)
	r := rand.New(rand.NewPCG(seed, 0x6c72))
	const batch = 64
	const b1, b2, eps = 0.9, 0.999, 1e-8
	step := 0
	for range cfg.Epochs {
		perm := r.Perm(n)
		for s := 0; s < n; s += batch {
			e := min(s+batch, n)
			clear(g)
			var wsum float64
			for _, i := range perm[s:e] {
				z := m.B
				for _, f := range x.X[i] {
					z += m.W[f]
				}
				p := 1 / (1 + math.Exp(-z))
				t, w := 0.0, wNeg
				if y[i] == 1 {
					t, w = 1, wPos
				}
				dz := w * (p - t)
				wsum += w
				for _, f := range x.X[i] {
					g[f] += dz
				}
				g[d] += dz
			}
			step++
			c1 := 1 - math.Pow(b1, float64(step))
			c2 := 1 - math.Pow(b2, float64(step))
			for j := 0; j <= d; j++ {
				gj := g[j] / wsum
				if j < d {
					gj += cfg.L2 * m.W[j]
				}
				mw[j] = b1*mw[j] + (1-b1)*gj
				vw[j] = b2*vw[j] + (1-b2)*gj*gj
				u := cfg.LR * (mw[j] / c1) / (math.Sqrt(vw[j]/c2) + eps)
				if j < d {
					m.W[j] -= u
				} else {
					m.B -= u
				}
			}
		}
	}
	return m, nil
}

// Predict returns the probability of activity per row.
func (m *Logistic) Predict(x Data) []float64 {
	out := make([]float64, x.Rows())
	for i, row := range x.X {
		z := m.B
		for _, f := range row {
			z += m.W[f]
		}
		out[i] = 1 / (1 + math.Exp(-z))
	}
	return out
}
