package safetensors

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// python returns a Python 3 interpreter with numpy, or skips the test.
func python(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			t.Skip("python3 not found")
		}
	}
	if out, err := exec.Command(py, "-c", "import numpy").CombinedOutput(); err != nil {
		t.Skipf("python3 has no numpy: %v\n%s", err, out)
	}
	return py
}

// runInterop runs testdata/interop.py with the given arguments.
func runInterop(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python(t), append([]string{filepath.Join("testdata", "interop.py")}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("interop.py %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// flatten turns nested JSON arrays (or a scalar) into a flat list of numbers
// and booleans, in row-major order.
func flatten(v any) []any {
	if list, ok := v.([]any); ok {
		var out []any
		for _, e := range list {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []any{v}
}

// asFloats and asInts convert numbers decoded with UseNumber exactly.
func asFloats(t *testing.T, v any) []float64 {
	var out []float64
	for _, e := range flatten(v) {
		f, err := strconv.ParseFloat(string(e.(json.Number)), 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func asInts(t *testing.T, v any) []int64 {
	var out []int64
	for _, e := range flatten(v) {
		i, err := strconv.ParseInt(string(e.(json.Number)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, i)
	}
	return out
}

// TestInteropPythonReadsGo writes a file in Go and checks it with an
// independent numpy implementation of the format, which also confirms that
// the bytes are exactly what the reference layout produces.
func TestInteropPythonReadsGo(t *testing.T) {
	python(t)
	tensors := []Tensor{
		FromFloat32("layer1.w", []int{2, 3}, []float32{1, -2, 3.5, 0.1, 0, -0.25}),
		FromFloat32("layer1.b", []int{3}, []float32{0.1, 0.2, 0.3}),
		FromFloat64("scale", []int{}, []float64{math.Pi}),
		FromInt64("step", []int{1}, []int64{math.MinInt64 + 1}),
		FromInt32("ids", []int{2, 2}, []int32{1, -2, 3, math.MaxInt32}),
		FromUint8("mask", []int{5}, []uint8{0, 1, 1, 0, 255}),
		FromFloat32("empty", []int{0, 4}, nil),
		{Name: "half", DType: F16, Shape: []int{3}, Data: []byte{0, 0x3c, 0, 0xc0, 0, 0x38}},
		{Name: "flags", DType: BOOL, Shape: []int{2}, Data: []byte{1, 0}},
		FromFloat32("wörter\n\"quoted\"\\\x01\u2028", []int{1}, []float32{7}),
	}
	meta := map[string]string{"format": "pt", "note": "ü\t<&>\u2028", "step": "100"}
	path := filepath.Join(t.TempDir(), "go.safetensors")
	if err := WriteFile(path, tensors, meta); err != nil {
		t.Fatal(err)
	}

	var got struct {
		Metadata map[string]string
		Tensors  map[string]struct {
			DType  string
			Shape  []int
			Values any
		}
		Canonical bool
	}
	dec := json.NewDecoder(bytes.NewReader(runInterop(t, "check", path)))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !got.Canonical {
		t.Errorf("Python's reference-layout serialisation differs from the Go output")
	}
	if !reflect.DeepEqual(got.Metadata, meta) {
		t.Errorf("Python read metadata %q, want %q", got.Metadata, meta)
	}
	if len(got.Tensors) != len(tensors) {
		t.Errorf("Python read %d tensors, want %d", len(got.Tensors), len(tensors))
	}
	for _, want := range tensors {
		g, ok := got.Tensors[want.Name]
		if !ok {
			t.Errorf("Python did not find tensor %q", want.Name)
			continue
		}
		if g.DType != string(want.DType) || len(g.Shape) != len(want.Shape) || want.NumElements() > 0 && !reflect.DeepEqual(g.Shape, want.Shape) {
			t.Errorf("%q: Python read %s %v, want %s %v", want.Name, g.DType, g.Shape, want.DType, want.Shape)
		}
		var ok2 bool
		switch want.DType {
		case F32:
			w, _ := want.Float32()
			vals := asFloats(t, g.Values)
			ok2 = len(vals) == len(w)
			for i := range w {
				ok2 = ok2 && vals[i] == float64(w[i])
			}
		case F64:
			w, _ := want.Float64()
			ok2 = reflect.DeepEqual(asFloats(t, g.Values), w)
		case I64:
			w, _ := want.Int64()
			ok2 = reflect.DeepEqual(asInts(t, g.Values), w)
		case I32:
			w, _ := want.Int32()
			vals := asInts(t, g.Values)
			ok2 = len(vals) == len(w)
			for i := range w {
				ok2 = ok2 && vals[i] == int64(w[i])
			}
		case U8:
			vals := asInts(t, g.Values)
			ok2 = len(vals) == len(want.Data)
			for i := range want.Data {
				ok2 = ok2 && vals[i] == int64(want.Data[i])
			}
		case F16:
			ok2 = reflect.DeepEqual(asFloats(t, g.Values), []float64{1, -2, 0.5})
		case BOOL:
			ok2 = reflect.DeepEqual(flatten(g.Values), []any{true, false})
		}
		if !ok2 {
			t.Errorf("%q: Python read values %v", want.Name, g.Values)
		}
	}
}

// TestInteropGoReadsPython reads a file written by the numpy implementation,
// in its own (non-reference) tensor order.
func TestInteropGoReadsPython(t *testing.T) {
	python(t)
	path := filepath.Join(t.TempDir(), "py.safetensors")
	runInterop(t, "write", path)
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"framework": "numpy", "step": "42"}; !reflect.DeepEqual(f.Metadata, want) {
		t.Errorf("metadata = %v, want %v", f.Metadata, want)
	}
	specs := []Spec{
		{"z.weight", F32, []int{3, 4}},
		{"a.bias", F64, []int{3}},
		{"emb.ids", I64, []int{2, 2}},
		{"counts", I32, []int{3}},
		{"mask", U8, []int{1, 3}},
		{"half", F16, []int{2}},
		{"flag", BOOL, []int{}},
		{"empty", F32, []int{0, 3}},
		{"wörter \"q\"\n", F32, []int{1}},
	}
	if err := f.Expect(specs); err != nil {
		t.Fatal(err)
	}
	get := func(name string) Tensor { t, _ := f.Tensor(name); return t }
	check := func(name string, got, want any, err error) {
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, %v; want %v", name, got, err, want)
		}
	}
	w, err := get("z.weight").Float32()
	check("z.weight", w, []float32{-0.5, -0.375, -0.25, -0.125, 0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875}, err)
	b, err := get("a.bias").Float64()
	check("a.bias", b, []float64{1.5, -2.25, 1e-3}, err)
	ids, err := get("emb.ids").Int64()
	check("emb.ids", ids, []int64{1, -2, 3, 1 << 40}, err)
	counts, err := get("counts").Int32()
	check("counts", counts, []int32{7, -7, math.MaxInt32}, err)
	mask, err := get("mask").Uint8()
	check("mask", mask, []uint8{0, 1, 255}, err)
	check("half", get("half").Data, []byte{0, 0x3c, 0, 0xc0}, nil)
	check("flag", get("flag").Data, []byte{1}, nil)
	e, err := get("empty").Float32()
	check("empty", e, []float32{}, err)
	q, err := get("wörter \"q\"\n").Float32()
	check("quoted name", q, []float32{2.5}, err)

	// Rewriting in Go gives the reference layout, which Python confirms.
	out := filepath.Join(t.TempDir(), "rewritten.safetensors")
	if err := WriteFile(out, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	var res struct{ Canonical bool }
	if err := json.Unmarshal(runInterop(t, "check", out), &res); err != nil || !res.Canonical {
		t.Errorf("Python does not find the Go rewrite canonical (%v)", err)
	}
}
