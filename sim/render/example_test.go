package render_test

import (
	"fmt"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/sim/render"
)

// Draw a two-block tower with the gripper above it and save it as a PNG.
func Example() {
	cfg := sim.DefaultConfig()
	r := render.New(cfg, render.Options{Width: 640, Height: 400})
	s := sim.State{
		Blocks: []sim.BodyState{
			{X: 0, Y: 0.5}, // a, on the table
			{X: 0, Y: 1.5}, // b, on a
		},
		Gripper: sim.GripperState{X: 0, Y: 4, Held: -1},
	}
	img := r.Frame(s, &render.Overlay{Lines: []string{"task ba", "stage 1/1"}})

	dir, err := os.MkdirTemp("", "render-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tower.png")
	if err := render.WritePNG(path, img); err != nil {
		log.Fatal(err)
	}

	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfgPNG, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s: %dx%d\n", filepath.Base(path), cfgPNG.Width, cfgPNG.Height)
	// Output: wrote tower.png: 640x400
}
