package optim

import (
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/nn"
)

func TestTraceStep(t *testing.T) {
	var got []int
	for s := -1; s <= 20000; s++ {
		if TraceStep(s) {
			got = append(got, s)
		}
	}
	if want := []int{1, 10, 100, 1000, 10000}; !slices.Equal(got, want) {
		t.Errorf("steps traced %v, want %v", got, want)
	}
}

// traceParams returns two parameters with fixed values.
func traceParams() []*nn.Param[float32] {
	w := nn.NewParam[float32]("w", 2, 3)
	b := nn.NewParam[float32]("b", 3)
	for i := range w.Value {
		w.Value[i] = float32(i) - 2.5
	}
	for i := range b.Value {
		b.Value[i] = 0.25 * float32(i)
	}
	return []*nn.Param[float32]{w, b}
}

// TestFingerprint: the same weights give the same fingerprint; one flipped
// bit, another name or another shape of the same values another.
func TestFingerprint(t *testing.T) {
	base := Fingerprint(traceParams())
	if len(base) != 64 {
		t.Fatalf("fingerprint %q is not 64 hexadecimal digits", base)
	}
	tests := []struct {
		name   string
		change func(ps []*nn.Param[float32])
		same   bool
	}{
		{"unchanged", func([]*nn.Param[float32]) {}, true},
		{"lowest bit of one weight", func(ps []*nn.Param[float32]) {
			ps[1].Value[2] = math.Float32frombits(math.Float32bits(ps[1].Value[2]) ^ 1)
		}, false},
		{"sign of a zero", func(ps []*nn.Param[float32]) { ps[1].Value[0] = float32(math.Copysign(0, -1)) }, false},
		{"a name", func(ps []*nn.Param[float32]) { ps[0].Name = "v" }, false},
		{"a shape", func(ps []*nn.Param[float32]) { ps[0].Shape = []int{3, 2} }, false},
		{"a gradient", func(ps []*nn.Param[float32]) { ps[0].Grad[0] = 1 }, true},
	}
	for _, tc := range tests {
		ps := traceParams()
		tc.change(ps)
		if got := Fingerprint(ps); (got == base) != tc.same {
			t.Errorf("%s: fingerprint %s, unchanged weights %s; want same %v", tc.name, got, base, tc.same)
		}
	}
	ps := traceParams()
	if Fingerprint(ps[:1]) == Fingerprint(ps) || Fingerprint([]*nn.Param[float32]{ps[1], ps[0]}) == base {
		t.Error("fewer or reordered parameters gave the same fingerprint")
	}
}

// trainTrace runs steps of a fixed update from the weights of
// traceParams, observing each step into a trace.
func trainTrace(tr *Trace[float32], ps []*nn.Param[float32], from, to int) {
	for s := from + 1; s <= to; s++ {
		for _, p := range ps {
			for i := range p.Value {
				p.Value[i] = p.Value[i]*0.999 + 0.001*float32(i)
			}
		}
		tr.Observe(s)
	}
}

// TestTraceFile: the steps a trace records and its file, for runs of
// several lengths.
func TestTraceFile(t *testing.T) {
	tests := []struct {
		steps int
		want  []int // the file's steps
	}{
		{0, []int{0}},
		{1, []int{1}},
		{7, []int{1, 7}},
		{10, []int{1, 10}},
		{150, []int{1, 10, 100, 150}},
		{1000, []int{1, 10, 100, 1000}},
	}
	for _, tc := range tests {
		ps := traceParams()
		tr := NewTrace(ps)
		trainTrace(tr, ps, 0, tc.steps)
		b := tr.CSV(tc.steps)
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if lines[0] != "step,sha256" || len(lines) != len(tc.want)+1 {
			t.Errorf("%d steps: file\n%s\nwant the header and %d lines", tc.steps, b, len(tc.want))
			continue
		}
		pts, err := ParseTrace(b)
		if err != nil {
			t.Fatalf("%d steps: %v", tc.steps, err)
		}
		var steps []int
		for _, p := range pts {
			steps = append(steps, p.Step)
		}
		if !slices.Equal(steps, tc.want) {
			t.Errorf("%d steps: steps %v, want %v", tc.steps, steps, tc.want)
		}
		if last := pts[len(pts)-1]; last.SHA256 != Fingerprint(ps) {
			t.Errorf("%d steps: the last line is not the weights at the end", tc.steps)
		}
		if got := tr.CSV(tc.steps); string(got) != string(b) {
			t.Errorf("%d steps: writing the file twice gave\n%s\nthen\n%s", tc.steps, b, got)
		}
	}
	var none *Trace[float32]
	none.Observe(1)
	if err := none.WriteFile(filepath.Join(t.TempDir(), TraceFile), 1); err != nil || none.Points() != nil {
		t.Errorf("a nil trace recorded or wrote something (%v)", err)
	}
}

// TestTraceResume: a run checkpointed and resumed, at any step, writes the
// trace file of a run made in one piece; a trace file of other weights is
// refused.
func TestTraceResume(t *testing.T) {
	const steps = 150
	ps := traceParams()
	whole := NewTrace(ps)
	trainTrace(whole, ps, 0, steps)
	want := string(whole.CSV(steps))
	for _, stop := range []int{0, 1, 5, 10, 11, 100, 149} {
		dir := t.TempDir()
		path := filepath.Join(dir, TraceFile)
		ps := traceParams()
		first := NewTrace(ps)
		trainTrace(first, ps, 0, stop)
		if err := first.WriteFile(path, stop); err != nil {
			t.Fatal(err)
		}
		// The resumed process: new parameters, loaded from the checkpoint.
		ps2 := traceParams()
		for i, p := range ps2 {
			copy(p.Value, ps[i].Value)
		}
		second := NewTrace(ps2)
		if err := second.Resume(path, stop); err != nil {
			t.Fatalf("resume at %d: %v", stop, err)
		}
		trainTrace(second, ps2, stop, steps)
		if got := string(second.CSV(steps)); got != want {
			t.Errorf("resumed at %d:\n%s\nuninterrupted:\n%s", stop, got, want)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, TraceFile)
	ps = traceParams()
	tr := NewTrace(ps)
	trainTrace(tr, ps, 0, 5)
	if err := tr.WriteFile(path, 5); err != nil {
		t.Fatal(err)
	}
	if err := NewTrace(traceParams()).Resume(path, 5); err == nil {
		t.Error("a trace resumed on weights other than its own")
	}
	if err := NewTrace(ps).Resume(filepath.Join(dir, "none.csv"), 5); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing trace file: %v, want fs.ErrNotExist", err)
	}
	// A fork continues its source's trace on its own weights.
	fork := tr.Clone(traceParams())
	if !slices.Equal(fork.Points(), tr.Points()) {
		t.Error("a clone lost the points")
	}
}

func TestParseTraceRefuses(t *testing.T) {
	h := strings.Repeat("ab", 32)
	tests := []struct{ name, file string }{
		{"empty", ""},
		{"other header", "step,hash\n1," + h + "\n"},
		{"short hash", "step,sha256\n1,abcd\n"},
		{"not hex", "step,sha256\n1," + strings.Repeat("zz", 32) + "\n"},
		{"no comma", "step,sha256\n1\n"},
		{"negative step", "step,sha256\n-1," + h + "\n"},
		{"steps out of order", "step,sha256\n10," + h + "\n1," + h + "\n"},
	}
	for _, tc := range tests {
		if _, err := ParseTrace([]byte(tc.file)); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// BenchmarkFingerprint hashes a million weights, the cost of one traced
// step of a model that size.
func BenchmarkFingerprint(b *testing.B) {
	p := nn.NewParam[float32]("w", 1000, 1000)
	for i := range p.Value {
		p.Value[i] = float32(i)
	}
	ps := []*nn.Param[float32]{p}
	b.SetBytes(4 * int64(p.Size()))
	for b.Loop() {
		Fingerprint(ps)
	}
}
