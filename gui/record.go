//go:build cgo

package gui

import (
	"errors"
	"fmt"
	"image"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/envs/stack/hud"
	"github.com/metabench/metabench/policies/keyboard"
	"github.com/metabench/metabench/sim"
)

// RecordOptions configure a Recorder.
type RecordOptions struct {
	Task         stack.Task
	Seed         uint64 // base seed of the session's episodes
	SaveFailures bool   // also save episodes that did not succeed
	Saver        keyboard.Saver
	// Config is the simulator configuration; nil means sim.DefaultConfig.
	Config *sim.Config
	// Width and Height are the frame size; zero means 960×600.
	Width, Height int
	// TPS is the game's tick rate; zero means ebiten.DefaultTPS. The
	// episode runs in real time: one control step every TPS/ControlHz
	// ticks.
	TPS int
	// Keys is the keyboard; nil means the real one.
	Keys keyboard.KeyState
}

// Recorder is the ebiten game of `metabench record`: keyboard
// tele-operation of the gripper, recorded episode by episode.
type Recorder struct {
	sess     *keyboard.Session
	keys     keyboard.KeyState
	canvas   *canvas
	showHelp bool
	problem  string // the last save or reset failure, shown until the next event
}

// NewRecorder returns a recorder waiting for the first key.
func NewRecorder(opt RecordOptions) (*Recorder, error) {
	if opt.Saver == nil {
		return nil, errors.New("record: no saver")
	}
	cfg := sim.DefaultConfig()
	if opt.Config != nil {
		cfg = *opt.Config
	}
	tps := opt.TPS
	if tps <= 0 {
		tps = ebiten.DefaultTPS
	}
	env, err := stack.New(opt.Task, stack.Options{Config: &cfg})
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	sess, err := keyboard.NewSession(env, opt.Saver, keyboard.SessionOptions{
		Seed:         opt.Seed,
		SaveFailures: opt.SaveFailures,
		TicksPerStep: max(1, tps/cfg.ControlHz),
	})
	if err != nil {
		return nil, err
	}
	r := &Recorder{sess: sess, keys: opt.Keys, canvas: newCanvas(cfg, opt.Width, opt.Height), showHelp: true}
	if r.keys == nil {
		r.keys = Keyboard{}
	}
	return r, nil
}

// Session returns the recording session.
func (r *Recorder) Session() *keyboard.Session { return r.sess }

// Frame returns the frame composed by the last Draw.
func (r *Recorder) Frame() *image.RGBA { return r.canvas.frame }

// Update reads the keys and runs one tick of the session.
func (r *Recorder) Update() error {
	switch {
	case r.keys.JustPressed(keyboard.KeyEscape):
		return ebiten.Termination
	case r.keys.JustPressed(keyboard.KeyH):
		r.showHelp = !r.showHelp
	}
	in := keyboard.ReadInput(r.keys)
	if in.Save || in.Discard || in.Reset {
		r.problem = ""
	}
	if err := r.sess.Tick(in); err != nil {
		// A failed save keeps the episode: show why and let the operator
		// retry or discard.
		r.problem = err.Error()
	}
	return nil
}

// recordHelp is the key list of the recorder.
func recordHelp() []string {
	return []string{
		"←↑→↓ / WASD  move",
		"shift  move slowly",
		"space  grip / release",
		"enter  save episode",
		"backspace  discard, retry",
		"r  new episode (new seed)",
		"h  hide this help",
		"esc  quit",
	}
}

// Compose draws the current state into the frame: the scene and heads-up
// display of the shared renderer, then the session's status and the keys.
func (r *Recorder) Compose() *image.RGBA {
	c := r.canvas
	env := r.sess.Env()
	c.r.Draw(c.frame, *env.State(), hud.Overlay(env, r.sess.Teleop().Name()))
	grip := "open"
	if r.sess.Teleop().Closed() {
		grip = "closed"
	}
	status := fmt.Sprintf("%s  ·  grip %s  ·  saved %d", r.sess.Phase(), grip, r.sess.Saved)
	lines := []string{status, r.sess.Message()}
	if r.problem != "" {
		lines = append(lines, "error: "+r.problem)
	}
	c.panel(bottomLeft, lines)
	if r.showHelp {
		c.panel(topRight, recordHelp())
	}
	return c.frame
}

// Draw composes the frame and copies it to the screen.
func (r *Recorder) Draw(screen *ebiten.Image) {
	r.Compose()
	r.canvas.blit(screen)
}

// Layout returns the frame size.
func (r *Recorder) Layout(int, int) (int, int) { return r.canvas.size() }

// Run opens a window titled title for game (a Viewer or a Recorder) at the
// game's frame size and returns when the window is closed or Esc is
// pressed. tps sets the tick rate; zero keeps ebiten's default (60).
func Run(title string, game ebiten.Game, tps int) error {
	w, h := game.Layout(0, 0)
	ebiten.SetWindowTitle(title)
	ebiten.SetWindowSize(w, h)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	if tps > 0 {
		ebiten.SetTPS(tps)
	}
	if err := ebiten.RunGame(game); err != nil && !errors.Is(err, ebiten.Termination) {
		return fmt.Errorf("window: %w", err)
	}
	return nil
}
