package optim

import (
	"math"
	"testing"

	"github.com/metabench/metabench/nn"
)

// quadGrad sets p.Grad to the gradient of Σ (θ - target)².
func quadGrad(p *nn.Param[float64], target []float64) {
	for i, v := range p.Value {
		p.Grad[i] = 2 * (v - target[i])
	}
}

func TestOptimisersMinimiseQuadratic(t *testing.T) {
	target := []float64{1, -2, 3}
	tests := []struct {
		name  string
		make  func(g *Group[float64]) *Optimizer[float64]
		steps int
	}{
		{"SGD", func(g *Group[float64]) *Optimizer[float64] { return NewSGD(Config{LR: 0.1}, 0, false, g) }, 200},
		{"Momentum", func(g *Group[float64]) *Optimizer[float64] { return NewSGD(Config{LR: 0.05}, 0.9, false, g) }, 300},
		{"Nesterov", func(g *Group[float64]) *Optimizer[float64] { return NewSGD(Config{LR: 0.05}, 0.9, true, g) }, 300},
		{"Adam", func(g *Group[float64]) *Optimizer[float64] { return NewAdam(Config{LR: 0.1}, AdamOpts{}, g) }, 500},
		{"Adamax", func(g *Group[float64]) *Optimizer[float64] { return NewAdamax(Config{LR: 0.1}, AdamOpts{}, g) }, 500},
		{"RMSProp", func(g *Group[float64]) *Optimizer[float64] {
			return NewRMSProp(Config{LR: 0.05, Schedule: StepDecay(200, 0.3)}, 0, 0, 0, g)
		}, 1000},
		{"AdamClipWarmup", func(g *Group[float64]) *Optimizer[float64] {
			return NewAdam(Config{LR: 0.2, ClipNorm: 1, Schedule: WarmupInvSqrt(10)}, AdamOpts{}, g)
		}, 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := nn.NewParam[float64]("p", 3)
			o := tt.make(NewGroup("all", p))
			for range tt.steps {
				o.ZeroGrad()
				quadGrad(p, target)
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			for i, v := range p.Value {
				if math.Abs(v-target[i]) > 0.02 {
					t.Fatalf("after %d steps θ = %v, want %v", tt.steps, p.Value, target)
				}
			}
		})
	}
}

func TestAdamFirstStep(t *testing.T) {
	p := nn.NewParam[float32]("p", 2)
	p.Grad[0], p.Grad[1] = 3, -0.001
	o := NewAdam(Config{LR: 0.01}, AdamOpts{}, NewGroup("g", p))
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	// The first Adam step moves each weight by lr·sign(g) (up to ε).
	if math.Abs(float64(p.Value[0])+0.01) > 1e-6 || math.Abs(float64(p.Value[1])-0.01) > 1e-5 {
		t.Fatalf("θ = %v, want [-0.01 0.01]", p.Value)
	}
}

func TestSchedules(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
		step int
		want float64
	}{
		{"warmup start", WarmupInvSqrt(100), 1, 0.01},
		{"warmup peak", WarmupInvSqrt(100), 100, 1},
		{"warmup decay", WarmupInvSqrt(100), 400, 0.5},
		{"step first", StepDecay(10, 0.1), 10, 1},
		{"step second", StepDecay(10, 0.1), 11, 0.1},
		{"constant", Constant, 1000, 1},
	}
	for _, tt := range tests {
		if got := tt.s(tt.step); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: schedule(%d) = %v, want %v", tt.name, tt.step, got, tt.want)
		}
	}
}

func TestClipGlobalNorm(t *testing.T) {
	a, b := nn.NewParam[float64]("a", 1), nn.NewParam[float64]("b", 1)
	a.Grad[0], b.Grad[0] = 3, 4
	if n := ClipGlobalNorm([]*nn.Param[float64]{a, b}, 1); n != 5 {
		t.Fatalf("norm %v, want 5", n)
	}
	if math.Abs(a.Grad[0]-0.6) > 1e-12 || math.Abs(b.Grad[0]-0.8) > 1e-12 {
		t.Fatalf("clipped grads %v %v, want 0.6 0.8", a.Grad, b.Grad)
	}
}

func TestGroupsFreezeAndDecay(t *testing.T) {
	a, b := nn.NewParam[float64]("a", 1), nn.NewParam[float64]("b", 1)
	a.Value[0], b.Value[0] = 1, 1
	ga, gb := NewGroup("a", a), NewGroup("b", b)
	ga.WeightDecay = 0.5
	gb.SetFrozen(true)
	o := NewSGD(Config{LR: 0.1}, 0, false, ga, gb)
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	if a.Value[0] != 0.95 || b.Value[0] != 1 || !b.Frozen {
		t.Fatalf("a=%v b=%v frozen=%v; want decayed a, untouched frozen b", a.Value, b.Value, b.Frozen)
	}
	tp := nn.NewTape[float64]()
	if tp.Param(b).RequiresGrad() {
		t.Fatal("frozen parameter requires a gradient on the tape")
	}
	gb.SetFrozen(false)
	if len(o.Trainable()) != 2 {
		t.Fatal("unfrozen group not trainable")
	}
}

func TestStepRejectsNaN(t *testing.T) {
	p := nn.NewParam[float32]("p", 1)
	p.Grad[0] = float32(math.NaN())
	o := NewAdam(Config{LR: 0.1, ClipNorm: 1}, AdamOpts{}, NewGroup("g", p))
	if err := o.Step(); err == nil || p.Value[0] != 0 {
		t.Fatalf("Step with NaN gradient: err %v, θ %v", err, p.Value)
	}
}
