package imitation

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/sim"
)

// smallArch keeps unit tests fast.
func smallArch(c Cond) Arch {
	a := DefaultArch(c)
	a.Width, a.AttDim, a.CtxSteps, a.Hidden, a.Dilations = 16, 16, 2, []int{32}, []int{1, 2}
	return a
}

func TestFrames(t *testing.T) {
	obs := make([][]float32, 41)
	B := 2
	for i := range obs {
		obs[i] = make([]float32, stack.ObsDim(B))
		obs[i][3*B+2] = 1 // open
		if i >= 10 && i < 20 || i >= 25 && i < 30 {
			obs[i][3*B+2], obs[i][3*B+3] = 0, 1 // closed
		}
	}
	d := NewDemo(stack.MustParse("ab"), obs, nil)
	if want := []int{20, 30, 40}; !slices.Equal(d.Snaps, want) {
		t.Fatalf("snapshots %v, want %v", d.Snaps, want)
	}
	for _, tc := range []struct {
		cond Cond
		n    int
	}{{CondFull, 2}, {CondSnapshot, 3}, {CondFinal, 1}} {
		a := DefaultArch(tc.cond)
		if f := a.Frames(d, nil); len(f) != tc.n {
			t.Errorf("%s: %d frames, want %d", tc.cond, len(f), tc.n)
		} else if &f[len(f)-1][0] != &obs[40][0] {
			t.Errorf("%s: last frame is not the demonstration's last", tc.cond)
		}
	}
}

func TestParseCond(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"full", true}, {"snapshot", true}, {"final", true}, {"", false}, {"last", false}} {
		if _, err := ParseCond(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseCond(%q): err %v", tc.in, err)
		}
	}
}

func TestContextSizeFixed(t *testing.T) {
	m, err := NewModel(smallArch(CondFull), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"ab", "ab c d e", "abc de fg hij"} {
		tk := stack.MustParse(spec)
		ds, err := RecordDemos(tk, sim.DefaultConfig(), 3, 0, 1, 0.2)
		if err != nil {
			t.Fatal(err)
		}
		p := NewPolicy(m, sim.DefaultConfig(), PolicyOptions{})
		p.Condition(tk, ds)
		env, _ := stack.New(tk, stack.Options{})
		env.Reset(1)
		p.Act(env.State())
		w := p.BlockWeights()
		if len(w) != tk.NumBlocks {
			t.Fatalf("%s: %d block weights", spec, len(w))
		}
	}
}

// newTestTrainer returns a trainer of a small model on two fixture tasks
// (its own copies: DAgger adds to them).
func newTestTrainer(t *testing.T, o TrainOptions) *Trainer {
	t.Helper()
	m, err := NewModel(smallArch(CondFull), 1)
	if err != nil {
		t.Fatal(err)
	}
	data := fixture(t)[:2]
	own := make([]*TaskData, len(data))
	for i, td := range data {
		c := *td
		own[i] = &c
	}
	tr, err := NewTrainer(m, own, o)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func train(t *testing.T, dir string, steps int, algo string) (*Model, *Trainer) {
	t.Helper()
	o := DefaultTrainOptions(algo)
	o.Steps, o.TasksPerBatch, o.PairsPerTask = steps, 2, 4
	if algo == AlgoDAgger {
		o.DAggerEpisodes = 1
	}
	tr := newTestTrainer(t, o)
	m := tr.M
	if _, err := Train(context.Background(), tr, RunOptions{Dir: dir, Resume: true, CheckpointEvery: 3, Workers: 1, LogEvery: 2}); err != nil {
		t.Fatal(err)
	}
	return m, tr
}

func actions(t *testing.T, m *Model) []sim.Control {
	t.Helper()
	tk := stack.MustParse("ab c")
	p := NewPolicy(m, sim.DefaultConfig(), PolicyOptions{})
	p.Reset(tk, 11)
	env, _ := stack.New(tk, stack.Options{})
	env.Reset(11)
	var cs []sim.Control
	for range 15 {
		c := p.Act(env.State())
		cs = append(cs, c)
		env.Step(c)
	}
	return cs
}

func TestCheckpointRoundTripAndResume(t *testing.T) {
	dir := t.TempDir()
	m, _ := train(t, dir, 6, AlgoBC)
	ck, err := LatestCheckpoint(dir)
	if err != nil || filepath.Base(ck) != checkpointDir(6) {
		t.Fatalf("latest checkpoint %q (%v), want %s", ck, err, checkpointDir(6))
	}
	for _, f := range []string{ConfigFile, WeightsFile, OptimFile, LossCSV, TraceFile} {
		if _, err := os.Stat(filepath.Join(ck, f)); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{LossCSV, LossPNG} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Fatalf("model directory holds %d entries, want the newest checkpoint and the loss curve", len(ents))
	}
	loaded, cc, err := Load(dir, &m.Arch)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Step != 6 {
		t.Fatalf("step %d", cc.Step)
	}
	if !reflect.DeepEqual(actions(t, m), actions(t, loaded)) {
		t.Fatal("loaded model acts differently")
	}
	// Same seed, same model; and an interrupted run resumed to the same end.
	again, _ := train(t, t.TempDir(), 6, AlgoBC)
	half := t.TempDir()
	train(t, half, 3, AlgoBC)
	resumed, _ := train(t, half, 6, AlgoBC)
	for i, p := range m.Params() {
		if !slices.Equal(p.Value, again.Params()[i].Value) {
			t.Fatalf("same seed, different weights in %s", p.Name)
		}
		if !slices.Equal(p.Value, resumed.Params()[i].Value) {
			t.Fatalf("resumed run differs in %s", p.Name)
		}
	}
}

// rewrite replaces file name of dir's newest checkpoint with data.
func rewrite(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	ck, err := LatestCheckpoint(dir)
	if err != nil || ck == "" {
		t.Fatalf("no checkpoint in %s: %v", dir, err)
	}
	if err := os.WriteFile(filepath.Join(ck, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readCk(t *testing.T, dir, name string) []byte {
	t.Helper()
	ck, _ := LatestCheckpoint(dir)
	b, err := os.ReadFile(filepath.Join(ck, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadRefuses(t *testing.T) {
	fresh := func() string {
		dir := t.TempDir()
		train(t, dir, 2, AlgoBC)
		return dir
	}
	dir := fresh()
	other := smallArch(CondFinal)
	if _, _, err := Load(dir, &other); !errors.Is(err, ErrArchMismatch) {
		t.Errorf("other architecture: %v", err)
	}
	good := readCk(t, dir, WeightsFile)
	// Weights of another architecture, with their own checksum.
	narrow, _ := NewModel(func() Arch { a := smallArch(CondFull); a.Width = 8; return a }(), 1)
	ck := t.TempDir()
	if err := narrow.saveWeights(ck, CheckpointConfig{}); err != nil {
		t.Fatal(err)
	}
	swapped, _ := os.ReadFile(filepath.Join(ck, WeightsFile))
	nanM, _ := NewModel(smallArch(CondFull), 1)
	nanM.Params()[0].Value[0] = float32(math.NaN())
	if err := nanM.saveWeights(ck, CheckpointConfig{}); err != nil {
		t.Fatal(err)
	}
	nanWeights, _ := os.ReadFile(filepath.Join(ck, WeightsFile))
	flipped := slices.Clone(good)
	flipped[len(flipped)-5] ^= 0x40
	huge := strings.Replace(string(readCk(t, dir, ConfigFile)), `"hidden": [
      32
    ]`, `"hidden": [100000, 100000]`, 1)
	tests := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"flipped data bytes", WeightsFile, flipped, "checksum"},
		{"truncated weights", WeightsFile, good[:len(good)/2], "checksum"},
		{"weights of another architecture", WeightsFile, swapped, "checksum"},
		{"NaN weights", WeightsFile, nanWeights, "checksum"},
		{"corrupt config", ConfigFile, []byte("{"), "config.json"},
		{"huge architecture", ConfigFile, []byte(huge), "beyond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fresh()
			rewrite(t, d, tt.file, tt.data)
			if _, _, err := Load(d, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	// With a matching checksum, NaN weights are still refused.
	d := fresh()
	ckd, _ := LatestCheckpoint(d)
	if err := nanM.saveWeights(ckd, CheckpointConfig{Step: 2}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(d, nil); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("NaN weights with their checksum: %v", err)
	}
	// A model directory of the old format.
	old := t.TempDir()
	os.WriteFile(filepath.Join(old, ConfigFile), []byte(`{"format":"metabench-imitation","version":1}`), 0o644)
	if _, _, err := Load(old, nil); err == nil || !strings.Contains(err.Error(), "older") {
		t.Fatalf("old format: %v", err)
	}
}

func TestResumeRefusesOtherSettings(t *testing.T) {
	dir := t.TempDir()
	train(t, dir, 2, AlgoBC)
	m, _ := NewModel(smallArch(CondFull), 1)
	o := DefaultTrainOptions(AlgoBC)
	o.Steps, o.TasksPerBatch, o.PairsPerTask, o.LR = 4, 2, 4, 0.01
	tr, err := NewTrainer(m, fixture(t)[:2], o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Train(context.Background(), tr, RunOptions{Dir: dir, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "learning rate") {
		t.Fatalf("resume with another learning rate: %v", err)
	}
}

func TestCheckOutDir(t *testing.T) {
	model := t.TempDir()
	train(t, model, 1, AlgoBC)
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "manifest.json"), []byte("{}"), 0o644)
	mixed := t.TempDir()
	train(t, mixed, 1, AlgoBC)
	os.WriteFile(filepath.Join(mixed, "notes.txt"), []byte("x"), 0o644)
	tests := []struct {
		name string
		dir  string
		ok   bool
	}{
		{"new", filepath.Join(t.TempDir(), "m"), true},
		{"empty", t.TempDir(), true},
		{"a model", model, true},
		{"a dataset or other files", foreign, false},
		{"a model with other files", mixed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckOutDir(tt.dir); (err == nil) != tt.ok {
				t.Fatalf("CheckOutDir: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestDAggerAddsLabelledStates(t *testing.T) {
	_, tr := train(t, t.TempDir(), 4, AlgoDAgger)
	n := 0
	for _, td := range tr.Data {
		n += len(td.ExtraObs)
		if len(td.ExtraObs) != len(td.ExtraLabs) {
			t.Fatal("pool sizes differ")
		}
	}
	if n == 0 {
		t.Fatal("no DAgger states")
	}
}

func TestEvaluateDeterministic(t *testing.T) {
	m, err := NewModel(smallArch(CondFull), 1)
	if err != nil {
		t.Fatal(err)
	}
	opt := EvalOptions{Tasks: []stack.Task{stack.MustParse("ab")}, Episodes: 2, Seed: 3, DemoSeed: 4, Workers: 1, Relabel: true}
	a, err := Evaluate(context.Background(), m, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Workers = 2
	b, _ := Evaluate(context.Background(), m, opt)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("1 worker %v, 2 workers %v", a, b)
	}
	exp, _ := Evaluate(context.Background(), nil, opt)
	rows := Summarise("expert", "train", exp)
	if len(rows) != 1 || rows[0].Successes != 2 {
		t.Fatalf("expert rows %+v", rows)
	}
	merged := Merge(rows, rows)
	if merged[0].Episodes != 4 || merged[0].SuccessRate != 1 {
		t.Fatalf("merged %+v", merged)
	}
}

func TestHeads(t *testing.T) {
	rise := stack.DiscreteAction{X: 5, Y: 7}    // vx 0, vy 0.3
	travel := stack.DiscreteAction{X: 10, Y: 5} // vx 4, vy 0
	stop := stack.DiscreteAction{X: 5, Y: 5}
	for _, tc := range []struct {
		head   string
		logits int
		loss   float64 // cross-entropy of uniform logits
		greedy stack.DiscreteAction
	}{
		{HeadJoint, stack.NumDiscreteActions, math.Log(float64(stack.NumDiscreteActions)), rise},
		// The factors' modes come from different behaviours: a standstill.
		{HeadFactored, 2*stack.NumSpeedBins + 2, 2*math.Log(float64(stack.NumSpeedBins)) + math.Log(2), stop},
	} {
		t.Run(tc.head, func(t *testing.T) {
			a := smallArch(CondFull)
			a.Head = tc.head
			m, err := NewModel(a, 1)
			if err != nil {
				t.Fatal(err)
			}
			if a.NumLogits() != tc.logits {
				t.Fatalf("%d logits, want %d", a.NumLogits(), tc.logits)
			}
			tp := nn.NewTape[f32]()
			lg := tp.Constant(make([]f32, 2*tc.logits), 2, tc.logits)
			l := m.Loss(tp, lg, [][3]int{{rise.X, rise.Y, 0}, {travel.X, travel.Y, 1}})
			if got := float64(l.Data[0]); math.Abs(got-tc.loss) > 1e-5 {
				t.Errorf("loss of uniform logits %.6f, want %.6f", got, tc.loss)
			}
			// Rise with probability 0.45, travel 0.4, stand still 0.15.
			probs := make([]float64, tc.logits)
			for _, o := range []struct {
				d stack.DiscreteAction
				p float64
			}{{rise, 0.45}, {travel, 0.4}, {stop, 0.15}} {
				if tc.head == HeadJoint {
					probs[o.d.Index()] += o.p
					continue
				}
				probs[o.d.X] += o.p
				probs[stack.NumSpeedBins+o.d.Y] += o.p
				probs[2*stack.NumSpeedBins] += o.p // open
			}
			if got := greedy(tc.head, probs); got != tc.greedy {
				t.Errorf("greedy %+v, want %+v", got, tc.greedy)
			}
		})
	}
}

func TestForkContinuesAsFromScratch(t *testing.T) {
	newTrainer := func(algo string) *Trainer {
		m, err := NewModel(smallArch(CondFull), 1)
		if err != nil {
			t.Fatal(err)
		}
		o := DefaultTrainOptions(algo)
		o.Steps, o.TasksPerBatch, o.PairsPerTask = 6, 2, 4
		if algo == AlgoDAgger {
			o.DAggerEpisodes = 1 // rounds at steps 3 and 4
		}
		var data []*TaskData
		for _, td := range fixture(t)[:2] {
			c := *td
			data = append(data, &c)
		}
		tr, err := NewTrainer(m, data, o)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	run := func(tr *Trainer, until int) {
		if _, err := Train(context.Background(), tr, RunOptions{Until: until, Workers: 1}); err != nil {
			t.Fatal(err)
		}
	}
	scratch := newTrainer(AlgoDAgger)
	run(scratch, 0)
	bc := newTrainer(AlgoBC)
	run(bc, 3)
	forked, err := bc.Fork(scratch.Opt)
	if err != nil {
		t.Fatal(err)
	}
	run(forked, 0)
	run(bc, 0)
	for i, p := range scratch.M.Params() {
		if !slices.Equal(p.Value, forked.M.Params()[i].Value) {
			t.Fatalf("forked DAgger differs from DAgger from scratch in %s", p.Name)
		}
	}
	if a, b := string(scratch.trace.CSV(scratch.Step())), string(forked.trace.CSV(forked.Step())); a != b || bc.trace == forked.trace {
		t.Errorf("forked DAgger's trace\n%s\nDAgger from scratch:\n%s", b, a)
	}
	if len(bc.Data[0].ExtraObs) != 0 || len(forked.Data[0].ExtraObs) == 0 {
		t.Error("the DAgger pool leaked into the BC trainer's data, or was not filled")
	}
	// Options under which the first steps would have differed are refused.
	other := scratch.Opt
	other.LR *= 2
	if _, err := bc.Fork(other); err == nil {
		t.Error("fork with another learning rate accepted")
	}
	if _, err := scratch.Fork(bc.Opt); err == nil {
		t.Error("fork after DAgger rounds accepted")
	}
}
