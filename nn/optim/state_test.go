package optim

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/metabench/metabench/nn"
)

// TestStateRoundTrip checks that an optimiser restored from a saved state
// continues bit for bit as the one that saved it, for every kind.
func TestStateRoundTrip(t *testing.T) {
	makers := []struct {
		name string
		make func(ps ...*nn.Param[float32]) *Optimizer[float32]
	}{
		{"sgd", func(ps ...*nn.Param[float32]) *Optimizer[float32] {
			return NewSGD(Config{LR: 0.05}, 0.9, true, NewGroup("all", ps...))
		}},
		{"adam", func(ps ...*nn.Param[float32]) *Optimizer[float32] {
			return NewAdam(Config{LR: 0.05, Schedule: WarmupInvSqrt(3)}, AdamOpts{}, NewGroup("all", ps...))
		}},
		{"adamax", func(ps ...*nn.Param[float32]) *Optimizer[float32] {
			return NewAdamax(Config{LR: 0.05, ClipNorm: 1}, AdamOpts{}, NewGroup("all", ps...))
		}},
		{"rmsprop", func(ps ...*nn.Param[float32]) *Optimizer[float32] {
			return NewRMSProp(Config{LR: 0.01}, 0, 0, 0.5, NewGroup("all", ps...))
		}},
	}
	target := []float32{1, -2, 3, 0.5, 7, -1}
	grad := func(p *nn.Param[float32]) {
		for i, v := range p.Value {
			p.Grad[i] = 2*(v-target[i]) + 0.1*v*v
		}
	}
	for _, mk := range makers {
		t.Run(mk.name, func(t *testing.T) {
			a := nn.NewParam[float32]("w", 2, 3)
			b := nn.NewParam[float32]("b", 2)
			oa := mk.make(a, b)
			run := func(o *Optimizer[float32], ps []*nn.Param[float32], n int) {
				for range n {
					for _, p := range ps {
						grad(p)
					}
					if err := o.Step(); err != nil {
						t.Fatal(err)
					}
				}
			}
			run(oa, []*nn.Param[float32]{a, b}, 5)
			path := filepath.Join(t.TempDir(), "optim.safetensors")
			if err := oa.SaveState(path); err != nil {
				t.Fatal(err)
			}
			a2, b2 := a.Clone(), b.Clone()
			ob := mk.make(a2, b2)
			if err := ob.LoadState(path); err != nil {
				t.Fatal(err)
			}
			if ob.Steps() != 5 {
				t.Fatalf("restored step %d, want 5", ob.Steps())
			}
			run(oa, []*nn.Param[float32]{a, b}, 7)
			run(ob, []*nn.Param[float32]{a2, b2}, 7)
			if !slices.Equal(a.Value, a2.Value) || !slices.Equal(b.Value, b2.Value) {
				t.Fatalf("restored run differs: %v %v vs %v %v", a.Value, b.Value, a2.Value, b2.Value)
			}
			oc := mk.make(a.Clone(), b.Clone())
			if err := oc.CopyStateFrom(oa); err != nil || oc.Steps() != oa.Steps() {
				t.Fatalf("CopyStateFrom: %v, step %d", err, oc.Steps())
			}
		})
	}
}

func TestLoadStateRefusesMismatch(t *testing.T) {
	dir := t.TempDir()
	w := nn.NewParam[float32]("w", 2, 3)
	adam := NewAdam(Config{LR: 0.1}, AdamOpts{}, NewGroup("all", w))
	path := filepath.Join(dir, "adam.safetensors")
	if err := adam.SaveState(path); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    *Optimizer[float32]
	}{
		{"another kind", NewAdamax(Config{LR: 0.1}, AdamOpts{}, NewGroup("all", nn.NewParam[float32]("w", 2, 3)))},
		{"another shape", NewAdam(Config{LR: 0.1}, AdamOpts{}, NewGroup("all", nn.NewParam[float32]("w", 3, 2)))},
		{"another name", NewAdam(Config{LR: 0.1}, AdamOpts{}, NewGroup("all", nn.NewParam[float32]("v", 2, 3)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.LoadState(path); err == nil {
				t.Fatal("mismatched state accepted")
			}
			if tt.o.Steps() != 0 {
				t.Fatal("a refused state changed the step count")
			}
		})
	}
}

func TestStepRejectsNonFiniteWithoutClip(t *testing.T) {
	p := nn.NewParam[float32]("p", 2)
	o := NewAdamax(Config{LR: 0.1}, AdamOpts{}, NewGroup("all", p))
	p.Grad[1] = float32(nanF())
	if err := o.Step(); !errors.Is(err, nn.ErrNonFinite) {
		t.Fatalf("Step with a NaN gradient: %v, want ErrNonFinite", err)
	}
	if p.Value[0] != 0 || o.Steps() != 0 {
		t.Fatal("a refused step changed the parameters")
	}
}

func nanF() float64 { z := 0.0; return z / z }
