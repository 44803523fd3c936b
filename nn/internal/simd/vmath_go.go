package simd

import "math"

// The lanes below are the vector kernels of vmath_amd64.s (EXP8, NORMCDF8
// and the loops around them) for one element, in plain Go: the same
// constants, the same operations in the same order, each fused
// multiply-add rounded once (fmaf) and no subnormal flushed, as the vector
// math runs without the GEMM kernels' FTZ/DAZ modes. Where the CPU lacks
// AVX2 and FMA (or in the purego build) they compute the elements the
// kernels would, so Exp, Sigmoid, Tanh, GELU and GELUGradAdd give the same
// bits on every x86-64 CPU. The elements past the last multiple of 8 keep
// the scalar formulas (expf, tanhf, normalCDF) on every CPU.

// f32 is the float32 with the given bits: the kernels' constants, as
// written in the assembly.
func f32(bits uint32) float32 { return math.Float32frombits(bits) }

// twoSum returns s = a + b rounded and its rounding error e, exactly
// (Knuth): a + b = s + e.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bv := s - a
	return s, (a - (s - bv)) + (b - bv)
}

// fmaf returns a·b + c rounded once to float32, subnormals included, as
// VFMADD does with MXCSR's defaults. The product is exact in float64; a
// sum that rounds to a float32 midpoint in float64 is decided by the sign
// of its exact rounding error.
func fmaf(a, b, c float32) float32 {
	s, e := twoSum(float64(a)*float64(b), float64(c))
	r := float32(s)
	if e == 0 || float64(r) == s || math.IsInf(s, 0) || math.IsNaN(s) {
		return r
	}
	// s lies strictly between r and its neighbour o on s's side. Where r
	// overflowed to ±Inf, the midpoint is the one between MaxFloat32 and
	// 2¹²⁸, rounding's stand-in for Inf.
	rv := float64(r)
	if math.IsInf(rv, 0) {
		rv = math.Copysign(0x1p128, rv)
	}
	o := math.Nextafter32(r, float32(math.Copysign(math.Inf(1), s-rv)))
	if rv-s != s-float64(o) {
		return r // not a midpoint: one rounding and two agree
	}
	if (e > 0) == (float64(o) > rv) {
		return o
	}
	return r
}

// expLane is EXP8 for one lane.
func expLane(x float32) float32 {
	if hi := f32(0x42b0c0a5); hi < x { // VMINPS: x if either is NaN
		x = hi
	}
	if lo := f32(0xc2aeac50); lo > x {
		x = lo
	}
	fn := float32(math.RoundToEven(float64(x * f32(0x3fb8aa3b))))
	x = fmaf(-fn, f32(0x3f318000), x)
	x = fmaf(-fn, f32(0xb95e8083), x)
	z := x * x
	y := f32(0x39506967)
	for _, p := range [...]uint32{0x3ab743ce, 0x3c088908, 0x3d2aa9c1, 0x3e2aaaaa, 0x3f000000} {
		y = fmaf(x, y, f32(p))
	}
	y = fmaf(z, y, x)
	y = y + 1
	// VCVTPS2DQ of a NaN gives 0x80000000, whose scale is 1: NaN stays NaN.
	n := int32(math.MinInt32)
	if !math.IsNaN(float64(fn)) {
		n = int32(fn)
	}
	return y * math.Float32frombits(uint32(n+127)<<23)
}

// sigmoidLane is sigmoidAVX for one lane: 1/(1 + exp(−x)).
func sigmoidLane(x float32) float32 {
	return 1 / (expLane(-x) + 1)
}

// tanhLane is tanhAVX for one lane: for |x| < 0.625 the odd polynomial,
// otherwise sign(x)·(1 − 2/(exp(2|x|)+1)).
func tanhLane(x float32) float32 {
	ax := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	if ax < f32(0x3f200000) { // ordered: NaN takes the other branch
		z := x * x
		y := f32(0xbbbaf0ea)
		for _, t := range [...]uint32{0x3ca9134e, 0xbd5c1e2d, 0x3e088393, 0xbeaaaa99} {
			y = fmaf(z, y, f32(t))
		}
		return fmaf(x, y*z, x)
	}
	t := 1 - 2/(expLane(ax+ax)+1)
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&(1<<31))
}

// normalCDFLane is NORMCDF8 for one lane: Φ(x) and exp(−x²/2).
func normalCDFLane(x float32) (phi, e float32) {
	e = expLane(x * x * f32(0xbf000000))
	ax := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	t := 1 / fmaf(f32(0x3e6d3388), ax, 1)
	p := f32(0x3f07dc22)
	for _, a := range [...]uint32{0xbf3a00e3, 0x3f35f0e3, 0xbe11a98e, 0x3e027906} {
		p = fmaf(t, p, f32(a))
	}
	h := p * t * e
	if math.Float32bits(x)>>31 != 0 { // VBLENDVPS on the sign bit
		return h, e
	}
	return 1 - h, e
}

// geluLane is geluAVX for one lane: x·Φ(x).
func geluLane(x float32) float32 {
	phi, _ := normalCDFLane(x)
	return x * phi
}

// geluGradLane is geluGradAVX for one lane: ga + g·(Φ(x) + x·φ(x)).
func geluGradLane(ga, g, x float32) float32 {
	phi, e := normalCDFLane(x)
	return fmaf(g, fmaf(x, e*f32(0x3ecc422a), phi), ga)
}
