package render

import (
	"image/color"
	"sort"
)

// The renderer paints only opaque colours from a fixed set: the scene
// colours below, the block colours, the anti-aliasing ramps of text over
// its known backgrounds and the attention-halo ramp. Every one of them is
// in the GIF palette, so converting a frame to a GIF is an exact lookup.

func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

var (
	colSky        = rgb(0xf4f6f9)
	colGrid       = rgb(0xe7ebf0)
	colFloor      = rgb(0xd8d3ca)
	colFloorLine  = rgb(0x9c9488)
	colFloorHatch = rgb(0xc9c3b8)
	colTableTop   = rgb(0x9a7352)
	colTableLight = rgb(0xb38c69)
	colTableEdge  = rgb(0x5f4431)
	colTableLeg   = rgb(0x846144)
	colOutline    = rgb(0x1f2328)
	colArm        = rgb(0x8e99a4)
	colPalm       = rgb(0x56636f)
	colFinger     = rgb(0x3c4650)
	colHighlight  = rgb(0x111111)
	colHUDPlate   = rgb(0xffffff)
	colHUDBorder  = rgb(0xc3c9d1)
	colHUDText    = rgb(0x1d2530)
	colLetterDark = rgb(0x14181d)
	colLetterLite = rgb(0xffffff)
)

// blockColours are Paul Tol's "muted" qualitative scheme (designed to stay
// distinguishable under colour-vision deficiency) plus Okabe-Ito orange,
// ordered so that consecutive letters differ strongly.
var blockColours = [10]color.RGBA{
	rgb(0xcc6677), // a rose
	rgb(0x332288), // b indigo
	rgb(0xddcc77), // c sand
	rgb(0x117733), // d green
	rgb(0x88ccee), // e cyan
	rgb(0x882255), // f wine
	rgb(0x44aa99), // g teal
	rgb(0x999933), // h olive
	rgb(0xaa4499), // i purple
	rgb(0xe69f00), // j orange
}

// haloRamp is the attention-halo colour for weights quantised to
// 1..len(haloRamp) (weight 0 draws no halo).
var haloRamp = [4]color.RGBA{
	rgb(0xfdeecb),
	rgb(0xfad98d),
	rgb(0xf4bd52),
	rgb(0xe89b22),
}

// alphaLevels is the number of non-zero coverage levels a glyph pixel is
// quantised to. Level L of alphaLevels blends L/alphaLevels of the text
// colour over the background.
const alphaLevels = 4

// blend mixes fg over bg at coverage level/alphaLevels, in integer
// arithmetic so that the result is exact and reproducible.
func blend(bg, fg color.RGBA, level uint8) color.RGBA {
	if level >= alphaLevels {
		return fg
	}
	a := uint32(level)
	mix := func(b, f uint8) uint8 {
		return uint8((uint32(b)*(alphaLevels-a) + uint32(f)*a + alphaLevels/2) / alphaLevels)
	}
	return color.RGBA{R: mix(bg.R, fg.R), G: mix(bg.G, fg.G), B: mix(bg.B, fg.B), A: 0xff}
}

// letterColour picks the letter colour with the larger contrast on bg.
func letterColour(bg color.RGBA) color.RGBA {
	lin := func(v uint8) float64 {
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		// A cheap, monotone stand-in for the sRGB curve is enough to rank
		// two contrasts.
		return c * c * (0.6 + 0.4*c)
	}
	l := 0.2126*lin(bg.R) + 0.7152*lin(bg.G) + 0.0722*lin(bg.B)
	dark := (l + 0.05) / (0.0062 + 0.05)
	lite := 1.05 / (l + 0.05)
	if dark >= lite {
		return colLetterDark
	}
	return colLetterLite
}

// palette is the fixed GIF palette: every colour the renderer can paint.
var palette = buildPalette()

func buildPalette() color.Palette {
	seen := map[color.RGBA]bool{}
	var cols []color.RGBA
	add := func(c color.RGBA) {
		if !seen[c] {
			seen[c] = true
			cols = append(cols, c)
		}
	}
	for _, c := range []color.RGBA{
		colSky, colGrid, colFloor, colFloorLine, colFloorHatch, colTableTop, colTableLight, colTableEdge,
		colTableLeg, colOutline, colArm, colPalm, colFinger, colHighlight, colHUDPlate,
		colHUDBorder, colHUDText, colLetterDark, colLetterLite,
	} {
		add(c)
	}
	for _, c := range haloRamp {
		add(c)
	}
	for _, bg := range blockColours {
		add(bg)
		fg := letterColour(bg)
		for l := uint8(1); l <= alphaLevels; l++ {
			add(blend(bg, fg, l))
		}
	}
	for l := uint8(1); l <= alphaLevels; l++ {
		add(blend(colHUDPlate, colHUDText, l))
	}
	// Sort for a stable, readable order (the set is fixed anyway).
	sort.Slice(cols, func(i, j int) bool { return pack(cols[i]) < pack(cols[j]) })
	p := make(color.Palette, len(cols))
	for i, c := range cols {
		p[i] = c
	}
	if len(p) > 256 {
		panic("render: palette exceeds 256 colours")
	}
	return p
}

func pack(c color.RGBA) uint32 {
	return uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B)
}
