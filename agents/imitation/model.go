package imitation

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/layers"
)

// Per-block input features: the block's position (dx, dy, tilt, then on a
// signed log scale, see logScale: dx, dy, dy+0.5 and dy+1.5 — the heights
// at which the grasp point grasps the block and places another on it) and
// the robot state (gripper x, y, open, closed), see stack.ObsDim.
const (
	posDim   = 7
	robotDim = 4
	featDim  = posDim + robotDim
	// NumQueries is the number of fixed learned queries at the end of the
	// context network (the paper's intended source and target block).
	NumQueries = 2
)

type f32 = float32

// bahdanau is multi-head additive attention from a set of queries to a set
// of keys: score_h(q, c) = v_hᵀ tanh(Wq q + Wc c).
type bahdanau struct {
	Q, C *layers.Linear[f32]
	V    *nn.Param[f32] // [A, H]
}

func newBahdanau(r *rand.Rand, name string, qIn, cIn, att, heads int) *bahdanau {
	return &bahdanau{
		Q: layers.NewLinear[f32](r, name+".q", qIn, att, layers.LinearOpts{}),
		C: layers.NewLinear[f32](r, name+".c", cIn, att, layers.LinearOpts{NoBias: true}),
		V: layers.Uniform[f32](r, name+".v", 1/sqrt(float64(att)), att, heads),
	}
}

func (b *bahdanau) params() []*nn.Param[f32] {
	return append(layers.CollectParams[f32](b.Q, b.C), b.V)
}

// neighbourhood is the attention of every block over the blocks of the same
// frame (the demonstration network's neighbourhood attention and the context
// network's spatial attention): query q_i = Linear(h_i), contexts c_j =
// Linear(h_j), memory (position_j, h_j), and
// output_i = Linear(concat(h_i, attention result, position_i, robot state)).
type neighbourhood struct {
	Att *bahdanau
	Out *layers.Linear[f32]
	H   int
}

func newNeighbourhood(r *rand.Rand, name string, in, memIn, att, heads, out int) *neighbourhood {
	return &neighbourhood{
		Att: newBahdanau(r, name, in, in, att, heads),
		Out: layers.NewLinear[f32](r, name+".out", in+heads*(posDim+memIn)+featDim, out, layers.LinearOpts{}),
		H:   heads,
	}
}

func (n *neighbourhood) params() []*nn.Param[f32] {
	return append(n.Att.params(), n.Out.Params()...)
}

// forward: x [N, B, in] (queries/keys), mem [N, B, memIn], feat [N, B, 7]
// (position and robot state per block). It returns [N, B, out].
func (n *neighbourhood) forward(tp *nn.Tape[f32], x, mem, feat, pos *nn.Tensor[f32]) *nn.Tensor[f32] {
	N, B := x.Shape[0], x.Shape[1]
	q := n.Att.Q.Forward(tp, x)                                                // [N,B,A]
	c := n.Att.C.Forward(tp, x)                                                // [N,B,A]
	A := q.Shape[2]                                                            //
	s := tp.Tanh(tp.Add(tp.Reshape(q, N, B, 1, A), tp.Reshape(c, N, 1, B, A))) // [N,B,B,A]
	w := tp.MatMul(s, tp.Param(n.Att.V))                                       // [N,B,B,H]
	w = tp.Transpose(w, 0, 3, 1, 2)                                            // [N,H,B,B]
	alpha := tp.Softmax(w, -1)
	m := tp.Concat(2, pos, mem) // [N,B,Dm]
	Dm := m.Shape[2]
	res := tp.BatchMatMul(tp.Reshape(alpha, N, n.H*B, B), m, false, false) // [N,H*B,Dm]
	res = tp.Reshape(tp.Transpose(tp.Reshape(res, N, n.H, B, Dm), 0, 2, 1, 3), N, B, n.H*Dm)
	return n.Out.Forward(tp, tp.Concat(2, x, res, feat))
}

// Model is the one-shot imitation network of Duan et al. (2017): the
// demonstration network, the context network and the manipulation network.
type Model struct {
	Arch Arch

	// Demonstration network.
	DemoIn   *layers.Linear[f32]   // 1×1 convolution: features → D
	DemoAtt  []*neighbourhood      // per dilation
	DemoConv []*layers.Linear[f32] // per dilation: causal kernel-2 dilated convolution, 2(D+7) → D

	// Context network.
	CtxIn    *layers.Linear[f32] // current block features → D (initial LSTM hidden state)
	TempAtt  []*bahdanau         // per step: block hidden → demo embedding (same block)
	SpaceAtt []*neighbourhood    // per step: spatial attention over current blocks
	LSTM     []*layers.LSTMCell[f32]
	FinalKey *layers.Linear[f32] // block hidden → attention space of the fixed queries
	FinalQ   *nn.Param[f32]      // [NumQueries, A]
	FinalV   *nn.Param[f32]      // [A, H]

	// Manipulation network.
	MLP []*layers.Linear[f32]

	// TimeIn maps a frame's position in the demonstration to the
	// demonstration network's input width (Arch.TimeFeature; nil without).
	TimeIn *layers.Linear[f32]

	// Match projects, per context step, the demonstration embeddings of
	// the frames and of the current observation into H heads of the
	// attention width (Arch.MatchQuery; nil without).
	Match []*layers.Linear[f32]

	// StageHid and StageOut are the stage head: per block a hidden layer
	// on the temporal read-out, the mean over the blocks, and the logits of
	// the number of stages done (Arch.StageHead; nil without).
	StageHid, StageOut *layers.Linear[f32]

	params []*nn.Param[f32]
}

// NewModel returns a model with the given architecture, initialised
// deterministically from seed.
func NewModel(a Arch, seed uint64) (*Model, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x1a2b3c4d))
	D, A, H := a.Width, a.AttDim, a.Heads
	m := &Model{Arch: a}
	m.DemoIn = layers.NewLinear[f32](r, "demo.in", featDim, D, layers.LinearOpts{})
	for i, d := range a.Dilations {
		name := fmt.Sprintf("demo.l%d", i)
		m.DemoAtt = append(m.DemoAtt, newNeighbourhood(r, name+".att", D, D, A, H, D))
		m.DemoConv = append(m.DemoConv, layers.NewLinear[f32](r, name+".conv", 2*(D+featDim), D, layers.LinearOpts{}))
		_ = d
	}
	m.CtxIn = layers.NewLinear[f32](r, "ctx.in", featDim, D, layers.LinearOpts{})
	for i := range a.CtxSteps {
		name := fmt.Sprintf("ctx.s%d", i)
		m.TempAtt = append(m.TempAtt, newBahdanau(r, name+".temporal", D, D, A, H))
		m.SpaceAtt = append(m.SpaceAtt, newNeighbourhood(r, name+".spatial", D+H*D, D, A, H, D))
		m.LSTM = append(m.LSTM, layers.NewLSTMCell[f32](r, name+".lstm", H*D+D+featDim, D))
	}
	m.FinalKey = layers.NewLinear[f32](r, "ctx.final.key", D, A, layers.LinearOpts{})
	m.FinalQ = layers.Uniform[f32](r, "ctx.final.q", 1, NumQueries, A)
	m.FinalV = layers.Uniform[f32](r, "ctx.final.v", 1/sqrt(float64(A)), A, H)
	in := a.ContextSize()
	for i, w := range a.Hidden {
		m.MLP = append(m.MLP, layers.NewLinear[f32](r, fmt.Sprintf("manip.l%d", i), in, w, layers.LinearOpts{WeightNorm: a.WeightNorm}))
		in = w
	}
	m.MLP = append(m.MLP, layers.NewLinear[f32](r, "manip.out", in, a.NumLogits(), layers.LinearOpts{WeightNorm: a.WeightNorm}))
	if a.TimeFeature {
		// Last, so that the other weights start as without it.
		m.TimeIn = layers.NewLinear[f32](r, "demo.time", 1, D, layers.LinearOpts{NoBias: true})
	}
	// Each option's weights come after those of the options before it, so
	// that every other weight starts as without it.
	if a.MatchQuery {
		for i := range a.CtxSteps {
			m.Match = append(m.Match, layers.NewLinear[f32](r, fmt.Sprintf("ctx.s%d.match", i), D, H*A, layers.LinearOpts{NoBias: true}))
		}
	}
	if a.StageHead {
		m.StageHid = layers.NewLinear[f32](r, "ctx.stage.hid", H*D, D, layers.LinearOpts{})
		m.StageOut = layers.NewLinear[f32](r, "ctx.stage.out", D, NumStageClasses, layers.LinearOpts{})
	}
	m.params = m.collect()
	return m, nil
}

func (m *Model) collect() []*nn.Param[f32] {
	ps := m.DemoIn.Params()
	for i := range m.DemoAtt {
		ps = append(ps, m.DemoAtt[i].params()...)
		ps = append(ps, m.DemoConv[i].Params()...)
	}
	ps = append(ps, m.CtxIn.Params()...)
	for i := range m.TempAtt {
		// With MatchQuery the additive temporal attention is built (for
		// the initialisation of the weights after it) but never used:
		// leaving it out keeps it out of training and checkpoints.
		if m.Match == nil {
			ps = append(ps, m.TempAtt[i].params()...)
		}
		ps = append(ps, m.SpaceAtt[i].params()...)
		ps = append(ps, m.LSTM[i].Params()...)
	}
	ps = append(ps, m.FinalKey.Params()...)
	ps = append(ps, m.FinalQ, m.FinalV)
	for _, l := range m.MLP {
		ps = append(ps, l.Params()...)
	}
	if m.TimeIn != nil {
		ps = append(ps, m.TimeIn.Params()...)
	}
	for _, l := range m.Match {
		ps = append(ps, l.Params()...)
	}
	if m.StageHid != nil {
		ps = append(ps, m.StageHid.Params()...)
		ps = append(ps, m.StageOut.Params()...)
	}
	return ps
}

// Params returns every trainable parameter, in a fixed order.
func (m *Model) Params() []*nn.Param[f32] { return m.params }

// NumParams returns the number of scalar weights.
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.params {
		n += p.Size()
	}
	return n
}

// logScale maps a distance in blocks to sign(v)·ln(1 + |v|/0.01)/4: about
// linear below a centimetre and logarithmic above, so that the network
// resolves the fine distances that decide the expert's slow velocity bins
// (0.1 and 0.3 blocks/s, a step of 0.01-0.03 blocks) as well as the coarse
// ones.
func logScale(v f32) f32 {
	a := float64(v)
	s := f32(1)
	if a < 0 {
		a, s = -a, -1
	}
	return s * f32(math.Log1p(a/0.01)/4)
}

// blockFeatures splits observation rows (each of length 3B+4) into per-block
// feature rows [rows, B, 11]: (dx, dy, tilt, log dx, log dy, log(dy+0.5),
// log(dy+1.5), gx, gy, open, closed).
func blockFeatures(dst []f32, obs [][]f32, B int) []f32 {
	for _, o := range obs {
		rob := o[3*B : 3*B+robotDim]
		for i := range B {
			dx, dy := o[3*i], o[3*i+1]
			dst = append(dst, dx, dy, o[3*i+2], logScale(dx), logScale(dy), logScale(dy+0.5), logScale(dy+1.5))
			dst = append(dst, rob...)
		}
	}
	return dst
}

// DemoEmbedding runs the demonstration network over the (already
// sub-sampled) demonstration frames of a task with B blocks and returns the
// embedding [T', B, D]. With Arch.TimeFeature it needs the frames'
// positions: see EmbedDemo.
func (m *Model) DemoEmbedding(tp *nn.Tape[f32], frames [][]f32, B int) *nn.Tensor[f32] {
	return m.demoEmbedding(tp, frames, nil, B)
}

// EmbedDemo embeds the conditioning frames of d (Arch.FrameIndices with
// rng) and returns the embedding and the number of frames.
func (m *Model) EmbedDemo(tp *nn.Tape[f32], d *Demo, rng *rand.Rand) (*nn.Tensor[f32], int) {
	idx := m.Arch.FrameIndices(d, rng)
	frames := make([][]f32, len(idx))
	times := make([]f32, len(idx))
	last := max(len(d.Obs)-1, 1)
	for i, j := range idx {
		frames[i] = d.Obs[j]
		times[i] = f32(j) / f32(last)
	}
	return m.demoEmbedding(tp, frames, times, d.Blocks), len(idx)
}

// demoEmbedding is DemoEmbedding with the frames' positions in [0, 1]
// (used with Arch.TimeFeature; nil: none).
func (m *Model) demoEmbedding(tp *nn.Tape[f32], frames [][]f32, times []f32, B int) *nn.Tensor[f32] {
	T := len(frames)
	feat := tp.Constant(blockFeatures(make([]f32, 0, T*B*featDim), frames, B), T, B, featDim)
	pos := tp.Slice(feat, 2, 0, posDim)
	h := m.DemoIn.Forward(tp, feat) // [T,B,D]
	if m.TimeIn != nil && times != nil {
		tt := make([]f32, 0, T*B)
		for _, t := range times {
			for range B {
				tt = append(tt, t)
			}
		}
		h = tp.Add(h, m.TimeIn.Forward(tp, tp.Constant(tt, T, B, 1)))
	}
	return m.demoLayers(tp, h, feat, pos, false)
}

// demoLayers runs the demonstration network's layers on the input
// embedding h [T, B, D] of frames with block features feat and positions
// pos. With single, every frame is a demonstration of its own (the
// convolutions' left taps are zeros): Arch.MatchQuery embeds the current
// observations so.
func (m *Model) demoLayers(tp *nn.Tape[f32], h, feat, pos *nn.Tensor[f32], single bool) *nn.Tensor[f32] {
	for i := range m.DemoAtt {
		r := tp.ReLU(h)
		n := m.DemoAtt[i].forward(tp, r, r, feat, pos) // [T,B,D]
		x := tp.Concat(2, n, feat)                     // [T,B,D+7]
		var left *nn.Tensor[f32]
		if single {
			left = tp.Zeros(x.Shape...)
		} else {
			left = shiftTime(tp, x, m.Arch.Dilations[i])
		}
		y := m.DemoConv[i].Forward(tp, tp.Concat(2, left, x))
		h = tp.Add(h, tp.ReLU(y))
	}
	return h
}

// matchAttention returns Arch.MatchQuery's temporal attention weights
// [K, H, T'] of K current observations over T' demonstration frames, from
// their demonstration embeddings cur [K, B, D] and emb [T', B, D]: per head
// h, softmax over the frames t of -Σ_b ‖P_h cur_kb - P_h emb_tb‖² / A, with
// proj (D → H·A) split into the heads' P_h. The term ‖P_h cur_kb‖² is the
// same for every frame, so it is left out: the softmax does not change.
func matchAttention[T nn.Float](tp *nn.Tape[T], proj *layers.Linear[T], cur, emb *nn.Tensor[T], H int) *nn.Tensor[T] {
	K, B, F := cur.Shape[0], cur.Shape[1], emb.Shape[0]
	pc := proj.Forward(tp, cur) // [K,B,H*A]
	pe := proj.Forward(tp, emb) // [F,B,H*A]
	A := pc.Shape[2] / H
	pc = tp.Reshape(tp.Transpose(tp.Reshape(pc, K, B, H, A), 2, 0, 1, 3), H, K, B*A)
	pe = tp.Reshape(tp.Transpose(tp.Reshape(pe, F, B, H, A), 2, 0, 1, 3), H, F, B*A)
	dot := tp.BatchMatMul(pc, pe, false, true)              // [H,K,F]
	sq := tp.Reshape(tp.SumAxis(tp.Square(pe), 2), H, 1, F) // [H,1,F]
	score := tp.Scale(tp.Sub(tp.Scale(dot, 2), sq), 1/T(A)) // [H,K,F]
	return tp.Transpose(tp.Softmax(score, -1), 1, 0, 2)     // [K,H,F]
}

// stageLoss is Arch.StageHead's loss: for every context step's temporal
// read-out [K, B, H·D] in reads, ReLU(hid) per block, the mean over the
// blocks, out to logits of the number of stages done, and the
// cross-entropy against done (one per observation); the mean over the
// steps.
func stageLoss[T nn.Float](tp *nn.Tape[T], hid, out *layers.Linear[T], reads []*nn.Tensor[T], done []int) *nn.Tensor[T] {
	var total *nn.Tensor[T]
	for _, r := range reads {
		z := tp.MeanAxis(tp.ReLU(hid.Forward(tp, r)), 1) // [K,D]
		l := tp.CrossEntropy(out.Forward(tp, z), done, nil)
		if total == nil {
			total = l
		} else {
			total = tp.Add(total, l)
		}
	}
	return tp.Scale(total, 1/T(len(reads)))
}

// shiftTime returns x [T, ...] delayed by d steps along axis 0, with zeros
// for the first d: the left tap of a causal dilated convolution of kernel 2.
// (nn.Tape.Conv1D is not used: it panics when the padding exceeds the
// length, which temporal dropout's short sequences hit.)
func shiftTime(tp *nn.Tape[f32], x *nn.Tensor[f32], d int) *nn.Tensor[f32] {
	T := x.Shape[0]
	zs := append([]int{min(d, T)}, x.Shape[1:]...)
	z := tp.Zeros(zs...)
	if d >= T {
		return z
	}
	return tp.Concat(0, z, tp.Slice(x, 0, 0, T-d))
}

// Attention holds attention weights of one forward pass, for pictures and
// for the window's overlay.
type Attention struct {
	Temporal [][]float64 // per context step: weight per demonstration frame (mean over heads)
	Blocks   [][]float64 // per fixed query: weight per block (mean over heads)
}

// Logits runs the context and manipulation networks for K observations of a
// task with B blocks, given the demonstration embedding emb [T', B, D], and
// returns the action logits [K, Arch.NumLogits()]: with HeadJoint one per
// stack.DiscreteAction index, with HeadFactored 11 vx bins, 11 vy bins,
// open, close.
// If att is not nil, it receives the attention weights of observation 0.
func (m *Model) Logits(tp *nn.Tape[f32], emb *nn.Tensor[f32], obs [][]f32, B int, att *Attention) *nn.Tensor[f32] {
	z, _ := m.forward(tp, emb, obs, B, att, false)
	return z
}

// forward is Logits; with reads it also returns every context step's
// temporal read-out [K, B, H·D] (for the stage head).
func (m *Model) forward(tp *nn.Tape[f32], emb *nn.Tensor[f32], obs [][]f32, B int, att *Attention, reads bool) (*nn.Tensor[f32], []*nn.Tensor[f32]) {
	var out []*nn.Tensor[f32]
	K := len(obs)
	T := emb.Shape[0]
	D, H := m.Arch.Width, m.Arch.Heads
	feat := tp.Constant(blockFeatures(make([]f32, 0, K*B*featDim), obs, B), K, B, featDim)
	pos := tp.Slice(feat, 2, 0, posDim)
	rob := tp.Reshape(tp.Slice(tp.Slice(feat, 1, 0, 1), 2, posDim, featDim), K, robotDim)
	h := m.CtxIn.Forward(tp, feat) // [K,B,D]
	var c *nn.Tensor[f32]
	embFlat := tp.Reshape(emb, T, B*D)
	if att != nil {
		att.Temporal = att.Temporal[:0]
		att.Blocks = att.Blocks[:0]
	}
	var cur *nn.Tensor[f32] // the current observations' demonstration embedding (MatchQuery)
	if m.Match != nil {
		cur = m.demoLayers(tp, m.DemoIn.Forward(tp, feat), feat, pos, true)
	}
	for s := range m.TempAtt {
		var alpha *nn.Tensor[f32] // [K,H,T]
		if m.Match != nil {
			alpha = matchAttention(tp, m.Match[s], cur, emb, H)
		} else {
			ta := m.TempAtt[s]
			q := ta.Q.Forward(tp, h)    // [K,B,A]
			ck := ta.C.Forward(tp, emb) // [T,B,A]
			A := q.Shape[2]
			sc := tp.Tanh(tp.Add(tp.Reshape(q, K, 1, B, A), tp.Reshape(ck, 1, T, B, A))) // [K,T,B,A]
			w := tp.MatMul(sc, tp.Param(ta.V))                                           // [K,T,B,H]
			w = tp.SumAxis(w, 2)                                                         // [K,T,H]: one weight per time step
			alpha = tp.Softmax(tp.Transpose(w, 0, 2, 1), -1)                             // [K,H,T]
		}
		if att != nil {
			att.Temporal = append(att.Temporal, meanHeads(alpha.Data[:H*T], H, T))
		}
		read := tp.MatMul(tp.Reshape(alpha, K*H, T), embFlat) // [K*H, B*D]
		read = tp.Reshape(tp.Transpose(tp.Reshape(read, K, H, B, D), 0, 2, 1, 3), K, B, H*D)
		if reads {
			out = append(out, read)
		}
		x := tp.Concat(2, h, read)
		sp := m.SpaceAtt[s].forward(tp, x, h, feat, pos) // [K,B,D]
		in := tp.Reshape(tp.Concat(2, read, sp, feat), K*B, H*D+D+featDim)
		var hf *nn.Tensor[f32]
		hf, c = m.LSTM[s].Step(tp, in, tp.Reshape(h, K*B, D), c)
		h = tp.Reshape(hf, K, B, D)
	}
	// Fixed learned queries over the current blocks.
	key := m.FinalKey.Forward(tp, h) // [K,B,A]
	A := key.Shape[2]
	sc := tp.Tanh(tp.Add(tp.Reshape(key, K, 1, B, A), tp.Reshape(tp.Param(m.FinalQ), 1, NumQueries, 1, A))) // [K,Q,B,A]
	w := tp.MatMul(sc, tp.Param(m.FinalV))                                                                  // [K,Q,B,H]
	alpha := tp.Softmax(tp.Transpose(w, 0, 1, 3, 2), -1)                                                    // [K,Q,H,B]
	if att != nil {
		for q := range NumQueries {
			att.Blocks = append(att.Blocks, meanHeads(alpha.Data[q*H*B:(q+1)*H*B], H, B))
		}
	}
	al := tp.Reshape(alpha, K, NumQueries*H, B)
	parts := []*nn.Tensor[f32]{rob, tp.Reshape(tp.BatchMatMul(al, pos, false, false), K, NumQueries*H*posDim)}
	if m.Arch.ReadHidden {
		parts = append(parts, tp.Reshape(tp.BatchMatMul(al, h, false, false), K, NumQueries*H*D))
	}
	z := tp.Concat(1, parts...)
	for i, l := range m.MLP {
		z = l.Forward(tp, z)
		if i < len(m.MLP)-1 {
			z = tp.ReLU(z)
		}
	}
	return z, out
}

func meanHeads(a []f32, H, n int) []float64 {
	out := make([]float64, n)
	for h := range H {
		for i := range n {
			out[i] += float64(a[h*n+i]) / float64(H)
		}
	}
	return out
}

// Loss returns the mean cross-entropy of the action head's distribution
// for logits (from Logits) and labels (per row: vx bin, vy bin, grip 0/1):
// with HeadFactored the sum of the three factors' cross-entropies.
func (m *Model) Loss(tp *nn.Tape[f32], logits *nn.Tensor[f32], labels [][3]int) *nn.Tensor[f32] {
	K := len(labels)
	if m.Arch.Head != HeadFactored {
		idx := make([]int, K)
		for i, l := range labels {
			idx[i] = stack.DiscreteAction{X: l[0], Y: l[1], Grip: l[2] == 1}.Index()
		}
		return tp.CrossEntropy(logits, idx, nil)
	}
	tx, ty, tg := make([]int, K), make([]int, K), make([]int, K)
	for i, l := range labels {
		tx[i], ty[i], tg[i] = l[0], l[1], l[2]
	}
	parts := tp.Split(logits, 1, stack.NumSpeedBins, stack.NumSpeedBins, 2)
	return tp.Add(tp.Add(tp.CrossEntropy(parts[0], tx, nil), tp.CrossEntropy(parts[1], ty, nil)), tp.CrossEntropy(parts[2], tg, nil))
}

// trainLoss is the objective of one task's part of a batch: Loss of the
// action labels, plus with stageW > 0 stageW times the stage head's loss
// against the stages done (StagesDone with the task's goal supports) in
// obs. It returns the objective and the stage head's loss (nil without).
func (m *Model) trainLoss(tp *nn.Tape[f32], emb *nn.Tensor[f32], obs [][]f32, B int, labels [][3]int, goal []int, stageW float64) (total, stage *nn.Tensor[f32]) {
	if stageW == 0 {
		return m.Loss(tp, m.Logits(tp, emb, obs, B, nil), labels), nil
	}
	z, reads := m.forward(tp, emb, obs, B, nil, true)
	done := make([]int, len(obs))
	for i, o := range obs {
		done[i] = StagesDone(o, goal)
	}
	stage = stageLoss(tp, m.StageHid, m.StageOut, reads, done)
	return tp.Add(m.Loss(tp, z, labels), tp.Scale(stage, f32(stageW))), stage
}

// inference returns a copy of m for acting: the weight-normalised layers of
// the manipulation network hold their normalised weights (computed once,
// by the same tape operations as every forward pass, so the actions are
// the same bit for bit) as plain weights. A policy calls the network once
// per control step with one observation, where normalising the weights
// cost as much as applying them. The copy shares every other parameter
// with m and must not be trained.
func (m *Model) inference() *Model {
	if !m.Arch.WeightNorm {
		return m
	}
	tp := nn.NewTape[f32]()
	tp.SetNoGrad(true)
	c := *m
	c.MLP = make([]*layers.Linear[f32], len(m.MLP))
	for i, l := range m.MLP {
		if l.G == nil {
			c.MLP[i] = l
			continue
		}
		w := l.Weight(tp)
		p := nn.NewParam[f32](l.W.Name+".normalised", w.Shape...)
		copy(p.Value, w.Data)
		c.MLP[i] = &layers.Linear[f32]{W: p, B: l.B}
	}
	c.params = nil // not trainable
	return &c
}
