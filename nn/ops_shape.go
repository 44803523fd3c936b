package nn

import (
	"fmt"
	"slices"

	"github.com/metabench/metabench/nn/internal/simd"
)

// Reshape returns a with a new shape of the same size. One dimension may be
// -1 and is then inferred.
func (tp *Tape[T]) Reshape(a *Tensor[T], shape ...int) *Tensor[T] {
	shape = slices.Clone(shape)
	infer, known := -1, 1
	for i, d := range shape {
		if d == -1 {
			if infer >= 0 {
				panic(fmt.Sprintf("nn: Reshape: more than one -1 in %v", shape))
			}
			infer = i
			continue
		}
		known *= d
	}
	if infer >= 0 && known > 0 {
		shape[infer] = len(a.Data) / known
	}
	if shapeSize(shape) != len(a.Data) {
		panic(fmt.Sprintf("nn: Reshape: cannot reshape %v to %v", a.Shape, shape))
	}
	out := &Tensor[T]{Shape: shape, Data: a.Data, requiresGrad: a.requiresGrad && !tp.noGrad}
	tp.record("Reshape", out, func() {
		if a.Grad == nil {
			// Every consumer of out has run its backward: out's gradient
			// buffer is final and can become a's, as its data already is.
			a.Grad = out.Grad
			return
		}
		ga := a.Grad
		for i, g := range out.Grad {
			ga[i] += g
		}
	}, a)
	return out
}

// Transpose permutes the axes of a: output axis i is input axis perm[i].
// Without perm it swaps the last two axes.
func (tp *Tape[T]) Transpose(a *Tensor[T], perm ...int) *Tensor[T] {
	r := len(a.Shape)
	if len(perm) == 0 {
		if r < 2 {
			panic(fmt.Sprintf("nn: Transpose: rank %d", r))
		}
		perm = make([]int, r)
		for i := range perm {
			perm[i] = i
		}
		perm[r-1], perm[r-2] = r-2, r-1
	}
	if len(perm) != r {
		panic(fmt.Sprintf("nn: Transpose: permutation %v for rank %d", perm, r))
	}
	seen := make([]bool, r)
	shape := make([]int, r)
	for i, p := range perm {
		if p < 0 || p >= r || seen[p] {
			panic(fmt.Sprintf("nn: Transpose: invalid permutation %v", perm))
		}
		seen[p] = true
		shape[i] = a.Shape[p]
	}
	inStride := make([]int, r)
	s := 1
	for i := r - 1; i >= 0; i-- {
		inStride[i] = s
		s *= a.Shape[i]
	}
	strides := make([]int, r)
	for i, p := range perm {
		strides[i] = inStride[p]
	}
	out := tp.newOutRaw(shape, a)
	permute(out.Data, a.Data, shape, strides, false)
	tp.record("Transpose", out, func() {
		permute(out.Grad, tp.grad(a), shape, strides, true)
	}, a)
	return out
}

// permute copies (or, with accumulate, adds) between a tensor of the given
// output shape and its source: output axis d advances the source offset by
// strides[d]. Forward it writes out[o] = in[i]; backward (accumulate) it
// adds gout[o] into gin[i].
func permute[T Float](out, in []T, shape, strides []int, accumulate bool) {
	n := shapeSize(shape)
	if n == 0 {
		return
	}
	r := len(shape)
	pos := make([]int, r)
	off := 0
	last, ls := shape[r-1], strides[r-1]
	// Contiguous rows of float32 gradients add in one vector pass: the same
	// single rounded addition per element.
	in32, _ := any(in).([]float32)
	out32, _ := any(out).([]float32)
	for o := 0; o < n; o += last {
		row := out[o : o+last]
		switch {
		case ls == 1 && accumulate && in32 != nil:
			src := in32[off : off+last]
			simd.Add(src, src, out32[o:o+last])
		case ls == 1 && accumulate:
			src := in[off : off+last]
			for j, g := range row {
				src[j] += g
			}
		case ls == 1:
			copy(row, in[off:off+last])
		case accumulate:
			for j, g := range row {
				in[off+j*ls] += g
			}
		default:
			for j := range row {
				row[j] = in[off+j*ls]
			}
		}
		for d := r - 2; d >= 0; d-- {
			pos[d]++
			off += strides[d]
			if pos[d] < shape[d] {
				break
			}
			off -= strides[d] * pos[d]
			pos[d] = 0
		}
	}
}

// axisSplit returns the sizes before, along and after axis.
func axisSplit(shape []int, axis int) (outer, dim, inner int) {
	outer, inner = 1, 1
	for i, d := range shape {
		switch {
		case i < axis:
			outer *= d
		case i > axis:
			inner *= d
		}
	}
	return outer, shape[axis], inner
}

// Concat joins tensors along axis; all other axes must agree.
func (tp *Tape[T]) Concat(axis int, ts ...*Tensor[T]) *Tensor[T] {
	if len(ts) == 0 {
		panic("nn: Concat of nothing")
	}
	axis = normAxis(axis, len(ts[0].Shape))
	shape := slices.Clone(ts[0].Shape)
	shape[axis] = 0
	for _, t := range ts {
		if len(t.Shape) != len(shape) {
			panic(fmt.Sprintf("nn: Concat: ranks differ: %v vs %v", ts[0].Shape, t.Shape))
		}
		for i, d := range t.Shape {
			if i != axis && d != shape[i] {
				panic(fmt.Sprintf("nn: Concat: shapes %v and %v differ off axis %d", ts[0].Shape, t.Shape, axis))
			}
		}
		shape[axis] += t.Shape[axis]
	}
	out := tp.newOutRaw(shape, ts...)
	outer, total, inner := axisSplit(shape, axis)
	off := 0
	offs := make([]int, len(ts))
	for k, t := range ts {
		offs[k] = off
		w := t.Shape[axis] * inner
		for o := range outer {
			copy(out.Data[(o*total)*inner+off:], t.Data[o*w:(o+1)*w])
		}
		off += w
	}
	tp.record("Concat", out, func() {
		for k, t := range ts {
			if !t.requiresGrad {
				continue
			}
			gt := tp.grad(t)
			w := t.Shape[axis] * inner
			for o := range outer {
				src := out.Grad[o*total*inner+offs[k] : o*total*inner+offs[k]+w]
				dst := gt[o*w : (o+1)*w]
				for i, g := range src {
					dst[i] += g
				}
			}
		}
	}, ts...)
	return out
}

// Slice returns the part of a with start <= index < end along axis.
func (tp *Tape[T]) Slice(a *Tensor[T], axis, start, end int) *Tensor[T] {
	axis = normAxis(axis, len(a.Shape))
	if start < 0 || end > a.Shape[axis] || start > end {
		panic(fmt.Sprintf("nn: Slice: [%d:%d] out of range for axis %d of %v", start, end, axis, a.Shape))
	}
	outer, dim, inner := axisSplit(a.Shape, axis)
	shape := slices.Clone(a.Shape)
	shape[axis] = end - start
	out := tp.newOutRaw(shape, a)
	w := (end - start) * inner
	for o := range outer {
		copy(out.Data[o*w:(o+1)*w], a.Data[(o*dim+start)*inner:])
	}
	tp.record("Slice", out, func() {
		ga := tp.grad(a)
		for o := range outer {
			dst := ga[(o*dim+start)*inner : (o*dim+start)*inner+w]
			for i, g := range out.Grad[o*w : (o+1)*w] {
				dst[i] += g
			}
		}
	}, a)
	return out
}

// Split cuts a along axis into pieces of the given sizes, which must add up
// to the axis length.
func (tp *Tape[T]) Split(a *Tensor[T], axis int, sizes ...int) []*Tensor[T] {
	axis = normAxis(axis, len(a.Shape))
	total := 0
	for _, s := range sizes {
		total += s
	}
	if total != a.Shape[axis] {
		panic(fmt.Sprintf("nn: Split: sizes %v do not add up to axis %d of %v", sizes, axis, a.Shape))
	}
	out := make([]*Tensor[T], len(sizes))
	start := 0
	for i, s := range sizes {
		out[i] = tp.Slice(a, axis, start, start+s)
		start += s
	}
	return out
}

// Gather returns the rows of table (shape [V, ...]) selected by idx: the
// result has shape [len(idx), ...]. It is the embedding lookup; gradients
// accumulate into the selected rows.
func (tp *Tape[T]) Gather(table *Tensor[T], idx []int) *Tensor[T] {
	if len(table.Shape) < 1 {
		panic("nn: Gather from a scalar")
	}
	v := table.Shape[0]
	w := len(table.Data) / max(v, 1)
	for _, i := range idx {
		if i < 0 || i >= v {
			panic(fmt.Sprintf("nn: Gather: index %d out of range [0,%d)", i, v))
		}
	}
	shape := append([]int{len(idx)}, table.Shape[1:]...)
	out := tp.newOutRaw(shape, table)
	for r, i := range idx {
		copy(out.Data[r*w:(r+1)*w], table.Data[i*w:(i+1)*w])
	}
	idx = slices.Clone(idx)
	tp.record("Gather", out, func() {
		gt := tp.grad(table)
		for r, i := range idx {
			dst := gt[i*w : (i+1)*w]
			for j, g := range out.Grad[r*w : (r+1)*w] {
				dst[j] += g
			}
		}
	}, table)
	return out
}
