package images

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// pt is a point in image coordinates (pixels; the centre of pixel (x, y) is
// (x+0.5, y+0.5)).
type pt struct{ x, y float64 }

// segDist returns the distance from p to the segment ab.
func segDist(p, a, b pt) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((p.x-a.x)*dx+(p.y-a.y)*dy)/l2))
	}
	ex, ey := p.x-a.x-t*dx, p.y-a.y-t*dy
	return math.Sqrt(ex*ex + ey*ey)
}

// drawPolyline sets every pixel whose centre lies within radius of the
// polyline.
func drawPolyline(im []float32, h, w int, line []pt, radius float64) {
	if len(line) == 0 {
		return
	}
	x0, y0, x1, y1 := line[0].x, line[0].y, line[0].x, line[0].y
	for _, p := range line {
		x0, y0, x1, y1 = math.Min(x0, p.x), math.Min(y0, p.y), math.Max(x1, p.x), math.Max(y1, p.y)
	}
	ylo, yhi := max(0, int(y0-radius-1)), min(h-1, int(y1+radius+1))
	xlo, xhi := max(0, int(x0-radius-1)), min(w-1, int(x1+radius+1))
	for y := ylo; y <= yhi; y++ {
		for x := xlo; x <= xhi; x++ {
			p := pt{float64(x) + 0.5, float64(y) + 0.5}
			for i := range line {
				j := min(i+1, len(line)-1)
				if segDist(p, line[i], line[j]) < radius {
					im[y*w+x] = 1
					break
				}
			}
		}
	}
}

// bezier samples the quadratic Bézier curve p0-p1-p2 at n+1 points.
func bezier(p0, p1, p2 pt, n int) []pt {
	out := make([]pt, n+1)
	for i := range out {
		t := float64(i) / float64(n)
		a, b, c := (1-t)*(1-t), 2*(1-t)*t, t*t
		out[i] = pt{a*p0.x + b*p1.x + c*p2.x, a*p0.y + b*p1.y + c*p2.y}
	}
	return out
}

// affine is x' = a·x + b·y + tx, y' = c·x + d·y + ty.
type affine struct{ a, b, c, d, tx, ty float64 }

func (m affine) apply(p pt) pt { return pt{m.a*p.x + m.b*p.y + m.tx, m.c*p.x + m.d*p.y + m.ty} }

// similarity returns rotation by th, scale s, then translation.
func similarity(th, s, tx, ty float64) affine {
	c, n := math.Cos(th), math.Sin(th)
	return affine{s * c, -s * n, s * n, s * c, tx, ty}
}

func (m affine) then(n affine) affine { // n ∘ m
	return affine{
		n.a*m.a + n.b*m.c, n.a*m.b + n.b*m.d,
		n.c*m.a + n.d*m.c, n.c*m.b + n.d*m.d,
		n.a*m.tx + n.b*m.ty + n.tx, n.c*m.tx + n.d*m.ty + n.ty,
	}
}

// CharacterConfig sizes the synthetic stroke alphabets.
type CharacterConfig struct {
	Side          int // image side (26, as the paper's Omniglot)
	Alphabets     int // alphabets in all
	TestAlphabets int // of which the last ones are held out
	Characters    int // characters per alphabet
	Drawers       int // drawings per character (20, as Omniglot)
}

// DefaultCharacters is Omniglot's shape: 50 alphabets, 5 held out, 20
// drawers, 26×26 (Omniglot alphabets have 14-55 characters; 20 here).
func DefaultCharacters() CharacterConfig {
	return CharacterConfig{Side: 26, Alphabets: 50, TestAlphabets: 5, Characters: 20, Drawers: 20}
}

func (c CharacterConfig) check() error {
	switch {
	case c.Side < 8 || c.Side > 256:
		return fmt.Errorf("images: character side %d, want 8..256", c.Side)
	case c.Alphabets < 2 || c.Alphabets > 1000 || c.TestAlphabets < 1 || c.TestAlphabets >= c.Alphabets:
		return fmt.Errorf("images: %d alphabets with %d held out, want 2..1000 and 1..alphabets-1", c.Alphabets, c.TestAlphabets)
	case c.Characters < 1 || c.Characters > 1000:
		return fmt.Errorf("images: %d characters per alphabet, want 1..1000", c.Characters)
	case c.Drawers < 2 || c.Drawers > 1000:
		return fmt.Errorf("images: %d drawers, want 2..1000", c.Drawers)
	}
	return nil
}

// alphabet is a style: its stroke primitives (quadratic Béziers in a
// [-1, 1]² frame), whether it rotates them freely or by right angles, and
// its pen width.
type alphabet struct {
	prims    [][3]pt
	rightAng bool
	radius   float64
}

func newAlphabet(r *rand.Rand) alphabet {
	a := alphabet{rightAng: r.IntN(2) == 0, radius: 0.85 + 0.35*r.Float64()}
	curv := r.Float64() * 0.9 // how curvy this alphabet's strokes are
	for range 3 + r.IntN(4) {
		th := r.Float64() * 2 * math.Pi
		l := 1.0 + 1.0*r.Float64()
		p0 := pt{-l / 2 * math.Cos(th), -l / 2 * math.Sin(th)}
		p2 := pt{l / 2 * math.Cos(th), l / 2 * math.Sin(th)}
		bend := curv * l * (2*r.Float64() - 1)
		p1 := pt{-bend * math.Sin(th), bend * math.Cos(th)}
		a.prims = append(a.prims, [3]pt{p0, p1, p2})
	}
	return a
}

// stroke is a chain of one or two primitives (the second starts where the
// first ends, turned by its own angle), placed in the character's frame.
type stroke struct {
	prims []int
	turn  float64
	at    affine
}

func newCharacter(r *rand.Rand, a alphabet) []stroke {
	n := []int{1, 2, 2, 3, 3, 4}[r.IntN(6)]
	out := make([]stroke, n)
	for i := range out {
		th := r.Float64() * 2 * math.Pi
		turn := r.Float64() * 2 * math.Pi
		if a.rightAng {
			th = float64(r.IntN(4)) * math.Pi / 2
			turn = float64(r.IntN(4)) * math.Pi / 2
		}
		s := stroke{prims: []int{r.IntN(len(a.prims))}, turn: turn,
			at: similarity(th, 0.55+0.3*r.Float64(), 0.8*(r.Float64()-0.5), 0.8*(r.Float64()-0.5))}
		if r.IntN(2) == 0 {
			s.prims = append(s.prims, r.IntN(len(a.prims)))
		}
		out[i] = s
	}
	return out
}

// drawCharacter renders one drawer's version of a character: every control
// point jittered, the whole character slightly moved, scaled and rotated,
// the pen width varied.
func drawCharacter(r *rand.Rand, a alphabet, strokes []stroke, side int) []float32 {
	im := make([]float32, side*side)
	half := float64(side) * 0.3
	global := similarity(0.12*r.NormFloat64(), half*(1+0.07*r.NormFloat64()),
		float64(side)/2+0.8*r.NormFloat64(), float64(side)/2+0.8*r.NormFloat64())
	rad := math.Max(a.radius*(1+0.12*r.NormFloat64())*float64(side)/26, 0.55)
	for _, s := range strokes {
		var line []pt
		end := pt{}
		for j, pi := range s.prims {
			p := a.prims[pi]
			local := affine{1, 0, 0, 1, 0, 0}
			if j > 0 { // chain: turn, then start at the previous end
				local = similarity(s.turn, 1, 0, 0)
				s0 := local.apply(p[0])
				local.tx, local.ty = end.x-s0.x, end.y-s0.y
			}
			var q [3]pt
			for k := range q {
				q[k] = local.apply(p[k])
			}
			end = q[2]
			for k := range q {
				q[k] = s.at.then(global).apply(pt{q[k].x + 0.05*r.NormFloat64(), q[k].y + 0.05*r.NormFloat64()})
			}
			line = append(line, bezier(q[0], q[1], q[2], 10)...)
		}
		drawPolyline(im, side, side, line, rad)
	}
	return im
}

// Characters returns the synthetic stroke alphabets: the last
// c.TestAlphabets alphabets are the test split.
func Characters(c CharacterConfig, seed uint64) (*Set, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	s := &Set{Name: "characters", H: c.Side, W: c.Side, MaxSupport: c.Drawers - 1}
	for ai := range c.Alphabets {
		ra := rng(seed, 0xa1, uint64(ai))
		a := newAlphabet(ra)
		group := fmt.Sprintf("alphabet%02d", ai)
		for ci := range c.Characters {
			strokes := newCharacter(rng(seed, 0xc4, uint64(ai), uint64(ci)), a)
			cl := Class{Group: group, Name: fmt.Sprintf("%s/char%02d", group, ci)}
			for d := range c.Drawers {
				cl.Images = append(cl.Images, drawCharacter(rng(seed, 0xd4, uint64(ai), uint64(ci), uint64(d)), a, strokes, c.Side))
			}
			if ai >= c.Alphabets-c.TestAlphabets {
				s.Test = append(s.Test, cl)
			} else {
				s.Train = append(s.Train, cl)
			}
		}
	}
	return s, nil
}

// ObjectConfig sizes the procedural object categories.
type ObjectConfig struct {
	Side         int
	Families     int // classes in all
	TestFamilies int // of which the last ones are held out
	Instances    int // renderings per family
}

// DefaultObjects is 60 families (10 held out), 20 instances, 26×26.
func DefaultObjects() ObjectConfig {
	return ObjectConfig{Side: 26, Families: 60, TestFamilies: 10, Instances: 20}
}

// family is a shape family: a star polygon with n points, inner radius
// ratio inner (1: a regular polygon), an aspect ratio and an optional hole.
type family struct {
	n            int
	inner, shape float64
	hole         float64
}

func (f family) outline(th, size float64, cx, cy float64, scale float64) []pt {
	var out []pt
	for i := range 2 * f.n {
		rad := size
		if i%2 == 1 {
			rad *= f.inner
		}
		a := th + float64(i)*math.Pi/float64(f.n)
		out = append(out, pt{cx + scale*rad*math.Cos(a), cy + scale*rad*f.shape*math.Sin(a)})
	}
	return out
}

func inPolygon(p pt, poly []pt) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.y > p.y) != (b.y > p.y) && p.x < (b.x-a.x)*(p.y-a.y)/(b.y-a.y)+a.x {
			in = !in
		}
	}
	return in
}

// Fill patterns stand in for colour in binary images.
const (
	fillSolid = iota
	fillOutline
	fillStripes
	fillChecker
	nFills
)

func drawObject(r *rand.Rand, f family, side int) []float32 {
	im := make([]float32, side*side)
	s := float64(side)
	size := s * (0.22 + 0.16*r.Float64())
	th := r.Float64() * 2 * math.Pi
	cx, cy := s/2+s*0.1*(2*r.Float64()-1), s/2+s*0.1*(2*r.Float64()-1)
	outer := f.outline(th, size, cx, cy, 1)
	var hole []pt
	if f.hole > 0 {
		hole = f.outline(th, size*f.hole, cx, cy, 1)
	}
	fill := r.IntN(nFills)
	period := 2 + r.IntN(2)
	for y := range side {
		for x := range side {
			p := pt{float64(x) + 0.5, float64(y) + 0.5}
			if !inPolygon(p, outer) || (hole != nil && inPolygon(p, hole)) {
				continue
			}
			on := true
			switch fill {
			case fillStripes:
				on = y%period == 0
			case fillChecker:
				on = (x/2+y/2)%2 == 0
			}
			if on {
				im[y*side+x] = 1
			}
		}
	}
	if fill == fillOutline || fill == fillStripes || fill == fillChecker {
		drawPolyline(im, side, side, append(outer, outer[0]), 0.6)
		if hole != nil {
			drawPolyline(im, side, side, append(hole, hole[0]), 0.6)
		}
	}
	return im
}

// Objects returns the procedural object categories.
func Objects(c ObjectConfig, seed uint64) (*Set, error) {
	switch {
	case c.Side < 8 || c.Side > 256:
		return nil, fmt.Errorf("images: object side %d, want 8..256", c.Side)
	case c.Families < 2 || c.Families > 10000 || c.TestFamilies < 1 || c.TestFamilies >= c.Families:
		return nil, fmt.Errorf("images: %d families with %d held out, want 2..10000 and 1..families-1", c.Families, c.TestFamilies)
	case c.Instances < 2 || c.Instances > 1000:
		return nil, fmt.Errorf("images: %d instances per family, want 2..1000", c.Instances)
	}
	s := &Set{Name: "objects", H: c.Side, W: c.Side, MaxSupport: c.Instances - 1}
	for fi := range c.Families {
		r := rng(seed, 0x0b, uint64(fi))
		f := family{n: 3 + r.IntN(6), inner: 0.35 + 0.65*r.Float64(), shape: 0.55 + 0.45*r.Float64()}
		if r.IntN(3) == 0 {
			f.hole = 0.35 + 0.2*r.Float64()
		}
		cl := Class{Group: fmt.Sprintf("family%02d", fi), Name: fmt.Sprintf("family%02d", fi)}
		for k := range c.Instances {
			cl.Images = append(cl.Images, drawObject(rng(seed, 0x1e, uint64(fi), uint64(k)), f, c.Side))
		}
		if fi >= c.Families-c.TestFamilies {
			s.Test = append(s.Test, cl)
		} else {
			s.Train = append(s.Train, cl)
		}
	}
	return s, nil
}

// Flip is one-shot image flipping: the support is one textured image, the
// target its left-right mirror (the paper's first task, binarised).
type Flip struct {
	Side int
}

// Size returns the image size.
func (f Flip) Size() (h, w int) { return f.Side, f.Side }

// Support is 1: flipping is one-shot.
func (f Flip) Support() int { return 1 }

// Label names the task.
func (f Flip) Label() string { return "flip" }

// Episode returns episode i: a fresh textured image and its mirror. The
// training and test splits draw from disjoint random streams.
func (f Flip) Episode(split Split, k int, seed uint64, i int) (Episode, error) {
	if f.Side < 4 || f.Side > 256 {
		return Episode{}, fmt.Errorf("images: flip side %d, want 4..256", f.Side)
	}
	if k != 1 {
		return Episode{}, fmt.Errorf("images: flip: support size %d, the task is one-shot (1)", k)
	}
	im := Texture(rng(seed, 0xf1, uint64(split), uint64(i)), f.Side)
	return Episode{Support: [][]float32{im}, Target: Mirror(im, f.Side, f.Side), Class: -1}, nil
}

// Texture draws a random textured binary image: a few rectangles filled
// with stripes or checks of random period and orientation, solid discs and
// thick random-walk lines, so that its left and right halves differ.
func Texture(r *rand.Rand, side int) []float32 {
	im := make([]float32, side*side)
	s := float64(side)
	for range 2 + r.IntN(3) {
		x0, y0 := r.IntN(side), r.IntN(side)
		x1, y1 := min(side, x0+2+r.IntN(side/2)), min(side, y0+2+r.IntN(side/2))
		period, kind := 2+r.IntN(3), r.IntN(4)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				var on bool
				switch kind {
				case 0:
					on = y%period == 0
				case 1:
					on = x%period == 0
				case 2:
					on = (x+y)%period == 0
				default:
					on = (x/2+y/2)%2 == 0
				}
				if on {
					im[y*side+x] = 1
				}
			}
		}
	}
	for range r.IntN(3) {
		c := pt{s * r.Float64(), s * r.Float64()}
		drawPolyline(im, side, side, []pt{c}, 1+s*0.12*r.Float64())
	}
	for range 1 + r.IntN(2) {
		p := pt{s * r.Float64(), s * r.Float64()}
		line := []pt{p}
		for range 3 {
			p = pt{math.Max(0, math.Min(s, p.x+s*0.4*(r.Float64()-0.5))), math.Max(0, math.Min(s, p.y+s*0.4*(r.Float64()-0.5)))}
			line = append(line, p)
		}
		drawPolyline(im, side, side, line, 0.7)
	}
	return im
}
