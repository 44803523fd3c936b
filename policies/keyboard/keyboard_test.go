package keyboard

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

func keys(held []Key, pressed ...Key) *KeySet {
	var ks KeySet
	for _, k := range held {
		ks.Press(k)
	}
	ks.Tick()
	for _, k := range pressed {
		ks.Press(k)
	}
	return &ks
}

func TestReadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		held    []Key
		pressed []Key
		want    Input
	}{
		{"nothing", nil, nil, Input{}},
		{"arrows", []Key{KeyLeft, KeyUp}, nil, Input{Left: true, Up: true}},
		{"wasd", []Key{KeyD, KeyS}, nil, Input{Right: true, Down: true}},
		{"shift is fine", []Key{KeyA, KeyShift}, nil, Input{Left: true, Fine: true}},
		{"space edge toggles", nil, []Key{KeySpace}, Input{Grip: true}},
		{"space held is no toggle", []Key{KeySpace}, nil, Input{}},
		{"enter", nil, []Key{KeyEnter}, Input{Save: true}},
		{"backspace", nil, []Key{KeyBackspace}, Input{Discard: true}},
		{"r", nil, []Key{KeyR}, Input{Reset: true}},
		{"enter held is no save", []Key{KeyEnter}, nil, Input{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ReadInput(keys(tc.held, tc.pressed...)); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestTeleopAct(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ticks []Input // inputs between two control steps
		want  sim.Control
	}{
		{"idle", []Input{{}}, sim.Control{}},
		{"right", []Input{{Right: true}}, sim.Control{VX: DefaultSpeed}},
		{"left down", []Input{{Left: true, Down: true}}, sim.Control{VX: -DefaultSpeed, VY: -DefaultSpeed}},
		{"opposite keys cancel", []Input{{Left: true, Right: true}}, sim.Control{}},
		{"fine", []Input{{Up: true, Fine: true}}, sim.Control{VY: DefaultFineSpeed}},
		{"a tap between steps counts", []Input{{}, {Right: true}, {}}, sim.Control{VX: DefaultSpeed}},
		{"grip toggles", []Input{{Grip: true}}, sim.Control{Close: true}},
		{"two toggles cancel", []Input{{Grip: true}, {}, {Grip: true}}, sim.Control{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := NewTeleop()
			for _, in := range tc.ticks {
				tp.Press(in)
			}
			if got := tp.Act(nil); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			// Movement is forgotten after the step, the grip is not.
			if got := tp.Act(nil); got != (sim.Control{Close: tc.want.Close}) {
				t.Errorf("second step %+v, want only the grip", got)
			}
		})
	}
}

func TestActionsAreOnTheGrid(t *testing.T) {
	for _, v := range []float64{DefaultSpeed, DefaultFineSpeed, -DefaultSpeed, -DefaultFineSpeed} {
		c := sim.Control{VX: v, VY: v}
		if d := stack.Discretize(c).Control(); d != c {
			t.Errorf("speed %g is not a SpeedBins value (nearest %g)", v, d.VX)
		}
	}
}

// memSaver keeps saved episodes in memory.
type memSaver struct {
	eps  []*demos.Episode
	fail error
}

func (m *memSaver) Save(ep *demos.Episode) (string, error) {
	if m.fail != nil {
		return "", m.fail
	}
	m.eps = append(m.eps, ep)
	return fmt.Sprintf("mem#%d", len(m.eps)-1), nil
}

func newSession(t *testing.T, spec string, saver Saver, opt SessionOptions) *Session {
	t.Helper()
	cfg := sim.DefaultConfig()
	env, err := stack.New(stack.MustParse(spec), stack.Options{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(env, saver, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// drive runs the autopilot until the episode ends or maxTicks pass.
func drive(t *testing.T, s *Session, maxTicks int) {
	t.Helper()
	ap := NewAutopilot(s.Env().Task(), s.Env().Config())
	var ks KeySet
	for range maxTicks {
		if s.Phase() == Ended {
			return
		}
		ap.Next(s.Env().State(), &ks)
		if err := s.Tick(ReadInput(&ks)); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("episode still %v after %d ticks (stage %d, step %d)", s.Phase(), maxTicks, s.Env().Progress(), s.Env().Steps())
}

func TestAutopilotRecordsAReplayableEpisode(t *testing.T) {
	saver := &memSaver{}
	for _, tc := range []struct {
		spec  string
		ticks int
	}{{"ab", 1}, {"ba", 6}, {"abc", 1}} {
		s := newSession(t, tc.spec, saver, SessionOptions{Seed: 7, TicksPerStep: tc.ticks})
		drive(t, s, 20000)
		if v := s.Env().Verdict(); v != stack.Success {
			t.Fatalf("%q: autopilot episode ended %v", tc.spec, v)
		}
		if err := s.Tick(Input{Save: true}); err != nil {
			t.Fatal(err)
		}
		if s.Phase() != Waiting || !strings.HasPrefix(s.Message(), "saved") {
			t.Fatalf("%q: after Enter phase %v, message %q", tc.spec, s.Phase(), s.Message())
		}
		ep := saver.eps[len(saver.eps)-1]
		if ep.Source != demos.SourceHuman || ep.Outcome != "success" || ep.Task != tc.spec {
			t.Fatalf("%q: saved %s/%s/%s", tc.spec, ep.Task, ep.Source, ep.Outcome)
		}
		if v, err := collect.Replay(ep, s.Env().Config()); err != nil || v != stack.Success {
			t.Fatalf("%q: replay %v, %v", tc.spec, v, err)
		}
		t.Logf("%q: %d steps, %d state records", tc.spec, len(ep.Actions)/stack.ActDim, len(ep.States))
	}
}

// TestSessionStateMachine walks the save/discard/reset rules.
func TestSessionStateMachine(t *testing.T) {
	type step struct {
		in      Input
		phase   Phase
		message string // prefix
	}
	right := Input{Right: true}
	for _, tc := range []struct {
		name     string
		failures bool
		steps    []step
		saved    int
	}{
		{"save before start is refused", false, []step{
			{Input{Save: true}, Waiting, "not saved: nothing recorded"},
		}, 0},
		{"clock starts on the first key", false, []step{
			{Input{}, Waiting, "move with"},
			{right, Recording, "recording: build"},
		}, 0},
		{"save while running is refused", false, []step{
			{right, Recording, "recording: build"},
			{Input{Save: true}, Recording, "not saved: the episode is still running"},
		}, 0},
		{"discard restarts the same start", false, []step{
			{right, Recording, "recording: build"},
			{Input{Discard: true}, Waiting, "discarded"},
		}, 0},
		{"r starts a new episode", false, []step{
			{right, Recording, "recording: build"},
			{Input{Reset: true}, Waiting, "new episode"},
		}, 0},
		{"a failure is refused", false, []step{
			{Input{Left: true, Fine: true}, Recording, "recording: build"},
			{Input{}, Ended, "timeout: not savable"},
			{Input{Save: true}, Ended, "not saved: timeout; only successful episodes are saved"},
			{right, Ended, "not saved"}, // keys do nothing once ended
		}, 0},
		{"a failure is saved with --save-failures", true, []step{
			{Input{Left: true, Fine: true}, Recording, "recording: build"},
			{Input{}, Ended, "timeout: Enter saves"},
			{Input{Save: true}, Waiting, "saved ab"},
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			saver := &memSaver{}
			cfg := sim.DefaultConfig()
			env, err := stack.New(stack.MustParse("ab"), stack.Options{Config: &cfg, TimeLimit: 3})
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSession(env, saver, SessionOptions{Seed: 1, SaveFailures: tc.failures})
			if err != nil {
				t.Fatal(err)
			}
			start := env.State().Clone()
			for i, st := range tc.steps {
				if err := s.Tick(st.in); err != nil {
					t.Fatal(err)
				}
				// Idle ticks let a recording run out its 3-step limit.
				if st.phase == Ended {
					for range 5 {
						_ = s.Tick(Input{})
					}
				}
				if s.Phase() != st.phase || !strings.HasPrefix(s.Message(), st.message) {
					t.Fatalf("step %d: phase %v message %q, want %v %q...", i, s.Phase(), s.Message(), st.phase, st.message)
				}
			}
			if len(saver.eps) != tc.saved {
				t.Fatalf("saved %d episodes, want %d", len(saver.eps), tc.saved)
			}
			last := tc.steps[len(tc.steps)-1].in
			switch {
			case last.Discard:
				if got := *env.State(); got.Gripper != start.Gripper || got.Blocks[0] != start.Blocks[0] {
					t.Error("discard did not restart from the same state")
				}
			case last.Reset:
				if env.State().Gripper == start.Gripper {
					t.Error("r did not draw a new start")
				}
			}
			for _, ep := range saver.eps {
				if _, err := collect.Replay(ep, cfg); err != nil {
					t.Errorf("saved episode does not replay: %v", err)
				}
			}
		})
	}
}

func TestSaveErrorKeepsTheEpisode(t *testing.T) {
	saver := &memSaver{fail: fmt.Errorf("disk full")}
	s := newSession(t, "ab", saver, SessionOptions{Seed: 3})
	drive(t, s, 20000)
	if err := s.Tick(Input{Save: true}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("save error %v", err)
	}
	saver.fail = nil
	if err := s.Tick(Input{Save: true}); err != nil || len(saver.eps) != 1 {
		t.Fatalf("retry: %v, %d saved", err, len(saver.eps))
	}
	if _, err := collect.Replay(saver.eps[0], s.Env().Config()); err != nil {
		t.Fatal(err)
	}
}

func TestDatasetSaverAppendsReplayableHumanEpisodes(t *testing.T) {
	dir := t.TempDir()
	cfg := sim.DefaultConfig()
	saver, err := NewDatasetSaver(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(t, "ab", saver, SessionOptions{Seed: 5, TicksPerStep: 2})
	for k := range 2 {
		drive(t, s, 20000)
		if err := s.Tick(Input{Save: true}); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("as human episode %d", k); !strings.Contains(s.Message(), want) {
			t.Fatalf("message %q does not say %q", s.Message(), want)
		}
	}
	// A second saver on the same directory appends to it.
	if _, err := NewDatasetSaver(dir, cfg); err != nil {
		t.Fatal(err)
	}
	// A dataset of another kind is refused.
	other := t.TempDir()
	if err := demos.Init(other, "maze", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDatasetSaver(other, cfg); err == nil || !strings.Contains(err.Error(), "maze") {
		t.Fatalf("saver into a maze dataset: %v", err)
	}
	d, err := demos.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := 0
	for ep, err := range d.All() {
		if err != nil {
			t.Fatal(err)
		}
		if ep.Source != demos.SourceHuman || ep.Index != n {
			t.Errorf("episode %d: source %s index %d", n, ep.Source, ep.Index)
		}
		if _, err := collect.Replay(ep, cfg); err != nil {
			t.Error(err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("dataset holds %d episodes, want 2", n)
	}
}

// TestHumanEpisodesMixWithExpertOnes records into a dataset made by the
// expert generator: both sources end up in it and everything replays.
func TestHumanEpisodesMixWithExpertOnes(t *testing.T) {
	dir := t.TempDir()
	cfg := sim.DefaultConfig()
	task := stack.MustParse("ab")
	if _, err := collect.Generate(context.Background(), collect.GenOptions{Dir: dir, Tasks: []stack.Task{task}, Episodes: 2, Seed: 1, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	saver, err := NewDatasetSaver(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(t, "ab", saver, SessionOptions{Seed: 8})
	drive(t, s, 20000)
	if err := s.Tick(Input{Save: true}); err != nil {
		t.Fatal(err)
	}
	d, err := demos.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	bySource := map[string]int{}
	for ep, err := range d.All() {
		if err != nil {
			t.Fatal(err)
		}
		bySource[ep.Source]++
		if _, err := collect.Replay(ep, cfg); err != nil {
			t.Error(err)
		}
	}
	if bySource[demos.SourceExpert] != 2 || bySource[demos.SourceHuman] != 1 {
		t.Fatalf("episodes by source %v, want 2 expert and 1 human", bySource)
	}
	if c := d.Manifest().Tasks[0].Sources[demos.SourceHuman]; c == nil || c.Episodes != 1 {
		t.Fatalf("manifest counts of human episodes: %+v", c)
	}
}
