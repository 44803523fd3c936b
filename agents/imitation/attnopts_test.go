package imitation

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/layers"
)

// trainSteps trains m for n steps on the test fixture.
func trainSteps(t *testing.T, m *Model, opt TrainOptions, n int) {
	t.Helper()
	tr, err := NewTrainer(m, fixture(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
}

// weightsDigest is a short digest of every weight's bits.
func weightsDigest(m *Model) string {
	h := sha256.New()
	var b [4]byte
	for _, p := range m.Params() {
		for _, v := range p.Value {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// TestAttentionOptionsOffUnchanged: without Arch.MatchQuery, Arch.StageHead
// and TrainOptions.StageLoss, the architectures hash and three training
// steps end on the weights they did before the options existed (digests
// taken from the code before them, on both training paths).
func TestAttentionOptionsOffUnchanged(t *testing.T) {
	for _, tc := range []struct {
		arch Arch
		want string
	}{
		{DefaultArch(CondFull), "3aecfd5b9137ea46"},
		{PaperArch(CondSnapshot), "5ec330d353a0ea47"},
	} {
		if got := tc.arch.Hash(); got != tc.want {
			t.Errorf("%s: architecture hash %s, want %s", tc.arch.Cond, got, tc.want)
		}
	}
	for _, tc := range []struct {
		taskGrads bool
		want      string
	}{{false, "05a959559212948b"}, {true, "a2c4b97913074b84"}} {
		m, err := NewModel(smallArch(CondFull), 1)
		if err != nil {
			t.Fatal(err)
		}
		opt := DefaultTrainOptions(AlgoBC)
		opt.TasksPerBatch, opt.PairsPerTask, opt.TaskGrads = 3, 4, tc.taskGrads
		trainSteps(t, m, opt, 3)
		if got := weightsDigest(m); got != tc.want {
			t.Errorf("per-task gradients %v: weights %s after 3 steps, want %s", tc.taskGrads, got, tc.want)
		}
	}
}

// TestAttentionOptions: each option adds its weights after the others (so
// the rest start as without it), appears in the architecture's JSON only
// when on, trains on both training paths, and with MatchQuery the unused
// additive temporal attention is left out of the parameters.
func TestAttentionOptions(t *testing.T) {
	plain, _ := NewModel(smallArch(CondFull), 3)
	for _, tc := range []struct {
		name         string
		match, stage bool
		stageLoss    float64
		json         []string // keys in the architecture's JSON
		learns       func(m *Model) []*nn.Param[f32]
	}{
		{"match", true, false, 0, []string{`"match_query":true`},
			func(m *Model) []*nn.Param[f32] { return []*nn.Param[f32]{m.Match[0].W, m.Match[1].W} }},
		{"stage", false, true, 0.5, []string{`"stage_head":true`},
			func(m *Model) []*nn.Param[f32] { return []*nn.Param[f32]{m.StageHid.W, m.StageOut.W, m.TempAtt[0].V} }},
		{"both", true, true, 1, []string{`"match_query":true`, `"stage_head":true`},
			func(m *Model) []*nn.Param[f32] { return []*nn.Param[f32]{m.Match[0].W, m.StageOut.B} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := smallArch(CondFull)
			a.MatchQuery, a.StageHead = tc.match, tc.stage
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			m, err := NewModel(a, 3)
			if err != nil {
				t.Fatal(err)
			}
			// The weights both models have start equal.
			byName := map[string][]f32{}
			for _, p := range m.Params() {
				byName[p.Name] = p.Value
			}
			for _, p := range plain.Params() {
				v, ok := byName[p.Name]
				if !ok {
					if tc.match && strings.Contains(p.Name, ".temporal.") {
						continue // left out with MatchQuery
					}
					t.Fatalf("%s missing", p.Name)
				}
				if !slices.Equal(v, p.Value) {
					t.Fatalf("%s initialised differently", p.Name)
				}
			}
			for _, p := range m.Params() {
				if tc.match && strings.Contains(p.Name, ".temporal.") {
					t.Fatalf("%s trained with MatchQuery, which does not use it", p.Name)
				}
			}
			js := string(mustJSON(t, a))
			for _, k := range tc.json {
				if !strings.Contains(js, k) {
					t.Errorf("JSON %s lacks %s", js, k)
				}
			}
			if pj := string(mustJSON(t, smallArch(CondFull))); strings.Contains(pj, "match_query") || strings.Contains(pj, "stage_head") {
				t.Errorf("the options appear in the JSON when off: %s", pj)
			}
			for _, tg := range []bool{false, true} {
				opt := DefaultTrainOptions(AlgoBC)
				opt.TasksPerBatch, opt.PairsPerTask, opt.TaskGrads, opt.StageLoss = 2, 4, tg, tc.stageLoss
				tr, err := NewTrainer(m, fixture(t), opt)
				if err != nil {
					t.Fatal(err)
				}
				var before [][]f32
				for _, p := range tc.learns(m) {
					before = append(before, slices.Clone(p.Value))
				}
				if _, _, err := tr.TrainStep(); err != nil {
					t.Fatal(err)
				}
				for i, p := range tc.learns(m) {
					if slices.Equal(before[i], p.Value) {
						t.Errorf("per-task gradients %v: %s did not learn", tg, p.Name)
					}
				}
			}
		})
	}
}

func mustJSON(t *testing.T, a Arch) []byte {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStageLossOptions: a stage loss needs the head and a weight that is
// non-negative and finite; with the head but weight 0, training is that of
// the model without the head, bit for bit, on both paths.
func TestStageLossOptions(t *testing.T) {
	for _, tc := range []struct {
		head bool
		w    float64
		ok   bool
	}{{false, 0, true}, {true, 0, true}, {true, 1, true}, {false, 1, false}, {true, -1, false}, {true, math.Inf(1), false}, {true, math.NaN(), false}} {
		a := smallArch(CondFull)
		a.StageHead = tc.head
		m, _ := NewModel(a, 1)
		opt := DefaultTrainOptions(AlgoBC)
		opt.StageLoss = tc.w
		if _, err := NewTrainer(m, fixture(t), opt); (err == nil) != tc.ok {
			t.Errorf("head %v, weight %g: error %v", tc.head, tc.w, err)
		}
	}
	for _, tg := range []bool{false, true} {
		run := func(head bool) *Model {
			a := smallArch(CondFull)
			a.StageHead = head
			m, _ := NewModel(a, 1)
			opt := DefaultTrainOptions(AlgoBC)
			opt.TasksPerBatch, opt.PairsPerTask, opt.TaskGrads = 3, 4, tg
			trainSteps(t, m, opt, 3)
			return m
		}
		with, without := run(true), run(false)
		for i, p := range without.Params() {
			if !slices.Equal(p.Value, with.Params()[i].Value) {
				t.Fatalf("per-task gradients %v: %s differs with an unweighted stage head", tg, p.Name)
			}
		}
	}
}

// TestAttentionOptionsCheckpoint: a model with both options saves, loads
// and acts the same.
func TestAttentionOptionsCheckpoint(t *testing.T) {
	a := smallArch(CondFull)
	a.MatchQuery, a.StageHead = true, true
	m, _ := NewModel(a, 1)
	opt := DefaultTrainOptions(AlgoBC)
	opt.Steps, opt.TasksPerBatch, opt.PairsPerTask, opt.StageLoss = 2, 2, 4, 1
	tr, err := NewTrainer(m, fixture(t)[:2], opt)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Train(context.Background(), tr, RunOptions{Dir: dir, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	loaded, cc, err := Load(dir, &a)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Train.StageLoss != 1 {
		t.Fatalf("stage loss %g in the checkpoint", cc.Train.StageLoss)
	}
	if !reflect.DeepEqual(actions(t, m), actions(t, loaded)) {
		t.Fatal("loaded model acts differently")
	}
}

// TestAttentionOptionsGradients checks the new terms' gradients against
// central differences in float64: the matching temporal attention (through
// a fixed random weighting of its weights) and the stage head's loss
// (through the read-outs into the head's weights).
func TestAttentionOptionsGradients(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		K, B, F, H, A, D, nr int
	}{
		{"one frame", 2, 2, 1, 1, 3, 4, 1},
		{"frames and heads", 3, 3, 4, 2, 2, 3, 2},
		{"one block", 1, 1, 3, 2, 3, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			randn := func(n int) []f64 {
				v := make([]f64, n)
				for i := range v {
					v[i] = r.NormFloat64()
				}
				return v
			}
			proj := layers.NewLinear[f64](r, "match", tc.D, tc.H*tc.A, layers.LinearOpts{NoBias: true})
			cur := nn.NewParam[f64]("cur", tc.K, tc.B, tc.D)
			emb := nn.NewParam[f64]("emb", tc.F, tc.B, tc.D)
			copy(cur.Value, randn(len(cur.Value)))
			copy(emb.Value, randn(len(emb.Value)))
			mix := randn(tc.K * tc.H * tc.F)
			params := append(proj.Params(), cur, emb)
			matchLoss := func(tp *nn.Tape[f64]) *nn.Tensor[f64] {
				w := matchAttention(tp, proj, tp.Param(cur), tp.Param(emb), tc.H)
				if !slices.Equal(w.Shape, []int{tc.K, tc.H, tc.F}) {
					t.Fatalf("weights of shape %v", w.Shape)
				}
				return tp.Sum(tp.Mul(w, tp.Constant(mix, tc.K, tc.H, tc.F)))
			}
			if e, where, err := nn.GradCheck(params, matchLoss, 1e-6); err != nil || e > 1e-5 {
				t.Errorf("matching attention: error %g at %s (%v)", e, where, err)
			}

			hid := layers.NewLinear[f64](r, "hid", tc.H*tc.D, tc.D, layers.LinearOpts{})
			out := layers.NewLinear[f64](r, "out", tc.D, NumStageClasses, layers.LinearOpts{})
			var reads []*nn.Param[f64]
			for i := range tc.nr {
				p := nn.NewParam[f64]("read"+string(rune('0'+i)), tc.K, tc.B, tc.H*tc.D)
				copy(p.Value, randn(len(p.Value)))
				reads = append(reads, p)
			}
			done := make([]int, tc.K)
			for i := range done {
				done[i] = r.IntN(NumStageClasses)
			}
			ps := append(append(hid.Params(), out.Params()...), reads...)
			stage := func(tp *nn.Tape[f64]) *nn.Tensor[f64] {
				var rs []*nn.Tensor[f64]
				for _, p := range reads {
					rs = append(rs, tp.Param(p))
				}
				return stageLoss(tp, hid, out, rs, done)
			}
			if e, where, err := nn.GradCheck(ps, stage, 1e-6); err != nil || e > 1e-5 {
				t.Errorf("stage loss: error %g at %s (%v)", e, where, err)
			}
		})
	}
}

// TestMatchAttentionFindsTheSameFrame: with the identity projection, a
// current observation equal to one frame's embedding puts the most weight
// on that frame (the property the option is for).
func TestMatchAttentionFindsTheSameFrame(t *testing.T) {
	const F, B, D = 4, 2, 3
	proj := &layers.Linear[f64]{W: nn.NewParam[f64]("id", D, D)}
	for i := range D {
		proj.W.Value[i*D+i] = 1
	}
	r := rand.New(rand.NewPCG(1, 2))
	emb := make([]f64, F*B*D)
	for i := range emb {
		emb[i] = r.NormFloat64()
	}
	tp := nn.NewTape[f64]()
	for f := range F {
		cur := emb[f*B*D : (f+1)*B*D]
		w := matchAttention(tp, proj, tp.Constant(cur, 1, B, D), tp.Constant(emb, F, B, D), 1).Data
		if argmax(w) != f {
			t.Errorf("frame %d: weights %v", f, w)
		}
	}
}

// f64 is the precision of the gradient checks.
type f64 = float64

// TestStageLossReachesTheAttention: the stage head's loss alone has a
// gradient in the temporal attention's weights (the read-out depends on the
// current state only through them) and none in the manipulation network.
func TestStageLossReachesTheAttention(t *testing.T) {
	for _, tc := range []struct {
		name  string
		match bool
		att   func(m *Model) *nn.Param[f32]
	}{
		{"additive", false, func(m *Model) *nn.Param[f32] { return m.TempAtt[0].V }},
		{"match", true, func(m *Model) *nn.Param[f32] { return m.Match[0].W }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := smallArch(CondFull)
			a.MatchQuery, a.StageHead = tc.match, true
			m, _ := NewModel(a, 4)
			td := fixture(t)[2] // three blocks, two stages
			d, imit := td.Demos[0], td.Demos[1]
			tp := nn.NewTape[f32]()
			emb, _ := m.EmbedDemo(tp, d, nil)
			obs := [][]f32{imit.Obs[0], imit.Obs[len(imit.Obs)/2], imit.Obs[len(imit.Obs)-1]}
			_, reads := m.forward(tp, emb, obs, d.Blocks, nil, true)
			done := make([]int, len(obs))
			for i, o := range obs {
				done[i] = StagesDone(o, td.Task.Supports())
			}
			nn.ZeroGrads(m.Params())
			if err := tp.Backward(stageLoss(tp, m.StageHid, m.StageOut, reads, done)); err != nil {
				t.Fatal(err)
			}
			nonzero := func(p *nn.Param[f32]) bool { return slices.ContainsFunc(p.Grad, func(g f32) bool { return g != 0 }) }
			if p := tc.att(m); !nonzero(p) {
				t.Errorf("no gradient in %s", p.Name)
			}
			for _, l := range m.MLP {
				for _, p := range l.Params() {
					if nonzero(p) {
						t.Errorf("gradient in %s", p.Name)
					}
				}
			}
		})
	}
}
