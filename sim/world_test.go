package sim

import (
	"bytes"
	"math"
	"reflect"
	"testing"
)

// tower returns a state with n blocks stacked at x and the gripper parked high.
func tower(n int, x float64) State {
	s := State{Gripper: GripperState{X: -6, Y: 12, Held: -1}}
	for i := range n {
		s.Blocks = append(s.Blocks, BodyState{X: x, Y: 0.5 + float64(i)})
	}
	return s
}

func newWorld(t testing.TB, s State) *World {
	t.Helper()
	w, err := NewWorld(DefaultConfig(), s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func run(w *World, c Control, steps int) {
	for range steps {
		w.Step(c)
	}
}

func TestTenBlockTowerStandsStill(t *testing.T) {
	w := newWorld(t, tower(10, 0))
	run(w, Control{}, 10) // settle for one second
	before := w.State()
	run(w, Control{}, 100) // ten simulated seconds
	after := w.State()
	for i := range before.Blocks {
		d := math.Hypot(after.Blocks[i].X-before.Blocks[i].X, after.Blocks[i].Y-before.Blocks[i].Y)
		if d > 0.01 {
			t.Errorf("block %d drifted %.4f blocks in 10 s, want < 0.01", i, d)
		}
	}
}

// moveTo drives the grasp point to (x, y) with a proportional controller.
func moveTo(w *World, x, y float64, closed bool) {
	for range 200 {
		g := w.State().Gripper
		dx, dy := x-g.X, y-g.Y
		if math.Hypot(dx, dy) < 1e-3 {
			return
		}
		w.Step(Control{VX: dx * 10, VY: dy * 10, Close: closed})
	}
}

func TestGraspCarryRelease(t *testing.T) {
	s := tower(1, 2)
	s.Blocks = append(s.Blocks, BodyState{X: -2, Y: 0.5})
	w := newWorld(t, s)
	run(w, Control{}, 10)
	moveTo(w, 2, 3, false)
	moveTo(w, 2, 1.0, false)
	w.Step(Control{Close: true})
	if w.Held() != 0 {
		t.Fatalf("held %d after closing on block 0, want 0", w.Held())
	}
	moveTo(w, 2, 4, true)
	moveTo(w, -2, 4, true)
	if b := w.State().Blocks[0]; math.Abs(b.X+2) > 0.05 || math.Abs(b.Y-3.5) > 0.05 || math.Abs(b.Angle) > 0.02 {
		t.Fatalf("carried block at (%.3f, %.3f, %.3f rad), want (-2, 3.5, 0)", b.X, b.Y, b.Angle)
	}
	moveTo(w, -2, 2.01, true)
	w.Step(Control{Close: false})
	moveTo(w, -2, 4, false)
	run(w, Control{}, 20)
	b := w.State().Blocks[0]
	if math.Abs(b.X+2) > 0.05 || math.Abs(b.Y-1.5) > 0.02 {
		t.Fatalf("placed block at (%.3f, %.3f), want on top of block 1 at (-2, 1.5)", b.X, b.Y)
	}
}

func TestCarelessSweepKnocksTowerOver(t *testing.T) {
	w := newWorld(t, tower(5, 0))
	run(w, Control{}, 10)
	moveTo(w, -3, 3.2, false)
	moveTo(w, 3, 3.2, false)
	run(w, Control{}, 30)
	s := w.State()
	moved := 0
	for _, b := range s.Blocks[3:] {
		if math.Abs(b.X) > 0.5 {
			moved++
		}
	}
	if moved == 0 {
		t.Fatalf("a sweep through the top of the tower moved nothing: %+v", s.Blocks)
	}
}

func TestSnapshotRestoresExactly(t *testing.T) {
	w := newWorld(t, tower(6, -1))
	controls := []Control{{VX: 2, VY: -3}, {VX: 4, VY: -4, Close: true}, {VX: -4, VY: 1}, {}}
	for i := range 120 {
		w.Step(controls[i%len(controls)])
	}
	snap := w.Snapshot()
	data, err := snap.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var decoded Snapshot
	if err := decoded.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	restored, err := Restore(DefaultConfig(), decoded)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		c := controls[(i+1)%len(controls)]
		w.Step(c)
		restored.Step(c)
	}
	a, _ := w.State().MarshalBinary()
	b, _ := restored.State().MarshalBinary()
	if !bytes.Equal(a, b) {
		t.Fatalf("restored world diverged:\n%+v\n%+v", w.State(), restored.State())
	}
}

func TestStateRoundTrip(t *testing.T) {
	s := tower(3, 1)
	s.Step = 7
	s.Blocks[1].AngVel = -0.25
	s.Gripper = GripperState{X: 1, Y: 3.5, VX: 0.5, Closed: true, Held: 2}
	data, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got State
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	again, _ := got.MarshalBinary()
	if !bytes.Equal(data, again) {
		t.Fatalf("round trip changed the state: %+v", got)
	}
}

func FuzzStateUnmarshal(f *testing.F) {
	good, _ := tower(4, 0).MarshalBinary()
	f.Add(good)
	f.Add([]byte("MBS1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s State
		if err := s.UnmarshalBinary(data); err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decoded state does not re-encode to its input")
		}
	})
}

// TestWorldsOnParallelGoroutines builds and steps worlds on parallel
// goroutines, as the suites' workers and the bridge's vector environments
// do; under the race detector (make unit runs it so) it fails if building
// a world touches cp/v2's package state unsynchronised. Each world must also
// end where the same world built alone ends.
func TestWorldsOnParallelGoroutines(t *testing.T) {
	alone := newWorld(t, tower(3, 0))
	run(alone, Control{VX: 1}, 20)
	want := alone.State()
	const n = 8
	got := make([]State, n)
	errs := make([]error, n)
	done := make(chan int)
	for i := range n {
		go func() {
			defer func() { done <- i }()
			w, err := NewWorld(DefaultConfig(), tower(3, 0))
			if err != nil {
				errs[i] = err
				return
			}
			run(w, Control{VX: 1}, 20)
			got[i] = w.State()
		}()
	}
	for range n {
		<-done
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("world %d ends in %+v, alone %+v", i, got[i], want)
		}
	}
}
