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

// AddRows adds rows×width elements of src into dst, row r of each starting
// at r·srcStride and r·dstStride: dst[r·dstStride+q] += src[r·srcStride+q]
// (the scatter of a convolution's column gradients into its image's).
func AddRows(dst []float32, dstStride int, src []float32, srcStride, rows, width int) {
	if rows <= 0 || width <= 0 {
		return
	}
	// Every element the kernel touches lies inside the slices.
	_ = dst[(rows-1)*dstStride+width-1]
	_ = src[(rows-1)*srcStride+width-1]
	if hasKernel {
		addRowsAVX(&dst[0], dstStride, &src[0], srcStride, rows, width)
		return
	}
	addRowsGo(dst, dstStride, src, srcStride, rows, width)
}

func addRowsGo(dst []float32, dstStride int, src []float32, srcStride, rows, width int) {
	for r := range rows {
		d := dst[r*dstStride : r*dstStride+width]
		for q, v := range src[r*srcStride : r*srcStride+width] {
			d[q] += v
		}
	}
}

// GatedGrad is the backward pass of the gated activation y = t·s with
// t = tanh(a) and s = sigmoid(b): given y's gradient g,
//
//	da = g·s·(1 − t·t)
//	db = g·t·s·(1 − s)
//
// evaluated left to right, each operation rounded to float32; with add
// set, da and db are added to instead of overwritten. All slices have g's
// length.
func GatedGrad(da, db, g, t, s []float32, add bool) {
	da, db, t, s = da[:len(g)], db[:len(g)], t[:len(g)], s[:len(g)]
	n := 0
	if hasKernel {
		n = len(g) &^ 7
		acc := 0
		if add {
			acc = 1
		}
		gatedGradAVX(da[:n], db[:n], g[:n], t[:n], s[:n], acc)
	}
	gatedGradGo(da[n:], db[n:], g[n:], t[n:], s[n:], add)
}

func gatedGradGo(da, db, g, t, s []float32, add bool) {
	da, db, t, s = da[:len(g)], db[:len(g)], t[:len(g)], s[:len(g)]
	if add {
		for i, gi := range g {
			da[i] += gi * s[i] * (1 - t[i]*t[i])
			db[i] += gi * t[i] * s[i] * (1 - s[i])
		}
		return
	}
	for i, gi := range g {
		da[i] = gi * s[i] * (1 - t[i]*t[i])
		db[i] = gi * t[i] * s[i] * (1 - s[i])
	}
}

// AllFinite reports whether x holds no NaN or infinity: whether no
// element has an exponent field of all ones.
func AllFinite(x []float32) bool {
	n := 0
	if hasKernel {
		n = len(x) &^ 31
		if !allFiniteAVX(x[:n]) {
			return false
		}
	}
	return allFiniteGo(x[n:])
}

func allFiniteGo(x []float32) bool {
	for _, v := range x {
		if v-v != 0 { // NaN for ±Inf and NaN, 0 otherwise
			return false
		}
	}
	return true
}

// CopyRows copies rows×width elements from src to dst, row r of each
// starting at r·srcStride and r·dstStride (a convolution's receptive
// fields laid out as columns).
func CopyRows(dst []float32, dstStride int, src []float32, srcStride, rows, width int) {
	if rows <= 0 || width <= 0 {
		return
	}
	_ = dst[(rows-1)*dstStride+width-1]
	_ = src[(rows-1)*srcStride+width-1]
	if hasKernel {
		copyRowsAVX(&dst[0], dstStride, &src[0], srcStride, rows, width)
		return
	}
	for r := range rows {
		copy(dst[r*dstStride:r*dstStride+width], src[r*srcStride:])
	}
}

// ReLU sets dst[i] to src[i] where src[i]'s bits, read as a signed
// integer, are positive (a number above zero, or a NaN with the sign bit
// clear) and to +0 elsewhere, without a branch per element. dst has at
// least src's length.
func ReLU(dst, src []float32) {
	dst = dst[:len(src)]
	n := 0
	if hasKernel {
		n = len(src) &^ 7
		reluAVX(dst[:n], src[:n])
	}
	reluGo(dst[n:], src[n:])
}

func reluGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		b := math.Float32bits(v)
		dst[i] = math.Float32frombits(b & positiveMask(b))
	}
}

// ReLUGrad is ReLU's backward pass: ga[i] = g[i] where x[i] passes
// ReLU's test and +0 elsewhere; with add set, that is added to ga[i]
// instead (ga + it, in that order). ga and g have at least x's length.
func ReLUGrad(ga, g, x []float32, add bool) {
	ga, g = ga[:len(x)], g[:len(x)]
	n := 0
	if hasKernel {
		n = len(x) &^ 7
		acc := 0
		if add {
			acc = 1
		}
		reluGradAVX(ga[:n], g[:n], x[:n], acc)
	}
	reluGradGo(ga[n:], g[n:], x[n:], add)
}

func reluGradGo(ga, g, x []float32, add bool) {
	ga, g = ga[:len(x)], g[:len(x)]
	if add {
		for i, v := range x {
			ga[i] += math.Float32frombits(math.Float32bits(g[i]) & positiveMask(math.Float32bits(v)))
		}
		return
	}
	for i, v := range x {
		ga[i] = math.Float32frombits(math.Float32bits(g[i]) & positiveMask(math.Float32bits(v)))
	}
}

// positiveMask returns all ones if the float32 with bits b is greater than
// zero (or a NaN with the sign bit clear) and zero otherwise: a signed
// integer comparison, which VPCMPGTD does on 8 elements.
func positiveMask(b uint32) uint32 {
	var m uint32
	if int32(b) > 0 {
		m = ^uint32(0)
	}
	return m
}

// SumRows adds to dst[j] the sum of row j of x, the rows n elements long
// and one after another, each sum taken as the engine's sum4 takes it:
// four partial sums (partial i over the elements at i, i+4, …, the
// leftover elements into the first), then (s0 + s1) + (s2 + s3), then
// dst[j] + that. x holds at least len(dst)·n elements.
func SumRows(dst, x []float32, n int) {
	x = x[:len(dst)*n]
	j := 0
	if hasKernel {
		j = len(dst) &^ 3
		if j > 0 {
			sumRowsAVX(dst[:j], x[:j*n], n)
		}
	}
	for ; j < len(dst); j++ {
		dst[j] += sum4Go(x[j*n : (j+1)*n])
	}
}

// sum4Go is one row of SumRows in Go.
func sum4Go(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Add sets dst[i] = a[i] + b[i] for i < len(a); dst and b have at least
// a's length.
func Add(dst, a, b []float32) {
	dst, b = dst[:len(a)], b[:len(a)]
	n := 0
	if hasKernel {
		n = len(a) &^ 7
		addAVX(dst[:n], a[:n], b[:n])
	}
	for i := n; i < len(a); i++ {
		dst[i] = a[i] + b[i]
	}
}

// Mul sets dst[i] = a[i]·b[i] for i < len(a); dst and b have at least
// a's length.
func Mul(dst, a, b []float32) {
	dst, b = dst[:len(a)], b[:len(a)]
	n := 0
	if hasKernel {
		n = len(a) &^ 7
		mulAVX(dst[:n], a[:n], b[:n])
	}
	for i := n; i < len(a); i++ {
		dst[i] = a[i] * b[i]
	}
}

// AddScalar sets dst[i] = a[i] + v for i < len(a); dst has at least a's
// length.
func AddScalar(dst, a []float32, v float32) {
	dst = dst[:len(a)]
	n := 0
	if hasKernel {
		n = len(a) &^ 7
		addScalarAVX(dst[:n], a[:n], v)
	}
	for i := n; i < len(a); i++ {
		dst[i] = a[i] + v
	}
}

// MulScalar sets dst[i] = a[i]·v for i < len(a); dst has at least a's
// length.
func MulScalar(dst, a []float32, v float32) {
	dst = dst[:len(a)]
	n := 0
	if hasKernel {
		n = len(a) &^ 7
		mulScalarAVX(dst[:n], a[:n], v)
	}
	for i := n; i < len(a); i++ {
		dst[i] = a[i] * v
	}
}
