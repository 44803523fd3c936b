package policies

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

func runExpert(t *testing.T, task stack.Task, seed uint64, noise float64, start *sim.State) (*stack.Env, stack.Verdict) {
	t.Helper()
	cfg := sim.DefaultConfig()
	env, err := stack.New(task, stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := stack.InitialState(task, cfg, seed)
	if start != nil {
		s = *start
	}
	if err := env.ResetTo(s, seed); err != nil {
		t.Fatal(err)
	}
	var p Policy = NewExpert(cfg)
	if noise > 0 {
		p = NewNoisy(p, noise)
	}
	p.Reset(task, seed)
	return env, Rollout(env, p, nil)
}

func TestExpertSucceedsAtEveryStageCount(t *testing.T) {
	specs := []string{"ab", "abc d", "abcd e", "ab cd ef gh ij", "abcdef g", "abcd efgh", "abcdefgh i", "abcdefghi j", "abcdefghij"}
	if testing.Short() {
		specs = specs[:4]
	}
	for _, spec := range specs {
		for _, noise := range []float64{0, DefaultNoise} {
			task := stack.MustParse(spec)
			for seed := range uint64(2) {
				env, v := runExpert(t, task, seed, noise, nil)
				if v != stack.Success {
					t.Errorf("%q seed %d noise %g: %v at stage %d/%d", spec, seed, noise, v, env.Progress(), task.NumStages())
				}
			}
		}
	}
}

func TestExpertRepairsAWrongStack(t *testing.T) {
	task := stack.MustParse("ab c")
	s := sim.State{Gripper: sim.GripperState{X: 0, Y: 8, Held: -1}, Blocks: []sim.BodyState{
		{X: 3, Y: 1.5}, {X: -3, Y: 0.5}, {X: 3, Y: 0.5}, // a on c: wrong
	}}
	env, v := runExpert(t, task, 1, 0, &s)
	if v != stack.Success {
		t.Fatalf("from a wrong stack: %v at stage %d", v, env.Progress())
	}
}

func TestExpertTakesOverFromRandomStates(t *testing.T) {
	cfg := sim.DefaultConfig()
	task := stack.MustParse("abc de")
	tookOver := 0
	for seed := range uint64(4) {
		env, err := stack.New(task, stack.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Reset(seed); err != nil {
			t.Fatal(err)
		}
		// A clumsy learner: random grid actions for a while.
		rng := rand.New(rand.NewPCG(seed, 9))
		for range 40 {
			d := stack.DiscreteFromIndex(rng.IntN(stack.NumDiscreteActions))
			if env.Step(d.Control()) != stack.Running {
				break
			}
		}
		if env.Verdict() != stack.Running {
			continue // the random actions ended the episode (a block fell)
		}
		ex := NewExpert(cfg)
		ex.Reset(task, seed)
		tookOver++
		if v := Rollout(env, ex, nil); v != stack.Success {
			t.Errorf("seed %d: expert taking over after random actions: %v", seed, v)
		}
	}
	if tookOver == 0 {
		t.Fatal("every random prelude ended its episode: nothing was taken over")
	}
}

func TestExpertActionsAreOnTheGrid(t *testing.T) {
	task := stack.MustParse("abc")
	cfg := sim.DefaultConfig()
	env, err := stack.New(task, stack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Reset(3); err != nil {
		t.Fatal(err)
	}
	ex := NewExpert(cfg)
	ex.Reset(task, 3)
	Rollout(env, ex, func(_ *sim.State, c sim.Control) {
		if stack.Discretize(c).Control() != c {
			t.Fatalf("expert control %+v is not on the discretisation grid", c)
		}
	})
}

func TestRolloutsAreDeterministic(t *testing.T) {
	task := stack.MustParse("abc de")
	final := func() []byte {
		env, _ := runExpert(t, task, 5, DefaultNoise, nil)
		b, err := env.State().MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(final(), final()) {
		t.Fatal("the same seed gave different final states")
	}
}
