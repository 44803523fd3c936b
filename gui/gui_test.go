//go:build cgo && guitest

// The window tests open real windows, so they need a display (run them with
// scripts/test-gui.sh, which uses xvfb-run) and the guitest build tag: a
// plain `go test ./...` must not start ebiten, which panics without a
// display. Everything runs inside ebiten's game loop: TestMain hands the
// main thread to a host game, and each test runs its own game in it.
package gui

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
)

var readmeDir = flag.String("readme", "", "write the README pictures (view.png, record.gif) into this directory")

// job is one game run by the host: hook runs after every Update and Draw
// (draw is nil after an Update) and returns true to end the job.
type job struct {
	game ebiten.Game
	hook func(screen *ebiten.Image) (done bool)
	err  error
	done chan struct{}
}

// host is the game that owns ebiten's loop for the whole test binary.
type host struct {
	jobs    chan *job
	cur     *job
	ended   chan struct{} // closed when m.Run returns
	started sync.Once
	run     func()
}

func (h *host) finish(err error) {
	h.cur.err = err
	close(h.cur.done)
	h.cur = nil
}

func (h *host) Update() error {
	h.started.Do(func() { go h.run() })
	if h.cur == nil {
		select {
		case h.cur = <-h.jobs:
		case <-h.ended:
			return ebiten.Termination
		default:
			return nil
		}
	}
	if err := h.cur.game.Update(); err != nil {
		if errors.Is(err, ebiten.Termination) {
			err = nil
		}
		h.finish(err)
		return nil
	}
	if h.cur.hook(nil) {
		h.finish(nil)
	}
	return nil
}

func (h *host) Draw(screen *ebiten.Image) {
	if h.cur == nil {
		return
	}
	h.cur.game.Draw(screen)
	if h.cur.hook(screen) {
		h.finish(nil)
	}
}

func (h *host) Layout(w, hh int) (int, int) {
	if h.cur == nil {
		return 320, 200
	}
	return h.cur.game.Layout(w, hh)
}

var theHost = &host{jobs: make(chan *job), ended: make(chan struct{})}

// inWindow runs game in the window until hook says done or the game ends.
func inWindow(t *testing.T, game ebiten.Game, hook func(screen *ebiten.Image) bool) {
	t.Helper()
	j := &job{game: game, hook: hook, done: make(chan struct{})}
	theHost.jobs <- j
	<-j.done
	if j.err != nil {
		t.Fatal(j.err)
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := 1
	theHost.run = func() {
		code = m.Run()
		close(theHost.ended)
	}
	ebiten.SetWindowTitle("metabench gui tests")
	ebiten.SetWindowSize(960, 600)
	if err := ebiten.RunGame(theHost); err != nil {
		fmt.Fprintln(os.Stderr, "gui tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// screenshot reads the screen's pixels; call it inside Draw.
func screenshot(screen *ebiten.Image) *image.RGBA {
	b := screen.Bounds()
	img := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	screen.ReadPixels(img.Pix)
	return img
}

func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// countColour counts the pixels of colour c in r.
func countColour(img *image.RGBA, r image.Rectangle, c color.RGBA) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

// diffPixels counts the pixels of r that differ between a and b.
func diffPixels(a, b *image.RGBA, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				n++
			}
		}
	}
	return n
}

func writeReadme(t *testing.T, name string, write func(path string) error) {
	if *readmeDir == "" {
		return
	}
	if err := os.MkdirAll(*readmeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(*readmeDir, name)
	if err := write(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, st.Size())
}
