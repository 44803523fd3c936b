package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
)

// LSTMCell is one step of a long short-term memory network.
type LSTMCell[T nn.Float] struct {
	Wx *nn.Param[T] // [in, 4H], gate order i, f, g, o
	Wh *nn.Param[T] // [H, 4H]
	B  *nn.Param[T] // [4H], forget-gate bias initialised to 1
	H  int
}

// NewLSTMCell returns an LSTM cell with uniform ±1/sqrt(H) weights.
func NewLSTMCell[T nn.Float](r *rand.Rand, name string, in, hidden int) *LSTMCell[T] {
	bound := 1 / math.Sqrt(float64(hidden))
	c := &LSTMCell[T]{
		Wx: Uniform[T](r, name+".Wx", bound, in, 4*hidden),
		Wh: Uniform[T](r, name+".Wh", bound, hidden, 4*hidden),
		B:  nn.NewParam[T](name+".b", 4*hidden),
		H:  hidden,
	}
	for j := hidden; j < 2*hidden; j++ {
		c.B.Value[j] = 1
	}
	return c
}

// Params returns Wx, Wh and b.
func (c *LSTMCell[T]) Params() []*nn.Param[T] { return []*nn.Param[T]{c.Wx, c.Wh, c.B} }

// Step advances the state (h, c), both [N, H], by input x [N, in]. A nil h
// or c means zeros.
func (c *LSTMCell[T]) Step(tp *nn.Tape[T], x, h, cell *nn.Tensor[T]) (hNext, cNext *nn.Tensor[T]) {
	n := x.Shape[0]
	if h == nil {
		h = tp.Zeros(n, c.H)
	}
	if cell == nil {
		cell = tp.Zeros(n, c.H)
	}
	z := tp.Linear(x, tp.Param(c.Wx), tp.Param(c.B))
	z = tp.Add(z, tp.MatMul(h, tp.Param(c.Wh)))
	g := tp.Split(z, 1, c.H, c.H, c.H, c.H)
	i, f, u, o := tp.Sigmoid(g[0]), tp.Sigmoid(g[1]), tp.Tanh(g[2]), tp.Sigmoid(g[3])
	cNext = tp.Add(tp.Mul(f, cell), tp.Mul(i, u))
	hNext = tp.Mul(o, tp.Tanh(cNext))
	return hNext, cNext
}

// Mask marks attention scores to hide (true = hidden). Shape must
// broadcast to [batch, heads, queries, keys].
type Mask struct {
	Data  []bool
	Shape []int
}

// CausalMask hides keys after each query: shape [1, 1, t, t].
func CausalMask(t int) *Mask {
	m := &Mask{Data: make([]bool, t*t), Shape: []int{1, 1, t, t}}
	for q := range t {
		for k := q + 1; k < t; k++ {
			m.Data[q*t+k] = true
		}
	}
	return m
}

// PaddingMask hides keys at positions ≥ lengths[b] in batch row b: shape
// [batch, 1, 1, keys].
func PaddingMask(lengths []int, keys int) *Mask {
	m := &Mask{Data: make([]bool, len(lengths)*keys), Shape: []int{len(lengths), 1, 1, keys}}
	for b, l := range lengths {
		for k := l; k < keys; k++ {
			m.Data[b*keys+k] = true
		}
	}
	return m
}

// maskedValue is the score given to hidden positions.
const maskedValue = -1e9

// MultiHeadAttention is scaled dot-product attention with several heads.
type MultiHeadAttention[T nn.Float] struct {
	Q, K, V, O *Linear[T]
	Heads      int
	// Dropout is the probability of dropping attention weights in Forward
	// when a random source is given.
	Dropout float64
}

// NewMultiHeadAttention returns attention over dim features with the given
// number of heads (dim must be divisible by heads).
func NewMultiHeadAttention[T nn.Float](r *rand.Rand, name string, dim, heads int) *MultiHeadAttention[T] {
	if heads < 1 || dim%heads != 0 {
		panic(fmt.Sprintf("layers: attention dim %d not divisible by %d heads", dim, heads))
	}
	return &MultiHeadAttention[T]{
		Q:     NewLinear[T](r, name+".q", dim, dim, LinearOpts{}),
		K:     NewLinear[T](r, name+".k", dim, dim, LinearOpts{}),
		V:     NewLinear[T](r, name+".v", dim, dim, LinearOpts{}),
		O:     NewLinear[T](r, name+".o", dim, dim, LinearOpts{}),
		Heads: heads,
	}
}

// Params returns the four projections' parameters.
func (a *MultiHeadAttention[T]) Params() []*nn.Param[T] {
	return CollectParams[T](a.Q, a.K, a.V, a.O)
}

// splitHeads turns [B, T, D] into [B·H, T, D/H].
func (a *MultiHeadAttention[T]) splitHeads(tp *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	b, t, d := x.Shape[0], x.Shape[1], x.Shape[2]
	if a.Heads == 1 {
		return x
	}
	x = tp.Reshape(x, b, t, a.Heads, d/a.Heads)
	x = tp.Transpose(x, 0, 2, 1, 3)
	return tp.Reshape(x, b*a.Heads, t, d/a.Heads)
}

// Forward attends from queries q [B, Tq, D] to keys/values kv [B, Tk, D].
// mask may be nil; rnd drives attention dropout (nil disables it).
func (a *MultiHeadAttention[T]) Forward(tp *nn.Tape[T], q, kv *nn.Tensor[T], mask *Mask, rnd func() float64) *nn.Tensor[T] {
	out, _ := a.ForwardWithWeights(tp, q, kv, mask, rnd)
	return out
}

// ForwardWithWeights is Forward that also returns the attention weights
// (after softmax, before dropout) with shape [B·H, Tq, Tk], batch-major.
func (a *MultiHeadAttention[T]) ForwardWithWeights(tp *nn.Tape[T], q, kv *nn.Tensor[T], mask *Mask, rnd func() float64) (out, weights *nn.Tensor[T]) {
	if len(q.Shape) != 3 || len(kv.Shape) != 3 {
		panic(fmt.Sprintf("layers: attention inputs %v and %v, want [B, T, D]", q.Shape, kv.Shape))
	}
	return a.attend(tp, q, a.Keys(tp, kv), mask, rnd)
}

// KV holds keys and values projected and split into heads, [B·H, T, D/H]
// each: what attention to the same positions reuses, such as an encoder
// memory or the positions a decoder has already produced.
type KV[T nn.Float] struct {
	K, V *nn.Tensor[T]
	// rows, when positive, is how many of the T positions are filled (a
	// cache that grows in place); attention reads only those.
	rows int
}

// positions returns how many positions attention to kv reads.
func (kv KV[T]) positions() int {
	if kv.rows > 0 {
		return kv.rows
	}
	return kv.K.Shape[1]
}

// Keys projects kv [B, T, D] into the keys and values of a.
func (a *MultiHeadAttention[T]) Keys(tp *nn.Tape[T], kv *nn.Tensor[T]) KV[T] {
	return KV[T]{K: a.splitHeads(tp, a.K.Forward(tp, kv)), V: a.splitHeads(tp, a.V.Forward(tp, kv))}
}

// ForwardKV is Forward with the keys and values already projected by
// [MultiHeadAttention.Keys].
func (a *MultiHeadAttention[T]) ForwardKV(tp *nn.Tape[T], q *nn.Tensor[T], kv KV[T], mask *Mask, rnd func() float64) *nn.Tensor[T] {
	out, _ := a.attend(tp, q, kv, mask, rnd)
	return out
}

func (a *MultiHeadAttention[T]) attend(tp *nn.Tape[T], q *nn.Tensor[T], kv KV[T], mask *Mask, rnd func() float64) (out, weights *nn.Tensor[T]) {
	b, tq, d := q.Shape[0], q.Shape[1], q.Shape[2]
	tk := kv.positions()
	h := a.Heads
	qh := a.splitHeads(tp, a.Q.Forward(tp, q))
	s := tp.Scale(tp.BatchMatMulRows(qh, kv.K, tk, false, true), T(1/math.Sqrt(float64(d/h))))
	if mask != nil {
		s4 := tp.Reshape(s, b, h, tq, tk)
		s = tp.Reshape(tp.MaskedFill(s4, mask.Data, mask.Shape, maskedValue), b*h, tq, tk)
	}
	weights = tp.Softmax(s, -1)
	o := tp.BatchMatMulRows(tp.Dropout(weights, a.Dropout, rnd), kv.V, tk, false, false) // [B·H, Tq, D/H]
	if h > 1 {
		o = tp.Reshape(tp.Transpose(tp.Reshape(o, b, h, tq, d/h), 0, 2, 1, 3), b, tq, d)
	}
	return a.O.Forward(tp, o), weights
}

// AdditiveAttention is Bahdanau attention: score_j = vᵀ tanh(Wq·q + Wk·k_j).
type AdditiveAttention[T nn.Float] struct {
	Wq, Wk *Linear[T]
	V      *nn.Param[T] // [A, 1]
}

// NewAdditiveAttention returns additive attention from queries of size
// qDim to keys of size kDim through a hidden size of attDim.
func NewAdditiveAttention[T nn.Float](r *rand.Rand, name string, qDim, kDim, attDim int) *AdditiveAttention[T] {
	return &AdditiveAttention[T]{
		Wq: NewLinear[T](r, name+".q", qDim, attDim, LinearOpts{}),
		Wk: NewLinear[T](r, name+".k", kDim, attDim, LinearOpts{NoBias: true}),
		V:  Uniform[T](r, name+".v", 1/math.Sqrt(float64(attDim)), attDim, 1),
	}
}

// Params returns the projections' parameters and v.
func (a *AdditiveAttention[T]) Params() []*nn.Param[T] {
	return append(CollectParams[T](a.Wq, a.Wk), a.V)
}

// Forward returns the context vector [B, Dk] and the attention weights
// [B, T] for query [B, Dq] over keys [B, T, Dk]. mask ([B, T], true =
// hidden) may be nil.
func (a *AdditiveAttention[T]) Forward(tp *nn.Tape[T], query, keys *nn.Tensor[T], mask []bool) (ctx, weights *nn.Tensor[T]) {
	b, t, dk := keys.Shape[0], keys.Shape[1], keys.Shape[2]
	qa := a.Wq.Forward(tp, query) // [B, A]
	ka := a.Wk.Forward(tp, keys)  // [B, T, A]
	att := qa.Shape[1]
	e := tp.Tanh(tp.Add(ka, tp.Reshape(qa, b, 1, att)))
	s := tp.Reshape(tp.MatMul(e, tp.Param(a.V)), b, t)
	if mask != nil {
		s = tp.MaskedFill(s, mask, []int{b, t}, maskedValue)
	}
	weights = tp.Softmax(s, -1)
	ctx = tp.BatchMatMul(tp.Reshape(weights, b, 1, t), keys, false, false)
	return tp.Reshape(ctx, b, dk), weights
}

// FeedForward is the position-wise MLP of a Transformer block:
// Linear → GELU → Linear.
type FeedForward[T nn.Float] struct {
	L1, L2 *Linear[T]
}

// NewFeedForward returns a dim → hidden → dim MLP.
func NewFeedForward[T nn.Float](r *rand.Rand, name string, dim, hidden int) *FeedForward[T] {
	return &FeedForward[T]{
		L1: NewLinear[T](r, name+".1", dim, hidden, LinearOpts{}),
		L2: NewLinear[T](r, name+".2", hidden, dim, LinearOpts{}),
	}
}

// Params returns both layers' parameters.
func (f *FeedForward[T]) Params() []*nn.Param[T] { return CollectParams[T](f.L1, f.L2) }

// Forward applies the MLP to the last axis.
func (f *FeedForward[T]) Forward(tp *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	return f.L2.Forward(tp, tp.GELU(f.L1.Forward(tp, x)))
}

// EncoderBlock is a pre-norm Transformer encoder block:
// x + Attn(LN(x)), then x + FF(LN(x)).
type EncoderBlock[T nn.Float] struct {
	LN1, LN2 *LayerNorm[T]
	Attn     *MultiHeadAttention[T]
	FF       *FeedForward[T]
	// Dropout applies to each residual branch when a random source is given.
	Dropout float64
}

// NewEncoderBlock returns an encoder block of width dim.
func NewEncoderBlock[T nn.Float](r *rand.Rand, name string, dim, heads, hidden int) *EncoderBlock[T] {
	return &EncoderBlock[T]{
		LN1:  NewLayerNorm[T](name+".ln1", dim),
		Attn: NewMultiHeadAttention[T](r, name+".attn", dim, heads),
		LN2:  NewLayerNorm[T](name+".ln2", dim),
		FF:   NewFeedForward[T](r, name+".ff", dim, hidden),
	}
}

// Params returns all parameters.
func (e *EncoderBlock[T]) Params() []*nn.Param[T] {
	return CollectParams[T](e.LN1, e.Attn, e.LN2, e.FF)
}

// Forward applies the block to x [B, T, D].
func (e *EncoderBlock[T]) Forward(tp *nn.Tape[T], x *nn.Tensor[T], mask *Mask, rnd func() float64) *nn.Tensor[T] {
	h := e.LN1.Forward(tp, x)
	x = tp.Add(x, tp.Dropout(e.Attn.Forward(tp, h, h, mask, rnd), e.Dropout, rnd))
	return tp.Add(x, tp.Dropout(e.FF.Forward(tp, e.LN2.Forward(tp, x)), e.Dropout, rnd))
}

// DecoderBlock is a pre-norm Transformer decoder block: causal
// self-attention, attention to an encoder memory, and a feed-forward MLP,
// each with a residual connection.
type DecoderBlock[T nn.Float] struct {
	LN1, LN2, LN3 *LayerNorm[T]
	Self, Cross   *MultiHeadAttention[T]
	FF            *FeedForward[T]
	Dropout       float64
}

// NewDecoderBlock returns a decoder block of width dim.
func NewDecoderBlock[T nn.Float](r *rand.Rand, name string, dim, heads, hidden int) *DecoderBlock[T] {
	return &DecoderBlock[T]{
		LN1:   NewLayerNorm[T](name+".ln1", dim),
		Self:  NewMultiHeadAttention[T](r, name+".self", dim, heads),
		LN2:   NewLayerNorm[T](name+".ln2", dim),
		Cross: NewMultiHeadAttention[T](r, name+".cross", dim, heads),
		LN3:   NewLayerNorm[T](name+".ln3", dim),
		FF:    NewFeedForward[T](r, name+".ff", dim, hidden),
	}
}

// Params returns all parameters.
func (d *DecoderBlock[T]) Params() []*nn.Param[T] {
	return CollectParams[T](d.LN1, d.Self, d.LN2, d.Cross, d.LN3, d.FF)
}

// Forward applies the block to x [B, T, D] with encoder memory [B, S, D].
// The self-attention is always causal; memMask (may be nil) hides memory
// positions.
func (d *DecoderBlock[T]) Forward(tp *nn.Tape[T], x, memory *nn.Tensor[T], memMask *Mask, rnd func() float64) *nn.Tensor[T] {
	h := d.LN1.Forward(tp, x)
	return d.apply(tp, x, h, d.Self.Keys(tp, h), CausalMask(x.Shape[1]), d.Cross.Keys(tp, memory), memMask, rnd)
}

// apply is the block's body given the normalised input h = LN1(x) and the
// keys and values of the self-attention and of the memory, shared by
// Forward (all positions) and Step (one position against a cache).
func (d *DecoderBlock[T]) apply(tp *nn.Tape[T], x, h *nn.Tensor[T], self KV[T], selfMask *Mask, memory KV[T], memMask *Mask, rnd func() float64) *nn.Tensor[T] {
	x = tp.Add(x, tp.Dropout(d.Self.ForwardKV(tp, h, self, selfMask, rnd), d.Dropout, rnd))
	x = tp.Add(x, tp.Dropout(d.Cross.ForwardKV(tp, d.LN2.Forward(tp, x), memory, memMask, rnd), d.Dropout, rnd))
	return tp.Add(x, tp.Dropout(d.FF.Forward(tp, d.LN3.Forward(tp, x)), d.Dropout, rnd))
}

// DecoderState is what incremental decoding keeps for one decoder block
// between steps: the keys and values of the encoder memory (projected once,
// not at every step) and of the positions decoded so far. It lives on the
// tape given to Start.
type DecoderState[T nn.Float] struct {
	Memory KV[T]
	// self holds the decoded positions' keys and values. On a tape that
	// records gradients each step concatenates them anew (a new tensor,
	// so that gradients reach every step's projections); on a tape that
	// does not, they are written in place into room for cacheMin or twice
	// as many positions, so that a step copies its own keys and values
	// only and a sentence's memory grows with its length, not its square.
	self    KV[T]
	memMask *Mask
	batch   int
	tape    *nn.Tape[T]
}

// cacheMin is the positions a decoding cache first makes room for.
const cacheMin = 16

// Start returns the state for decoding against memory [B, S, D] (memMask
// may be nil), before any position has been decoded. The state's tensors
// live on tp.
func (d *DecoderBlock[T]) Start(tp *nn.Tape[T], memory *nn.Tensor[T], memMask *Mask) *DecoderState[T] {
	return &DecoderState[T]{Memory: d.Cross.Keys(tp, memory), memMask: memMask, batch: memory.Shape[0], tape: tp}
}

// Step applies the block to the next position x [B, 1, D] given the
// positions before it in st, and appends x's keys and values to st. For
// inference (no dropout): a sequence of Steps gives the last rows of
// Forward on the whole prefix, at a cost per step that does not grow with
// the prefix but for the attention itself.
//
// tp is Start's tape, or, when neither records gradients, a tape of its
// own that may be reset between steps: a step's work is then garbage as
// soon as its result has been read, and the memory of a whole decoding is
// that of one step besides the state.
func (d *DecoderBlock[T]) Step(tp *nn.Tape[T], x *nn.Tensor[T], st *DecoderState[T]) *nn.Tensor[T] {
	if tp != st.tape && !(tp.NoGrad() && st.tape.NoGrad()) {
		panic("layers: a decoding step on another tape than its state's, with gradients recorded")
	}
	h := d.LN1.Forward(tp, x)
	st.push(d.Self.Keys(tp, h))
	// Every earlier position is visible: no mask. No dropout (nil rnd).
	return d.apply(tp, x, h, st.self, nil, st.Memory, st.memMask, nil)
}

// push appends one position's keys and values kv ([B·H, 1, E] each).
func (st *DecoderState[T]) push(kv KV[T]) {
	tp := st.tape
	switch {
	case st.self.K == nil && !tp.NoGrad():
		st.self = kv
	case !tp.NoGrad():
		st.self = KV[T]{K: tp.Concat(1, st.self.K, kv.K), V: tp.Concat(1, st.self.V, kv.V)}
	default:
		n := st.self.rows
		if st.self.K == nil || n == st.self.K.Shape[1] {
			st.self = KV[T]{K: grow(tp, st.self.K, kv.K, n), V: grow(tp, st.self.V, kv.V, n), rows: n}
		}
		writeRow(st.self.K, n, kv.K)
		writeRow(st.self.V, n, kv.V)
		st.self.rows = n + 1
	}
}

// grow returns room for cacheMin or twice as many positions as x (a
// cache [B·H, T, E] whose first n positions are filled, or nil) has, with
// those n copied in; row ([B·H, 1, E]) gives the shape.
func grow[T nn.Float](tp *nn.Tape[T], x, row *nn.Tensor[T], n int) *nn.Tensor[T] {
	bh, e := row.Shape[0], row.Shape[2]
	t := 0
	if x != nil {
		t = x.Shape[1]
	}
	out := tp.Zeros(bh, max(cacheMin, 2*t), e)
	if n > 0 {
		for i := range bh {
			copy(out.Data[i*out.Shape[1]*e:], x.Data[i*t*e:(i*t+n)*e])
		}
	}
	return out
}

// writeRow writes row ([B·H, 1, E]) at position n of each of cache's
// matrices.
func writeRow[T nn.Float](cache *nn.Tensor[T], n int, row *nn.Tensor[T]) {
	t, e := cache.Shape[1], cache.Shape[2]
	for i := range cache.Shape[0] {
		copy(cache.Data[(i*t+n)*e:(i*t+n+1)*e], row.Data[i*e:(i+1)*e])
	}
}

// Reorder keeps the batch rows of st given by rows, in that order (a row
// may repeat): beam search follows the hypotheses it extends.
func (st *DecoderState[T]) Reorder(rows []int) {
	tp, b := st.tape, st.batch
	st.Memory = KV[T]{K: gatherRows(tp, st.Memory.K, b, rows), V: gatherRows(tp, st.Memory.V, b, rows)}
	if st.self.K != nil {
		st.self = KV[T]{K: gatherRows(tp, st.self.K, b, rows), V: gatherRows(tp, st.self.V, b, rows), rows: st.self.rows}
	}
	st.batch = len(rows)
	if m := st.memMask; m != nil && m.Shape[0] > 1 {
		n := len(m.Data) / m.Shape[0]
		out := &Mask{Data: make([]bool, 0, len(rows)*n), Shape: append([]int{len(rows)}, m.Shape[1:]...)}
		for _, r := range rows {
			out.Data = append(out.Data, m.Data[r*n:(r+1)*n]...)
		}
		st.memMask = out
	}
}

// gatherRows picks rows of the batch of b of a head-split tensor
// [B·H, T, E].
func gatherRows[T nn.Float](tp *nn.Tape[T], x *nn.Tensor[T], b int, rows []int) *nn.Tensor[T] {
	bh, t, e := x.Shape[0], x.Shape[1], x.Shape[2]
	g := tp.Gather(tp.Reshape(x, b, bh/b*t*e), rows)
	return tp.Reshape(g, len(rows)*(bh/b), t, e)
}
