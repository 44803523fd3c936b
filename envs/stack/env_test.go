package stack

import (
	"testing"

	"github.com/metabench/metabench/sim"
)

// onTable returns a state with n blocks on the table at the given x.
func onTable(xs ...float64) sim.State {
	s := sim.State{Gripper: sim.GripperState{X: 0, Y: 10, Held: -1}}
	for _, x := range xs {
		s.Blocks = append(s.Blocks, sim.BodyState{X: x, Y: 0.5})
	}
	return s
}

func TestVerdicts(t *testing.T) {
	cfg := sim.DefaultConfig()
	edge := cfg.TableHalfWidth - 0.6
	wrong := onTable(-3, 0, 3)
	wrong.Blocks[0] = sim.BodyState{X: 3, Y: 1.5} // a on c, but the goal is a on b
	tests := []struct {
		name    string
		task    string
		start   sim.State
		control sim.Control
		limit   int
		want    Verdict
		maxStep int
	}{
		{name: "idle times out", task: "ab", start: onTable(-2, 2), limit: 20, want: Timeout, maxStep: 20},
		{name: "block on the wrong block", task: "ab c", start: wrong, limit: 20, want: WrongMove, maxStep: 20},
		{name: "already done", task: "ab", start: func() sim.State { s := onTable(0, 0); s.Blocks[0].Y = 1.5; return s }(), limit: 50, want: Success, maxStep: 10},
		{name: "pushed off the table", task: "ab", start: func() sim.State {
			s := onTable(-2, edge)
			s.Gripper.X, s.Gripper.Y = edge-1.5, 0.6
			return s
		}(), control: sim.Control{VX: 2}, limit: 200, want: ManipulationFailure, maxStep: 60},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := New(MustParse(tc.task), Options{TimeLimit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			if err := env.ResetTo(tc.start, 0); err != nil {
				t.Fatal(err)
			}
			v := Running
			for v == Running {
				v = env.Step(tc.control)
			}
			if v != tc.want || env.Steps() > tc.maxStep {
				t.Fatalf("verdict %v after %d steps, want %v within %d", v, env.Steps(), tc.want, tc.maxStep)
			}
		})
	}
}

func TestInitialStateIsValid(t *testing.T) {
	cfg := sim.DefaultConfig()
	task := MustParse("abcdefghij")
	for seed := range uint64(200) {
		s := InitialState(task, cfg, seed)
		for i, a := range s.Blocks {
			if a.X < -cfg.TableHalfWidth+0.5 || a.X > cfg.TableHalfWidth-0.5 || a.Y != 0.5 {
				t.Fatalf("seed %d: block %d at (%g, %g) is not on the table", seed, i, a.X, a.Y)
			}
			for _, b := range s.Blocks[i+1:] {
				if d := a.X - b.X; d > -1-minBlockGap+1e-9 && d < 1+minBlockGap-1e-9 {
					t.Fatalf("seed %d: blocks %g apart, want at least %g", seed, d, 1+minBlockGap)
				}
			}
		}
	}
	a, b := InitialState(task, cfg, 7), InitialState(task, cfg, 7)
	ab, _ := a.MarshalBinary()
	bb, _ := b.MarshalBinary()
	if string(ab) != string(bb) {
		t.Fatal("the same seed gave different initial states")
	}
}

func TestObservationLayout(t *testing.T) {
	s := onTable(-2, 3)
	s.Gripper = sim.GripperState{X: 1, Y: 4, Closed: true, Held: -1}
	obs := Observe(nil, &s)
	want := []float32{-3, -3.5, 0, 2, -3.5, 0, 1, 4, 0, 1}
	if len(obs) != ObsDim(2) {
		t.Fatalf("observation length %d, want %d", len(obs), ObsDim(2))
	}
	for i := range want {
		if obs[i] != want[i] {
			t.Fatalf("observation %v, want %v", obs, want)
		}
	}
}

func TestDiscretize(t *testing.T) {
	for k := range NumDiscreteActions {
		d := DiscreteFromIndex(k)
		if d.Index() != k || Discretize(d.Control()) != d {
			t.Fatalf("class %d does not round-trip: %+v", k, d)
		}
	}
	if got := Discretize(sim.Control{VX: 0.12, VY: -3.1, Close: true}); got.Control() != (sim.Control{VX: 0.1, VY: -4, Close: true}) {
		t.Fatalf("Discretize picked %+v", got.Control())
	}
	v := ActionVector(sim.Control{VX: 1, VY: -2, Close: true})
	if ControlFromVector(v[:]) != (sim.Control{VX: 1, VY: -2, Close: true}) {
		t.Fatalf("action vector %v does not round-trip", v)
	}
}
