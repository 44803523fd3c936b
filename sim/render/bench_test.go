package render

import (
	"bytes"
	"image"
	"testing"

	"github.com/metabench/metabench/sim"
)

// BenchmarkDraw measures one 640×400 frame of the 10-block demo scene with
// a heads-up overlay, attention halos and highlights.
func BenchmarkDraw(b *testing.B) {
	cfg := sim.DefaultConfig()
	r := New(cfg, Options{Width: 640, Height: 400})
	s := demoState(cfg)
	ov := demoOverlay()
	ov.BlockWeights = []float64{0.05, 0.6, 0, 0.9, 0, 0.02, 0, 0.3, 0, 0}
	ov.Highlight = []int{7, 1}
	dst := image.NewRGBA(image.Rect(0, 0, 640, 400))
	r.Draw(dst, s, ov) // warm the glyph cache
	b.ReportAllocs()
	for b.Loop() {
		r.Draw(dst, s, ov)
	}
}

// BenchmarkDrawPlain is BenchmarkDraw without any overlay.
func BenchmarkDrawPlain(b *testing.B) {
	cfg := sim.DefaultConfig()
	r := New(cfg, Options{Width: 640, Height: 400})
	s := demoState(cfg)
	dst := image.NewRGBA(image.Rect(0, 0, 640, 400))
	b.ReportAllocs()
	for b.Loop() {
		r.Draw(dst, s, nil)
	}
}

// BenchmarkWriteGIF measures GIF encoding per frame of a short rollout in
// which the gripper moves.
func BenchmarkWriteGIF(b *testing.B) {
	cfg := sim.DefaultConfig()
	r := New(cfg, Options{Width: 640, Height: 400})
	frames := movingFrames(r, cfg, 20)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WriteGIF(&buf, frames, 10); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/frame")
	b.ReportMetric(float64(buf.Len())/float64(len(frames)), "B/frame")
}

// movingFrames renders n frames of the demo scene with the gripper and its
// block travelling to the right.
func movingFrames(r *Renderer, cfg sim.Config, n int) []*image.RGBA {
	frames := make([]*image.RGBA, n)
	for k := range frames {
		s := demoState(cfg)
		dx := 0.15 * float64(k)
		s.Gripper.X += dx
		s.Blocks[7].X += dx
		s.Step += k
		frames[k] = r.Frame(s, demoOverlay())
	}
	return frames
}
