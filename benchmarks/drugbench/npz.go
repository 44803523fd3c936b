package drugbench

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/metabench/metabench/internal/atomicfile"
)

// npyArray is an array in NumPy's .npy format 1.0: dtype, shape and
// little-endian C-order bytes.
type npyArray struct {
	name  string
	descr string
	shape []int
	data  []byte
}

func npyUint8(name string, a []byte, rows, cols int) npyArray {
	return npyArray{name, "|u1", []int{rows, cols}, a}
}

func npyInt8(name string, a []int8, rows, cols int) npyArray {
	b := make([]byte, len(a))
	for i, v := range a {
		b[i] = byte(v)
	}
	return npyArray{name, "|i1", []int{rows, cols}, b}
}

func npyInt64(name string, a []int) npyArray {
	b := make([]byte, 8*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return npyArray{name, "<i8", []int{len(a)}, b}
}

func npyStrings(name string, a []string) npyArray {
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
	return npyArray{name, fmt.Sprintf("<U%d", width), []int{len(a)}, b}
}

// writeNPZ writes arrays into a .npz (a zip of .npy files) atomically.
func writeNPZ(path string, arrays ...npyArray) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, a := range arrays {
			if err := writeNPY(zw, a); err != nil {
				return fmt.Errorf("%s: %w", a.name, err)
			}
		}
		return zw.Close()
	})
}

func writeNPY(zw *zip.Writer, a npyArray) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: a.name + ".npy", Method: zip.Deflate})
	if err != nil {
		return err
	}
	dims := make([]string, len(a.shape))
	for i, n := range a.shape {
		dims[i] = fmt.Sprint(n)
	}
	shape := strings.Join(dims, ", ")
	if len(a.shape) == 1 {
		shape += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", a.descr, shape)
	const pre = 10
	pad := (64 - (pre+len(dict)+1)%64) % 64
	hdr := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(hdr[8:], uint16(len(dict)+pad+1))
	hdr = append(hdr, dict...)
	hdr = append(hdr, strings.Repeat(" ", pad)...)
	hdr = append(hdr, '\n')
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err = w.Write(a.data)
	return err
}
