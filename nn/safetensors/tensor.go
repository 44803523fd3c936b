package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// A Tensor is a named n-dimensional array: its elements, of type DType, are
// stored in Data in row-major order, little-endian. A zero-length Shape is a
// scalar (one element); a zero dimension makes the tensor empty.
//
// Tensors returned by [Parse] share Data with the parsed buffer.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// A Spec describes a tensor without its data: what a model expects to find
// in a checkpoint. See [File.Expect].
type Spec struct {
	Name  string
	DType DType
	Shape []int
}

// Spec returns the name, dtype and shape of t.
func (t Tensor) Spec() Spec {
	return Spec{Name: t.Name, DType: t.DType, Shape: slices.Clone(t.Shape)}
}

// NumElements returns the number of elements implied by t's shape, or -1 if
// a dimension is negative or the product overflows an int.
func (t Tensor) NumElements() int {
	n, ok := numElements(t.Shape)
	if !ok {
		return -1
	}
	return n
}

// numElements returns the product of the dimensions, reporting false for a
// negative dimension or an overflow.
func numElements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// byteSize returns the number of data bytes a tensor of this dtype and shape
// occupies, or an error naming the problem.
func byteSize(dt DType, shape []int) (int, error) {
	bits := dt.Bits()
	if bits == 0 {
		return 0, fmt.Errorf("unknown dtype %q", string(dt))
	}
	n, ok := numElements(shape)
	if !ok {
		return 0, fmt.Errorf("invalid shape %v", shape)
	}
	if n > math.MaxInt/bits {
		return 0, fmt.Errorf("shape %v is too large", shape)
	}
	nbits := n * bits
	if nbits%8 != 0 {
		return 0, fmt.Errorf("shape %v of %s does not fill a whole number of bytes", shape, dt)
	}
	return nbits / 8, nil
}

// FromFloat32 returns a tensor of dtype F32 holding a copy of data.
// Write reports an error if len(data) does not match the shape.
func FromFloat32(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: F32, Shape: slices.Clone(shape), Data: b}
}

// FromFloat64 returns a tensor of dtype F64 holding a copy of data.
func FromFloat64(name string, shape []int, data []float64) Tensor {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return Tensor{Name: name, DType: F64, Shape: slices.Clone(shape), Data: b}
}

// FromInt64 returns a tensor of dtype I64 holding a copy of data.
func FromInt64(name string, shape []int, data []int64) Tensor {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: I64, Shape: slices.Clone(shape), Data: b}
}

// FromInt32 returns a tensor of dtype I32 holding a copy of data.
func FromInt32(name string, shape []int, data []int32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return Tensor{Name: name, DType: I32, Shape: slices.Clone(shape), Data: b}
}

// FromUint8 returns a tensor of dtype U8 holding a copy of data.
func FromUint8(name string, shape []int, data []uint8) Tensor {
	return Tensor{Name: name, DType: U8, Shape: slices.Clone(shape), Data: slices.Clone(data)}
}

// check verifies that t has dtype want and that its data length matches its
// shape, returning the number of elements.
func (t Tensor) check(want DType) (int, error) {
	if t.DType != want {
		return 0, fmt.Errorf("safetensors: tensor %q has dtype %s, not %s", t.Name, t.DType, want)
	}
	size, err := byteSize(t.DType, t.Shape)
	if err != nil {
		return 0, fmt.Errorf("safetensors: tensor %q: %v", t.Name, err)
	}
	if size != len(t.Data) {
		return 0, fmt.Errorf("safetensors: tensor %q: shape %v of %s needs %d bytes, have %d",
			t.Name, t.Shape, t.DType, size, len(t.Data))
	}
	return size / (want.Bits() / 8), nil
}

// Float32 returns the elements of a tensor of dtype F32.
func (t Tensor) Float32() ([]float32, error) {
	n, err := t.check(F32)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Float64 returns the elements of a tensor of dtype F64.
func (t Tensor) Float64() ([]float64, error) {
	n, err := t.check(F64)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return out, nil
}

// Int64 returns the elements of a tensor of dtype I64.
func (t Tensor) Int64() ([]int64, error) {
	n, err := t.check(I64)
	if err != nil {
		return nil, err
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return out, nil
}

// Int32 returns the elements of a tensor of dtype I32.
func (t Tensor) Int32() ([]int32, error) {
	n, err := t.check(I32)
	if err != nil {
		return nil, err
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Uint8 returns a copy of the elements of a tensor of dtype U8.
func (t Tensor) Uint8() ([]uint8, error) {
	if _, err := t.check(U8); err != nil {
		return nil, err
	}
	return slices.Clone(t.Data), nil
}
