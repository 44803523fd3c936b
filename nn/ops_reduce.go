package nn

import (
	"math"
	"slices"

	"github.com/metabench/metabench/nn/internal/simd"
)

// Sum returns the sum of all elements as a one-element tensor.
func (tp *Tape[T]) Sum(a *Tensor[T]) *Tensor[T] {
	out := tp.newOut([]int{1}, a)
	var s T
	for _, v := range a.Data {
		s += v
	}
	out.Data[0] = s
	tp.record("Sum", out, func() {
		ga := tp.grad(a)
		g := out.Grad[0]
		for i := range ga {
			ga[i] += g
		}
	}, a)
	return out
}

// Mean returns the mean of all elements as a one-element tensor.
func (tp *Tape[T]) Mean(a *Tensor[T]) *Tensor[T] {
	return tp.Scale(tp.Sum(a), 1/T(max(len(a.Data), 1)))
}

func dropAxis(shape []int, axis int) []int {
	out := slices.Delete(slices.Clone(shape), axis, axis+1)
	if len(out) == 0 {
		out = []int{1}
	}
	return out
}

// SumAxis sums over one axis, removing it. Each output element adds its
// inputs in axis order from zero, whichever loop below computes it.
func (tp *Tape[T]) SumAxis(a *Tensor[T], axis int) *Tensor[T] {
	axis = normAxis(axis, len(a.Shape))
	outer, dim, inner := axisSplit(a.Shape, axis)
	out := tp.newOut(dropAxis(a.Shape, axis), a)
	pairs := inner == 1 && dim == 2
	rows := outer
	if pairs {
		// Pairs (a 2×2 pooling window's columns): the running sum below
		// without a loop per output element.
		x := a.Data[:2*outer]
		for o, s := range out.Data[:outer] {
			out.Data[o] = (s + x[2*o]) + x[2*o+1]
		}
		rows = 0
	}
	for o := range rows {
		dst := out.Data[o*inner : (o+1)*inner]
		if inner == 1 {
			// The last axis (a pooling window): a running sum, where a call
			// a row of one element would cost more than the additions.
			s := dst[0]
			for _, v := range a.Data[o*dim : (o+1)*dim] {
				s += v
			}
			dst[0] = s
			continue
		}
		if d32, ok := any(dst).([]float32); ok && inner >= 8 {
			// The rows added in order into the same dst, 8 elements at a time.
			simd.AddRows(d32, 0, any(a.Data[o*dim*inner:]).([]float32), inner, dim, inner)
			continue
		}
		for d := range dim {
			src := a.Data[(o*dim+d)*inner : (o*dim+d+1)*inner]
			for i, v := range src {
				dst[i] += v
			}
		}
	}
	tp.record("SumAxis", out, func() {
		ga, fresh := tp.gradFor(a)
		if pairs {
			ga := ga[:2*len(out.Grad)]
			for o, g := range out.Grad {
				if fresh {
					ga[2*o], ga[2*o+1] = g, g
				} else {
					ga[2*o] += g
					ga[2*o+1] += g
				}
			}
			return
		}
		for o := range outer {
			g := out.Grad[o*inner : (o+1)*inner]
			if inner == 1 {
				row := ga[o*dim : (o+1)*dim]
				if fresh {
					for d := range row {
						row[d] = g[0]
					}
					continue
				}
				for d := range row {
					row[d] += g[0]
				}
				continue
			}
			for d := range dim {
				dst := ga[(o*dim+d)*inner : (o*dim+d+1)*inner]
				if fresh {
					copy(dst, g)
					continue
				}
				if d32, ok := any(dst).([]float32); ok && inner >= 8 {
					simd.AddRows(d32, inner, any(g).([]float32), inner, 1, inner)
					continue
				}
				for i, v := range g {
					dst[i] += v
				}
			}
		}
	}, a)
	return out
}

// MeanAxis averages over one axis, removing it.
func (tp *Tape[T]) MeanAxis(a *Tensor[T], axis int) *Tensor[T] {
	d := a.Shape[normAxis(axis, len(a.Shape))]
	return tp.Scale(tp.SumAxis(a, axis), 1/T(max(d, 1)))
}

// MaxAxis takes the maximum over one axis, removing it. The gradient goes to
// the first maximal element.
func (tp *Tape[T]) MaxAxis(a *Tensor[T], axis int) *Tensor[T] {
	axis = normAxis(axis, len(a.Shape))
	outer, dim, inner := axisSplit(a.Shape, axis)
	out := tp.newOut(dropAxis(a.Shape, axis), a)
	arg := make([]int32, outer*inner)
	for o := range outer {
		for i := range inner {
			best, bi := T(math.Inf(-1)), 0
			for d := range dim {
				if v := a.Data[(o*dim+d)*inner+i]; v > best || d == 0 {
					best, bi = v, d
				}
			}
			out.Data[o*inner+i] = best
			arg[o*inner+i] = int32(bi)
		}
	}
	tp.record("MaxAxis", out, func() {
		ga := tp.grad(a)
		for o := range outer {
			for i := range inner {
				ga[(o*dim+int(arg[o*inner+i]))*inner+i] += out.Grad[o*inner+i]
			}
		}
	}, a)
	return out
}

// Softmax normalises exp(a) along axis.
func (tp *Tape[T]) Softmax(a *Tensor[T], axis int) *Tensor[T] {
	return tp.softmax(a, axis, false)
}

// LogSoftmax returns log(Softmax(a, axis)), computed stably.
func (tp *Tape[T]) LogSoftmax(a *Tensor[T], axis int) *Tensor[T] {
	return tp.softmax(a, axis, true)
}

func (tp *Tape[T]) softmax(a *Tensor[T], axis int, logs bool) *Tensor[T] {
	axis = normAxis(axis, len(a.Shape))
	outer, dim, inner := axisSplit(a.Shape, axis)
	out := tp.newOutRaw(slices.Clone(a.Shape), a)
	if inner == 1 {
		for o := range outer {
			softmaxRow(out.Data[o*dim:(o+1)*dim], a.Data[o*dim:(o+1)*dim], logs)
		}
	} else {
		x := make([]T, dim)
		y := make([]T, dim)
		for o := range outer {
			for i := range inner {
				for d := range dim {
					x[d] = a.Data[(o*dim+d)*inner+i]
				}
				softmaxRow(y, x, logs)
				for d := range dim {
					out.Data[(o*dim+d)*inner+i] = y[d]
				}
			}
		}
	}
	name := "Softmax"
	if logs {
		name = "LogSoftmax"
	}
	tp.record(name, out, func() {
		if inner == 1 && a.Grad == nil {
			// Rows are independent: each row's input gradient overwrites
			// its output gradient, which then becomes a's (see binary).
			softmaxRowsBackward(out.Grad, out.Grad, out.Data, dim, logs, true)
			a.Grad = out.Grad
			return
		}
		ga := tp.grad(a)
		if inner == 1 {
			softmaxRowsBackward(ga, out.Grad, out.Data, dim, logs, false)
			return
		}
		for o := range outer {
			for i := range inner {
				base := o*dim*inner + i
				// Softmax: dx = y*(g - Σ g*y). LogSoftmax: dx = g - exp(y)*Σ g.
				var s T
				for d := range dim {
					j := base + d*inner
					if logs {
						s += out.Grad[j]
					} else {
						s += out.Grad[j] * out.Data[j]
					}
				}
				for d := range dim {
					j := base + d*inner
					if logs {
						ga[j] += out.Grad[j] - T(math.Exp(float64(out.Data[j])))*s
					} else {
						ga[j] += out.Data[j] * (out.Grad[j] - s)
					}
				}
			}
		}
	}, a)
	return out
}

// softmaxRowsBackward adds the input gradient of softmax (or log-softmax)
// taken over contiguous rows of length dim, given the output y and its
// gradient g: softmax dx = y·(g − Σ g·y), log-softmax dx = g − exp(y)·Σ g.
// With assign it stores dx instead of adding it; ga may then be g itself.
func softmaxRowsBackward[T Float](ga, g, y []T, dim int, logs, assign bool) {
	var p []T
	if logs {
		p = make([]T, dim)
	}
	for o := 0; o+dim <= len(y); o += dim {
		gr, yr, ar := g[o:o+dim], y[o:o+dim], ga[o:o+dim]
		var s T
		if logs {
			for _, v := range gr {
				s += v
			}
			copy(p, yr)
			expInPlace(p)
			if assign {
				for d, v := range gr {
					ar[d] = v - p[d]*s
				}
				continue
			}
			for d, v := range gr {
				ar[d] += v - p[d]*s
			}
			continue
		}
		s = dot4(gr, yr)
		if assign {
			for d, v := range gr {
				ar[d] = yr[d] * (v - s)
			}
			continue
		}
		for d, v := range gr {
			ar[d] += yr[d] * (v - s)
		}
	}
}

// dot4 returns Σ a·b with four partial sums: one running sum is a chain of
// dependent additions, four let them overlap (the rows of attention and
// output softmaxes are hundreds long).
func dot4[T Float](a, b []T) T {
	b = b[:len(a)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sum4 returns Σ x with four partial sums (see dot4).
func sum4[T Float](x []T) T {
	var s0, s1, s2, s3 T
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

// max4 returns the largest element of x (−Inf if empty) with four running
// maxima compared directly: the builtin max's NaN and signed-zero handling
// costs a chain of branches an element. NaNs are skipped here; a row that
// holds one still comes out all NaN from softmax (exp(NaN − m) poisons the
// sum), as with the builtin.
func max4(x []float32) float32 {
	m0 := float32(math.Inf(-1))
	m1, m2, m3 := m0, m0, m0
	i := 0
	for ; i+4 <= len(x); i += 4 {
		if x[i] > m0 {
			m0 = x[i]
		}
		if x[i+1] > m1 {
			m1 = x[i+1]
		}
		if x[i+2] > m2 {
			m2 = x[i+2]
		}
		if x[i+3] > m3 {
			m3 = x[i+3]
		}
	}
	for ; i < len(x); i++ {
		if x[i] > m0 {
			m0 = x[i]
		}
	}
	if m1 > m0 {
		m0 = m1
	}
	if m3 > m2 {
		m2 = m3
	}
	if m2 > m0 {
		m0 = m2
	}
	return m0
}

// expInPlace sets p[i] = exp(p[i]), vectorised for float32.
func expInPlace[T Float](p []T) {
	if p32, ok := any(p).([]float32); ok {
		simd.Exp(p32, p32)
		return
	}
	for i, v := range p {
		p[i] = T(math.Exp(float64(v)))
	}
}

// softmaxRow writes softmax (or log-softmax) of x into y and returns the
// row's maximum m and Σ exp(x−m), so that log-softmax(x)ᵢ = xᵢ − m − log s.
func softmaxRow[T Float](y, x []T, logs bool) (m T, s float64) {
	y = y[:len(x)]
	if x32, ok := any(x).([]float32); ok {
		y32, m32 := any(y).([]float32)[:len(x32)], max4(x32)
		m = T(m32)
		for i, v := range x32 {
			y32[i] = v - m32
		}
		simd.Exp(y32, y32)
		s = float64(sum4(y32))
	} else {
		m = T(math.Inf(-1))
		for _, v := range x {
			m = max(m, v)
		}
		for i, v := range x {
			e := math.Exp(float64(v - m))
			s += e
			y[i] = T(e)
		}
	}
	if logs {
		ls := T(math.Log(s))
		for i, v := range x {
			y[i] = v - m - ls
		}
		return m, s
	}
	inv := T(1 / s)
	for i := range y {
		y[i] *= inv
	}
	return m, s
}
