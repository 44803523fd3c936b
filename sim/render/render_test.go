package render

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/metabench/metabench/sim"
)

const testW, testH = 640, 400

func newTestRenderer(t testing.TB) (*Renderer, sim.Config) {
	t.Helper()
	cfg := sim.DefaultConfig()
	return New(cfg, Options{Width: testW, Height: testH}), cfg
}

// at returns the colour of the pixel containing the world point (x, y).
func at(r *Renderer, img *image.RGBA, x, y float64) color.RGBA {
	px, py := r.WorldToPixel(x, y)
	return img.RGBAAt(int(math.Floor(px)), int(math.Floor(py)))
}

// oneBlock is a state holding only block i at (x, y, angle); the gripper is
// parked high up at the right, away from it.
func oneBlock(cfg sim.Config, i int, x, y, angle float64) sim.State {
	s := sim.State{Blocks: make([]sim.BodyState, i+1), Gripper: sim.GripperState{X: cfg.GripperMaxX, Y: cfg.GripperMaxY, Held: -1}}
	for k := range s.Blocks {
		s.Blocks[k] = sim.BodyState{X: math.NaN(), Y: math.NaN()} // not drawn
	}
	s.Blocks[i] = sim.BodyState{X: x, Y: y, Angle: angle}
	return s
}

func TestBlockColourAtItsPosition(t *testing.T) {
	r, cfg := newTestRenderer(t)
	cases := []struct {
		name  string
		index int
		x, y  float64
	}{
		{"a on table centre", 0, 0, 0.5},
		{"c on table left", 2, -5.3, 0.5},
		{"e on a tower", 4, 3.25, 2.5},
		{"j on table right edge", 9, cfg.TableHalfWidth - 0.5, 0.5},
		{"f on the floor", 5, cfg.TableHalfWidth + 1.2, cfg.FloorY + 0.5},
		{"h high up", 7, -7.5, 9.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := r.Frame(oneBlock(cfg, tc.index, tc.x, tc.y, 0), nil)
			want := blockColours[tc.index]
			// Off-centre points inside the block, clear of the letter.
			for _, d := range [][2]float64{{-0.36, -0.36}, {0.36, 0.36}, {-0.36, 0.36}, {0.36, -0.36}} {
				if got := at(r, img, tc.x+d[0], tc.y+d[1]); got != want {
					t.Errorf("block pixel at offset %v = %v, want %v", d, got, want)
				}
			}
			// Just outside the block there is no block colour.
			for _, d := range [][2]float64{{-0.6, 0}, {0.6, 0}, {0, 0.6}} {
				if got := at(r, img, tc.x+d[0], tc.y+d[1]); got == want {
					t.Errorf("pixel outside the block at offset %v has the block colour", d)
				}
			}
			// The table top is table-coloured away from the block.
			tx := -tc.x / 2
			if math.Abs(tx-tc.x) < 1 {
				tx = tc.x + 3
			}
			if got := at(r, img, tx, -0.15); got != colTableTop {
				t.Errorf("table at x=%g = %v, want %v", tx, got, colTableTop)
			}
		})
	}
}

func TestBlocksAreDistinctlyColoured(t *testing.T) {
	seen := map[color.RGBA]int{}
	for i, c := range blockColours {
		if j, ok := seen[c]; ok {
			t.Fatalf("blocks %d and %d share colour %v", j, i, c)
		}
		seen[c] = i
	}
}

func TestRotatedBlockCoversRotatedCorners(t *testing.T) {
	r, cfg := newTestRenderer(t)
	for _, angle := range []float64{math.Pi / 4, 0.35, -0.6, 2.0} {
		x, y := 2.0, 3.0
		img := r.Frame(oneBlock(cfg, 3, x, y, angle), nil)
		sin, cos := math.Sincos(angle)
		want := blockColours[3]
		for _, c := range [][2]float64{{0.42, 0.42}, {-0.42, 0.42}, {0.42, -0.42}, {-0.42, -0.42}} {
			wx := x + c[0]*cos - c[1]*sin
			wy := y + c[0]*sin + c[1]*cos
			if got := at(r, img, wx, wy); got != want {
				t.Errorf("angle %g: rotated corner %v at (%.2f, %.2f) = %v, want block colour", angle, c, wx, wy, got)
			}
		}
		if angle == math.Pi/4 {
			// The corners of the upright square are outside the diamond.
			for _, c := range [][2]float64{{0.45, 0.45}, {-0.45, 0.45}, {0.45, -0.45}, {-0.45, -0.45}} {
				if got := at(r, img, x+c[0], y+c[1]); got != colSky && got != colGrid {
					t.Errorf("upright corner %v of a 45° block = %v, want background", c, got)
				}
			}
		}
	}
}

func TestFillIsSolid(t *testing.T) {
	// Every pixel whose centre lies well inside the rotated square is
	// painted: no holes along the scanlines.
	r, cfg := newTestRenderer(t)
	x, y, angle := -1.3, 4.7, 0.52
	s := oneBlock(cfg, 6, x, y, angle)
	img := r.Frame(s, nil)
	sin, cos := math.Sincos(angle)
	out := 0
	for j := 0; j < testH; j++ {
		for i := 0; i < testW; i++ {
			wx, wy := r.pixelToWorld(float64(i)+0.5, float64(j)+0.5)
			dx, dy := wx-x, wy-y
			u, v := dx*cos+dy*sin, -dx*sin+dy*cos
			inside := math.Abs(u) < 0.5-1.5/r.Scale() && math.Abs(v) < 0.5-1.5/r.Scale()
			c := img.RGBAAt(i, j)
			isBlock := c == blockColours[6] || c == colOutline || isLetterPixel(c, 6)
			if inside && !isBlock {
				t.Fatalf("pixel (%d, %d) inside the block is %v", i, j, c)
			}
			outside := math.Abs(u) > 0.5+1/r.Scale() || math.Abs(v) > 0.5+1/r.Scale()
			if outside && isBlock && c != colOutline {
				out++
			}
		}
	}
	if out > 0 {
		t.Errorf("%d block pixels outside the block", out)
	}
}

// isLetterPixel reports whether c is the letter colour of block i or one of
// its anti-aliasing shades.
func isLetterPixel(c color.RGBA, i int) bool {
	bg := blockColours[i]
	for l := uint8(1); l <= alphaLevels; l++ {
		if c == blend(bg, letterColour(bg), l) {
			return true
		}
	}
	return false
}

func TestLettersAreDrawnInsideBlocks(t *testing.T) {
	r, cfg := newTestRenderer(t)
	masks := map[string]int{}
	for i := range blockColours {
		x, y := -4+float64(i), 0.5
		img := r.Frame(oneBlock(cfg, i, x, y, 0), nil)
		bg := blockColours[i]
		fg := letterColour(bg)
		lum := func(c color.RGBA) int { return 299*int(c.R) + 587*int(c.G) + 114*int(c.B) }
		var mask []byte
		ink := 0
		for v := 0.4; v > -0.4; v -= 0.5 / r.Scale() {
			for u := -0.4; u < 0.4; u += 0.5 / r.Scale() {
				c := at(r, img, x+u, y+v)
				on := c != bg
				if on {
					if !isLetterPixel(c, i) {
						t.Fatalf("block %c: pixel %v inside the block is neither block nor letter colour", 'a'+i, c)
					}
					if c == fg {
						ink++
					}
					// Dark letters darken, light letters lighten.
					if (lum(fg) < lum(bg)) != (lum(c) < lum(bg)) {
						t.Fatalf("block %c: letter pixel %v does not contrast with %v", 'a'+i, c, bg)
					}
				}
				mask = append(mask, map[bool]byte{false: '.', true: '#'}[on])
			}
		}
		if ink < 10 {
			t.Errorf("block %c: only %d full letter pixels", 'a'+i, ink)
		}
		if j, dup := masks[string(mask)]; dup {
			t.Errorf("blocks %c and %c have the same letter image", 'a'+j, 'a'+i)
		}
		masks[string(mask)] = i
	}
}

func TestDarkLetterOnLightBlock(t *testing.T) {
	// Block c (sand) is light: its letter is drawn in the dark letter colour.
	r, cfg := newTestRenderer(t)
	img := r.Frame(oneBlock(cfg, 2, 0, 0.5, 0), nil)
	px, py := r.WorldToPixel(0, 0.5)
	dark := 0
	for j := int(py) - 8; j < int(py)+8; j++ {
		for i := int(px) - 8; i < int(px)+8; i++ {
			if img.RGBAAt(i, j) == colLetterDark {
				dark++
			}
		}
	}
	if dark < 10 {
		t.Errorf("%d dark letter pixels in block c, want at least 10", dark)
	}
}

func TestGripperOpenAndClosedDiffer(t *testing.T) {
	r, cfg := newTestRenderer(t)
	gx, gy := -2.0, 6.0
	state := func(closed bool, held int) sim.State {
		s := sim.State{Gripper: sim.GripperState{X: gx, Y: gy, Closed: closed, Held: held}}
		if held >= 0 {
			s.Blocks = []sim.BodyState{{X: gx, Y: gy - 0.5}}
		}
		return s
	}
	open := r.Frame(state(false, -1), nil)
	closed := r.Frame(state(true, -1), nil)
	holding := r.Frame(state(true, 0), nil)

	// The palm sits above the grasp point and is the same in all three.
	for _, img := range []*image.RGBA{open, closed, holding} {
		if got := at(r, img, gx+0.2, gy+cfg.PalmHeight/2); got != colPalm {
			t.Errorf("palm pixel = %v, want %v", got, colPalm)
		}
		// The arm runs up to the top of the frame.
		px, _ := r.WorldToPixel(gx, 0)
		if got := img.RGBAAt(int(px), 0); got != colArm {
			t.Errorf("arm at the top of the frame = %v, want %v", got, colArm)
		}
	}
	// An open finger hangs out at 0.75..0.9; a closed one is further in.
	fingerY := gy - 0.3
	isFinger := func(img *image.RGBA, x float64) bool {
		c := at(r, img, x, fingerY)
		return c == colFinger || c == colOutline
	}
	if !isFinger(open, gx+0.82) || !isFinger(open, gx-0.82) {
		t.Error("open gripper has no finger at the open position")
	}
	if isFinger(closed, gx+0.82) || isFinger(holding, gx+0.82) {
		t.Error("closed gripper still has a finger at the open position")
	}
	if !isFinger(closed, gx-0.37) || !isFinger(closed, gx+0.37) {
		t.Error("closed empty gripper has no finger at 0.3..0.45")
	}
	if isFinger(open, gx+0.37) {
		t.Error("open gripper has a finger at the closed position")
	}
	if !isFinger(holding, gx+0.57) || !isFinger(holding, gx-0.57) {
		t.Error("gripper holding a block has no fingers against its sides")
	}
	if bytes.Equal(open.Pix, closed.Pix) {
		t.Error("open and closed gripper draw the same picture")
	}
}

func TestOverlayText(t *testing.T) {
	r, cfg := newTestRenderer(t)
	s := demoState(cfg)
	plain := r.Frame(s, nil)
	withText := r.Frame(s, &Overlay{Lines: []string{"task ab cde", "stage 1/3"}})
	w, h := r.TextSize("task ab cde")
	if w <= 0 || h <= 0 {
		t.Fatalf("TextSize = %d, %d", w, h)
	}
	dark := 0
	for j := 0; j < 3*h; j++ {
		for i := 0; i < w+2*h; i++ {
			if withText.RGBAAt(i, j) == colHUDText {
				dark++
			}
			if c := plain.RGBAAt(i, j); c != colSky && c != colGrid {
				t.Fatalf("without overlay pixel (%d, %d) = %v, want background", i, j, c)
			}
		}
	}
	if dark < 40 {
		t.Errorf("only %d text pixels top-left", dark)
	}
	// Outside the plate nothing changed.
	for j := 0; j < testH; j += 7 {
		for i := testW / 2; i < testW; i += 5 {
			if plain.RGBAAt(i, j) != withText.RGBAAt(i, j) {
				t.Fatalf("overlay changed pixel (%d, %d) far from the text", i, j)
			}
		}
	}
}

func TestDrawTextClipsAndAdvances(t *testing.T) {
	r, _ := newTestRenderer(t)
	img := image.NewRGBA(image.Rect(10, 10, 60, 30))
	text, plate := HUDColours()
	draw.Draw(img, img.Rect, image.NewUniform(plate), image.Point{}, draw.Src)
	end := r.DrawText(img, 0, 5, "Hello, world → ✓", text)
	w, _ := r.TextSize("Hello, world → ✓")
	if end != w {
		t.Errorf("DrawText returned %d, want %d", end, w)
	}
	ink := 0
	for y := 10; y < 30; y++ {
		for x := 10; x < 60; x++ {
			if img.RGBAAt(x, y).R < 0x80 {
				ink++
			}
		}
	}
	if ink == 0 {
		t.Error("no text pixels inside the clipped destination")
	}
	if !newQuantiser().exact(img) {
		t.Error("HUD-coloured text left the GIF palette")
	}
}

func TestHaloAndHighlight(t *testing.T) {
	r, cfg := newTestRenderer(t)
	s := oneBlock(cfg, 1, 0, 0.5, 0)
	s.Blocks = append(s.Blocks, sim.BodyState{X: 3, Y: 0.5})
	img := r.Frame(s, &Overlay{BlockWeights: []float64{0, 1, 0}, Highlight: []int{2, 7, -1}})
	if got := at(r, img, 0, 1.1); got != haloRamp[len(haloRamp)-1] {
		t.Errorf("halo above block b = %v, want %v", got, haloRamp[len(haloRamp)-1])
	}
	ring := 0.5 + math.Max(0.04, 1.5/r.Scale()) + math.Max(0.09, 2/r.Scale())/2
	if got := at(r, img, 3, 0.5+ring); got != colHighlight {
		t.Errorf("ring above block c = %v, want %v", got, colHighlight)
	}
	if got := at(r, img, 3-ring, 0.5); got != colHighlight {
		t.Errorf("ring left of block c = %v, want %v", got, colHighlight)
	}
	// Lower weights give smaller, lighter halos.
	img = r.Frame(s, &Overlay{BlockWeights: []float64{0, 0.2}})
	if got := at(r, img, 0, 1.1); got == haloRamp[len(haloRamp)-1] {
		t.Errorf("weight 0.2 drew a full-weight halo")
	}
	if got := at(r, img, 0, 1+0.05+0.17*0.2-0.5/r.Scale()); got != haloRamp[0] {
		t.Errorf("weight 0.2 halo = %v, want %v", got, haloRamp[0])
	}
}

func TestEverythingIsInThePalette(t *testing.T) {
	r, cfg := newTestRenderer(t)
	ov := demoOverlay()
	ov.BlockWeights = []float64{0.05, 0.3, 0.55, 0.8, 1, 0, 0, 0, 0, 0}
	ov.Highlight = []int{0, 3}
	s := demoState(cfg)
	for i := range s.Blocks {
		s.Blocks[i].Angle = 0.1 * float64(i)
	}
	for _, img := range []*image.RGBA{r.Frame(demoState(cfg), demoOverlay()), r.Frame(s, ov)} {
		if !newQuantiser().exact(img) {
			t.Error("frame has colours outside the GIF palette")
		}
	}
}

func TestDeterministic(t *testing.T) {
	cfg := sim.DefaultConfig()
	a := New(cfg, Options{Width: testW, Height: testH}).Frame(demoState(cfg), demoOverlay())
	r := New(cfg, Options{Width: testW, Height: testH})
	b := r.Frame(demoState(cfg), demoOverlay())
	c := r.Frame(demoState(cfg), demoOverlay())
	if !bytes.Equal(a.Pix, b.Pix) || !bytes.Equal(b.Pix, c.Pix) {
		t.Fatal("the same state drew different pixels")
	}
	frames := movingFrames(r, cfg, 5)
	var g1, g2 bytes.Buffer
	if err := WriteGIF(&g1, frames, 10); err != nil {
		t.Fatal(err)
	}
	if err := WriteGIF(&g2, frames, 10); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g1.Bytes(), g2.Bytes()) {
		t.Fatal("the same frames gave different GIF bytes")
	}
}

func TestDrawIntoOffsetImage(t *testing.T) {
	r, cfg := newTestRenderer(t)
	want := r.Frame(demoState(cfg), demoOverlay())
	big := image.NewRGBA(image.Rect(-5, -7, testW+20, testH+3))
	sub := big.SubImage(image.Rect(3, 2, 3+testW, 2+testH)).(*image.RGBA)
	r.Draw(sub, demoState(cfg), demoOverlay())
	for y := 0; y < testH; y++ {
		for x := 0; x < testW; x++ {
			if sub.RGBAAt(3+x, 2+y) != want.RGBAAt(x, y) {
				t.Fatalf("pixel (%d, %d) differs when drawn into an offset image", x, y)
			}
		}
	}
	if big.RGBAAt(2, 2) != (color.RGBA{}) || big.RGBAAt(3+testW, 2) != (color.RGBA{}) {
		t.Error("Draw wrote outside its destination")
	}
}

func TestDrawRejectsWrongSize(t *testing.T) {
	r, _ := newTestRenderer(t)
	defer func() {
		if recover() == nil {
			t.Error("Draw into a wrongly sized image did not panic")
		}
	}()
	r.Draw(image.NewRGBA(image.Rect(0, 0, 10, 10)), sim.State{}, nil)
}

func TestOddStatesDoNotPanic(t *testing.T) {
	r, _ := newTestRenderer(t)
	inf := math.Inf(1)
	states := []sim.State{
		{},
		{Blocks: []sim.BodyState{{X: math.NaN()}, {X: inf, Y: 1}, {X: 1e9, Y: -1e9, Angle: 1e12}}},
		{Gripper: sim.GripperState{X: math.NaN(), Y: 3}},
		{Gripper: sim.GripperState{X: 100, Y: -100, Closed: true, Held: 5}},
		{Blocks: make([]sim.BodyState, 12)}, // more blocks than letters
	}
	for _, s := range states {
		r.Frame(s, &Overlay{BlockWeights: []float64{math.NaN(), 2, -1}, Highlight: []int{0, 99}, Lines: []string{"", "\x00\uFFFD"}})
	}
	// Tiny frames have no letters but still draw.
	New(sim.DefaultConfig(), Options{Width: 40, Height: 25}).Frame(states[1], nil)
}

func TestViewContainsTheWorkspace(t *testing.T) {
	cfg := sim.DefaultConfig()
	for _, size := range [][2]int{{640, 400}, {400, 640}, {1280, 720}, {300, 300}} {
		r := New(cfg, Options{Width: size[0], Height: size[1]})
		for _, p := range [][2]float64{
			{-(cfg.GripperMaxX + 1), cfg.FloorY - 0.5},
			{cfg.GripperMaxX + 1, cfg.GripperMaxY + 1},
		} {
			px, py := r.WorldToPixel(p[0], p[1])
			if px < 0 || py < 0 || px > float64(size[0]) || py > float64(size[1]) {
				t.Errorf("%dx%d: world point %v maps outside the frame to (%.1f, %.1f)", size[0], size[1], p, px, py)
			}
		}
		// Square pixels: a block is as wide as it is tall.
		x0, y0 := r.WorldToPixel(0, 0)
		x1, y1 := r.WorldToPixel(1, 1)
		if math.Abs((x1-x0)-(y0-y1)) > 1e-9 {
			t.Errorf("%dx%d: pixels are not square", size[0], size[1])
		}
	}
}

// decodeGIF composites every frame of a GIF onto a canvas, as a viewer
// does with disposal "none", and returns the resulting pictures.
func decodeGIF(t *testing.T, data []byte) []*image.RGBA {
	t.Helper()
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	canvas := image.NewRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	var out []*image.RGBA
	for _, f := range g.Image {
		draw.Draw(canvas, f.Bounds(), f, f.Bounds().Min, draw.Src)
		out = append(out, image.NewRGBA(canvas.Rect))
		copy(out[len(out)-1].Pix, canvas.Pix)
	}
	return out
}

func TestGIFRoundTrip(t *testing.T) {
	r, cfg := newTestRenderer(t)
	frames := movingFrames(r, cfg, 6)
	frames = append(frames, frames[len(frames)-1]) // a still frame
	var buf bytes.Buffer
	if err := WriteGIF(&buf, frames, 7); err != nil {
		t.Fatal(err)
	}
	got := decodeGIF(t, buf.Bytes())
	if len(got) != len(frames) {
		t.Fatalf("decoded %d frames, wrote %d", len(got), len(frames))
	}
	for k := range frames {
		if !bytes.Equal(got[k].Pix, frames[k].Pix) {
			t.Fatalf("frame %d decodes to different pixels", k)
		}
	}
	g, _ := gif.DecodeAll(bytes.NewReader(buf.Bytes()))
	for k, d := range g.Delay {
		if d != 7 {
			t.Fatalf("frame %d delay %d, want 7", k, d)
		}
	}
	if g.LoopCount != 0 {
		t.Errorf("loop count %d, want 0 (forever)", g.LoopCount)
	}
}

func TestGIFOfForeignColours(t *testing.T) {
	// Colours outside the palette map to the nearest palette colour.
	img := image.NewRGBA(image.Rect(0, 0, 4, 1))
	img.SetRGBA(0, 0, color.RGBA{R: 0xf5, G: 0xf6, B: 0xf9, A: 0xff}) // near the sky
	img.SetRGBA(1, 0, color.RGBA{A: 0xff})                            // black
	img.SetRGBA(2, 0, blockColours[4])
	var buf bytes.Buffer
	if err := WriteGIF(&buf, []*image.RGBA{img}, 0); err != nil {
		t.Fatal(err)
	}
	got := decodeGIF(t, buf.Bytes())[0]
	if c := got.RGBAAt(0, 0); c != colSky {
		t.Errorf("near-sky pixel became %v, want %v", c, colSky)
	}
	if c := got.RGBAAt(2, 0); c != blockColours[4] {
		t.Errorf("palette pixel became %v", c)
	}
}

func TestGIFErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteGIF(&buf, nil, 10); err == nil {
		t.Error("no frames: no error")
	}
	a := image.NewRGBA(image.Rect(0, 0, 4, 4))
	b := image.NewRGBA(image.Rect(0, 0, 5, 4))
	if err := WriteGIF(&buf, []*image.RGBA{a, b}, 10); err == nil {
		t.Error("mixed frame sizes: no error")
	}
	if err := WriteGIF(&buf, []*image.RGBA{a}, -1); err == nil {
		t.Error("negative delay: no error")
	}
	dir := t.TempDir()
	if err := WriteGIFFile(filepath.Join(dir, "x.gif"), nil, 10); err == nil {
		t.Error("WriteGIFFile with no frames: no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed write left files behind: %v", entries)
	}
	if err := WritePNG(filepath.Join(dir, "missing", "x.png"), a); err == nil {
		t.Error("PNG into a missing directory: no error")
	}
}

func TestWriteFiles(t *testing.T) {
	r, cfg := newTestRenderer(t)
	dir := t.TempDir()
	img := r.Frame(demoState(cfg), demoOverlay())
	pngPath := filepath.Join(dir, "still.png")
	if err := WritePNG(pngPath, img); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < testH; y++ {
		for x := 0; x < testW; x++ {
			r1, g1, b1, a1 := dec.At(x, y).RGBA()
			if (color.RGBA{uint8(r1 >> 8), uint8(g1 >> 8), uint8(b1 >> 8), uint8(a1 >> 8)}) != img.RGBAAt(x, y) {
				t.Fatalf("PNG pixel (%d, %d) differs", x, y)
			}
		}
	}
	// A non-palette image is stored as it is.
	odd := image.NewRGBA(image.Rect(0, 0, 2, 2))
	odd.SetRGBA(0, 0, color.RGBA{1, 2, 3, 4})
	if err := WritePNG(filepath.Join(dir, "odd.png"), odd); err != nil {
		t.Fatal(err)
	}
	gifPath := filepath.Join(dir, "roll.gif")
	if err := WriteGIFFile(gifPath, movingFrames(r, cfg, 3), 10); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(gifPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(decodeGIF(t, data)); n != 3 {
		t.Errorf("GIF file has %d frames, want 3", n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("directory holds %d entries, want 3 (no temporary files)", len(entries))
	}
}

func TestConcurrentDraw(t *testing.T) {
	r, cfg := newTestRenderer(t)
	want := r.Frame(demoState(cfg), demoOverlay())
	done := make(chan *image.RGBA)
	for range 4 {
		go func() {
			s := demoState(cfg)
			// A fresh text forces glyphs into the shared cache concurrently.
			r.Frame(s, &Overlay{Lines: []string{"αβγ ÄÖÜ {}[]<>"}})
			done <- r.Frame(s, demoOverlay())
		}()
	}
	for range 4 {
		if got := <-done; !bytes.Equal(got.Pix, want.Pix) {
			t.Error("concurrent draw gave different pixels")
		}
	}
}

// TestGIFBuilderMatchesWriteGIF: frames added one at a time (the rollout is
// not held in memory) encode to the same bytes as WriteGIF of them all.
func TestGIFBuilderMatchesWriteGIF(t *testing.T) {
	r, cfg := newTestRenderer(t)
	frames := movingFrames(r, cfg, 4)
	var want, got bytes.Buffer
	if err := WriteGIF(&want, frames, 7); err != nil {
		t.Fatal(err)
	}
	b, err := NewGIF(7)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := b.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	if b.Frames() != 4 {
		t.Fatalf("%d frames, want 4", b.Frames())
	}
	if err := b.Encode(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatal("the builder's GIF differs from WriteGIF's")
	}
}
