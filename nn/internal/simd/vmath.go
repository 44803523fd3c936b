package simd

import "math"

// Exp sets dst[i] = e**src[i] (float32 precision, a few ulp) for every i;
// dst must be at least as long as src.
func Exp(dst, src []float32) {
	n := len(src) &^ 7
	if hasKernel {
		expAVX(dst[:n], src[:n])
	} else {
		for i, x := range src[:n] {
			dst[i] = expLane(x)
		}
	}
	for i := n; i < len(src); i++ {
		dst[i] = expf(src[i])
	}
}

// Sigmoid sets dst[i] = 1/(1+e**-src[i]) for every i.
func Sigmoid(dst, src []float32) {
	n := len(src) &^ 7
	if hasKernel {
		sigmoidAVX(dst[:n], src[:n])
	} else {
		for i, x := range src[:n] {
			dst[i] = sigmoidLane(x)
		}
	}
	for i := n; i < len(src); i++ {
		dst[i] = 1 / (1 + expf(-src[i]))
	}
}

// Tanh sets dst[i] = tanh(src[i]) for every i.
func Tanh(dst, src []float32) {
	n := len(src) &^ 7
	if hasKernel {
		tanhAVX(dst[:n], src[:n])
	} else {
		for i, x := range src[:n] {
			dst[i] = tanhLane(x)
		}
	}
	for i := n; i < len(src); i++ {
		dst[i] = tanhf(src[i])
	}
}

// expf is the scalar version of the vector exp (Cephes expf). It is
// branch-free; NaN propagates through the polynomial.
func expf(x float32) float32 {
	const (
		hi    = 88.3762626647949
		lo    = -87.3365447504
		log2e = 1.44269504088896341
		magic = 12582912 // 1.5·2²³: adding it rounds to an integer
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	x = min(max(x, lo), hi)
	fn := (x*log2e + magic) - magic
	x = x - fn*c1 - fn*c2
	z := x * x
	y := ((((1.9875691500e-4*x+1.3981999507e-3)*x+8.3334519073e-3)*x+4.1665795894e-2)*x+1.6666665459e-1)*x + 5.0000001201e-1
	y = y*z + x + 1
	return y * math.Float32frombits(uint32(int32(fn)+127)<<23)
}

// tanhf is the scalar version of the vector tanh.
func tanhf(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax < 0.625 {
		z := x * x
		return ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)*z*x + x
	}
	t := 1 - 2/(expf(2*ax)+1)
	if x < 0 {
		return -t
	}
	return t
}

// GELU sets dst[i] = x·Φ(x) for x = src[i], where Φ is the standard normal
// distribution function. Φ comes from Abramowitz & Stegun 7.1.26
// (erfc(z) ≈ t·P(t)·exp(−z²), t = 1/(1+pz)), whose absolute error 1.5e-7 is
// below float32's resolution of Φ; for x < 0 the formula gives Φ(x) directly,
// without the cancellation of 1 + erf.
func GELU(dst, src []float32) {
	n := len(src) &^ 7
	if hasKernel {
		geluAVX(dst[:n], src[:n])
	} else {
		for i, x := range src[:n] {
			dst[i] = geluLane(x)
		}
	}
	for i := n; i < len(src); i++ {
		phi, _ := normalCDF(src[i])
		dst[i] = src[i] * phi
	}
}

// GELUGradAdd adds g[i]·GELU′(x[i]) to ga[i], where GELU′(x) = Φ(x) + x·φ(x).
func GELUGradAdd(ga, g, x []float32) {
	n := len(x) &^ 7
	if hasKernel {
		geluGradAVX(ga[:n], g[:n], x[:n])
	} else {
		for i, v := range x[:n] {
			ga[i] = geluGradLane(ga[i], g[i], v)
		}
	}
	for i := n; i < len(x); i++ {
		phi, e := normalCDF(x[i])
		ga[i] += g[i] * (phi + x[i]*e*invSqrt2Pi)
	}
}

// The constants of GELU: p/√2 and the A&S coefficients halved, so that
// t = 1/(1+gp·|x|) and h = t·P(t)·exp(−x²/2) is Φ(−|x|).
const (
	gp         = 0.3275911 / math.Sqrt2
	ga1        = 0.254829592 / 2
	ga2        = -0.284496736 / 2
	ga3        = 1.421413741 / 2
	ga4        = -1.453152027 / 2
	ga5        = 1.061405429 / 2
	invSqrt2Pi = 0.3989422804014327
)

// normalCDF is the scalar version of the vector code: Φ(x) and exp(−x²/2).
func normalCDF(x float32) (phi, e float32) {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	e = expf(-0.5 * x * x)
	t := 1 / (1 + gp*ax)
	h := t * (ga1 + t*(ga2+t*(ga3+t*(ga4+t*ga5)))) * e
	if x < 0 {
		return h, e
	}
	return 1 - h, e
}
