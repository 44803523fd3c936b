package render

import (
	"os"
	"testing"

	"github.com/metabench/metabench/sim"
)

// demoState is a hand-made 10-block scene: two towers, loose blocks, one
// block fallen off the table and tilted against a leg, and the gripper
// closed on a block it carries.
func demoState(cfg sim.Config) sim.State {
	fallX := -cfg.TableHalfWidth + 0.45 - 0.66 // leaning on the left leg
	return sim.State{
		Step: 412,
		Blocks: []sim.BodyState{
			{X: -4, Y: 0.5},                  // a
			{X: 1.02, Y: 1.5},                // b on d
			{X: -4.01, Y: 1.5},               // c on a
			{X: 1, Y: 0.5},                   // d
			{X: 5.6, Y: 0.5},                 // e
			{X: -3.98, Y: 2.5, Angle: 0.015}, // f on c
			{X: -6.3, Y: 0.5},                // g
			{X: 3, Y: 4.5},                   // h held
			{X: 6.9, Y: 0.5},                 // i
			{X: fallX, Y: cfg.FloorY + 0.6413, Angle: 0.35}, // j fallen
		},
		Gripper: sim.GripperState{X: 3, Y: 5, Closed: true, Held: 7},
	}
}

func demoOverlay() *Overlay {
	return &Overlay{Lines: []string{
		"task  ab cde fg hij",
		"stage 3/7   step 412   t 41.2 s",
		"policy expert (noise 0.1)",
		"verdict running",
	}}
}

// TestWriteDemo writes the demo pictures when RENDER_DEMO names a
// directory; it is how the pictures in the docs are made.
func TestWriteDemo(t *testing.T) {
	dir := os.Getenv("RENDER_DEMO")
	if dir == "" {
		t.Skip("set RENDER_DEMO=DIR to write the demo pictures")
	}
	r := New(sim.DefaultConfig(), Options{Width: 640, Height: 400})
	if err := WritePNG(dir+"/render_demo.png", r.Frame(demoState(sim.DefaultConfig()), demoOverlay())); err != nil {
		t.Fatal(err)
	}
	ov := demoOverlay()
	ov.BlockWeights = []float64{0.05, 0.6, 0, 0.9, 0, 0.02, 0, 0.3, 0, 0}
	ov.Highlight = []int{7, 1}
	if err := WritePNG(dir+"/render_demo_attention.png", r.Frame(demoState(sim.DefaultConfig()), ov)); err != nil {
		t.Fatal(err)
	}
	big := New(sim.DefaultConfig(), Options{Width: 1280, Height: 800})
	if err := WritePNG(dir+"/render_demo_big.png", big.Frame(demoState(sim.DefaultConfig()), ov)); err != nil {
		t.Fatal(err)
	}
	small := New(sim.DefaultConfig(), Options{Width: 320, Height: 200})
	if err := WritePNG(dir+"/render_demo_small.png", small.Frame(demoState(sim.DefaultConfig()), demoOverlay())); err != nil {
		t.Fatal(err)
	}
}
