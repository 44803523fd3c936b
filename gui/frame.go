//go:build cgo

package gui

import (
	"image"
	"image/color"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/sim/render"
)

// canvas is the frame a game composes on the CPU with the shared renderer,
// and the GPU image it is copied to for the screen.
type canvas struct {
	r     *render.Renderer
	frame *image.RGBA
	img   *ebiten.Image
}

func newCanvas(cfg sim.Config, width, height int) *canvas {
	if width <= 0 || height <= 0 {
		width, height = 960, 600
	}
	return &canvas{
		r:     render.New(cfg, render.Options{Width: width, Height: height}),
		frame: image.NewRGBA(image.Rect(0, 0, width, height)),
		img:   ebiten.NewImage(width, height),
	}
}

func (c *canvas) size() (int, int) { return c.r.Size() }

// blit copies the composed frame to the screen, pixel for pixel (the game's
// layout is the frame size; ebiten scales it to the window).
func (c *canvas) blit(screen *ebiten.Image) {
	c.img.WritePixels(c.frame.Pix)
	screen.DrawImage(c.img, nil)
}

// corner is where a panel sits.
type corner int

const (
	topRight corner = iota
	bottomLeft
)

// panel draws lines of text on a plate in the heads-up style at a corner
// of the frame, wrapping lines wider than half the frame (bottom panels
// may use the whole width).
func (c *canvas) panel(at corner, lines []string) {
	if len(lines) == 0 {
		return
	}
	w, h := c.size()
	_, lh := c.r.TextSize("Ag")
	pad := max(lh/3, 3)
	maxW := w/2 - 2*pad
	if at == bottomLeft {
		maxW = w - 4*pad
	}
	var wrapped []string
	for _, l := range lines {
		wrapped = append(wrapped, wrap(c.r, l, maxW)...)
	}
	tw := 0
	for _, l := range wrapped {
		lw, _ := c.r.TextSize(l)
		tw = max(tw, lw)
	}
	pw, ph := tw+2*pad, len(wrapped)*lh+2*pad-pad/2
	x0, y0 := pad, h-pad-ph
	if at == topRight {
		x0, y0 = w-pad-pw, pad
	}
	text, plate := render.HUDColours()
	border := color.RGBA{R: 0xc3, G: 0xc9, B: 0xd1, A: 0xff} // the HUD plate's border
	fill(c.frame, image.Rect(x0, y0, x0+pw, y0+ph), border)
	fill(c.frame, image.Rect(x0+1, y0+1, x0+pw-1, y0+ph-1), plate)
	for k, l := range wrapped {
		c.r.DrawText(c.frame, x0+pad, y0+pad*3/4+k*lh, l, text)
	}
}

// wrap splits text at spaces into lines at most maxW pixels wide (a single
// word wider than that stays whole).
func wrap(r *render.Renderer, text string, maxW int) []string {
	if w, _ := r.TextSize(text); w <= maxW {
		return []string{text}
	}
	var out []string
	line := ""
	for _, word := range strings.Fields(text) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if w, _ := r.TextSize(try); w > maxW && line != "" {
			out = append(out, line)
			try = word
		}
		line = try
	}
	return append(out, line)
}

func fill(dst *image.RGBA, r image.Rectangle, col color.RGBA) {
	r = r.Intersect(dst.Bounds())
	px := [4]byte{col.R, col.G, col.B, col.A}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			copy(row[i:i+4], px[:])
		}
	}
}
