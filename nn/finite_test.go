package nn

import (
	"math"
	"testing"
)

func TestAllFinite(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, c := range []struct {
		name string
		bad  float32
		at   int // -1: none
		n    int
		want bool
	}{
		{"empty", 0, -1, 0, true},
		{"finite", 0, -1, 11, true},
		{"largest finite", math.MaxFloat32, 5, 11, true},
		{"NaN in the unrolled part", nan, 2, 11, false},
		{"-Inf in the unrolled part", -inf, 7, 11, false},
		{"+Inf in the tail", inf, 9, 11, false},
		{"NaN last", nan, 10, 11, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := make([]float32, c.n)
			for i := range x {
				x[i] = float32(i) - 3.5
			}
			if c.at >= 0 {
				x[c.at] = c.bad
			}
			if got := AllFinite(x); got != c.want {
				t.Fatalf("AllFinite = %v, want %v", got, c.want)
			}
		})
	}
}
