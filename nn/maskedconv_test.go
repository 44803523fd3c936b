package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaskedConv2D checks the tap-skipping convolution against Conv2D of
// the kernel multiplied by the mask (values), and its gradients against
// central differences, for PixelCNN masks and padded, dilated layouts.
func TestMaskedConv2D(t *testing.T) {
	cases := []struct {
		name       string
		kh, kw     int
		taps       []int
		o          ConvOpts
		n, c, f, h int
	}{
		{"3x3 mask B", 3, 3, []int{0, 1, 2, 3, 4}, SamePadding(3, 3, 1, 1), 2, 3, 4, 5},
		{"5x5 mask A", 5, 5, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, SamePadding(5, 5, 1, 1), 1, 2, 3, 6},
		{"2x3 vertical, top pad", 2, 3, []int{0, 2, 4, 5}, ConvOpts{PadTop: 1, PadLeft: 1, PadRight: 1}, 2, 2, 2, 4},
		{"dilated", 3, 3, []int{1, 3, 4}, SamePadding(3, 3, 2, 2), 1, 2, 2, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			x := randParam(r, "x", tc.n, tc.c, tc.h, tc.h+1)
			w := randParam(r, "w", tc.f, tc.c, tc.kh, tc.kw)
			b := randParam(r, "b", tc.f)
			mask := make([]float64, len(w.Value))
			for i := range mask {
				for _, tap := range tc.taps {
					if i%(tc.kh*tc.kw) == tap {
						mask[i] = 1
					}
				}
			}
			tp := NewTape[float64]()
			got := tp.MaskedConv2D(tp.Param(x), tp.Param(w), tp.Param(b), tc.o, tc.taps)
			want := tp.Conv2D(tp.Param(x), tp.Mul(tp.Param(w), tp.Constant(mask, w.Shape...)), tp.Param(b), tc.o)
			for i := range want.Data {
				if math.Abs(got.Data[i]-want.Data[i]) > 1e-12 {
					t.Fatalf("value %d: %v, want %v", i, got.Data[i], want.Data[i])
				}
			}
			maxErr, where, err := GradCheck([]*par{x, w, b}, func(tp *tape) *ten {
				return probe(tp, tp.MaskedConv2D(tp.Param(x), tp.Param(w), tp.Param(b), tc.o, tc.taps))
			}, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			if maxErr > 1e-6 {
				t.Fatalf("gradient error %.3g at %s", maxErr, where)
			}
			// Hidden taps get no gradient.
			for i, m := range mask {
				if m == 0 && w.Grad[i] != 0 {
					t.Fatalf("hidden tap %d has gradient %v", i, w.Grad[i])
				}
			}
		})
	}
}
