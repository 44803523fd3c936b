// Package nnbench measures the neural-network engine in nn: float32
// matrix-multiply throughput and training steps per second (forward,
// backward and an Adam update on a fixed batch) of the reference models:
//
//   - mlp: 1024→2000→100 (ReLU) → 10 sigmoid heads, batch 128, on binary
//     fingerprints with 10% of bits set (the engine multiplies such sparse
//     constant inputs as sparse matrices);
//   - mlp-dense: the same network on dense Gaussian inputs;
//   - attention: single-head self-attention, batch 32, 10 tokens, d = 64,
//     then a 64→256→64 MLP, both residual;
//   - pixelcnn: gated masked-convolution PixelCNN, a 7×7 mask-A layer and
//     four residual 3×3 mask-B layers of 32 channels, 28×28 binary images,
//     batch 16;
//   - lstm: an LSTM cell (64→64) unrolled 20 steps, batch 32;
//   - transformer: the nmt suite's quick-profile Transformer on random ids.
//
// and the suites' real training steps, built from the suites' packages on
// data drawn by their own generators at the quick profiles' sizes (see
// real.go): nmt-ulr (the ULR training step), nmt-fomaml (FOMAML's inner
// and outer step), density-gated and density-attention (the conditional
// and the attention PixelCNN on character episodes). With --torch the
// reference script runs the same steps on the same data (passed as JSON).
//
// The same measurements exist as Go benchmarks:
//
//	go test -run '^$' -bench . ./benchmarks/nnbench/                     # default (cgo-free) build
//	OPENBLAS_NUM_THREADS=1 go test -tags openblas -run '^$' -bench . ./benchmarks/nnbench/
//
// Add -cpu 1 for single-core figures.
package nnbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/nn"
)

// Options configures [Run].
type Options struct {
	// Duration is the measuring time per item (default 2 s). Each item
	// also runs at least MinIters iterations.
	Duration time.Duration
	// MinIters is the minimum number of timed iterations (default 3).
	MinIters int
	// Models selects training benchmarks by name (see [Models]); empty
	// means all. Use NoTrain to skip them.
	Models  []string
	NoTrain bool
	// NoMatMul skips the matrix-multiply measurements.
	NoMatMul bool
	// Seed fixes weights and data.
	Seed uint64
	// data is the real steps' data, prepared once for all rounds.
	data *realData
}

// MatMulResult is one float32 matrix-multiply measurement.
type MatMulResult struct {
	Name   string  `json:"name"`
	M      int     `json:"m"`
	K      int     `json:"k"`
	N      int     `json:"n"`
	Iters  int     `json:"iters"`
	GFLOPS float64 `json:"gflops"`
}

// TrainResult is one training-speed measurement.
type TrainResult struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Steps       int     `json:"steps"`
	StepsPerSec float64 `json:"steps_per_sec"`
	// CPUStepsPerSec is steps per second of the process's CPU time (0
	// where it is not measured): on a shared machine it leaves out the
	// time other processes held the core.
	CPUStepsPerSec float64 `json:"cpu_steps_per_sec,omitempty"`
	MsPerStep      float64 `json:"ms_per_step"`
	FirstLoss      float64 `json:"first_loss"`
	LastLoss       float64 `json:"last_loss"`
}

// Report is the outcome of [Run]; it marshals to JSON.
type Report struct {
	Backend         string         `json:"backend"`
	GoVersion       string         `json:"go_version"`
	GOMAXPROCS      int            `json:"gomaxprocs"`
	OpenBLASThreads string         `json:"openblas_num_threads,omitempty"`
	MatMul          []MatMulResult `json:"matmul"`
	Train           []TrainResult  `json:"train"`
}

// MatMulShapes returns the measured products as (m, k, n) for m×k · k×n.
func MatMulShapes() [][3]int {
	return [][3]int{{64, 64, 64}, {256, 256, 256}, {1024, 1024, 1024}, {64, 512, 512}}
}

func matMulName(s [3]int) string {
	if s[0] == s[1] && s[1] == s[2] {
		return fmt.Sprintf("matmul %d", s[0])
	}
	return fmt.Sprintf("matmul %dx%d·%dx%d", s[0], s[1], s[1], s[2])
}

// Run performs the selected measurements. It stops early, returning the
// context's error, when ctx is cancelled.
func Run(ctx context.Context, opt Options) (Report, error) {
	if opt.Duration <= 0 {
		opt.Duration = 2 * time.Second
	}
	if opt.MinIters <= 0 {
		opt.MinIters = 3
	}
	rep := Report{
		Backend:         nn.Backend(),
		GoVersion:       runtime.Version(),
		GOMAXPROCS:      runtime.GOMAXPROCS(0),
		OpenBLASThreads: os.Getenv("OPENBLAS_NUM_THREADS"),
	}
	if !opt.NoMatMul {
		for _, s := range MatMulShapes() {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			rep.MatMul = append(rep.MatMul, measureMatMul(s, opt))
		}
	}
	if opt.NoTrain {
		return rep, nil
	}
	models := opt.Models
	if len(models) == 0 {
		models = Models()
	}
	for _, name := range models {
		if !slices.Contains(Models(), name) {
			return rep, fmt.Errorf("nnbench: unknown model %q (want one of %v)", name, Models())
		}
	}
	if opt.data == nil {
		d, err := newRealData(models, opt.Seed)
		if err != nil {
			return rep, err
		}
		opt.data = d
	}
	for _, name := range models {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		res, err := measureTrain(ctx, name, opt)
		if err != nil {
			return rep, err
		}
		rep.Train = append(rep.Train, res)
	}
	return rep, nil
}

// timeLoop runs f until opt.Duration has passed and at least opt.MinIters
// iterations were done, after one untimed warm-up call.
func timeLoop(opt Options, f func() error) (iters int, elapsed time.Duration, err error) {
	if err := f(); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	for iters < opt.MinIters || time.Since(start) < opt.Duration {
		if err := f(); err != nil {
			return iters, time.Since(start), err
		}
		iters++
	}
	return iters, time.Since(start), nil
}

// repeats is the number of timed repeats of a training measurement, as
// in the reference script: a burst of load from other processes spoils
// one repeat, not the median.
const repeats = 5

// timeRepeats runs f once untimed, then in repeats timed runs of
// opt.Duration/repeats each (and together at least opt.MinIters calls),
// and returns the calls made and the median rates in calls per second of
// wall time and of the process's CPU time (0 if not measured).
func timeRepeats(opt Options, f func() error) (iters int, rate, cpuRate float64, err error) {
	if err := f(); err != nil {
		return 0, 0, 0, err
	}
	per, minN := opt.Duration/repeats, (opt.MinIters+repeats-1)/repeats
	rates := make([]float64, 0, repeats)
	var cpuRates []float64
	for range repeats {
		n, start := 0, time.Now()
		c0, cok := cpuTime()
		for n < minN || time.Since(start) < per {
			if err := f(); err != nil {
				return iters + n, 0, 0, err
			}
			n++
		}
		rates = append(rates, float64(n)/time.Since(start).Seconds())
		if c1, ok := cpuTime(); ok && cok && c1 > c0 {
			cpuRates = append(cpuRates, float64(n)/(c1-c0).Seconds())
		}
		iters += n
	}
	if len(cpuRates) == repeats {
		cpuRate = median(cpuRates)
	}
	return iters, median(rates), cpuRate, nil
}

func measureMatMul(s [3]int, opt Options) MatMulResult {
	m, k, n := s[0], s[1], s[2]
	r := rand.New(rand.NewPCG(opt.Seed, 1))
	a, b, c := randn(r, m*k), randn(r, k*n), make([]float32, m*n)
	iters, el, _ := timeLoop(opt, func() error {
		nn.Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		return nil
	})
	return MatMulResult{Name: matMulName(s), M: m, K: k, N: n, Iters: iters,
		GFLOPS: 2 * float64(m) * float64(k) * float64(n) * float64(iters) / el.Seconds() / 1e9}
}

func measureTrain(ctx context.Context, name string, opt Options) (TrainResult, error) {
	t, err := newModel(name, opt.Seed, opt.data)
	if err != nil {
		return TrainResult{}, err
	}
	res := TrainResult{Name: name, Description: t.desc}
	first := true
	iters, rate, cpuRate, err := timeRepeats(opt, func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		l, err := t.step()
		if first {
			res.FirstLoss, first = float64(l), false
		}
		res.LastLoss = float64(l)
		return err
	})
	if err != nil {
		return res, err
	}
	res.Steps = iters
	res.StepsPerSec, res.CPUStepsPerSec = rate, cpuRate
	res.MsPerStep = 1e3 / rate
	return res, nil
}

// Rows returns a table header and one row per measurement.
func (r Report) Rows() (header []string, rows [][]string) {
	header = []string{"benchmark", "shape / model", "result", "unit"}
	for _, m := range r.MatMul {
		rows = append(rows, []string{m.Name, fmt.Sprintf("%d×%d · %d×%d float32", m.M, m.K, m.K, m.N),
			fmt.Sprintf("%.1f", m.GFLOPS), "GFLOPS"})
	}
	for _, t := range r.Train {
		rows = append(rows, []string{"train " + t.Name, t.Description,
			fmt.Sprintf("%.1f", t.StepsPerSec), "steps/s"})
	}
	return header, rows
}

// Table returns the report as a printable table titled with the backend.
func (r Report) Table() report.Table {
	h, rows := r.Rows()
	title := fmt.Sprintf("nn engine — BLAS: %s, GOMAXPROCS=%d", r.Backend, r.GOMAXPROCS)
	if r.OpenBLASThreads != "" {
		title += ", OPENBLAS_NUM_THREADS=" + r.OpenBLASThreads
	}
	return report.Table{Title: title, Header: h, Rows: rows}
}
