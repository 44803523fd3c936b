//go:build cgo

package gui

import (
	"errors"
	"fmt"
	"image"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/envs/stack/hud"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/keyboard"
	"github.com/metabench/metabench/policies/policyspec"
	"github.com/metabench/metabench/sim"
)

// speeds are the playback speeds of the viewer, as multiples of real time.
func speeds() []float64 { return []float64{0.25, 0.5, 1, 2, 4, 8, 16, 32} }

// ViewOptions configure a Viewer.
type ViewOptions struct {
	// Tasks is the play list; n moves to the next task. Ignored when the
	// policy brings its own episodes (a replay).
	Tasks []stack.Task
	// Seed is the reset seed of the first episode; later episodes of a task
	// use stack.EpisodeSeed(Seed, task, k).
	Seed uint64
	// Policy plays the episodes. If it implements policyspec.Episodic, its
	// episodes are played instead of Tasks.
	Policy policies.Policy
	// Config is the simulator configuration; nil means sim.DefaultConfig.
	Config *sim.Config
	// Width and Height are the frame size; zero means 960×600.
	Width, Height int
	// Speed is the initial playback speed (a multiple of real time,
	// rounded to the nearest available speed); zero means 1.
	Speed float64
	// TPS is the game's tick rate; zero means ebiten.DefaultTPS.
	TPS int
	// Keys is the keyboard; nil means the real one.
	Keys keyboard.KeyState
}

// Viewer is the ebiten game of `metabench view`: a policy playing episodes
// live, the heads-up display and the key help.
type Viewer struct {
	opt      ViewOptions
	cfg      sim.Config
	keys     keyboard.KeyState
	episodic policyspec.Episodic
	canvas   *canvas

	env      *stack.Env
	task     int // index into opt.Tasks, or the episode of an Episodic policy
	episode  int // episode number of the current task (drives the seed)
	paused   bool
	speed    int     // index into speeds
	acc      float64 // fractional control steps owed
	showHelp bool
}

// NewViewer returns a viewer at the first episode.
func NewViewer(opt ViewOptions) (*Viewer, error) {
	if opt.Policy == nil {
		return nil, errors.New("view: no policy")
	}
	v := &Viewer{opt: opt, cfg: sim.DefaultConfig(), keys: opt.Keys, showHelp: true}
	if opt.Config != nil {
		v.cfg = *opt.Config
	}
	if v.keys == nil {
		v.keys = Keyboard{}
	}
	if v.opt.TPS <= 0 {
		v.opt.TPS = ebiten.DefaultTPS
	}
	v.episodic, _ = opt.Policy.(policyspec.Episodic)
	if v.episodic == nil && len(opt.Tasks) == 0 {
		return nil, errors.New("view: no tasks")
	}
	want := opt.Speed
	if want <= 0 {
		want = 1
	}
	for i, s := range speeds() {
		if s <= want*1.001 {
			v.speed = i
		}
	}
	v.canvas = newCanvas(v.cfg, opt.Width, opt.Height)
	if err := v.reset(); err != nil {
		return nil, err
	}
	return v, nil
}

// reset starts the current episode of the current task.
func (v *Viewer) reset() error {
	var (
		task  stack.Task
		start sim.State
		seed  uint64
	)
	if v.episodic != nil {
		var err error
		if task, start, seed, err = v.episodic.Select(v.task); err != nil {
			return fmt.Errorf("view: %w", err)
		}
	} else {
		task = v.opt.Tasks[v.task%len(v.opt.Tasks)]
		seed = v.opt.Seed
		if v.episode > 0 {
			seed = stack.EpisodeSeed(v.opt.Seed, task, v.episode)
		}
		start = stack.InitialState(task, v.cfg, seed)
	}
	if v.env == nil || v.env.Task().String() != task.String() {
		env, err := stack.New(task, stack.Options{Config: &v.cfg})
		if err != nil {
			return fmt.Errorf("view: %w", err)
		}
		v.env = env
	}
	if err := v.env.ResetTo(start, seed); err != nil {
		return fmt.Errorf("view: %w", err)
	}
	v.opt.Policy.Reset(task, seed)
	v.acc = 0
	return nil
}

// Env returns the environment being shown.
func (v *Viewer) Env() *stack.Env { return v.env }

// PolicyName returns the name shown in the heads-up display.
func (v *Viewer) PolicyName() string { return v.opt.Policy.Name() }

// Paused reports whether playback is paused.
func (v *Viewer) Paused() bool { return v.paused }

// Speed returns the playback speed as a multiple of real time.
func (v *Viewer) Speed() float64 { return speeds()[v.speed] }

// Frame returns the frame composed by the last Draw.
func (v *Viewer) Frame() *image.RGBA { return v.canvas.frame }

// step advances the episode by one control step, if it is running.
func (v *Viewer) step() {
	if v.env.Verdict() == stack.Running {
		v.env.Step(v.opt.Policy.Act(v.env.State()))
	}
}

// Update handles the keys and advances the episode at the playback speed.
func (v *Viewer) Update() error {
	k := v.keys
	switch {
	case k.JustPressed(keyboard.KeyEscape):
		return ebiten.Termination
	case k.JustPressed(keyboard.KeyH):
		v.showHelp = !v.showHelp
	case k.JustPressed(keyboard.KeySpace):
		v.paused = !v.paused
	case k.JustPressed(keyboard.KeyRight) && v.paused:
		v.step()
	case k.JustPressed(keyboard.KeyPlus):
		v.speed = min(v.speed+1, len(speeds())-1)
	case k.JustPressed(keyboard.KeyMinus):
		v.speed = max(v.speed-1, 0)
	case k.JustPressed(keyboard.KeyR):
		if v.episodic == nil {
			v.episode++ // a new seed; a replay restarts its episode
		}
		if err := v.reset(); err != nil {
			return err
		}
	case k.JustPressed(keyboard.KeyN):
		v.task++
		v.episode = 0
		if v.episodic == nil && v.task >= len(v.opt.Tasks) {
			v.task = 0
		}
		if err := v.reset(); err != nil {
			return err
		}
	}
	if v.paused || v.env.Verdict() != stack.Running {
		v.acc = 0
		return nil
	}
	v.acc += speeds()[v.speed] * float64(v.cfg.ControlHz) / float64(v.opt.TPS)
	for v.acc >= 1 && v.env.Verdict() == stack.Running {
		v.step()
		v.acc--
	}
	return nil
}

// viewHelp is the key list of the viewer.
func viewHelp() []string {
	return []string{
		"space  pause / resume",
		"→  one step (paused)",
		"+ / −  speed",
		"r  reset, new seed",
		"n  next task",
		"h  hide this help",
		"esc  quit",
	}
}

// Compose draws the current state into the frame: the scene and heads-up
// display of the shared renderer, then the status line and the key help.
func (v *Viewer) Compose() *image.RGBA {
	c := v.canvas
	ov := hud.Overlay(v.env, v.opt.Policy.Name())
	if a, ok := v.opt.Policy.(interface{ BlockWeights() []float64 }); ok {
		ov.BlockWeights = a.BlockWeights() // a learned policy's attention over blocks
	}
	c.r.Draw(c.frame, *v.env.State(), ov)
	status := fmt.Sprintf("speed %gx", speeds()[v.speed])
	switch {
	case v.env.Verdict() != stack.Running:
		status += fmt.Sprintf("  ·  episode over: %s (r: new seed, n: next task)", v.env.Verdict())
	case v.paused:
		status += "  ·  paused"
	}
	if v.episodic != nil {
		status += fmt.Sprintf("  ·  episode %d/%d", v.task%v.episodic.Episodes()+1, v.episodic.Episodes())
	}
	c.panel(bottomLeft, []string{status})
	if v.showHelp {
		c.panel(topRight, viewHelp())
	}
	return c.frame
}

// Draw composes the frame and copies it to the screen.
func (v *Viewer) Draw(screen *ebiten.Image) {
	v.Compose()
	v.canvas.blit(screen)
}

// Layout returns the frame size: the window shows the frame scaled.
func (v *Viewer) Layout(int, int) (int, int) { return v.canvas.size() }
