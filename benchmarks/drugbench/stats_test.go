package drugbench

import (
	"math"
	"testing"
)

func TestSignTest(t *testing.T) {
	w, l, p := SignTest([]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	// 9 wins of 10: two-sided p = 2·11/1024.
	if w != 9 || l != 1 || math.Abs(p-22.0/1024) > 1e-12 {
		t.Errorf("sign test: %d, %d, p %v", w, l, p)
	}
}
