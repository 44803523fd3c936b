package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/metabench/metabench/nn"
)

// TestAdamFloat32MatchesScalar checks that float32 Adam, which runs the
// vector kernel, gives bit for bit what the scalar update rule computes,
// over several steps with a warm-up schedule and an odd parameter length.
func TestAdamFloat32MatchesScalar(t *testing.T) {
	const n = 1003
	r := rand.New(rand.NewPCG(1, 2))
	p := nn.NewParam[float32]("p", n)
	for i := range p.Value {
		p.Value[i] = float32(r.NormFloat64())
	}
	want := append([]float32(nil), p.Value...)
	m, v := make([]float32, n), make([]float32, n)
	opts := AdamOpts{Beta2: 0.98}.withDefaults()
	cfg := Config{LR: 0.01, Schedule: WarmupInvSqrt(3)}
	o := NewAdam(cfg, opts, NewGroup("g", p))
	for step := 1; step <= 5; step++ {
		g := make([]float32, n)
		for i := range g {
			g[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(12)-8)))
		}
		copy(p.Grad, g)
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		// The rule written out in scalar float32, as update has it.
		lr := cfg.LR * cfg.Schedule(step)
		bc1 := 1 - math.Pow(opts.Beta1, float64(step))
		bc2 := 1 - math.Pow(opts.Beta2, float64(step))
		b1, b2 := float32(opts.Beta1), float32(opts.Beta2)
		a1, a2 := 1-b1, 1-b2
		stepSize, inv, eps := float32(lr/bc1), float32(1/math.Sqrt(bc2)), float32(opts.Eps)
		for i := range want {
			mi := b1*m[i] + a1*g[i]
			vi := b2*v[i] + a2*g[i]*g[i]
			m[i], v[i] = mi, vi
			want[i] -= stepSize * mi / (float32(math.Sqrt(float64(vi)))*inv + eps)
		}
		for i := range want {
			if math.Float32bits(p.Value[i]) != math.Float32bits(want[i]) {
				t.Fatalf("step %d: weight %d = %g, want %g", step, i, p.Value[i], want[i])
			}
		}
	}
}
