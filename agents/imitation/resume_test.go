package imitation

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/dirlock"
)

// stepLoss returns loss.csv (steps and exact losses), which a resumed run
// must reproduce byte for byte.
func stepLoss(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, LossCSV))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkpointTrace returns the weights' trace in the newest checkpoint of
// dir, which a resumed run must also reproduce byte for byte.
func checkpointTrace(t *testing.T, dir string) string {
	t.Helper()
	ck, err := LatestCheckpoint(dir)
	if err != nil || ck == "" {
		t.Fatalf("no checkpoint in %s (%v)", dir, err)
	}
	b, err := os.ReadFile(filepath.Join(ck, TraceFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestResumedLossCurveIdentical: a run stopped at a step that is not a
// curve point and resumed, or a finished run extended to more steps,
// writes the loss.csv, loss.png and weights' trace of an uninterrupted run (before, the
// resumed run's first row averaged only the steps since it started, and
// the stop added a row of its own).
func TestResumedLossCurveIdentical(t *testing.T) {
	const steps, every = 8, 3
	tests := []struct {
		name   string
		stops  []int // Until of each process before the last
		extend bool  // each process is a finished run to its stop, not one stopped there
	}{
		{"one stop mid-window", []int{4}, false},
		{"stops on and off points", []int{3, 5, 7}, false},
		{"finished runs extended", []int{4, 6, 7}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			straight := t.TempDir()
			o := DefaultTrainOptions(AlgoBC)
			o.Steps, o.TasksPerBatch, o.PairsPerTask = steps, 2, 4
			if _, err := Train(context.Background(), newTestTrainer(t, o), RunOptions{Dir: straight, Workers: 1, LogEvery: every}); err != nil {
				t.Fatal(err)
			}
			pieces := t.TempDir()
			for _, until := range append(tc.stops, 0) {
				po := o
				if tc.extend && until > 0 {
					// A finished run of fewer steps, which the next
					// extends (--steps grown on a rerun).
					po.Steps, until = until, 0
				}
				if _, err := Train(context.Background(), newTestTrainer(t, po), RunOptions{Dir: pieces, Resume: true, Until: until, Workers: 1, LogEvery: every}); err != nil {
					t.Fatal(err)
				}
			}
			if a, b := stepLoss(t, straight), stepLoss(t, pieces); a != b {
				t.Errorf("loss.csv after stops at %v:\n%s\nuninterrupted:\n%s", tc.stops, b, a)
			}
			if a, b := checkpointTrace(t, straight), checkpointTrace(t, pieces); a != b {
				t.Errorf("%s after stops at %v:\n%s\nuninterrupted:\n%s", TraceFile, tc.stops, b, a)
			}
			a, _ := os.ReadFile(filepath.Join(straight, LossPNG))
			b, _ := os.ReadFile(filepath.Join(pieces, LossPNG))
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Errorf("loss.png after stops at %v differs from an uninterrupted run's", tc.stops)
			}
		})
	}
}

// TestOutDirTempFiles: the temporary files a write killed mid-way leaves
// in a model directory are accepted by the --out check and removed by the
// next run; a file that only resembles one is still refused.
func TestOutDirTempFiles(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{".loss.csv123", true},
		{".loss.png6437764079006615440", true},
		{".metabench-probe42", true},
		{".loss.csv", false},
		{".loss.csv12x", false},
		{".loss.csv12345678901234567890", false},
		{"notes.txt", false},
	}
	o := DefaultTrainOptions(AlgoBC)
	o.Steps, o.TasksPerBatch, o.PairsPerTask = 3, 2, 4
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Train(context.Background(), newTestTrainer(t, o), RunOptions{Dir: dir, Until: 2, Workers: 1}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tc.name), []byte("torn"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := CheckOutDir(dir)
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), tc.name) {
					t.Fatalf("CheckOutDir: %v, want a refusal naming %s", err, tc.name)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckOutDir: %v", err)
			}
			if _, err := Train(context.Background(), newTestTrainer(t, o), RunOptions{Dir: dir, Resume: true, Workers: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, tc.name)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s still there after the resume (%v)", tc.name, err)
			}
		})
	}
}

// TestTrainLocksModelDir: a second trainer on a model directory in use is
// refused before it writes anything.
func TestTrainLocksModelDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := dirlock.Lock(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	o := DefaultTrainOptions(AlgoBC)
	o.Steps, o.TasksPerBatch, o.PairsPerTask = 2, 2, 4
	_, err = Train(context.Background(), newTestTrainer(t, o), RunOptions{Dir: dir, Resume: true, Workers: 1})
	if !errors.Is(err, dirlock.ErrBusy) {
		t.Fatalf("Train beside a lock holder: %v, want busy", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("the refused trainer wrote %d entries", len(ents))
	}
}

// TestCheckOutDirCreatesNothing: the --out check of a directory that does
// not exist yet leaves nothing behind (a command that fails later must not
// leave an empty --out).
func TestCheckOutDirCreatesNothing(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "a", "model")
	if err := CheckOutDir(out); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 0 {
		t.Errorf("CheckOutDir left %v", ents)
	}
}

// cancelAt cancels a context when the training log reports a step.
type cancelAt struct {
	step   string
	cancel context.CancelFunc
}

func (c cancelAt) Write(p []byte) (int, error) {
	if strings.HasPrefix(string(p), "step "+c.step+" ") {
		c.cancel()
	}
	return len(p), nil
}

// TestInterruptKeepsSteps: an interrupted run checkpoints the steps it
// finished, and the resumed run's model and loss curve are an
// uninterrupted run's.
func TestInterruptKeepsSteps(t *testing.T) {
	o := DefaultTrainOptions(AlgoBC)
	o.Steps, o.TasksPerBatch, o.PairsPerTask = 5, 2, 4
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Train(ctx, newTestTrainer(t, o), RunOptions{Dir: dir, Workers: 1, LogEvery: 1, Log: cancelAt{"2", cancel}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	if cc, err := ReadConfig(dir); err != nil || cc.Step != 2 {
		t.Fatalf("after the interrupt: checkpoint at step %d (%v), want 2", cc.Step, err)
	}
	if _, err := Train(context.Background(), newTestTrainer(t, o), RunOptions{Dir: dir, Resume: true, Workers: 1, LogEvery: 1}); err != nil {
		t.Fatal(err)
	}
	straight := t.TempDir()
	if _, err := Train(context.Background(), newTestTrainer(t, o), RunOptions{Dir: straight, Workers: 1, LogEvery: 1}); err != nil {
		t.Fatal(err)
	}
	if a, b := stepLoss(t, straight), stepLoss(t, dir); a != b {
		t.Errorf("loss.csv after an interrupt:\n%s\nuninterrupted:\n%s", b, a)
	}
	a, _ := os.ReadFile(filepath.Join(straight, LossPNG))
	b, _ := os.ReadFile(filepath.Join(dir, LossPNG))
	if !bytes.Equal(a, b) {
		t.Error("loss.png after an interrupt differs")
	}
}

// TestReadCurveFormats: loss.csv as written now (step,loss) and as older
// checkpoints hold it (step,loss,seconds) both read; anything else is an
// error naming the line.
func TestReadCurveFormats(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []LossPoint
		err       string
	}{
		{"now", "step,loss\n50,1.5\n100,0.25\n", []LossPoint{{Step: 50, Loss: 1.5}, {Step: 100, Loss: 0.25}}, ""},
		{"older", "step,loss,seconds\n50,1.5,3.250\n", []LossPoint{{Step: 50, Loss: 1.5}}, ""},
		{"one column", "step,loss\n50\n", nil, ":2: not a step,loss line"},
		{"bad seconds", "step,loss,seconds\n50,1.5,x\n", nil, ":2:"},
		{"four columns", "step,loss\n50,1.5,1,1\n", nil, ":2:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), LossCSV)
			os.WriteFile(path, []byte(tc.csv), 0o644)
			got, err := readCurve(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
