package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func f32bytes(v ...float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func marshal(t testing.TB, tensors []Tensor, meta map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, tensors, meta); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// file assembles a file from a raw header (unpadded) and data.
func file(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// TestWriteGolden checks Write against byte vectors from the reference
// implementation's own tests (huggingface/safetensors, tensor.rs).
func TestWriteGolden(t *testing.T) {
	f32 := f32bytes(0, 1, 2, 3, 4, 5)
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    []byte
	}{
		{
			name:    "serialization",
			tensors: []Tensor{{Name: "attn.0", DType: F32, Shape: []int{1, 2, 3}, Data: f32}},
			want: append([]byte{64, 0, 0, 0, 0, 0, 0, 0},
				append([]byte(`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`), f32...)...),
		},
		{
			name:    "forced alignment",
			tensors: []Tensor{{Name: "attn0", DType: F32, Shape: []int{1, 1, 2, 3}, Data: f32}},
			want: append([]byte{72, 0, 0, 0, 0, 0, 0, 0},
				append([]byte(`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `), f32...)...),
		},
		{
			name: "empty",
			want: []byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '},
		},
		{
			name: "empty with metadata",
			meta: map[string]string{"framework": "pt"},
			want: append([]byte{40, 0, 0, 0, 0, 0, 0, 0}, `{"__metadata__":{"framework":"pt"}}     `...),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := marshal(t, tt.tensors, tt.meta)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Write:\n got %q\nwant %q", got, tt.want)
			}
			if _, err := Parse(got); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func sampleTensors() []Tensor {
	return []Tensor{
		FromFloat32("layer1.w", []int{2, 3}, []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.25}),
		FromFloat32("layer1.b", []int{3}, []float32{0.1, 0.2, 0.3}),
		FromFloat64("scale", []int{}, []float64{math.Pi}),
		FromInt64("step", []int{1}, []int64{-1 << 40}),
		FromInt32("ids", []int{2, 2}, []int32{1, -2, 3, math.MaxInt32}),
		FromUint8("mask", []int{5}, []uint8{0, 1, 1, 0, 255}),
		FromFloat32("empty", []int{0, 4}, nil),
		{Name: "half", DType: F16, Shape: []int{3}, Data: []byte{0, 0x3c, 0, 0xc0, 0, 0x7c}},
		{Name: "flags", DType: BOOL, Shape: []int{2}, Data: []byte{1, 0}},
		{Name: "nibbles", DType: F4, Shape: []int{4}, Data: []byte{0x12, 0x34}},
		FromFloat32("wörter\n\"quoted\"\\\x01", []int{1}, []float32{7}),
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
	}{
		{"empty", nil, nil},
		{"one", []Tensor{FromFloat32("w", []int{2, 2}, []float32{1, 2, 3, 4})}, nil},
		{"scalar", []Tensor{FromFloat64("x", nil, []float64{2})}, map[string]string{"k": "v"}},
		{"zero size only", []Tensor{FromUint8("a", []int{0}, nil), FromUint8("b", []int{3, 0}, nil)}, nil},
		{"sample", sampleTensors(), map[string]string{"format": "pt", "step": "100", "note": "ü\t<&>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := marshal(t, tt.tensors, tt.meta)
			if n := binary.LittleEndian.Uint64(b); n%8 != 0 {
				t.Errorf("header length %d is not a multiple of 8", n)
			}
			f, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			g, err := Read(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			for _, file := range []*File{f, g} {
				if len(tt.meta) == 0 && file.Metadata != nil || len(tt.meta) > 0 && !reflect.DeepEqual(file.Metadata, tt.meta) {
					t.Errorf("metadata = %v, want %v", file.Metadata, tt.meta)
				}
				if len(file.Tensors) != len(tt.tensors) {
					t.Fatalf("got %d tensors, want %d", len(file.Tensors), len(tt.tensors))
				}
				off := 0
				for _, got := range file.Tensors {
					if d := got.DType.Bits() / 8; d > 0 && off%d != 0 {
						t.Errorf("tensor %q at data offset %d is not aligned to %d", got.Name, off, d)
					}
					off += len(got.Data)
				}
				for _, want := range tt.tensors {
					got, ok := file.Tensor(want.Name)
					if !ok {
						t.Fatalf("tensor %q missing", want.Name)
					}
					if got.DType != want.DType || !bytes.Equal(got.Data, want.Data) || !slices.Equal(got.Shape, want.Shape) {
						t.Errorf("tensor %q = %+v, want %+v", want.Name, got, want)
					}
				}
				if err := file.Expect(specsOf(tt.tensors)); err != nil {
					t.Errorf("Expect: %v", err)
				}
			}
			// Rewriting the parsed file reproduces it, and the input order
			// does not matter.
			if again := marshal(t, f.Tensors, f.Metadata); !bytes.Equal(again, b) {
				t.Errorf("rewriting the parsed file changed it:\n%q\n%q", again, b)
			}
			shuffled := append([]Tensor(nil), tt.tensors...)
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if again := marshal(t, shuffled, tt.meta); !bytes.Equal(again, b) {
				t.Errorf("output depends on input order")
			}
		})
	}
}

func specsOf(ts []Tensor) []Spec {
	var s []Spec
	for _, t := range ts {
		s = append(s, t.Spec())
	}
	return s
}

func TestAccessors(t *testing.T) {
	f32 := []float32{1, -2, 3.5, float32(math.NaN())}
	got32, err := FromFloat32("a", []int{2, 2}, f32).Float32()
	if err != nil || len(got32) != 4 || got32[2] != 3.5 || !math.IsNaN(float64(got32[3])) {
		t.Errorf("Float32 = %v, %v", got32, err)
	}
	f64 := []float64{math.SmallestNonzeroFloat64, -1e300}
	if got, err := FromFloat64("a", []int{2}, f64).Float64(); err != nil || !reflect.DeepEqual(got, f64) {
		t.Errorf("Float64 = %v, %v", got, err)
	}
	i64 := []int64{math.MinInt64, math.MaxInt64, 0}
	if got, err := FromInt64("a", []int{3, 1}, i64).Int64(); err != nil || !reflect.DeepEqual(got, i64) {
		t.Errorf("Int64 = %v, %v", got, err)
	}
	i32 := []int32{math.MinInt32, 7}
	if got, err := FromInt32("a", []int{1, 2}, i32).Int32(); err != nil || !reflect.DeepEqual(got, i32) {
		t.Errorf("Int32 = %v, %v", got, err)
	}
	u8 := []uint8{9, 8, 7}
	if got, err := FromUint8("a", []int{3}, u8).Uint8(); err != nil || !reflect.DeepEqual(got, u8) {
		t.Errorf("Uint8 = %v, %v", got, err)
	}
	if got, err := FromFloat64("s", nil, []float64{4}).Float64(); err != nil || !reflect.DeepEqual(got, []float64{4}) {
		t.Errorf("scalar Float64 = %v, %v", got, err)
	}

	// Constructors copy their inputs.
	in := []float32{1, 2}
	shape := []int{2}
	ten := FromFloat32("c", shape, in)
	in[0], shape[0] = 5, 9
	if v, _ := ten.Float32(); v[0] != 1 || ten.Shape[0] != 2 {
		t.Errorf("FromFloat32 did not copy its inputs")
	}

	errTests := []struct {
		name string
		err  error
		want string
	}{
		{"wrong dtype", second(FromFloat64("w", []int{1}, []float64{1}).Float32()), `tensor "w" has dtype F64, not F32`},
		{"wrong length", second(FromFloat32("w", []int{3}, []float32{1, 2}).Float32()), `tensor "w": shape [3] of F32 needs 12 bytes, have 8`},
		{"negative dim", second(Tensor{Name: "w", DType: I32, Shape: []int{-1}}.Int32()), `invalid shape [-1]`},
		{"u8 as i64", second(FromUint8("m", []int{1}, []uint8{1}).Int64()), `has dtype U8, not I64`},
	}
	for _, tt := range errTests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestWriteErrors(t *testing.T) {
	ok := FromFloat32("ok", []int{1}, []float32{1})
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"duplicate", []Tensor{ok, ok}, nil, `duplicate tensor name "ok"`},
		{"duplicate across dtypes", []Tensor{ok, FromUint8("ok", []int{1}, []uint8{1})}, nil, `duplicate tensor name "ok"`},
		{"reserved", []Tensor{FromUint8("__metadata__", []int{1}, []uint8{1})}, nil, `"__metadata__" is reserved`},
		{"unknown dtype", []Tensor{{Name: "x", DType: "F128", Shape: []int{1}, Data: make([]byte, 16)}}, nil, `unknown dtype "F128"`},
		{"empty dtype", []Tensor{{Name: "x", Shape: []int{1}, Data: make([]byte, 4)}}, nil, `unknown dtype ""`},
		{"negative dim", []Tensor{{Name: "x", DType: U8, Shape: []int{2, -1}}}, nil, `invalid shape [2 -1]`},
		{"overflow", []Tensor{{Name: "x", DType: F64, Shape: []int{1 << 40, 1 << 40}}}, nil, `invalid shape`},
		{"short data", []Tensor{FromFloat32("x", []int{2, 2}, []float32{1, 2, 3})}, nil, `tensor "x": shape [2 2] of F32 needs 16 bytes, have 12`},
		{"long data", []Tensor{FromUint8("x", []int{1}, []uint8{1, 2})}, nil, `needs 1 bytes, have 2`},
		{"half byte", []Tensor{{Name: "x", DType: F4, Shape: []int{3}, Data: []byte{1, 2}}}, nil, `does not fill a whole number of bytes`},
		{"bad utf8 name", []Tensor{FromUint8("a\xff", []int{1}, []uint8{1})}, nil, `not valid UTF-8`},
		{"bad utf8 metadata", []Tensor{ok}, map[string]string{"k": "\xfe"}, `not valid UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tt.tensors, tt.meta)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write error = %v, want it to contain %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		k := w.n
		w.n = 0
		return k, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteIOError(t *testing.T) {
	big := FromFloat32("big", []int{1 << 16}, make([]float32, 1<<16))
	if err := Write(&failWriter{n: 1000}, []Tensor{big}, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write error = %v, want disk full", err)
	}
}

func TestParseErrors(t *testing.T) {
	good := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	eight := make([]byte, 8)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"nil", nil, "file of 0 bytes is too short"},
		{"short", []byte{1, 2, 3}, "file of 3 bytes is too short"},
		{"header beyond file", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), "header length 100 exceeds the 2 bytes that follow it"},
		{"absurd header", binary.LittleEndian.AppendUint64(nil, 1<<62), "exceeds the limit of 100000000 bytes"},
		{"max uint64 header", binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "exceeds the limit"},
		{"empty header", file("", nil), "header is empty"},
		{"not an object", file(`[1,2]`, nil), "does not start with '{'"},
		{"leading space", file(` {}`, nil), "does not start with '{'"},
		{"pickle", append([]byte("PK\x03\x04\x14\x00\x00\x00"), make([]byte, 40)...), "header length"},
		{"bad utf8", file("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"bad json", file(`{"a":}`, nil), "header is not valid JSON"},
		{"unterminated", file(`{"a":{"dtype":"F32"`, nil), "header is not valid JSON"},
		{"trailing object", file(`{}{}`, nil), `header has "{" after the object`},
		{"trailing junk", file(`{}x`, nil), "header is not valid JSON after the object"},
		{"nul padding", file("{}\x00\x00", nil), "not valid JSON after the object"},
		{"tensor not object", file(`{"a":[1]}`, nil), `tensor "a": got "[", want "{"`},
		{"duplicate tensor", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, nil), `header names "a" twice`},
		{"unknown dtype", file(`{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}`, make([]byte, 16)), `tensor "a": unknown dtype "F128"`},
		{"lower-case dtype", file(`{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `unknown dtype "f32"`},
		{"dtype not string", file(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)), `tensor "a" dtype: got number 4, want a string`},
		{"unknown field", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"stride":[1]}}`, []byte{1}), `tensor "a": unknown field "stride"`},
		{"field case", file(`{"a":{"DTYPE":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), `unknown field "DTYPE"`},
		{"repeated field", file(`{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), `field "dtype" appears twice`},
		{"missing dtype", file(`{"a":{"shape":[1],"data_offsets":[0,1]}}`, []byte{1}), `tensor "a": missing field "dtype"`},
		{"missing shape", file(`{"a":{"dtype":"U8","data_offsets":[0,1]}}`, []byte{1}), `missing field "shape"`},
		{"missing offsets", file(`{"a":{"dtype":"U8","shape":[1]}}`, []byte{1}), `missing field "data_offsets"`},
		{"negative dim", file(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}`, nil), `-1 is not a non-negative integer`},
		{"fractional dim", file(`{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,0]}}`, nil), `1.5 is not a non-negative integer`},
		{"exponent dim", file(`{"a":{"dtype":"U8","shape":[1e2],"data_offsets":[0,100]}}`, make([]byte, 100)), `1e2 is not a non-negative integer`},
		{"huge dim", file(`{"a":{"dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,0]}}`, nil), `is not a non-negative integer`},
		{"string dim", file(`{"a":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}}`, []byte{1}), `got string "1", want a non-negative integer`},
		{"null shape", file(`{"a":{"dtype":"U8","shape":null,"data_offsets":[0,1]}}`, []byte{1}), `tensor "a" shape: got null, want "["`},
		{"one offset", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}}`, []byte{1}), `data_offsets must have 2 elements`},
		{"three offsets", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}`, []byte{1}), `data_offsets must have 2 elements`},
		{"reversed offsets", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, make([]byte, 4)), `end before they begin`},
		{"offsets beyond data", file(good, eight[:4]), `data_offsets [0, 8] extend beyond the 4 data bytes`},
		{"size mismatch", file(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, eight), `tensor "a": shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] hold 8`},
		{"shape overflow", file(`{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, eight), `invalid shape`},
		{"bits overflow", file(`{"a":{"dtype":"F64","shape":[9223372036854775807],"data_offsets":[0,8]}}`, eight), `too large`},
		{"half byte", file(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, eight[:2]), `does not fill a whole number of bytes`},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), `tensors "a" and "b" overlap`},
		{"same range", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, eight), `overlap`},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), `data bytes [0, 4) before tensor "a" belong to no tensor`},
		{"trailing data", file(good, make([]byte, 12)), `data bytes [8, 12) after the last tensor belong to no tensor`},
		{"data without tensors", file(`{}`, eight), `data bytes [0, 8) after the last tensor`},
		{"metadata not object", file(`{"__metadata__":"x"}`, nil), `__metadata__: got string "x", want an object`},
		{"metadata number", file(`{"__metadata__":{"step":100}}`, nil), `__metadata__["step"]: got number 100, want a string`},
		{"metadata nested", file(`{"__metadata__":{"a":{}}}`, nil), `got "{", want a string`},
		{"metadata twice", file(`{"__metadata__":{},"__metadata__":{}}`, nil), `header names "__metadata__" twice`},
		{"metadata key twice", file(`{"__metadata__":{"a":"1","a":"2"}}`, nil), `__metadata__ names "a" twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			checkFormatError(t, "Parse", err, tt.want)
			_, err = Read(bytes.NewReader(tt.in), int64(len(tt.in)))
			checkFormatError(t, "Read", err, tt.want)
		})
	}
}

func checkFormatError(t *testing.T, fn string, err error, want string) {
	t.Helper()
	var fe FormatError
	switch {
	case err == nil:
		t.Errorf("%s succeeded, want error containing %q", fn, want)
	case !errors.As(err, &fe):
		t.Errorf("%s error %v (%T) is not a FormatError", fn, err, err)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s error = %q, want it to contain %q", fn, err, want)
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		// Other writers may order tensors by name rather than by dtype,
		// leave the header unpadded, or use whitespace.
		{"name order", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[1],"data_offsets":[1,5]}}`, make([]byte, 5))},
		{"unpadded", file(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, make([]byte, 16))},
		{"whitespace", file("{ \"a\" : {\"data_offsets\" : [ 0 , 1 ] ,\n\"shape\":[1], \"dtype\":\"U8\"} }\t \r\n", []byte{1})},
		{"null metadata", file(`{"__metadata__":null}`, nil)},
		{"escaped name", file(`{"\u00e9\n":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`, []byte{1})},
		{"zero sized between", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"z":{"dtype":"F64","shape":[0],"data_offsets":[1,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, []byte{1, 2})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.in); err != nil {
				t.Errorf("Parse: %v", err)
			}
			if _, err := Read(bytes.NewReader(tt.in), int64(len(tt.in))); err != nil {
				t.Errorf("Read: %v", err)
			}
		})
	}
	f, _ := Parse(tests[0].in)
	if got := f.Names(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Names = %v", got)
	}
	f, _ = Parse(tests[4].in)
	if _, ok := f.Tensor("é\n"); !ok {
		t.Errorf("escaped name not decoded: %v", f.Names())
	}
}

// TestTruncated checks that every proper prefix, and every extension, of a
// valid file is rejected.
func TestTruncated(t *testing.T) {
	b := marshal(t, sampleTensors(), map[string]string{"a": "b"})
	for n := 0; n < len(b); n++ {
		if _, err := Parse(b[:n]); err == nil {
			t.Fatalf("Parse accepted the first %d of %d bytes", n, len(b))
		}
		if _, err := Read(bytes.NewReader(b[:n]), int64(n)); err == nil {
			t.Fatalf("Read accepted the first %d of %d bytes", n, len(b))
		}
	}
	if _, err := Parse(append(b, 0)); err == nil {
		t.Fatalf("Parse accepted a trailing byte")
	}
	// A reader that is shorter than the size it claims.
	if _, err := Read(bytes.NewReader(b[:len(b)-1]), int64(len(b))); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("Read of a short reader: %v", err)
	}
}

func TestExpect(t *testing.T) {
	f, err := Parse(marshal(t, []Tensor{
		FromFloat32("layer1.w", []int{3, 4}, make([]float32, 12)),
		FromFloat32("layer1.b", []int{4}, make([]float32, 4)),
		FromInt64("step", nil, []int64{7}),
	}, nil))
	if err != nil {
		t.Fatal(err)
	}
	base := []Spec{
		{"layer1.w", F32, []int{3, 4}},
		{"layer1.b", F32, []int{4}},
		{"step", I64, []int{}},
	}
	with := func(i int, s Spec) []Spec {
		out := append([]Spec(nil), base...)
		out[i] = s
		return out
	}
	tests := []struct {
		name  string
		specs []Spec
		want  string // "" for no error
	}{
		{"match", base, ""},
		{"match reordered", []Spec{base[2], base[0], base[1]}, ""},
		{"scalar nil shape", with(2, Spec{"step", I64, nil}), ""},
		{"wrong shape", with(0, Spec{"layer1.w", F32, []int{4, 3}}), "safetensors: layer1.w: shape [3 4], want [4 3]"},
		{"wrong rank", with(1, Spec{"layer1.b", F32, []int{1, 4}}), "safetensors: layer1.b: shape [4], want [1 4]"},
		{"scalar vs vector", with(2, Spec{"step", I64, []int{1}}), "safetensors: step: shape [], want [1]"},
		{"wrong dtype", with(0, Spec{"layer1.w", F64, []int{3, 4}}), "safetensors: layer1.w: dtype F32, want F64"},
		{"missing", append(base[:3:3], Spec{"layer2.w", F32, []int{4, 2}}), "safetensors: layer2.w: missing"},
		{"unexpected", base[:2], "safetensors: step: unexpected tensor"},
		{"first mismatch wins", []Spec{{"layer1.w", F32, []int{1}}, {"nope", F32, nil}}, "safetensors: layer1.w: shape [3 4], want [1]"},
		{"duplicate spec", append(base[:3:3], base[0]), `two specs for tensor "layer1.w"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.Expect(tt.specs)
			if tt.want == "" {
				if err != nil {
					t.Errorf("Expect = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.want && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Expect = %v, want %q", err, tt.want)
			}
		})
	}
	var me *MismatchError
	if err := f.Expect(base[:1]); !errors.As(err, &me) || me.Name != "layer1.b" {
		t.Errorf("Expect error %v is not a *MismatchError for layer1.b", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	v1 := []Tensor{FromFloat32("w", []int{2}, []float32{1, 2})}
	if err := WriteFile(path, v1, map[string]string{"step": "1"}); err != nil {
		t.Fatal(err)
	}
	v2 := []Tensor{FromFloat32("w", []int{3}, []float32{3, 4, 5})}
	if err := WriteFile(path, v2, map[string]string{"step": "2"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := f.Tensors[0].Float32(); f.Metadata["step"] != "2" || !reflect.DeepEqual(w, []float32{3, 4, 5}) {
		t.Errorf("read back %v %v", f.Metadata, w)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v; want 0644", fi.Mode(), err)
	}

	// A failing write leaves the old file and no temporary file.
	bad := []Tensor{{Name: "w", DType: F32, Shape: []int{2}, Data: []byte{1}}}
	if err := WriteFile(path, bad, nil); err == nil {
		t.Fatal("WriteFile accepted a bad tensor")
	}
	if f, err := ReadFile(path); err != nil || f.Metadata["step"] != "2" {
		t.Errorf("old file damaged: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1: %v", len(entries), entries)
	}

	if err := WriteFile(filepath.Join(dir, "no", "such", "dir.safetensors"), v1, nil); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}

	// A relative path in the working directory.
	t.Chdir(dir)
	if err := WriteFile("rel.safetensors", v1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile("rel.safetensors"); err != nil {
		t.Fatal(err)
	}

	// ReadFile names the file in format errors.
	os.WriteFile("junk.safetensors", []byte("not a safetensors file"), 0o644)
	_, err = ReadFile("junk.safetensors")
	var fe FormatError
	if err == nil || !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "junk.safetensors: safetensors: invalid file:") {
		t.Errorf("ReadFile(junk) = %v", err)
	}
	if _, err := ReadFile("missing.safetensors"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v", err)
	}
}

func TestDType(t *testing.T) {
	for _, tt := range []struct {
		d    DType
		bits int
	}{{F32, 32}, {F64, 64}, {BF16, 16}, {BOOL, 8}, {F4, 4}, {F6_E3M2, 6}, {C64, 64}, {"f32", 0}, {"", 0}} {
		if got := tt.d.Bits(); got != tt.bits {
			t.Errorf("%q.Bits() = %d, want %d", tt.d, got, tt.bits)
		}
		if tt.d.Valid() != (tt.bits > 0) {
			t.Errorf("%q.Valid() = %v", tt.d, tt.d.Valid())
		}
	}
}

func BenchmarkWriteParse(b *testing.B) {
	ts := []Tensor{
		FromFloat32("w1", []int{1024, 2000}, make([]float32, 1024*2000)),
		FromFloat32("w2", []int{2000, 100}, make([]float32, 2000*100)),
	}
	var buf bytes.Buffer
	b.SetBytes(4 * (1024*2000 + 2000*100))
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, ts, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := Parse(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
