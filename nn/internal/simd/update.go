package simd

import "math"

// The update kernels below vectorise loops that the engine also writes in
// plain Go, with the same IEEE operations (multiply, add, subtract,
// divide, square root, each rounded once, none fused) in the same order
// per element, and without flushing subnormals: the vector and scalar
// versions give the same bits on every CPU, and the tests compare them.

// Axpy sets y[i] += alpha·x[i] for i < len(x) (y at least as long), the
// product rounded before the sum, as gonum's Saxpy does; alpha = 0
// leaves y unchanged.
func Axpy(alpha float32, x, y []float32) {
	if alpha == 0 {
		return
	}
	y = y[:len(x)]
	n := 0
	if hasKernel {
		n = len(x) &^ 7
		axpyAVX(alpha, x[:n], y[:n])
	}
	axpyGo(alpha, x[n:], y[n:])
}

func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// AdamConsts are the per-step constants of [Adam]: β1, 1−β1, β2, 1−β2,
// the step size lr/(1−β1ᵗ), 1/√(1−β2ᵗ) and ε.
type AdamConsts struct {
	B1, A1, B2, A2, StepSize, Inv, Eps float32
}

// Adam applies one Adam update to the weights p with gradient g and
// moments m and v (all of p's length), element by element:
//
//	m = β1·m + (1−β1)·g
//	v = β2·v + (1−β2)·g·g
//	p = p − stepSize·m / (√v·inv + ε)
//
// evaluated left to right, each operation rounded to float32.
func Adam(p, g, m, v []float32, c *AdamConsts) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	n := 0
	if hasKernel {
		n = len(p) &^ 7
		adamAVX(p[:n], g[:n], m[:n], v[:n], c)
	}
	adamGo(p[n:], g[n:], m[n:], v[n:], c)
}

func adamGo(p, g, m, v []float32, c *AdamConsts) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		mi := c.B1*m[i] + c.A1*gi
		vi := c.B2*v[i] + c.A2*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= c.StepSize * mi / (sqrt32(vi)*c.Inv + c.Eps)
	}
}

// sqrt32 is the correctly rounded float32 square root (the float64 root
// rounded to float32 is, as float64 has more than twice float32's
// precision), which VSQRTPS computes too.
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
