//go:build cgo && guitest

package gui

import (
	"image"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/envs/stack/hud"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/policies/keyboard"
	"github.com/metabench/metabench/policies/policyspec"
	"github.com/metabench/metabench/policies/replay"
	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/sim/render"
)

// Block colours of the renderer's palette (a, b, c), from sim/render.
var blockRGB = []uint32{0xcc6677, 0x332288, 0xddcc77}

// TestViewShowsBlocksAndHUD opens the viewer on an expert episode, lets it
// play to a fixed step, pauses it there and checks screenshots taken in the
// game loop: the screen is the composed frame, which is the frame the shared
// renderer draws for the state (outside the viewer's own panels); every
// block's colour is where the state puts the block; the heads-up text is at
// the top left and the key help at the top right until h hides it.
func TestViewShowsBlocksAndHUD(t *testing.T) {
	cfg := sim.DefaultConfig()
	var keys keyboard.KeySet
	v, err := NewViewer(ViewOptions{
		Tasks:  []stack.Task{stack.MustParse("abc")},
		Seed:   3,
		Policy: policies.NewExpert(cfg),
		Speed:  4,
		TPS:    40, // 4× real time at 10 control steps per second: one step per tick
		Keys:   &keys,
	})
	if err != nil {
		t.Fatal(err)
	}
	const shotStep = 36
	var (
		withHelp, shot *image.RGBA
		state          sim.State
	)
	inWindow(t, v, func(screen *ebiten.Image) bool {
		if screen == nil {
			keys.Tick()
			keys.Release(keyboard.KeySpace)
			keys.Release(keyboard.KeyH)
			switch {
			case !v.Paused() && v.Env().Steps() >= shotStep:
				keys.Press(keyboard.KeySpace) // pause here
			case withHelp != nil:
				keys.Press(keyboard.KeyH) // hide the help for the comparison shot
			}
			return false
		}
		switch {
		case !v.Paused():
		case withHelp == nil:
			withHelp = screenshot(screen)
			if d := diffPixels(withHelp, v.Frame(), withHelp.Bounds()); d != 0 {
				t.Errorf("screen differs from the composed frame in %d pixels", d)
			}
		case !v.showHelp:
			shot = screenshot(screen)
			state = v.Env().State().Clone()
			return true
		}
		return false
	})
	env := v.Env()
	if env.Steps() != shotStep {
		t.Fatalf("paused at step %d, want %d", env.Steps(), shotStep)
	}
	t.Logf("%d control steps, stage %d/%d, verdict %v", env.Steps(), env.Progress(), env.Task().NumStages(), env.Verdict())
	w, h := shot.Bounds().Dx(), shot.Bounds().Dy()
	if w != 960 || h != 600 {
		t.Fatalf("screenshot is %dx%d, want 960x600", w, h)
	}

	// The same frame as a headless render of the same state, above the
	// status panel at the bottom.
	r := render.New(cfg, render.Options{Width: w, Height: h})
	want := r.Frame(state, hud.Overlay(env, "expert"))
	_, lh := r.TextSize("Ag")
	above := image.Rect(0, 0, w, h-3*lh)
	if d := diffPixels(shot, want, above); d != 0 {
		t.Errorf("window and headless render differ in %d pixels", d)
	}

	// Blocks: their colour fills the pixels around the centre of each
	// block (off the letter in the middle).
	for i, b := range state.Blocks {
		px, py := r.WorldToPixel(b.X-0.3, b.Y+0.3)
		box := image.Rect(int(px)-2, int(py)-2, int(px)+3, int(py)+3)
		if c := countColour(shot, box, rgb(blockRGB[i])); c < 20 {
			t.Errorf("block %c at (%.2f, %.2f): only %d/25 pixels of its colour near pixel (%.0f, %.0f)", 'a'+i, b.X, b.Y, c, px, py)
		}
	}
	// And nowhere else: no block colour far from every block.
	for i := range state.Blocks {
		total := countColour(shot, shot.Bounds(), rgb(blockRGB[i]))
		s := r.Scale()
		if total < int(0.5*s*s) || total > int(1.2*s*s) {
			t.Errorf("block %c colour covers %d pixels; a block is %.0f", 'a'+i, total, s*s)
		}
	}

	// HUD: dark text on the white plate at the top left.
	hudBox := image.Rect(0, 0, w/3, 5*lh)
	text, plate := render.HUDColours()
	if c := countColour(shot, hudBox, text); c < 200 {
		t.Errorf("only %d HUD text pixels at the top left", c)
	}
	if c := countColour(shot, hudBox, plate); c < hudBox.Dx()*hudBox.Dy()/4 {
		t.Errorf("only %d HUD plate pixels at the top left", c)
	}
	// The help panel was there before h hid it.
	helpBox := image.Rect(w*2/3, 0, w, 8*lh)
	if c := countColour(withHelp, helpBox, text); c < 200 {
		t.Errorf("only %d help text pixels at the top right", c)
	}
	if c := countColour(shot, helpBox, text); c != 0 {
		t.Errorf("%d help text pixels after h hid the help", c)
	}
	writeReadme(t, "view.png", func(path string) error { return render.WritePNG(path, withHelp) })
}

// TestViewControls drives the viewer's keys: pause, single step, speed,
// reset with a new seed, next task, quit.
func TestViewControls(t *testing.T) {
	cfg := sim.DefaultConfig()
	var keys keyboard.KeySet
	tasks := []stack.Task{stack.MustParse("ab"), stack.MustParse("ba c")}
	v, err := NewViewer(ViewOptions{Tasks: tasks, Seed: 1, Policy: policies.NewExpert(cfg), Keys: &keys, Width: 480, Height: 300})
	if err != nil {
		t.Fatal(err)
	}
	type check struct {
		tick  int
		press keyboard.Key
		check func() string
	}
	var steps int
	var seed uint64
	script := []check{
		{1, keyboard.KeySpace, nil},
		{2, -1, func() string { steps = v.Env().Steps(); return ok(v.Paused(), "space did not pause") }},
		{20, -1, func() string { return ok(v.Env().Steps() == steps, "the episode ran while paused") }},
		{21, keyboard.KeyRight, nil},
		{22, -1, func() string { return ok(v.Env().Steps() == steps+1, "→ did not step once") }},
		{23, keyboard.KeyPlus, nil},
		{24, keyboard.KeyPlus, nil},
		{25, -1, func() string { return ok(v.Speed() == 4, "two + did not reach 4x") }},
		{26, keyboard.KeyMinus, nil},
		{27, -1, func() string { seed = v.Env().Seed(); return ok(v.Speed() == 2, "− did not slow down") }},
		{28, keyboard.KeyR, nil},
		{29, -1, func() string {
			return ok(v.Env().Steps() == 0 && v.Env().Seed() != seed, "r did not reset with a new seed")
		}},
		{30, keyboard.KeyN, nil},
		{31, -1, func() string { return ok(v.Env().Task().String() == "ba c", "n did not move to the next task") }},
		{32, keyboard.KeySpace, nil},
		{50, -1, func() string { return ok(v.Env().Steps() > 0, "space did not resume") }},
		{51, keyboard.KeyEscape, nil},
	}
	tick, next := 0, 0
	inWindow(t, v, func(screen *ebiten.Image) bool {
		if screen != nil {
			return false
		}
		tick++
		keys.Tick()
		for _, k := range []keyboard.Key{keyboard.KeySpace, keyboard.KeyRight, keyboard.KeyPlus, keyboard.KeyMinus, keyboard.KeyR, keyboard.KeyN, keyboard.KeyEscape} {
			keys.Release(k)
		}
		for next < len(script) && script[next].tick == tick {
			c := script[next]
			next++
			if c.check != nil {
				if msg := c.check(); msg != "" {
					t.Errorf("tick %d: %s", tick, msg)
				}
			}
			if c.press >= 0 {
				keys.Press(c.press)
			}
		}
		return tick > 200 // Esc ends the game well before this
	})
	if next != len(script) {
		t.Fatalf("the game ended at tick %d, before script entry %d", tick, next)
	}
	if tick > 60 {
		t.Fatalf("Esc did not end the game (tick %d)", tick)
	}
}

func ok(cond bool, msg string) string {
	if cond {
		return ""
	}
	return msg
}

// TestViewReplaysADataset plays a dataset with --policy replay:DIR: the
// viewer takes task and start from each episode, and n moves to the next.
func TestViewReplaysADataset(t *testing.T) {
	cfg := sim.DefaultConfig()
	dir := t.TempDir()
	if _, err := keyboard.NewDatasetSaver(dir, cfg); err != nil {
		t.Fatal(err)
	}
	var recorded []*demos.Episode
	for i, spec := range []string{"ab", "ba c"} {
		ep, err := collect.Expert(stack.MustParse(spec), cfg, uint64(i), 0, policies.DefaultNoise)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := demos.Append(dir, ep); err != nil {
			t.Fatal(err)
		}
		recorded = append(recorded, ep)
	}
	p, err := policyspec.Standard(func(dir string) ([]*demos.Episode, error) { return replay.Load(dir, 0) }).New("replay:"+dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var keys keyboard.KeySet
	v, err := NewViewer(ViewOptions{Policy: p, Speed: 32, Keys: &keys, Width: 480, Height: 300})
	if err != nil {
		t.Fatal(err)
	}
	ep := 0
	inWindow(t, v, func(screen *ebiten.Image) bool {
		if screen != nil {
			return false
		}
		keys.Tick()
		keys.Release(keyboard.KeyN)
		env := v.Env()
		if env.Verdict() == stack.Running {
			return false
		}
		want := recorded[ep]
		if env.Task().String() != want.Task || env.Verdict().String() != want.Outcome || env.Steps() != want.Steps() {
			t.Errorf("episode %d: %q %v after %d steps, recorded %q %s after %d", ep, env.Task(), env.Verdict(), env.Steps(), want.Task, want.Outcome, want.Steps())
		}
		ep++
		keys.Press(keyboard.KeyN)
		return ep == len(recorded)
	})
}
