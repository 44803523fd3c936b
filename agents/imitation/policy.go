package imitation

import (
	"fmt"
	"math"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

// PolicyOptions configure a learned policy.
type PolicyOptions struct {
	// Ensemble is the number of demonstrations conditioning each episode;
	// their action distributions are averaged (0 means 1).
	Ensemble int
	// DemoSeed is the base seed of the demonstrations Reset generates with
	// the noisy expert; they are drawn from seeds no training set uses.
	DemoSeed uint64
	// Noise is the noise of the expert demonstrations generated to
	// condition on (policies.Noisy scale; 0: the clean expert). Models
	// condition best on demonstrations like those they were trained on:
	// LoadPolicy uses the checkpoint's TrainOptions.DemoNoise.
	Noise float64
}

// Policy is a trained model acting in the environment: greedy actions from
// the (ensemble-averaged) factorised action distribution. It implements
// policies.Policy. Not safe for concurrent use.
type Policy struct {
	m    *Model
	net  *Model // m for acting: see Model.inference
	cfg  sim.Config
	opt  PolicyOptions
	task stack.Task

	embs      [][]float32 // per conditioning demonstration: its embedding [T', B, D]
	frames    []int       // T' per demonstration
	goal      []int       // the task's goal supports
	frameDone []int       // per conditioning frame of the first demonstration: StagesDone
	tp        *nn.Tape[f32]
	obs       []float32
	att       Attention
	probs     []float64 // the averaged action distribution (Arch.NumLogits)
}

// NewPolicy wraps a model.
func NewPolicy(m *Model, cfg sim.Config, opt PolicyOptions) *Policy {
	if opt.Ensemble <= 0 {
		opt.Ensemble = 1
	}
	tp := nn.NewTape[f32]()
	tp.SetNoGrad(true)
	return &Policy{m: m, net: m.inference(), cfg: cfg, opt: opt, tp: tp, probs: make([]float64, m.Arch.NumLogits())}
}

// LoadPolicy loads the model in dir (see Load) as a policy. Each episode is
// conditioned on one demonstration that the expert records, with the noise
// of the model's training demonstrations, from a seed derived from the
// episode's seed.
func LoadPolicy(dir string, cfg sim.Config) (*Policy, error) {
	m, cc, err := Load(dir, nil)
	if err != nil {
		return nil, err
	}
	return NewPolicy(m, cfg, PolicyOptions{Noise: cc.Train.DemoNoise}), nil
}

// Model returns the policy's network.
func (p *Policy) Model() *Model { return p.m }

// Name returns "model:" and the conditioning variant.
func (p *Policy) Name() string { return "model-" + string(p.m.Arch.Cond) }

// Reset starts an episode of t: it records opt.Ensemble fresh expert
// demonstrations of t and conditions on them.
func (p *Policy) Reset(t stack.Task, seed uint64) {
	ds, err := RecordDemos(t, p.cfg, seed^p.opt.DemoSeed^0x9e3779b97f4a7c15, 0, p.opt.Ensemble, p.opt.Noise)
	if err != nil {
		// The expert succeeds on every task; keep acting on what we have.
		ds = ds[:0]
	}
	p.Condition(t, ds)
}

// RecordDemos records n successful demonstrations of t with the expert
// with noise (0: clean), from attempts first, first+1, ... of base seed
// base. It gives up after 4n+8 attempts.
func RecordDemos(t stack.Task, cfg sim.Config, base uint64, first, n int, noise float64) ([]*Demo, error) {
	var out []*Demo
	for a := first; len(out) < n && a < first+4*n+8; a++ {
		ep, err := collect.Expert(t, cfg, stack.EpisodeSeed(base, t, a), a, noise)
		if err != nil {
			return out, err
		}
		if ep.Outcome != stack.Success.String() {
			continue
		}
		d, err := fromEpisode(t, ep)
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	if len(out) < n {
		return out, fmt.Errorf("task %s: only %d of %d demonstrations succeeded", t, len(out), n)
	}
	return out, nil
}

// Condition starts an episode of t conditioned on the given demonstrations
// (of t, block names included). Each one's embedding is computed once here.
func (p *Policy) Condition(t stack.Task, ds []*Demo) {
	p.task = t
	p.goal = t.Supports()
	p.embs, p.frames, p.frameDone = p.embs[:0], p.frames[:0], p.frameDone[:0]
	for i, d := range ds {
		p.tp.Reset()
		if i == 0 {
			for _, j := range p.m.Arch.FrameIndices(d, nil) {
				p.frameDone = append(p.frameDone, StagesDone(d.Obs[j], p.goal))
			}
		}
		e, n := p.net.EmbedDemo(p.tp, d, nil)
		p.embs = append(p.embs, append([]float32(nil), e.Data...))
		p.frames = append(p.frames, n)
	}
	p.tp.Reset()
}

// Act returns the greedy action of the averaged distribution.
func (p *Policy) Act(s *sim.State) sim.Control {
	B := p.task.NumBlocks
	p.obs = stack.Observe(p.obs[:0], s)
	clear(p.probs)
	if len(p.embs) == 0 {
		return sim.Control{}
	}
	for k, e := range p.embs {
		p.tp.Reset()
		emb := p.tp.Constant(e, p.frames[k], B, p.m.Arch.Width)
		var att *Attention
		if k == 0 {
			att = &p.att
		}
		lg := p.net.Logits(p.tp, emb, [][]float32{p.obs}, B, att).Data
		if p.m.Arch.Head != HeadFactored {
			addSoftmax(p.probs, lg)
			continue
		}
		n := stack.NumSpeedBins
		addSoftmax(p.probs[:n], lg[:n])
		addSoftmax(p.probs[n:2*n], lg[n:2*n])
		addSoftmax(p.probs[2*n:], lg[2*n:])
	}
	return greedy(p.m.Arch.Head, p.probs).Control()
}

// greedy returns the most probable action of a head's distribution; with
// HeadFactored, each factor's most probable value.
func greedy(head string, probs []float64) stack.DiscreteAction {
	if head != HeadFactored {
		return stack.DiscreteFromIndex(argmax(probs))
	}
	n := stack.NumSpeedBins
	return stack.DiscreteAction{
		X:    argmax(probs[:n]),
		Y:    argmax(probs[n : 2*n]),
		Grip: probs[2*n+1] > probs[2*n],
	}
}

// Attention returns the attention weights of the last Act (of the first
// conditioning demonstration): over demonstration frames per context step,
// and over blocks per fixed query. The slices are reused by the next Act.
func (p *Policy) Attention() Attention { return p.att }

// StageShare returns, for the last Act on state s, the temporal attention
// mass (of the first conditioning demonstration, mean over context steps)
// on the demonstration frames of the stage being executed in s, and the
// share uniform attention would give. ok is false when there is no such
// stage: before the first Act, or with every stage done.
func (p *Policy) StageShare(s *sim.State) (share, chance float64, ok bool) {
	if len(p.att.Temporal) == 0 || len(p.frameDone) != len(p.att.Temporal[0]) {
		return 0, 0, false
	}
	p.obs = stack.Observe(p.obs[:0], s)
	done := StagesDone(p.obs, p.goal)
	if done >= p.task.NumStages() {
		return 0, 0, false
	}
	share, chance = StageShare(meanRows(p.att.Temporal), p.frameDone, done)
	return share, chance, true
}

// BlockWeights returns the latest attention over the blocks, one weight per
// block (the mean of the fixed queries' weights; they sum to 1), for drawing
// on the scene. Nil before the first Act.
func (p *Policy) BlockWeights() []float64 {
	if len(p.att.Blocks) == 0 {
		return nil
	}
	w := make([]float64, len(p.att.Blocks[0]))
	for _, q := range p.att.Blocks {
		for i, v := range q {
			w[i] += v / float64(len(p.att.Blocks))
		}
	}
	return w
}

func addSoftmax(dst []float64, logits []float32) {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - mx)
	}
	for i, v := range logits {
		dst[i] += math.Exp(float64(v)-mx) / s
	}
}

func argmax(v []float64) int {
	b := 0
	for i := range v {
		if v[i] > v[b] {
			b = i
		}
	}
	return b
}

var _ policies.Policy = (*Policy)(nil)
