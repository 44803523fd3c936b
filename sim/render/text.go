package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// monoBold is the parsed Go Mono Bold font, embedded in the binary.
var monoBold = sync.OnceValues(func() (*opentype.Font, error) {
	return opentype.Parse(gomonobold.TTF)
})

// glyph is a rasterised glyph: coverage quantised to 0..alphaLevels in a
// w×h box whose top-left corner is (x0, y0) from the pen position on the
// baseline.
type glyph struct {
	x0, y0, w, h int
	adv          int
	cov          []uint8
}

// face rasterises glyphs of one font size on demand and keeps them. It is
// safe for concurrent use.
type face struct {
	mu      sync.Mutex
	f       font.Face
	ascent  int // pixels from the top of a line box to the baseline
	height  int // line box height
	advance int // advance of one glyph (the font is monospaced)
	glyphs  map[rune]*glyph
}

func newFace(sizePx float64) (*face, error) {
	ft, err := monoBold()
	if err != nil {
		return nil, fmt.Errorf("render: parse Go Mono Bold: %w", err)
	}
	f, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: sizePx, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("render: font face at %gpx: %w", sizePx, err)
	}
	m := f.Metrics()
	adv, _ := f.GlyphAdvance('0')
	return &face{
		f:       f,
		ascent:  m.Ascent.Ceil(),
		height:  m.Ascent.Ceil() + m.Descent.Ceil(),
		advance: adv.Round(),
		glyphs:  map[rune]*glyph{},
	}, nil
}

// glyph returns the rasterised glyph of r ('?' if the font lacks it).
func (fc *face) glyph(r rune) *glyph {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.glyphLocked(r)
}

func (fc *face) glyphLocked(r rune) *glyph {
	if g, ok := fc.glyphs[r]; ok {
		return g
	}
	dr, mask, mp, adv, ok := fc.f.Glyph(fixed.Point26_6{}, r)
	if !ok {
		var g *glyph
		if r != '?' {
			g = fc.glyphLocked('?')
		}
		fc.glyphs[r] = g
		return g
	}
	g := &glyph{x0: dr.Min.X, y0: dr.Min.Y, w: dr.Dx(), h: dr.Dy(), adv: adv.Round()}
	g.cov = make([]uint8, g.w*g.h)
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA() // 0..0xffff
			g.cov[y*g.w+x] = uint8((a*alphaLevels + 0x7fff) / 0xffff)
		}
	}
	fc.glyphs[r] = g
	return g
}

// draw paints text with its line box's top-left corner at (x, y) and
// returns the x after the last glyph.
func (fc *face) draw(dst *image.RGBA, x, y int, text string, c color.RGBA) int {
	c.A = 0xff
	b := dst.Bounds()
	base := y + fc.ascent
	for _, r := range text {
		g := fc.glyph(r)
		if g == nil {
			continue
		}
		gx, gy := x+g.x0, base+g.y0
		for j := 0; j < g.h; j++ {
			py := gy + j
			if py < b.Min.Y || py >= b.Max.Y {
				continue
			}
			row := g.cov[j*g.w : (j+1)*g.w]
			for i, lv := range row {
				px := gx + i
				if lv == 0 || px < b.Min.X || px >= b.Max.X {
					continue
				}
				o := dst.PixOffset(px, py)
				p := dst.Pix[o : o+4 : o+4]
				out := blend(color.RGBA{R: p[0], G: p[1], B: p[2], A: 0xff}, c, lv)
				p[0], p[1], p[2], p[3] = out.R, out.G, out.B, 0xff
			}
		}
		x += g.adv
	}
	return x
}

func (fc *face) width(text string) int {
	w := 0
	for _, r := range text {
		if g := fc.glyph(r); g != nil {
			w += g.adv
		}
	}
	return w
}

// inkBox is the tight box of a glyph's non-zero coverage, relative to its
// mask, as floats for centring.
func (g *glyph) inkBox() (x0, y0, x1, y1 float64) {
	minX, minY, maxX, maxY := g.w, g.h, -1, -1
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			if g.cov[y*g.w+x] != 0 {
				minX, minY = min(minX, x), min(minY, y)
				maxX, maxY = max(maxX, x), max(maxY, y)
			}
		}
	}
	if maxX < 0 {
		return 0, 0, 0, 0
	}
	return float64(minX), float64(minY), float64(maxX + 1), float64(maxY + 1)
}

// hudFontSize is the automatic HUD font size for a frame height.
func hudFontSize(height int) float64 {
	return math.Round(math.Min(math.Max(float64(height)/30, 10), 22))
}
