// Package render draws a block-stacking world state (package sim) as a
// side-view picture in pure Go.
//
// It is the one renderer of metabench: the headless PNG and GIF output and
// the interactive window (which copies the frame into its screen) draw the
// same pixels for the same state. Drawing is deterministic: the same
// configuration, options, state and overlay always give the same bytes.
//
// The picture uses world units of one block edge with y pointing up. The
// table top is the segment y = 0, |x| <= TableHalfWidth; blocks that fell
// lie on the floor at y = FloorY; the gripper hangs from an arm that runs
// to the top of the frame. The view always contains x in
// [-(GripperMaxX+1), GripperMaxX+1] and y in [FloorY-0.5, GripperMaxY+1],
// scaled to the frame size with square pixels; spare height goes to the
// top (where the heads-up text sits), spare width to both sides.
//
// Every colour the renderer paints, including the anti-aliasing of its
// text, comes from a fixed palette, so WriteGIF converts frames exactly.
package render

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/metabench/metabench/sim"
)

// Options sets the frame size and the text size.
type Options struct {
	Width, Height int     // frame size in pixels; zero means 640×400
	FontSize      float64 // heads-up text size in pixels; zero picks one from Height
}

// Overlay is optional information drawn over the scene.
type Overlay struct {
	// Lines are heads-up text lines drawn top-left on a plate (task spec,
	// stage, step, policy, verdict...).
	Lines []string
	// BlockWeights are per-block weights in [0, 1], e.g. a learned policy's
	// attention over blocks. Each block with a positive weight gets a halo
	// whose width and colour grow with the weight. Missing entries count
	// as zero.
	BlockWeights []float64
	// Highlight lists blocks to ring, e.g. the current source and target.
	Highlight []int
}

// Renderer draws states of one world configuration at one frame size. It
// holds a pre-drawn background and rasterised glyphs; Draw does not
// allocate. A Renderer may be used by several goroutines at once, each
// drawing into its own image.
type Renderer struct {
	cfg           sim.Config
	w, h          int
	scale, ox, oy float64 // pixel x = ox + scale*x, pixel y = oy - scale*y
	outline       float64 // block outline width in world units
	bg            []byte  // background, w*h*4 bytes, stride 4w

	hud     *face
	letters [sim.MaxBlocks]letterGlyph
}

// letterGlyph is a block letter with the centre of its ink in mask pixels.
type letterGlyph struct {
	g      *glyph
	cx, cy float64
}

// New returns a renderer for worlds of configuration cfg. It panics only
// if the embedded font cannot be loaded.
func New(cfg sim.Config, opt Options) *Renderer {
	if opt.Width <= 0 || opt.Height <= 0 {
		opt.Width, opt.Height = 640, 400
	}
	r := &Renderer{cfg: cfg, w: opt.Width, h: opt.Height}

	// The world window and its fit into the frame.
	const margin = 0.25
	x1 := cfg.GripperMaxX + 1 + margin
	y0 := cfg.FloorY - 0.5 - margin
	y1 := cfg.GripperMaxY + 1 + margin
	r.scale = math.Min(float64(r.w)/(2*x1), float64(r.h)/(y1-y0))
	r.ox = float64(r.w) / 2
	r.oy = float64(r.h) + y0*r.scale // y0 sits on the bottom edge
	r.outline = math.Max(1, math.Round(r.scale*0.05)) / r.scale

	size := opt.FontSize
	if size <= 0 {
		size = hudFontSize(r.h)
	}
	var err error
	if r.hud, err = newFace(size); err != nil {
		panic(err)
	}
	if r.scale >= 8 {
		lf, err := newFace(math.Round(r.scale * 0.8))
		if err != nil {
			panic(err)
		}
		for i := range r.letters {
			g := lf.glyph(rune('a' + i))
			x0, y0, x1, y1 := g.inkBox()
			r.letters[i] = letterGlyph{g: g, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2}
		}
	}
	r.drawBackground()
	return r
}

// Size returns the frame size in pixels.
func (r *Renderer) Size() (width, height int) { return r.w, r.h }

// WorldToPixel maps a world point to continuous frame coordinates (pixel
// (i, j) covers [i, i+1) × [j, j+1)).
func (r *Renderer) WorldToPixel(x, y float64) (px, py float64) {
	return r.ox + r.scale*x, r.oy - r.scale*y
}

// Scale returns the number of pixels per world unit (one block edge).
func (r *Renderer) Scale() float64 { return r.scale }

// Frame draws s into a new image of the renderer's size.
func (r *Renderer) Frame(s sim.State, ov *Overlay) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, r.w, r.h))
	r.Draw(img, s, ov)
	return img
}

// Draw draws s, and ov if it is not nil, over the whole of dst, whose
// bounds must be Width×Height (they need not start at the origin). It
// panics if they are not.
func (r *Renderer) Draw(dst *image.RGBA, s sim.State, ov *Overlay) {
	b := dst.Bounds()
	if b.Dx() != r.w || b.Dy() != r.h {
		panic(fmt.Sprintf("render: destination is %dx%d, renderer draws %dx%d", b.Dx(), b.Dy(), r.w, r.h))
	}
	c := canvas{pix: dst.Pix[dst.PixOffset(b.Min.X, b.Min.Y):], stride: dst.Stride, w: r.w, h: r.h}
	for y := 0; y < r.h; y++ {
		copy(c.pix[y*c.stride:y*c.stride+4*r.w], r.bg[y*4*r.w:(y+1)*4*r.w])
	}
	if ov == nil {
		ov = &Overlay{}
	}

	for i, bs := range s.Blocks {
		if i < len(ov.BlockWeights) {
			r.drawHalo(&c, bs, ov.BlockWeights[i])
		}
	}
	for i, bs := range s.Blocks {
		r.drawBlock(&c, i, bs)
	}
	for _, i := range ov.Highlight {
		if i >= 0 && i < len(s.Blocks) {
			r.drawRing(&c, s.Blocks[i])
		}
	}
	r.drawGripper(&c, s.Gripper)
	if len(ov.Lines) > 0 {
		r.drawHUD(dst, ov.Lines)
	}
}

// DrawText draws one line of text in the heads-up font with the top-left
// corner of its line box at (x, y) in dst's coordinates, clipped to dst,
// and returns the x just after it. Text in the HUD text colour on the HUD
// plate colour (see HUDColours) stays within the GIF palette; other
// colours are matched to the nearest palette colour by WriteGIF.
func (r *Renderer) DrawText(dst *image.RGBA, x, y int, text string, c color.RGBA) int {
	return r.hud.draw(dst, x, y, text, c)
}

// HUDColours returns the colours of the heads-up text and of the plate
// behind it, for drawing further text that matches the overlay.
func HUDColours() (text, plate color.RGBA) { return colHUDText, colHUDPlate }

// TextSize returns the width of text and the height of a line box in the
// heads-up font.
func (r *Renderer) TextSize(text string) (width, height int) {
	return r.hud.width(text), r.hud.height
}

// canvas is the frame's pixels with the origin at the frame's top-left.
type canvas struct {
	pix    []byte
	stride int
	w, h   int
}

// fillPoly fills the convex polygon pts (pixel coordinates) with col: a
// pixel is painted when its centre lies inside (a half-open rule on the
// edges, so polygons that share an edge never overlap or leave a gap).
func (c *canvas) fillPoly(pts []point, col color.RGBA) {
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		minY, maxY = math.Min(minY, p.y), math.Max(maxY, p.y)
	}
	if !(minY < maxY) { // also rejects NaN
		return
	}
	j0 := max(int(math.Ceil(minY-0.5)), 0)
	j1 := min(int(math.Ceil(maxY-0.5)), c.h) // exclusive
	for j := j0; j < j1; j++ {
		yc := float64(j) + 0.5
		xl, xr := math.Inf(1), math.Inf(-1)
		for k := range pts {
			a, b := pts[k], pts[(k+1)%len(pts)]
			if (a.y <= yc) == (b.y <= yc) {
				continue
			}
			x := a.x + (yc-a.y)*(b.x-a.x)/(b.y-a.y)
			xl, xr = math.Min(xl, x), math.Max(xr, x)
		}
		if !(xl < xr) {
			continue
		}
		c.span(j, xl, xr, col)
	}
}

// span paints the pixels of row j whose centres lie in [xl, xr).
func (c *canvas) span(j int, xl, xr float64, col color.RGBA) {
	i0 := int(math.Max(math.Ceil(xl-0.5), 0))
	i1 := int(math.Min(math.Ceil(xr-0.5), float64(c.w)))
	if i0 >= i1 {
		return
	}
	row := c.pix[j*c.stride+4*i0 : j*c.stride+4*i1]
	row[0], row[1], row[2], row[3] = col.R, col.G, col.B, 0xff
	for n := 4; n < len(row); n *= 2 { // fill by doubling copies
		copy(row[n:], row[:n])
	}
}

type point struct{ x, y float64 }

// rect fills the world-axis-aligned rectangle [x0, x1] × [y0, y1].
func (r *Renderer) rect(c *canvas, x0, y0, x1, y1 float64, col color.RGBA) {
	px0, py1 := r.WorldToPixel(x0, y0)
	px1, py0 := r.WorldToPixel(x1, y1)
	if !(py0 < py1) || !(px0 < px1) {
		return
	}
	j0 := max(int(math.Ceil(py0-0.5)), 0)
	j1 := min(int(math.Ceil(py1-0.5)), c.h)
	for j := j0; j < j1; j++ {
		c.span(j, px0, px1, col)
	}
}

// boxedRect fills a rectangle with an outline of t world units inside it.
func (r *Renderer) boxedRect(c *canvas, x0, y0, x1, y1, t float64, fill, line color.RGBA) {
	r.rect(c, x0, y0, x1, y1, line)
	r.rect(c, x0+t, y0+t, x1-t, y1-t, fill)
}

// pose is a block's placement: centre and rotation.
type pose struct{ x, y, cos, sin float64 }

func poseOf(b sim.BodyState) (pose, bool) {
	if math.IsNaN(b.X+b.Y+b.Angle) || math.IsInf(b.X+b.Y+b.Angle, 0) {
		return pose{}, false
	}
	s, c := math.Sincos(b.Angle)
	return pose{x: b.X, y: b.Y, cos: c, sin: s}, true
}

// localRect fills the rectangle [u0, u1] × [v0, v1] of the block frame p.
func (r *Renderer) localRect(c *canvas, p pose, u0, u1, v0, v1 float64, col color.RGBA) {
	var pts [4]point
	for k, uv := range [4][2]float64{{u0, v0}, {u1, v0}, {u1, v1}, {u0, v1}} {
		wx := p.x + uv[0]*p.cos - uv[1]*p.sin
		wy := p.y + uv[0]*p.sin + uv[1]*p.cos
		pts[k].x, pts[k].y = r.WorldToPixel(wx, wy)
	}
	c.fillPoly(pts[:], col)
}

func (r *Renderer) drawBlock(c *canvas, i int, b sim.BodyState) {
	p, ok := poseOf(b)
	if !ok {
		return
	}
	fill := blockColours[i%len(blockColours)]
	r.localRect(c, p, -0.5, 0.5, -0.5, 0.5, colOutline)
	in := 0.5 - r.outline
	r.localRect(c, p, -in, in, -in, in, fill)
	if i < len(r.letters) && r.letters[i].g != nil {
		r.drawLetter(c, p, r.letters[i], fill, letterColour(fill))
	}
}

// drawLetter paints a block's letter, rotated with the block, by sampling
// the glyph mask at each pixel centre mapped into the block frame. An
// upright block maps pixels one-to-one onto the mask.
func (r *Renderer) drawLetter(c *canvas, p pose, lg letterGlyph, bg, fg color.RGBA) {
	g := lg.g
	cx, cy := r.WorldToPixel(p.x, p.y)
	rad := math.Hypot(float64(g.w), float64(g.h))/2 + 1
	j0 := max(int(cy-rad), 0)
	j1 := min(int(cy+rad)+1, c.h)
	i0 := max(int(cx-rad), 0)
	i1 := min(int(cx+rad)+1, c.w)
	var ramp [alphaLevels + 1]color.RGBA
	for l := range ramp {
		ramp[l] = blend(bg, fg, uint8(l))
	}
	for j := j0; j < j1; j++ {
		dy := cy - (float64(j) + 0.5) // pixels, world-up
		row := c.pix[j*c.stride:]
		for i := i0; i < i1; i++ {
			dx := float64(i) + 0.5 - cx
			// Rotate the offset by -angle into the block frame (pixels).
			u := dx*p.cos + dy*p.sin
			v := -dx*p.sin + dy*p.cos
			mx := math.Floor(lg.cx + u)
			my := math.Floor(lg.cy - v)
			if mx < 0 || my < 0 || mx >= float64(g.w) || my >= float64(g.h) {
				continue
			}
			lv := g.cov[int(my)*g.w+int(mx)]
			if lv == 0 {
				continue
			}
			col := ramp[lv]
			o := 4 * i
			row[o], row[o+1], row[o+2], row[o+3] = col.R, col.G, col.B, 0xff
		}
	}
}

// drawHalo paints the attention halo of a block with weight w.
func (r *Renderer) drawHalo(c *canvas, b sim.BodyState, w float64) {
	if !(w > 0) {
		return
	}
	w = math.Min(w, 1)
	p, ok := poseOf(b)
	if !ok {
		return
	}
	level := min(int(math.Ceil(w*float64(len(haloRamp)))), len(haloRamp)) - 1
	e := 0.5 + 0.05 + 0.17*w
	r.localRect(c, p, -e, e, -e, e, haloRamp[level])
}

// drawRing rings a highlighted block, leaving a small gap.
func (r *Renderer) drawRing(c *canvas, b sim.BodyState) {
	p, ok := poseOf(b)
	if !ok {
		return
	}
	px := 1 / r.scale
	a := 0.5 + math.Max(0.04, 1.5*px)
	t := math.Max(0.09, 2*px)
	r.localRect(c, p, -a-t, a+t, a, a+t, colHighlight)
	r.localRect(c, p, -a-t, a+t, -a-t, -a, colHighlight)
	r.localRect(c, p, -a-t, -a, -a, a, colHighlight)
	r.localRect(c, p, a, a+t, -a, a, colHighlight)
}

// drawGripper draws the arm, the palm above the grasp point and the two
// fingers: spread when open, against the block sides when closed on a
// block, further in when closed on nothing.
func (r *Renderer) drawGripper(c *canvas, g sim.GripperState) {
	if math.IsNaN(g.X+g.Y) || math.IsInf(g.X+g.Y, 0) {
		return
	}
	pw, ph := r.cfg.PalmWidth, r.cfg.PalmHeight
	if pw <= 0 {
		pw = 0.9
	}
	if ph <= 0 {
		ph = 0.25
	}
	t := r.outline
	x, y := g.X, g.Y
	top := y + ph
	_, viewTop := r.pixelToWorld(0, 0)

	// Arm, with a wrist block where it meets the palm.
	armW := math.Max(0.08, 3/r.scale)
	r.boxedRect(c, x-armW, top, x+armW, viewTop+1, t, colArm, colOutline)
	r.boxedRect(c, x-0.18, top-t, x+0.18, top+0.16, t, colFinger, colOutline)

	// Fingers.
	inner := 0.75
	if g.Closed {
		inner = 0.5
		if g.Held < 0 {
			inner = 0.3
		}
	}
	fw := 0.15
	reach := 0.55 // below the grasp point
	for _, side := range []float64{-1, 1} {
		a, b := x+side*inner, x+side*(inner+fw)
		x0, x1 := math.Min(a, b), math.Max(a, b)
		// Bar from the palm's centre out to the finger.
		bx0, bx1 := math.Min(x, x0), math.Max(x, x1)
		r.boxedRect(c, bx0, y+ph*0.3, bx1, y+ph*0.8, t, colFinger, colOutline)
		r.boxedRect(c, x0, y-reach, x1, y+ph*0.8, t, colFinger, colOutline)
	}
	r.boxedRect(c, x-pw/2, y, x+pw/2, top, t, colPalm, colOutline)
}

func (r *Renderer) pixelToWorld(px, py float64) (x, y float64) {
	return (px - r.ox) / r.scale, (r.oy - py) / r.scale
}

// drawHUD draws the overlay lines on a plate at the top-left.
func (r *Renderer) drawHUD(dst *image.RGBA, lines []string) {
	fc := r.hud
	pad := max(fc.height/3, 3)
	w := 0
	for _, l := range lines {
		w = max(w, fc.width(l))
	}
	b := dst.Bounds()
	x0, y0 := b.Min.X+pad, b.Min.Y+pad
	pw, ph := w+2*pad, len(lines)*fc.height+2*pad-pad/2
	c := canvas{pix: dst.Pix[dst.PixOffset(b.Min.X, b.Min.Y):], stride: dst.Stride, w: r.w, h: r.h}
	fx0, fy0 := float64(x0-b.Min.X), float64(y0-b.Min.Y)
	for j := int(fy0); j < min(int(fy0)+ph, r.h); j++ {
		col := colHUDPlate
		if j == int(fy0) || j == int(fy0)+ph-1 {
			col = colHUDBorder
		}
		c.span(j, fx0, fx0+float64(pw), col)
		c.span(j, fx0, fx0+1, colHUDBorder)
		c.span(j, fx0+float64(pw)-1, fx0+float64(pw), colHUDBorder)
	}
	for k, l := range lines {
		fc.draw(dst, x0+pad, y0+pad*3/4+k*fc.height, l, colHUDText)
	}
}

// drawBackground paints the static scene: sky, grid, floor and table.
func (r *Renderer) drawBackground() {
	r.bg = make([]byte, 4*r.w*r.h)
	c := canvas{pix: r.bg, stride: 4 * r.w, w: r.w, h: r.h}
	cfg := r.cfg
	for j := 0; j < r.h; j++ {
		c.span(j, 0, float64(r.w), colSky)
	}
	// Unit grid above the floor, one pixel wide.
	xw0, yw1 := r.pixelToWorld(0, 0)
	xw1, _ := r.pixelToWorld(float64(r.w), 0)
	_, floorPy := r.WorldToPixel(0, cfg.FloorY)
	for gx := math.Ceil(xw0); gx <= xw1; gx++ {
		px, _ := r.WorldToPixel(gx, 0)
		i := int(math.Floor(px))
		for j := 0; j < int(floorPy) && j < r.h; j++ {
			c.span(j, float64(i), float64(i+1), colGrid)
		}
	}
	for gy := math.Ceil(cfg.FloorY); gy <= yw1; gy++ {
		_, py := r.WorldToPixel(0, gy)
		j := int(math.Floor(py))
		if j >= 0 && j < r.h {
			c.span(j, 0, float64(r.w), colGrid)
		}
	}

	// Floor: a band below FloorY with a firm top line and light hatching.
	big := 2 * (xw1 - xw0 + 10)
	r.rect(&c, -big, cfg.FloorY-big, big, cfg.FloorY, colFloor)
	line := math.Max(2, math.Round(r.scale*0.08)) / r.scale
	r.rect(&c, -big, cfg.FloorY-line, big, cfg.FloorY, colFloorLine)
	step := math.Max(6, math.Round(r.scale*0.5))
	fl := int(math.Ceil(floorPy - 0.5 + line*r.scale))
	for j := fl; j < r.h; j++ {
		for i := 0; i < r.w; i++ {
			if math.Mod(float64(i+j), step) == 0 {
				c.span(j, float64(i), float64(i+1), colFloorHatch)
			}
		}
	}

	// Table: a slab under the top segment and two legs down to the floor.
	t := r.outline
	hw := cfg.TableHalfWidth
	slab := 0.3
	legW := 0.3
	legIn := 0.45
	for _, side := range []float64{-1, 1} {
		a := side * (hw - legIn)
		b := side * (hw - legIn - legW)
		r.boxedRect(&c, math.Min(a, b), cfg.FloorY, math.Max(a, b), -slab+t, t, colTableLeg, colTableEdge)
	}
	r.boxedRect(&c, -hw, -slab, hw, 0, t, colTableTop, colTableEdge)
	r.rect(&c, -hw+t, -t-1/r.scale, hw-t, -t, colTableLight)
}
