package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/metabench/metabench/nn/internal/simd"
)

type binKind int

const (
	binAdd binKind = iota
	binSub
	binMul
	binDiv
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div"}

// Add returns a+b with broadcasting (see [Tape.BroadcastTo]).
func (tp *Tape[T]) Add(a, b *Tensor[T]) *Tensor[T] { return tp.binary(binAdd, a, b) }

// Sub returns a-b with broadcasting.
func (tp *Tape[T]) Sub(a, b *Tensor[T]) *Tensor[T] { return tp.binary(binSub, a, b) }

// Mul returns the elementwise product a*b with broadcasting.
func (tp *Tape[T]) Mul(a, b *Tensor[T]) *Tensor[T] { return tp.binary(binMul, a, b) }

// Div returns the elementwise quotient a/b with broadcasting.
func (tp *Tape[T]) Div(a, b *Tensor[T]) *Tensor[T] { return tp.binary(binDiv, a, b) }

// suffixOf reports whether b, with leading ones dropped, equals a trailing
// part of a (so b repeats along a's leading axes).
func suffixOf(a, b []int) bool {
	for len(b) > 0 && b[0] == 1 {
		b = b[1:]
	}
	return len(b) <= len(a) && slices.Equal(a[len(a)-len(b):], b)
}

// broadcastShape returns the NumPy broadcast of two shapes.
func broadcastShape(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(fmt.Sprintf("nn: %s: shapes %v and %v do not broadcast", op, a, b))
		}
	}
	return out
}

func (tp *Tape[T]) binary(kind binKind, a, b *Tensor[T]) *Tensor[T] {
	name := binNames[kind]
	if kind == binAdd || kind == binMul {
		if inner, ok := perChannel(a.Shape, b.Shape); ok {
			return tp.binaryPerChannel(kind, a, b, inner)
		}
	}
	if !slices.Equal(a.Shape, b.Shape) && !(len(a.Data) >= len(b.Data) && suffixOf(a.Shape, b.Shape)) {
		shape := broadcastShape(name, a.Shape, b.Shape)
		if !slices.Equal(a.Shape, shape) {
			a = tp.BroadcastTo(a, shape...)
		}
		if !slices.Equal(b.Shape, shape) && !suffixOf(shape, b.Shape) {
			b = tp.BroadcastTo(b, shape...)
		}
	}
	out := tp.newOutRaw(slices.Clone(a.Shape), a, b)
	nb := len(b.Data)
	rows := 0
	if nb > 0 {
		rows = len(a.Data) / nb
	}
	for r := range rows {
		x := a.Data[r*nb : (r+1)*nb]
		o := out.Data[r*nb : (r+1)*nb]
		y := b.Data[:nb]
		if x32, ok := any(x).([]float32); ok && (kind == binAdd || kind == binMul) {
			// The same operations, 8 elements at a time.
			if kind == binAdd {
				simd.Add(any(o).([]float32), x32, any(y).([]float32))
			} else {
				simd.Mul(any(o).([]float32), x32, any(y).([]float32))
			}
			continue
		}
		switch kind {
		case binAdd:
			for j := range o {
				o[j] = x[j] + y[j]
			}
		case binSub:
			for j := range o {
				o[j] = x[j] - y[j]
			}
		case binMul:
			for j := range o {
				o[j] = x[j] * y[j]
			}
		case binDiv:
			for j := range o {
				o[j] = x[j] / y[j]
			}
		}
	}
	tp.record(name, out, func() {
		var ga, gb []T
		var freshA, freshB bool
		if a.requiresGrad {
			if (kind == binAdd || kind == binSub) && a.Grad == nil {
				// a has out's shape and every consumer of out has run:
				// out's gradient becomes a's, as Reshape hands it on.
				a.Grad = out.Grad
			} else {
				ga, freshA = tp.gradFor(a)
			}
		}
		if b.requiresGrad {
			if rows == 1 {
				gb, freshB = tp.gradFor(b)
			} else {
				gb = tp.grad(b) // summed over rows
			}
		}
		for r := range rows {
			g := out.Grad[r*nb : (r+1)*nb]
			x := a.Data[r*nb : (r+1)*nb]
			y := b.Data[:nb]
			if ga != nil {
				ga := ga[r*nb : (r+1)*nb]
				switch {
				case freshA && (kind == binAdd || kind == binSub):
					copy(ga, g)
				case freshA && kind == binMul:
					for j := range g {
						ga[j] = g[j] * y[j]
					}
				case freshA && kind == binDiv:
					for j := range g {
						ga[j] = g[j] / y[j]
					}
				case kind == binAdd, kind == binSub:
					for j := range g {
						ga[j] += g[j]
					}
				case kind == binMul:
					for j := range g {
						ga[j] += g[j] * y[j]
					}
				case kind == binDiv:
					for j := range g {
						ga[j] += g[j] / y[j]
					}
				}
			}
			if gb != nil && freshB {
				// rows == 1: the only row assigns the whole buffer.
				gb := gb[:nb]
				switch kind {
				case binAdd:
					copy(gb, g)
				case binSub:
					for j := range g {
						gb[j] = -g[j]
					}
				case binMul:
					for j := range g {
						gb[j] = g[j] * x[j]
					}
				case binDiv:
					for j := range g {
						gb[j] = -(g[j] * x[j] / (y[j] * y[j]))
					}
				}
			} else if gb != nil {
				gb := gb[:nb]
				switch kind {
				case binAdd:
					for j := range g {
						gb[j] += g[j]
					}
				case binSub:
					for j := range g {
						gb[j] -= g[j]
					}
				case binMul:
					for j := range g {
						gb[j] += g[j] * x[j]
					}
				case binDiv:
					for j := range g {
						gb[j] -= g[j] * x[j] / (y[j] * y[j])
					}
				}
			}
		}
	}, a, b)
	return out
}

// perChannel reports whether b has a's shape with its trailing axes cut to
// one ([N, C, 1, 1] against [N, C, H, W]: a bias or a conditioning vector
// per channel), and the number of elements of a per element of b.
func perChannel(a, b []int) (inner int, ok bool) {
	if len(a) != len(b) {
		return 0, false
	}
	inner = 1
	j := len(a)
	for j > 0 && b[j-1] == 1 {
		j--
		inner *= a[j]
	}
	return inner, inner > 1 && j < len(a) && slices.Equal(a[:j], b[:j])
}

// binaryPerChannel is a+b or a·b for b of [perChannel]'s shape: each
// element of b meets a run of inner elements of a, without broadcasting b
// to a's size first.
func (tp *Tape[T]) binaryPerChannel(kind binKind, a, b *Tensor[T], inner int) *Tensor[T] {
	out := tp.newOutRaw(slices.Clone(a.Shape), a, b)
	for o, v := range b.Data {
		x, y := a.Data[o*inner:(o+1)*inner], out.Data[o*inner:(o+1)*inner]
		if x32, ok := any(x).([]float32); ok {
			// The same operations, 8 elements at a time.
			if kind == binAdd {
				simd.AddScalar(any(y).([]float32), x32, float32(v))
			} else {
				simd.MulScalar(any(y).([]float32), x32, float32(v))
			}
			continue
		}
		if kind == binAdd {
			for j := range y {
				y[j] = x[j] + v
			}
		} else {
			for j := range y {
				y[j] = x[j] * v
			}
		}
	}
	tp.record(binNames[kind], out, func() {
		if b.requiresGrad {
			gb := tp.grad(b)
			gb32, is32 := any(gb).([]float32)
			for o := range gb {
				if kind == binAdd && is32 {
					// The same sums, four channels at a time.
					simd.SumRows(gb32, any(out.Grad).([]float32), inner)
					break
				}
				g := out.Grad[o*inner : (o+1)*inner]
				if kind == binAdd {
					gb[o] += sum4(g)
				} else {
					gb[o] += dot4(g, a.Data[o*inner:(o+1)*inner])
				}
			}
		}
		if !a.requiresGrad {
			return
		}
		if kind == binAdd {
			if a.Grad == nil {
				a.Grad = out.Grad // see binary
				return
			}
			for j, g := range out.Grad {
				a.Grad[j] += g
			}
			return
		}
		ga, fresh := tp.gradFor(a)
		for o, v := range b.Data {
			g, d := out.Grad[o*inner:(o+1)*inner], ga[o*inner:(o+1)*inner]
			if fresh {
				for j := range d {
					d[j] = g[j] * v
				}
				continue
			}
			for j := range d {
				d[j] += g[j] * v
			}
		}
	}, a, b)
	return out
}

// gradFor returns t's gradient buffer for a backward pass that writes each
// element of it once. A buffer created here is not cleared (fresh is true):
// the caller assigns instead of adding, saving a pass that zeroes it.
func (tp *Tape[T]) gradFor(t *Tensor[T]) (g []T, fresh bool) {
	if t.Grad != nil {
		return t.Grad, false
	}
	t.Grad = tp.arena.getRaw(len(t.Data))
	return t.Grad, true
}

// BroadcastTo expands a to shape following NumPy rules (axes aligned at the
// end; an axis of size one repeats). The gradient sums over repeated axes.
func (tp *Tape[T]) BroadcastTo(a *Tensor[T], shape ...int) *Tensor[T] {
	shape = slices.Clone(shape)
	if s := broadcastShape("BroadcastTo", a.Shape, shape); !slices.Equal(s, shape) {
		panic(fmt.Sprintf("nn: BroadcastTo: cannot broadcast %v to %v", a.Shape, shape))
	}
	out := tp.newOutRaw(shape, a)
	broadcastInto(out.Data, a.Data, a.Shape, shape)
	tp.record("BroadcastTo", out, func() {
		ga := tp.grad(a)
		broadcastRuns(a.Shape, shape, func(o, i, n int, repeat bool) {
			g := out.Grad[o : o+n]
			if !repeat {
				dst := ga[i : i+n]
				for k, v := range g {
					dst[k] += v
				}
				return
			}
			// Added one by one, in output order, as a scatter-add would.
			acc := ga[i]
			for _, v := range g {
				acc += v
			}
			ga[i] = acc
		})
	}, a)
	return out
}

// broadcastInto writes src (shape in) broadcast to shape into dst.
func broadcastInto[E any](dst, src []E, in, shape []int) {
	broadcastRuns(in, shape, func(o, i, n int, repeat bool) {
		if !repeat {
			copy(dst[o:o+n], src[i:i+n])
			return
		}
		for k := range dst[o : o+n] {
			dst[o+k] = src[i]
		}
	})
}

// broadcastRuns walks the output of broadcasting a tensor of shape in to
// shape, in row-major order, as runs of n elements starting at output offset
// o: a run reads input elements i..i+n-1, or input element i n times when
// repeat is set. Adjacent dimensions that are read the same way are merged,
// so the runs are as long as the layout allows.
func broadcastRuns(in, shape []int, f func(o, i, n int, repeat bool)) {
	// Input stride of every output dimension (0 where it is broadcast).
	inStride := make([]int, len(shape))
	s := 1
	for d := len(shape) - 1; d >= 0; d-- {
		if j := len(in) - len(shape) + d; j >= 0 && in[j] != 1 {
			inStride[d] = s
			s *= in[j]
		}
	}
	var dims, strides []int
	for d, size := range shape {
		if size == 1 {
			continue
		}
		if k := len(dims) - 1; k >= 0 && (strides[k] == 0 && inStride[d] == 0 ||
			inStride[d] != 0 && strides[k] == inStride[d]*size) {
			dims[k] *= size
			strides[k] = inStride[d]
			continue
		}
		dims = append(dims, size)
		strides = append(strides, inStride[d])
	}
	total := shapeSize(shape)
	if len(dims) == 0 {
		if total == 1 {
			f(0, 0, 1, false)
		}
		return
	}
	last := len(dims) - 1
	n, repeat := dims[last], strides[last] == 0
	outer, outerStride := dims[:last], strides[:last]
	pos := make([]int, len(outer))
	i := 0
	for o := 0; o < total; o += n {
		f(o, i, n, repeat)
		for d := len(outer) - 1; d >= 0; d-- {
			pos[d]++
			i += outerStride[d]
			if pos[d] < outer[d] {
				break
			}
			i -= outerStride[d] * pos[d]
			pos[d] = 0
		}
	}
}

type unKind int

const (
	unReLU unKind = iota
	unTanh
	unSigmoid
	unGELU
	unExp
	unLog
	unSqrt
	unSquare
	unNeg
	unAbs
)

var unNames = [...]string{"ReLU", "Tanh", "Sigmoid", "GELU", "Exp", "Log", "Sqrt", "Square", "Neg", "Abs"}

// ReLU returns max(a, 0) elementwise.
func (tp *Tape[T]) ReLU(a *Tensor[T]) *Tensor[T] { return tp.unary(unReLU, a) }

// Tanh returns tanh(a) elementwise.
func (tp *Tape[T]) Tanh(a *Tensor[T]) *Tensor[T] { return tp.unary(unTanh, a) }

// Sigmoid returns 1/(1+exp(-a)) elementwise.
func (tp *Tape[T]) Sigmoid(a *Tensor[T]) *Tensor[T] { return tp.unary(unSigmoid, a) }

// GELU returns the Gaussian error linear unit x·Φ(x) elementwise, with the
// exact normal distribution function Φ (not the tanh approximation); in
// float32 Φ is computed to 1.5e-7 absolute.
func (tp *Tape[T]) GELU(a *Tensor[T]) *Tensor[T] { return tp.unary(unGELU, a) }

// Exp returns exp(a) elementwise.
func (tp *Tape[T]) Exp(a *Tensor[T]) *Tensor[T] { return tp.unary(unExp, a) }

// Log returns the natural logarithm of a elementwise.
func (tp *Tape[T]) Log(a *Tensor[T]) *Tensor[T] { return tp.unary(unLog, a) }

// Sqrt returns the square root of a elementwise.
func (tp *Tape[T]) Sqrt(a *Tensor[T]) *Tensor[T] { return tp.unary(unSqrt, a) }

// Square returns a*a elementwise.
func (tp *Tape[T]) Square(a *Tensor[T]) *Tensor[T] { return tp.unary(unSquare, a) }

// Neg returns -a.
func (tp *Tape[T]) Neg(a *Tensor[T]) *Tensor[T] { return tp.unary(unNeg, a) }

// Abs returns |a| elementwise (gradient sign(a), zero at zero).
func (tp *Tape[T]) Abs(a *Tensor[T]) *Tensor[T] { return tp.unary(unAbs, a) }

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func (tp *Tape[T]) unary(kind unKind, a *Tensor[T]) *Tensor[T] {
	var out *Tensor[T]
	_, is32 := any(a.Data).([]float32)
	if kind == unReLU && !is32 {
		// The generic ReLU writes only the positive elements.
		out = tp.newOut(slices.Clone(a.Shape), a)
	} else {
		out = tp.newOutRaw(slices.Clone(a.Shape), a)
	}
	x, y := a.Data, out.Data[:len(a.Data)]
	switch kind {
	case unReLU:
		if x32, ok := any(x).([]float32); ok {
			simd.ReLU(any(y).([]float32), x32)
			break
		}
		for i, v := range x {
			if v > 0 {
				y[i] = v
			}
		}
	case unTanh:
		if x32, ok := any(x).([]float32); ok {
			simd.Tanh(any(y).([]float32), x32)
			break
		}
		for i, v := range x {
			y[i] = T(math.Tanh(float64(v)))
		}
	case unSigmoid:
		if x32, ok := any(x).([]float32); ok {
			simd.Sigmoid(any(y).([]float32), x32)
			break
		}
		for i, v := range x {
			y[i] = T(sigmoid(float64(v)))
		}
	case unGELU:
		if x32, ok := any(x).([]float32); ok {
			simd.GELU(any(y).([]float32), x32)
			break
		}
		for i, v := range x {
			f := float64(v)
			y[i] = T(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
		}
	case unExp:
		if x32, ok := any(x).([]float32); ok {
			simd.Exp(any(y).([]float32), x32)
			break
		}
		for i, v := range x {
			y[i] = T(math.Exp(float64(v)))
		}
	case unLog:
		for i, v := range x {
			y[i] = T(math.Log(float64(v)))
		}
	case unSqrt:
		for i, v := range x {
			y[i] = T(math.Sqrt(float64(v)))
		}
	case unSquare:
		for i, v := range x {
			y[i] = v * v
		}
	case unNeg:
		for i, v := range x {
			y[i] = -v
		}
	case unAbs:
		for i, v := range x {
			y[i] = T(math.Abs(float64(v)))
		}
	}
	tp.record(unNames[kind], out, func() {
		ga, fresh := tp.gradFor(a)
		ga = ga[:len(x)]
		g := out.Grad[:len(x)]
		if fresh {
			// The activations' gradients are assigned into a new buffer;
			// the other ops add into a cleared one.
			switch kind {
			case unReLU:
				if x32, ok := any(x).([]float32); ok {
					simd.ReLUGrad(any(ga).([]float32), any(g).([]float32), x32, false)
					return
				}
			case unTanh:
				for i, v := range y {
					ga[i] = g[i] * (1 - v*v)
				}
				return
			case unSigmoid:
				for i, v := range y {
					ga[i] = g[i] * v * (1 - v)
				}
				return
			}
			clear(ga)
		}
		switch kind {
		case unReLU:
			if x32, ok := any(x).([]float32); ok {
				simd.ReLUGrad(any(ga).([]float32), any(g).([]float32), x32, true)
				break
			}
			for i, v := range x {
				if v > 0 {
					ga[i] += g[i]
				}
			}
		case unTanh:
			for i, v := range y {
				ga[i] += g[i] * (1 - v*v)
			}
		case unSigmoid:
			for i, v := range y {
				ga[i] += g[i] * v * (1 - v)
			}
		case unGELU:
			if x32, ok := any(x).([]float32); ok {
				simd.GELUGradAdd(any(ga).([]float32), any(g).([]float32), x32)
				break
			}
			for i, v := range x {
				f := float64(v)
				d := 0.5*(1+math.Erf(f/math.Sqrt2)) + f*math.Exp(-0.5*f*f)/math.Sqrt(2*math.Pi)
				ga[i] += g[i] * T(d)
			}
		case unExp:
			for i, v := range y {
				ga[i] += g[i] * v
			}
		case unLog:
			for i, v := range x {
				ga[i] += g[i] / v
			}
		case unSqrt:
			for i, v := range y {
				ga[i] += g[i] / (2 * v)
			}
		case unSquare:
			for i, v := range x {
				ga[i] += 2 * g[i] * v
			}
		case unNeg:
			for i := range x {
				ga[i] -= g[i]
			}
		case unAbs:
			for i, v := range x {
				switch {
				case v > 0:
					ga[i] += g[i]
				case v < 0:
					ga[i] -= g[i]
				}
			}
		}
	}, a)
	return out
}

// Scale returns c*a for a constant c.
func (tp *Tape[T]) Scale(a *Tensor[T], c T) *Tensor[T] {
	out := tp.newOutRaw(slices.Clone(a.Shape), a)
	for i, v := range a.Data {
		out.Data[i] = c * v
	}
	tp.record("Scale", out, func() {
		if a.Grad == nil {
			// out's gradient is final (see binary): scale it in place and
			// hand it on.
			for i, g := range out.Grad {
				out.Grad[i] = c * g
			}
			a.Grad = out.Grad
			return
		}
		ga := a.Grad
		for i, g := range out.Grad {
			ga[i] += c * g
		}
	}, a)
	return out
}

// AddScalar returns a+c for a constant c.
func (tp *Tape[T]) AddScalar(a *Tensor[T], c T) *Tensor[T] {
	out := tp.newOutRaw(slices.Clone(a.Shape), a)
	for i, v := range a.Data {
		out.Data[i] = v + c
	}
	tp.record("AddScalar", out, func() {
		if a.Grad == nil {
			a.Grad = out.Grad // see binary
			return
		}
		ga := a.Grad
		for i, g := range out.Grad {
			ga[i] += g
		}
	}, a)
	return out
}

// MaskedFill returns a copy of a in which the elements selected by mask are
// replaced by value (their gradient is zero). mask has shape maskShape, which
// must broadcast to a's shape.
func (tp *Tape[T]) MaskedFill(a *Tensor[T], mask []bool, maskShape []int, value T) *Tensor[T] {
	if shapeSize(maskShape) != len(mask) {
		panic(fmt.Sprintf("nn: MaskedFill: %d mask values for shape %v", len(mask), maskShape))
	}
	if s := broadcastShape("MaskedFill", a.Shape, maskShape); !slices.Equal(s, a.Shape) {
		panic(fmt.Sprintf("nn: MaskedFill: mask shape %v does not broadcast to %v", maskShape, a.Shape))
	}
	if len(mask) != len(a.Data) {
		full := make([]bool, len(a.Data))
		broadcastInto(full, mask, maskShape, a.Shape)
		mask = full
	}
	out := tp.newOutRaw(slices.Clone(a.Shape), a)
	for i, v := range a.Data {
		if mask[i] {
			out.Data[i] = value
		} else {
			out.Data[i] = v
		}
	}
	tp.record("MaskedFill", out, func() {
		ga := tp.grad(a)
		for i, g := range out.Grad {
			if !mask[i] {
				ga[i] += g
			}
		}
	}, a)
	return out
}

// Dropout zeroes each element with probability p and scales the others by
// 1/(1-p) (inverted dropout). rnd supplies uniform numbers in [0, 1), for
// example (*rand.Rand).Float64 of a seeded generator; with p == 0 or a nil
// rnd, a is returned unchanged.
func (tp *Tape[T]) Dropout(a *Tensor[T], p float64, rnd func() float64) *Tensor[T] {
	if p <= 0 || rnd == nil {
		return a
	}
	if p >= 1 {
		panic(fmt.Sprintf("nn: Dropout: p = %v, want < 1", p))
	}
	keep := tp.arena.getRaw(len(a.Data))
	s := T(1 / (1 - p))
	out := tp.newOutRaw(slices.Clone(a.Shape), a)
	// The mask first, one rnd call per element in order as before, then
	// the products: for float32 one vector pass (the same single rounded
	// multiply per element), which the loop calling rnd cannot be.
	for i := range keep {
		k := T(0)
		if rnd() >= p {
			k = s
		}
		keep[i] = k
	}
	if a32, ok := any(a.Data).([]float32); ok {
		simd.Mul(any(out.Data).([]float32), a32, any(keep).([]float32))
	} else {
		for i, v := range a.Data {
			out.Data[i] = v * keep[i]
		}
	}
	tp.record("Dropout", out, func() {
		ga, fresh := tp.gradFor(a)
		if fresh {
			if g32, ok := any(out.Grad).([]float32); ok {
				simd.Mul(any(ga).([]float32), g32, any(keep).([]float32))
				return
			}
			for i, g := range out.Grad {
				ga[i] = g * keep[i]
			}
			return
		}
		for i, g := range out.Grad {
			ga[i] += g * keep[i]
		}
	}, a)
	return out
}

// GatedActivation splits a into two equal halves along axis and returns
// tanh(first) ⊙ sigmoid(second), the gated unit of PixelCNN and WaveNet,
// fused into one operation.
func (tp *Tape[T]) GatedActivation(a *Tensor[T], axis int) *Tensor[T] {
	axis = normAxis(axis, len(a.Shape))
	outer, dim, inner := axisSplit(a.Shape, axis)
	if dim%2 != 0 {
		panic(fmt.Sprintf("nn: GatedActivation: axis %d of %v has odd length", axis, a.Shape))
	}
	half := dim / 2 * inner
	shape := slices.Clone(a.Shape)
	shape[axis] = dim / 2
	out := tp.newOutRaw(shape, a)
	// Keep tanh and sigmoid values for the backward pass (every element
	// is written below, so the buffers need no clearing).
	th, sg := tp.arena.getRaw(outer*half), tp.arena.getRaw(outer*half)
	for o := range outer {
		xa, xb := a.Data[o*2*half:o*2*half+half], a.Data[o*2*half+half:(o+1)*2*half]
		t, s, y := th[o*half:(o+1)*half], sg[o*half:(o+1)*half], out.Data[o*half:(o+1)*half]
		if xa32, ok := any(xa).([]float32); ok {
			// Chunks small enough that the product reads t and s from
			// L1 (a whole half of an image's channels did not fit in
			// it); elementwise, so the same values.
			t32, s32, xb32, y32 := any(t).([]float32), any(s).([]float32), any(xb).([]float32), any(y).([]float32)
			const chunk = 1024
			for i := 0; i < half; i += chunk {
				j := min(i+chunk, half)
				simd.Tanh(t32[i:j], xa32[i:j])
				simd.Sigmoid(s32[i:j], xb32[i:j])
				simd.Mul(y32[i:j], t32[i:j], s32[i:j])
			}
			continue
		}
		for i := range t {
			t[i] = T(math.Tanh(float64(xa[i])))
			s[i] = T(sigmoid(float64(xb[i])))
		}
		for i := range y {
			y[i] = t[i] * s[i]
		}
	}
	tp.record("GatedActivation", out, func() {
		ga, fresh := tp.gradFor(a)
		for o := range outer {
			t, s, g := th[o*half:(o+1)*half], sg[o*half:(o+1)*half], out.Grad[o*half:(o+1)*half]
			da, db := ga[o*2*half:o*2*half+half], ga[o*2*half+half:(o+1)*2*half]
			da, db, s, t = da[:len(g)], db[:len(g)], s[:len(g)], t[:len(g)]
			if g32, ok := any(g).([]float32); ok {
				// The same operations, 8 elements at a time.
				simd.GatedGrad(any(da).([]float32), any(db).([]float32), g32, any(t).([]float32), any(s).([]float32), !fresh)
				continue
			}
			if fresh {
				for i, gi := range g {
					da[i] = gi * s[i] * (1 - t[i]*t[i])
					db[i] = gi * t[i] * s[i] * (1 - s[i])
				}
				continue
			}
			for i, gi := range g {
				da[i] += gi * s[i] * (1 - t[i]*t[i])
				db[i] += gi * t[i] * s[i] * (1 - s[i])
			}
		}
	}, a)
	return out
}
