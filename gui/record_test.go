//go:build cgo && guitest

package gui

import (
	"image"
	"os"
	"os/exec"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/policies/keyboard"
	"github.com/metabench/metabench/policies/replay"
	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/sim/render"
)

// TestRecordWithSyntheticKeys drives the recorder's window with key events
// from a scripted operator (keyboard.Autopilot, injected as the window's
// KeyState) through the one-stage task "ab" in real time, saves the episode
// into a dataset with Enter, and checks that the dataset replays.
func TestRecordWithSyntheticKeys(t *testing.T) {
	cfg := sim.DefaultConfig()
	task := stack.MustParse("ab")
	dir := t.TempDir()
	saver, err := testSaver(dir)
	if err != nil {
		t.Fatal(err)
	}
	var keys keyboard.KeySet
	rec, err := NewRecorder(RecordOptions{Task: task, Seed: 11, Saver: saver, Keys: &keys, Width: 640, Height: 400})
	if err != nil {
		t.Fatal(err)
	}
	// The recorder counts 60 ticks a second (a control step every 6 ticks);
	// let ebiten run them faster than real time.
	ebiten.SetTPS(600)
	defer ebiten.SetTPS(ebiten.DefaultTPS)

	ap := keyboard.NewAutopilot(task, cfg)
	sess := rec.Session()
	var (
		frames    []*image.RGBA
		lastStep  = -1
		ticks     int
		enter     bool
		checkShot bool
	)
	inWindow(t, rec, func(screen *ebiten.Image) bool {
		env := sess.Env()
		if screen != nil {
			if !checkShot && sess.Phase() == keyboard.Recording && env.Steps() > 20 {
				checkShot = true
				shot := screenshot(screen)
				if d := diffPixels(shot, rec.Frame(), shot.Bounds()); d != 0 {
					t.Errorf("screen differs from the composed frame in %d pixels", d)
				}
				text, _ := render.HUDColours()
				if c := countColour(shot, image.Rect(0, 0, 640/3, 80), text); c < 150 {
					t.Errorf("only %d HUD text pixels at the top left", c)
				}
			}
			return false
		}
		ticks++
		if s := env.Steps(); s != lastStep && (s%2 == 0 || sess.Phase() == keyboard.Ended) && sess.Saved == 0 {
			lastStep = s
			frames = append(frames, clone(rec.Compose()))
		}
		if sess.Saved > 0 {
			return true
		}
		ap.Next(env.State(), &keys)
		if sess.Phase() == keyboard.Ended {
			if env.Verdict() != stack.Success {
				t.Errorf("the episode ended %v", env.Verdict())
				return true
			}
			if !enter {
				keys.Press(keyboard.KeyEnter)
				enter = true
			}
		}
		return ticks > 20000
	})
	if sess.Saved != 1 {
		t.Fatalf("saved %d episodes in %d ticks (phase %v, message %q)", sess.Saved, ticks, sess.Phase(), sess.Message())
	}
	t.Logf("%d ticks; %s", ticks, sess.Message())
	// Hold the last frame (the verdict) for a second and a half.
	for range 15 {
		frames = append(frames, frames[len(frames)-1])
	}
	writeReadme(t, "record.gif", func(path string) error { return render.WriteGIFFile(path, frames, 20) })

	eps, err := testLoad(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 1 || eps[0].Source != demos.SourceHuman || eps[0].Outcome != "success" {
		t.Fatalf("dataset holds %d episodes: %+v", len(eps), eps)
	}
	if v, err := collect.Replay(eps[0], cfg); err != nil || v != stack.Success {
		t.Fatalf("replay: %v, %v", v, err)
	}
	if bin := os.Getenv("METABENCH_BIN"); bin != "" {
		out, err := exec.Command(bin, "demos", "replay", dir).CombinedOutput()
		if err != nil {
			t.Fatalf("metabench demos replay %s: %v\n%s", dir, err, out)
		}
		t.Logf("metabench demos replay: %s", out)
	}
}

func clone(img *image.RGBA) *image.RGBA {
	c := *img
	c.Pix = append([]byte(nil), img.Pix...)
	return &c
}

func testSaver(dir string) (keyboard.Saver, error) {
	return keyboard.NewDatasetSaver(dir, sim.DefaultConfig())
}

func testLoad(dir string) ([]*demos.Episode, error) { return replay.Load(dir, 0) }
