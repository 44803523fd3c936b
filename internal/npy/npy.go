// Package npy writes NumPy arrays in the .npy format (version 1.0) and adds
// them to .npz archives, the zip of .npy files that numpy.load reads. Data
// is little-endian and in C order.
package npy

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Array is one array: a NumPy dtype descriptor (such as "<f4"), a shape
// and the encoded elements.
type Array struct {
	Descr string
	Shape []int
	Data  []byte
}

// Uint8 is a uint8 array of the given shape over a.
func Uint8(a []byte, shape ...int) Array { return Array{"|u1", shape, a} }

// Int8 is an int8 array of the given shape.
func Int8(a []int8, shape ...int) Array {
	b := make([]byte, len(a))
	for i, v := range a {
		b[i] = byte(v)
	}
	return Array{"|i1", shape, b}
}

// Int64 is a one-dimensional int64 array.
func Int64(a []int64) Array {
	b := make([]byte, 8*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Array{"<i8", []int{len(a)}, b}
}

// Uint64 is a one-dimensional uint64 array.
func Uint64(a []uint64) Array {
	b := make([]byte, 8*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return Array{"<u8", []int{len(a)}, b}
}

// Float32 is a float32 array of the given shape.
func Float32(a []float32, shape ...int) Array {
	b := make([]byte, 4*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Array{"<f4", shape, b}
}

// Strings is a one-dimensional fixed-width unicode array (dtype <U, one
// UTF-32 code unit a character, as wide as the longest string).
func Strings(a []string) Array {
	width := 1
	for _, s := range a {
		width = max(width, utf8.RuneCountInString(s))
	}
	b := make([]byte, 4*width*len(a))
	for i, s := range a {
		j := 0
		for _, r := range s {
			binary.LittleEndian.PutUint32(b[4*(i*width+j):], uint32(r))
			j++
		}
	}
	return Array{"<U" + strconv.Itoa(width), []int{len(a)}, b}
}

// Header returns the .npy header of a: magic, version 1.0, the header
// length and the dictionary, padded with spaces so that the data starts at
// a multiple of 64 bytes.
func (a Array) Header() []byte {
	dims := make([]string, len(a.Shape))
	for i, n := range a.Shape {
		dims[i] = strconv.Itoa(n)
	}
	shape := strings.Join(dims, ", ")
	if len(a.Shape) == 1 {
		shape += "," // a one-tuple in Python
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", a.Descr, shape)
	const pre = 6 + 2 + 2 // magic, version, header length
	pad := (64 - (pre+len(dict)+1)%64) % 64
	hdr := make([]byte, 0, pre+len(dict)+pad+1)
	hdr = append(hdr, "\x93NUMPY\x01\x00"...)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(dict)+pad+1))
	hdr = append(hdr, dict...)
	hdr = append(hdr, strings.Repeat(" ", pad)...)
	return append(hdr, '\n')
}

// WriteTo writes a as a .npy file.
func (a Array) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(a.Header())
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(a.Data)
	return int64(n + m), err
}

// Add writes a into the archive as name.npy, deflated.
func Add(zw *zip.Writer, name string, a Array) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Deflate})
	if err != nil {
		return fmt.Errorf("npy: %s: %w", name, err)
	}
	if _, err := a.WriteTo(w); err != nil {
		return fmt.Errorf("npy: %s: %w", name, err)
	}
	return nil
}
