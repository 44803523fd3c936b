package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"testing"
)

func TestHeader(t *testing.T) {
	tests := []struct {
		name string
		a    Array
		dict string
	}{
		{"matrix", Float32(make([]float32, 6), 2, 3), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"},
		{"vector", Int64([]int64{1, 2}), "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"},
		{"strings", Strings([]string{"ab", "héllo"}), "{'descr': '<U5', 'fortran_order': False, 'shape': (2,), }"},
		{"empty", Uint8(nil, 0, 0), "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 0), }"},
		{"scalar", Array{"<f4", nil, make([]byte, 4)}, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.a.Header()
			if len(h)%64 != 0 {
				t.Errorf("header is %d bytes, want a multiple of 64", len(h))
			}
			if !bytes.HasPrefix(h, []byte("\x93NUMPY\x01\x00")) || h[len(h)-1] != '\n' {
				t.Fatalf("header %q lacks the magic or the final newline", h)
			}
			if n := int(binary.LittleEndian.Uint16(h[8:])); n != len(h)-10 {
				t.Errorf("header length field %d, want %d", n, len(h)-10)
			}
			if got := string(bytes.TrimRight(h[10:], " \n")); got != tt.dict {
				t.Errorf("dictionary %q, want %q", got, tt.dict)
			}
		})
	}
}

func TestElements(t *testing.T) {
	if got := Int8([]int8{-1, 2}, 2).Data; !bytes.Equal(got, []byte{0xff, 2}) {
		t.Errorf("Int8 data %v", got)
	}
	if got := Float32([]float32{1}, 1).Data; !bytes.Equal(got, []byte{0, 0, 0x80, 0x3f}) {
		t.Errorf("Float32 data %v", got)
	}
	// "é" is one character: code point 0xe9 in one 4-byte unit, padded to width 2.
	if got := Strings([]string{"é", "ab"}).Data; !bytes.Equal(got, []byte{0xe9, 0, 0, 0, 0, 0, 0, 0, 'a', 0, 0, 0, 'b', 0, 0, 0}) {
		t.Errorf("Strings data %v", got)
	}
}

func TestAdd(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	a := Uint64([]uint64{7})
	if err := Add(zw, "seed", a); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "seed.npy" {
		t.Fatalf("archive holds %v, want seed.npy", zr.File)
	}
	r, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := got.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	if want := append(a.Header(), a.Data...); !bytes.Equal(got.Bytes(), want) {
		t.Errorf("seed.npy = %q, want %q", got.Bytes(), want)
	}
}
