package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// updateValue draws values for the update kernels: normal values of every
// scale, subnormals and zeros of both signs (the kernels must not flush).
func updateValue(r *rand.Rand) float32 {
	switch r.IntN(6) {
	case 0:
		return math.Float32frombits(r.Uint32() & 0x807fffff) // subnormal (or ±0)
	case 1:
		return float32(r.NormFloat64()) * 1e-20
	case 2:
		return float32(r.NormFloat64()) * 1e18
	default:
		return float32(r.NormFloat64())
	}
}

func randSlice(r *rand.Rand, n int, nonNegative bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = updateValue(r)
		if nonNegative {
			x[i] = float32(math.Abs(float64(x[i])))
		}
	}
	return x
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d = %g (%#x), want %g (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestAxpyMatchesGo checks Axpy (vector and tail) against the scalar loop.
func TestAxpyMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 100, 2000} {
		for _, alpha := range []float32{1, -0.37, 3e-30, 1e20, 0} {
			x, y := randSlice(r, n, false), randSlice(r, n+3, false)
			want := append([]float32(nil), y...)
			if alpha != 0 {
				axpyGo(alpha, x, want)
			}
			Axpy(alpha, x, y)
			sameBits(t, "Axpy", y, want)
		}
	}
}

// TestAdamMatchesGo checks Adam (vector and tail) against the scalar loop.
func TestAdamMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	c := &AdamConsts{B1: 0.9, A1: 1 - 0.9, B2: 0.999, A2: 1 - 0.999, StepSize: 0.0031, Inv: 1.7, Eps: 1e-8}
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 1000} {
		p, g, m, v := randSlice(r, n, false), randSlice(r, n, false), randSlice(r, n, false), randSlice(r, n, true)
		p2, m2, v2 := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
		adamGo(p2, g, m2, v2, c)
		Adam(p, g, m, v, c)
		sameBits(t, "Adam p", p, p2)
		sameBits(t, "Adam m", m, m2)
		sameBits(t, "Adam v", v, v2)
	}
}

// TestAddRowsMatchesGo checks AddRows against the scalar loop for widths
// around the vector length and strides wider and narrower than the rows.
func TestAddRowsMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, rows := range []int{1, 2, 5} {
		for _, width := range []int{1, 7, 8, 9, 26, 28, 33} {
			for _, extra := range []int{0, 3} {
				ds, ss := width+extra, width+2*extra+1
				dst, src := randSlice(r, rows*ds+5, false), randSlice(r, rows*ss, false)
				want := append([]float32(nil), dst...)
				addRowsGo(want, ds, src, ss, rows, width)
				AddRows(dst, ds, src, ss, rows, width)
				sameBits(t, "AddRows", dst, want)
			}
		}
	}
}

// TestGatedGradMatchesGo checks GatedGrad, writing and adding, against
// the scalar loops.
func TestGatedGradMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{0, 1, 7, 8, 9, 100, 784} {
		for _, add := range []bool{false, true} {
			g, th, s := randSlice(r, n, false), randSlice(r, n, false), randSlice(r, n, false)
			for i := range th {
				th[i] = float32(math.Tanh(float64(th[i])))
				s[i] = float32(1 / (1 + math.Exp(-float64(s[i]))))
			}
			da, db := randSlice(r, n, false), randSlice(r, n, false)
			da2, db2 := append([]float32(nil), da...), append([]float32(nil), db...)
			gatedGradGo(da2, db2, g, th, s, add)
			GatedGrad(da, db, g, th, s, add)
			sameBits(t, "GatedGrad da", da, da2)
			sameBits(t, "GatedGrad db", db, db2)
		}
	}
}

// TestAllFiniteMatchesGo puts one NaN or infinity (or none) at every
// position of vectors around the kernel's block of 32.
func TestAllFiniteMatchesGo(t *testing.T) {
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xff812345)}
	r := rand.New(rand.NewPCG(19, 20))
	for _, n := range []int{0, 1, 31, 32, 33, 64, 100} {
		x := randSlice(r, n, false)
		if n > 1 {
			x[0], x[n-1] = math.MaxFloat32, -math.MaxFloat32 // the largest finite values
		}
		if !AllFinite(x) {
			t.Fatalf("n=%d: finite values reported non-finite", n)
		}
		for i := range n {
			for _, b := range bad {
				v := x[i]
				x[i] = b
				if AllFinite(x) || allFiniteGo(x) {
					t.Fatalf("n=%d: %g at %d not found", n, b, i)
				}
				x[i] = v
			}
		}
	}
}

// TestCopyRows checks CopyRows against row-by-row copies.
func TestCopyRows(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, rows := range []int{1, 3} {
		for _, width := range []int{1, 7, 8, 9, 27, 33} {
			ds, ss := width+2, width+5
			dst, src := randSlice(r, rows*ds+1, false), randSlice(r, rows*ss, false)
			want := append([]float32(nil), dst...)
			for q := range rows {
				copy(want[q*ds:q*ds+width], src[q*ss:])
			}
			CopyRows(dst, ds, src, ss, rows, width)
			sameBits(t, "CopyRows", dst, want)
		}
	}
}

// TestReLUMatchesGo checks ReLU and ReLUGrad (writing and adding, vector
// and tail) against the scalar loops, on values that include zeros of
// both signs, subnormals, infinities and NaNs of both signs.
func TestReLUMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc00002), math.Float32frombits(0x7f800003)}
	for _, n := range []int{0, 1, 7, 8, 9, 100, 676} {
		x, g := randSlice(r, n, false), randSlice(r, n, false)
		for i := range x {
			if i%3 == 0 {
				x[i] = special[r.IntN(len(special))]
			}
			if i%5 == 0 {
				g[i] = special[r.IntN(len(special))]
			}
		}
		got, want := make([]float32, n), make([]float32, n)
		ReLU(got, x)
		reluGo(want, x)
		sameBits(t, "ReLU", got, want)
		for _, add := range []bool{false, true} {
			ga := randSlice(r, n, false)
			for i := range ga {
				if i%4 == 0 {
					ga[i] = special[r.IntN(len(special))]
				}
			}
			want := append([]float32(nil), ga...)
			reluGradGo(want, g, x, add)
			ReLUGrad(ga, g, x, add)
			sameBits(t, "ReLUGrad", ga, want)
		}
	}
}

// TestSumRowsMatchesGo checks SumRows against the scalar sums for row
// counts around the group of 4 and lengths around the vector of 4, with
// subnormals, signed zeros and values of every scale in the rows.
func TestSumRowsMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, rows := range []int{0, 1, 3, 4, 5, 8, 24, 48} {
		for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 13, 676} {
			x := randSlice(r, rows*n, false)
			dst := randSlice(r, rows, false)
			want := append([]float32(nil), dst...)
			for j := range want {
				want[j] += sum4Go(x[j*n : (j+1)*n])
			}
			SumRows(dst, x, n)
			sameBits(t, "SumRows", dst, want)
		}
	}
}

// TestAddMulMatchGo checks Add, Mul, AddScalar and MulScalar against Go's + and · on values of
// every scale, subnormals, signed zeros, infinities and NaNs (a NaN in
// both operands keeps the first one's payload, as in Go).
func TestAddMulMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc00002)}
	for _, n := range []int{0, 1, 7, 8, 9, 100, 676} {
		a, b := randSlice(r, n, false), randSlice(r, n, false)
		for i := range a {
			if i%3 == 0 {
				a[i] = special[r.IntN(len(special))]
			}
			if i%4 == 0 {
				b[i] = special[r.IntN(len(special))]
			}
		}
		got, want := make([]float32, n), make([]float32, n)
		for i := range want {
			want[i] = a[i] + b[i]
		}
		Add(got, a, b)
		sameBits(t, "Add", got, want)
		for i := range want {
			want[i] = a[i] * b[i]
		}
		Mul(got, a, b)
		sameBits(t, "Mul", got, want)
		for _, v := range append([]float32{0.37, -1e-30, 3e20}, special...) {
			for i := range want {
				want[i] = a[i] + v
			}
			AddScalar(got, a, v)
			sameBits(t, "AddScalar", got, want)
			for i := range want {
				want[i] = a[i] * v
			}
			MulScalar(got, a, v)
			sameBits(t, "MulScalar", got, want)
		}
	}
}
