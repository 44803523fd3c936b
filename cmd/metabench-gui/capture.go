//go:build cgo

package main

import (
	"image"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/metabench/metabench/sim/render"
)

// capture wraps a game to end it after a number of frames, saving the
// last one as a PNG: for smoke tests and README pictures.
type capture struct {
	ebiten.Game
	frames int    // end after this many frames; 0: never
	path   string // save the last frame here; "": do not
	n      int
	err    error
}

func (c *capture) Update() error {
	if c.frames > 0 && c.n >= c.frames {
		return ebiten.Termination
	}
	return c.Game.Update()
}

func (c *capture) Draw(screen *ebiten.Image) {
	c.Game.Draw(screen)
	c.n++
	if c.n == c.frames && c.path != "" {
		b := screen.Bounds()
		img := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		screen.ReadPixels(img.Pix)
		c.err = render.WritePNG(c.path, img)
	}
}
