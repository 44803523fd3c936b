package optim

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/nn"
)

// TraceFile is the name of a trace written beside a saved model.
const TraceFile = "weights-trace.csv"

// traceHeader is the first line of a trace file.
const traceHeader = "step,sha256"

// TracePoint is the fingerprint of the weights after a step.
type TracePoint struct {
	Step   int
	SHA256 string // hexadecimal, 64 digits
}

// Trace follows a model's weights through training: the fingerprint of its
// parameters after steps 1, 10, 100, 1000, … and at the end. Two runs that
// should give the same bits and do not — on another CPU, say — then part at
// a known step: where a trace first differs, the weights differed for the
// first time at most that many steps in. A trainer opts in by making a
// trace and calling Observe after every step; a nil *Trace does nothing, so
// code paths without one pay a nil test per step.
type Trace[T nn.Float] struct {
	params []*nn.Param[T]
	points []TracePoint
}

// NewTrace returns an empty trace of params, fingerprinted in this order.
func NewTrace[T nn.Float](params []*nn.Param[T]) *Trace[T] {
	return &Trace[T]{params: params}
}

// TraceStep reports whether a trace records the weights after step: 1, 10,
// 100, … The gaps grow with training so that a run of any length records a
// handful of points, the early ones where bits usually part first.
func TraceStep(step int) bool {
	if step < 1 {
		return false
	}
	for step%10 == 0 {
		step /= 10
	}
	return step == 1
}

// Fingerprint returns the SHA-256, in hexadecimal, of params in order:
// for each, its name, its shape and the raw bits of its values, so that
// weights with the same values under other names or shapes differ too.
func Fingerprint[T nn.Float](params []*nn.Param[T]) string {
	h := sha256.New()
	var buf []byte
	for _, p := range params {
		buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(len(p.Name)))
		buf = append(buf, p.Name...)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(len(p.Shape)))
		for _, d := range p.Shape {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(d))
		}
		h.Write(buf)
		// In blocks, so that a large parameter needs no copy of its size.
		const block = 4096
		for lo := 0; lo < len(p.Value); lo += block {
			buf = buf[:0]
			switch v := any(p.Value[lo:min(lo+block, len(p.Value))]).(type) {
			case []float32:
				for _, x := range v {
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
				}
			case []float64:
				for _, x := range v {
					buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
				}
			}
			h.Write(buf)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Observe records the fingerprint of the weights after step, if step is
// one a trace keeps (TraceStep) and later than the last recorded.
func (t *Trace[T]) Observe(step int) {
	if t == nil || !TraceStep(step) {
		return
	}
	if n := len(t.points); n > 0 && t.points[n-1].Step >= step {
		return
	}
	t.points = append(t.points, TracePoint{Step: step, SHA256: Fingerprint(t.params)})
}

// Points returns the points recorded so far.
func (t *Trace[T]) Points() []TracePoint {
	if t == nil {
		return nil
	}
	return append([]TracePoint(nil), t.points...)
}

// At returns the trace of the weights as they are now, after step: the
// points recorded up to step, then the fingerprint of the weights now,
// labelled step, unless step's point is the last of those. The trace itself
// is unchanged, so a checkpoint can be written mid-run.
func (t *Trace[T]) At(step int) []TracePoint {
	if t == nil {
		return nil
	}
	var out []TracePoint
	for _, p := range t.points {
		if p.Step <= step {
			out = append(out, p)
		}
	}
	if n := len(out); n == 0 || out[n-1].Step != step {
		out = append(out, TracePoint{Step: step, SHA256: Fingerprint(t.params)})
	}
	return out
}

// CSV returns the trace file of the weights now, after step (At): a
// "step,sha256" header, then one line a point.
func (t *Trace[T]) CSV(step int) []byte {
	return TraceCSV(t.At(step))
}

// WriteFile writes CSV(step) to path atomically; with a nil trace it
// writes nothing.
func (t *Trace[T]) WriteFile(path string, step int) error {
	if t == nil {
		return nil
	}
	if err := atomicfile.WriteFile(path, t.CSV(step), 0o644); err != nil {
		return fmt.Errorf("optim: trace: %w", err)
	}
	return nil
}

// Clone returns a copy of the trace that fingerprints params instead: the
// trace of a model copied from this one's (a fork of a training run).
func (t *Trace[T]) Clone(params []*nn.Param[T]) *Trace[T] {
	if t == nil {
		return nil
	}
	return &Trace[T]{params: params, points: t.Points()}
}

// Resume restores the points of the trace file at path, written by a run
// now resumed from its checkpoint of step: the points of the steps a trace
// keeps, up to step. A line for step itself must match the weights now (the
// checkpoint's), so that a trace is never continued on other weights. A
// missing file is an error wrapping fs.ErrNotExist; the trace is then
// unchanged.
func (t *Trace[T]) Resume(path string, step int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("optim: trace: %w", err)
	}
	ps, err := ParseTrace(b)
	if err != nil {
		return fmt.Errorf("optim: trace %s: %w", path, err)
	}
	var keep []TracePoint
	for _, p := range ps {
		if p.Step == step {
			if now := Fingerprint(t.params); p.SHA256 != now {
				return fmt.Errorf("optim: trace %s: step %d has fingerprint %.16s…, the weights resumed %.16s…", path, step, p.SHA256, now)
			}
		}
		if p.Step <= step && TraceStep(p.Step) {
			keep = append(keep, p)
		}
	}
	t.points = keep
	return nil
}

// TraceCSV writes points as a trace file.
func TraceCSV(points []TracePoint) []byte {
	var b bytes.Buffer
	b.WriteString(traceHeader + "\n")
	for _, p := range points {
		fmt.Fprintf(&b, "%d,%s\n", p.Step, p.SHA256)
	}
	return b.Bytes()
}

// ParseTrace reads a trace file: its header, then "step,sha256" lines of
// increasing steps.
func ParseTrace(b []byte) ([]TracePoint, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	if !sc.Scan() || sc.Text() != traceHeader {
		return nil, fmt.Errorf("not a trace: the first line is not %q", traceHeader)
	}
	var out []TracePoint
	for line := 2; sc.Scan(); line++ {
		s, h, ok := strings.Cut(sc.Text(), ",")
		step, err := strconv.Atoi(s)
		if _, herr := hex.DecodeString(h); !ok || err != nil || herr != nil || len(h) != 2*sha256.Size {
			return nil, fmt.Errorf("line %d: %q is not a step and a SHA-256", line, sc.Text())
		}
		if step < 0 {
			return nil, fmt.Errorf("line %d: step %d", line, step)
		}
		if n := len(out); n > 0 && step <= out[n-1].Step {
			return nil, fmt.Errorf("line %d: step %d after step %d", line, step, out[n-1].Step)
		}
		out = append(out, TracePoint{Step: step, SHA256: h})
	}
	return out, sc.Err()
}
