// Package torchref runs the PyTorch CPU reference of the network-engine
// benchmark (torch_ref.py, embedded) so that `metabench bench nn --torch`
// can report the engine's speed as a ratio to PyTorch measured in the same
// run, with the same shapes.
package torchref

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/metabench/metabench/internal/atomicfile"
)

//go:embed torch_ref.py
var script []byte

// Script returns the reference script, for people who want to run it by hand.
func Script() []byte { return bytes.Clone(script) }

// Result is the script's JSON output.
type Result struct {
	TorchVersion        string             `json:"torch_version"`
	Threads             int                `json:"threads"`
	OpenBLASThreads     int                `json:"openblas_num_threads"`
	MLPStepsPerSec      float64            `json:"mlp_steps_per_s"`
	AttnStepsPerSec     float64            `json:"attention_steps_per_s"`
	PixelCNNStepsPerSec float64            `json:"pixelcnn_steps_per_s"`
	LSTMStepsPerSec     float64            `json:"lstm_steps_per_s"`
	TransformerSteps    float64            `json:"transformer_steps_per_s"`
	MatMulGFLOPS        map[string]float64 `json:"matmul_gflops"`
	// Real holds the suites' real steps by model name (nmt-ulr, …).
	Real map[string]float64 `json:"real_steps_per_s,omitempty"`
	// CPU is steps per second of the process's CPU time, by the script's
	// benchmark name (see [Only]).
	CPU map[string]float64 `json:"cpu_steps_per_s,omitempty"`
	// Paired and PairedCPU hold, by model name of benchmarks/nnbench, the
	// rates of a [Server] run timed in turns with the engine on that model
	// (per second of wall and of CPU time); they take precedence.
	Paired    map[string]float64 `json:"paired_steps_per_s,omitempty"`
	PairedCPU map[string]float64 `json:"paired_cpu_steps_per_s,omitempty"`
}

// SetPaired records the rates of model timed in turns with the engine.
func (r *Result) SetPaired(model string, steps, cpu float64) {
	if r.Paired == nil {
		r.Paired, r.PairedCPU = map[string]float64{}, map[string]float64{}
	}
	r.Paired[model], r.PairedCPU[model] = steps, cpu
}

// synthetic maps the models of benchmarks/nnbench to the script's
// benchmarks of the same networks.
var synthetic = map[string]string{"mlp": "mlp", "mlp-dense": "mlp", "attention": "attention", "pixelcnn": "pixelcnn",
	"lstm": "lstm", "transformer": "transformer"}

// real lists the suites' real steps the script runs on the data it is given.
var real = []string{"nmt-ulr", "nmt-fomaml", "density-gated", "density-attention", "imitation-bc"}

// Merge copies into r the measurements of o (a run of other benchmarks).
func (r *Result) Merge(o Result) {
	if o.TorchVersion != "" {
		r.TorchVersion, r.Threads, r.OpenBLASThreads = o.TorchVersion, o.Threads, o.OpenBLASThreads
	}
	for _, f := range []struct {
		dst *float64
		src float64
	}{{&r.MLPStepsPerSec, o.MLPStepsPerSec}, {&r.AttnStepsPerSec, o.AttnStepsPerSec},
		{&r.PixelCNNStepsPerSec, o.PixelCNNStepsPerSec}, {&r.LSTMStepsPerSec, o.LSTMStepsPerSec}, {&r.TransformerSteps, o.TransformerSteps}} {
		if f.src != 0 {
			*f.dst = f.src
		}
	}
	if o.MatMulGFLOPS != nil {
		r.MatMulGFLOPS = o.MatMulGFLOPS
	}
	for k, v := range o.Real {
		if r.Real == nil {
			r.Real = map[string]float64{}
		}
		r.Real[k] = v
	}
	for k, v := range o.CPU {
		if r.CPU == nil {
			r.CPU = map[string]float64{}
		}
		r.CPU[k] = v
	}
}

// CPUStepsPerSec is [Result.StepsPerSec] per second of CPU time.
func (r Result) CPUStepsPerSec(model string) (float64, bool) {
	if v, ok := r.PairedCPU[model]; ok {
		return v, true
	}
	b := Only([]string{model})
	if len(b) == 0 {
		return 0, false
	}
	v, ok := r.CPU[b[0]]
	return v, ok
}

// Only returns the script's benchmark names (its --only list) that time
// the given models of benchmarks/nnbench, in order and without repeats.
func Only(models []string) []string {
	var out []string
	for _, m := range models {
		b, ok := synthetic[m]
		if !ok && slices.Contains(real, m) {
			b, ok = m, true
		}
		if ok && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// Run executes the script with the given Python interpreter and OpenBLAS
// thread count (PyTorch's own pool stays at one thread: docs/engine.md),
// timing the benchmarks named in only (see [Only]; "matmul" adds the
// matrix products). data, marshalled to JSON, is the real steps' input.
func Run(ctx context.Context, python string, threads int, only []string, data any) (Result, error) {
	if len(only) == 0 {
		return Result{}, fmt.Errorf("torch reference: nothing to run")
	}
	dir, err := os.MkdirTemp("", "metabench-torchref-")
	if err != nil {
		return Result{}, fmt.Errorf("torch reference: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "torch_ref.py")
	if err := atomicfile.WriteFile(path, script, 0o644); err != nil {
		return Result{}, fmt.Errorf("torch reference: %w", err)
	}
	blob, err := json.Marshal(data)
	if err != nil {
		return Result{}, fmt.Errorf("torch reference: %w", err)
	}
	dataPath := filepath.Join(dir, "data.json")
	if err := atomicfile.WriteFile(dataPath, blob, 0o644); err != nil {
		return Result{}, fmt.Errorf("torch reference: %w", err)
	}
	cmd := exec.CommandContext(ctx, python, path, "--json", "--threads", strconv.Itoa(threads),
		"--only", strings.Join(only, ","), "--data", dataPath)
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS="+strconv.Itoa(threads))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:] // the exception line
		}
		if msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return Result{}, fmt.Errorf("torch reference with %s: %w", python, err)
	}
	var r Result
	if err := json.Unmarshal(out, &r); err != nil {
		return Result{}, fmt.Errorf("torch reference: unreadable output: %w", err)
	}
	return r, nil
}

// StepsPerSec returns the reference's training speed for a model name of
// benchmarks/nnbench; ok is false for models the script does not run. The
// script's MLP uses dense Gaussian inputs, so it is the reference of
// "mlp-dense" (and of "mlp", whose sparse input PyTorch would multiply
// densely all the same).
func (r Result) StepsPerSec(model string) (float64, bool) {
	if v, ok := r.Paired[model]; ok {
		return v, true
	}
	if v, ok := r.Real[model]; ok {
		return v, true
	}
	switch model {
	case "mlp", "mlp-dense":
		return r.MLPStepsPerSec, true
	case "attention":
		return r.AttnStepsPerSec, true
	case "pixelcnn":
		return r.PixelCNNStepsPerSec, true
	case "lstm":
		return r.LSTMStepsPerSec, true
	case "transformer":
		return r.TransformerSteps, true
	}
	return 0, false
}
