package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestIm2colCol2imBits checks the column layout and its adjoint against
// the definition, element by element, for padded and unpadded, dilated
// and asymmetric geometries (the flat copy and sum where output and input
// rows have the same width, the row-wise ones elsewhere). The image
// gradient starts with signed zeros and subnormals, which an addition of
// anything but −0 at a margin would change.
func TestIm2colCol2imBits(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	awkward := func() float32 {
		switch r.IntN(6) {
		case 0:
			return float32(math.Copysign(0, -1))
		case 1:
			return 0
		case 2:
			return math.Float32frombits(uint32(r.IntN(1 << 23)))
		default:
			return float32(r.NormFloat64())
		}
	}
	for _, tc := range []struct {
		c, h, w, kh, kw int
		o               ConvOpts
		taps            []int
	}{
		{2, 6, 7, 3, 3, SamePadding(3, 3, 1, 1), []int{0, 1, 2, 3, 4}},
		{1, 9, 9, 7, 7, SamePadding(7, 7, 1, 1), nil},
		{2, 5, 8, 3, 3, SamePadding(3, 3, 2, 2), nil},
		{1, 1, 12, 1, 3, ConvOpts{PadLeft: 4, DilH: 1, DilW: 2}, nil},
		{2, 6, 6, 3, 3, ConvOpts{}, nil},
		{1, 5, 6, 3, 2, ConvOpts{PadTop: 2, PadLeft: 1, PadRight: 2, DilH: 1, DilW: 1}, []int{1, 4, 5}},
	} {
		dh, dw := max(tc.o.DilH, 1), max(tc.o.DilW, 1)
		ho := tc.h + tc.o.PadTop + tc.o.PadBottom - (tc.kh-1)*dh
		wo := tc.w + tc.o.PadLeft + tc.o.PadRight - (tc.kw-1)*dw
		g := convGeom{c: tc.c, h: tc.h, w: tc.w, kh: tc.kh, kw: tc.kw, dh: dh, dw: dw, ho: ho, wo: wo, pt: tc.o.PadTop, pl: tc.o.PadLeft}
		taps := tc.taps
		if taps == nil {
			for i := range tc.kh * tc.kw {
				taps = append(taps, i)
			}
		}
		p, nt := ho*wo, len(taps)
		name := fmt.Sprintf("%+v", tc)
		img := make([]float32, tc.c*tc.h*tc.w)
		col := make([]float32, tc.c*nt*p)
		for i := range img {
			img[i] = awkward()
		}
		for i := range col {
			col[i] = awkward() // garbage im2col must overwrite
		}
		// The definition: element (ch, tap, oy, ox) of the columns.
		src := func(ch, ti, oy, ox int) int {
			ki, kj := taps[ti]/tc.kw, taps[ti]%tc.kw
			iy, ix := oy-g.pt+ki*dh, ox-g.pl+kj*dw
			if iy < 0 || iy >= tc.h || ix < 0 || ix >= tc.w {
				return -1
			}
			return (ch*tc.h+iy)*tc.w + ix
		}
		im2colTaps(col, img, g, taps)
		for ch := range tc.c {
			for ti := range nt {
				for q := range p {
					want := float32(0)
					if i := src(ch, ti, q/wo, q%wo); i >= 0 {
						want = img[i]
					}
					if got := col[(ch*nt+ti)*p+q]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("%s: im2col (%d, %d, %d) = %g, want %g", name, ch, ti, q, got, want)
					}
				}
			}
		}
		for i := range col {
			col[i] = awkward()
		}
		gx := make([]float32, len(img))
		for i := range gx {
			gx[i] = awkward()
		}
		want := append([]float32(nil), gx...)
		// In the order col2im adds: channel, tap, then position.
		for ch := range tc.c {
			for ti := range nt {
				for q := range p {
					if i := src(ch, ti, q/wo, q%wo); i >= 0 {
						want[i] += col[(ch*nt+ti)*p+q]
					}
				}
			}
		}
		col2imTaps(gx, col, g, taps)
		for i := range gx {
			if math.Float32bits(gx[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: col2im element %d = %g (%#x), want %g (%#x)", name, i, gx[i], math.Float32bits(gx[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}
