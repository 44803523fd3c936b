package nmt

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/layers"
)

// Config sizes a model. The paper's Transformer has D = 512, FF = 512,
// 6+6 layers, 8 heads, dropout 0.1 (docs/nmt.md); the profiles scale it.
type Config struct {
	D, Heads, FF         int
	EncLayers, DecLayers int
	Dropout              float64
	// ULR selects the universal lexical representation for source tokens;
	// without it each language has a plain trainable embedding.
	ULR bool
	// Temp is the ULR softmax temperature (0.05 in the paper).
	Temp           float64
	LabelSmoothing float64
	// MaxLen bounds sentence lengths in tokens (positions).
	MaxLen int
	// TokenLangEmb, if positive, replaces the per-language E_lang by one
	// table of TokenLangEmb rows shared by every source language and
	// indexed by token id, as the language-specific embedding of the
	// authors' code is: multitask training never resets it, and a new
	// language starts from the rows its token ids share with the
	// training languages (an ablation; zero is ours, one E_lang per
	// language starting at zero).
	TokenLangEmb int `json:",omitempty"`
}

// Validate checks that a configuration is usable.
func (c Config) Validate() error {
	switch {
	case c.D < 2 || c.D > 4096 || c.Heads < 1 || c.D%c.Heads != 0:
		return fmt.Errorf("nmt: width %d with %d heads", c.D, c.Heads)
	case c.FF < 1 || c.EncLayers < 1 || c.DecLayers < 1 || c.EncLayers > 64 || c.DecLayers > 64:
		return fmt.Errorf("nmt: FF %d, %d encoder and %d decoder layers", c.FF, c.EncLayers, c.DecLayers)
	case !(c.Dropout >= 0 && c.Dropout < 1) || !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 1):
		return fmt.Errorf("nmt: dropout %v, label smoothing %v", c.Dropout, c.LabelSmoothing)
	case c.ULR && !(c.Temp > 0 && c.Temp < 100):
		return fmt.Errorf("nmt: ULR temperature %v", c.Temp)
	case c.MaxLen < 2 || c.MaxLen > 1024:
		return fmt.Errorf("nmt: max length %d", c.MaxLen)
	case c.TokenLangEmb < 0 || c.TokenLangEmb > 1<<20:
		return fmt.Errorf("nmt: shared language embedding of %d rows", c.TokenLangEmb)
	}
	return nil
}

// SrcLang is one source language's vocabulary and embeddings.
type SrcLang[T nn.Float] struct {
	Code  string
	Vocab *Vocab
	// EQ is the frozen monolingual embedding aligned to English (ULR only).
	EQ *nn.Param[T]
	// E is the language-specific embedding: with ULR, E_lang (zero at the
	// start and reset after every meta step); without, the embedding.
	E *nn.Param[T]
}

// Model is a Transformer encoder-decoder from many source languages into
// English.
type Model[T nn.Float] struct {
	Cfg    Config
	Tgt    *Vocab
	TgtEmb *nn.Param[T] // [Vt, D], shared with the output projection
	Enc    []*layers.EncoderBlock[T]
	EncLN  *layers.LayerNorm[T]
	Dec    []*layers.DecoderBlock[T]
	DecLN  *layers.LayerNorm[T]
	// ULR: A (e×e, identity at start), the frozen English keys (K×e) and
	// the universal values U (K×D); nil without ULR.
	A, Keys, U *nn.Param[T]
	// tokenE is the language embedding shared by token id
	// (Config.TokenLangEmb); nil otherwise.
	tokenE *nn.Param[T]
	langs  []*SrcLang[T]
	pos    []T // [MaxLen, D] sinusoidal positions
	// decodeTapes recycles the tapes of Greedy and Beam among a model and
	// its clones (decode.go).
	decodeTapes *[numDecodeTapes]tapeCache[T]
}

// NewModel returns a model into the English vocabulary tgt. With ULR,
// keys holds the English monolingual embeddings (rows by tgt id).
func NewModel[T nn.Float](r *rand.Rand, cfg Config, tgt *Vocab, keys *Embeddings) (*Model[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ULR && (keys == nil || len(keys.Vecs) != tgt.Size()*keys.Dim) {
		return nil, fmt.Errorf("nmt: ULR needs English key embeddings for the %d target tokens", tgt.Size())
	}
	m := &Model[T]{Cfg: cfg, Tgt: tgt, decodeTapes: new([numDecodeTapes]tapeCache[T])}
	m.TgtEmb = normalParam[T](r, "tgt.E", 1/math.Sqrt(float64(cfg.D)), tgt.Size(), cfg.D)
	for i := range cfg.EncLayers {
		b := layers.NewEncoderBlock[T](r, fmt.Sprintf("enc%d", i), cfg.D, cfg.Heads, cfg.FF)
		b.Dropout = cfg.Dropout
		m.Enc = append(m.Enc, b)
	}
	m.EncLN = layers.NewLayerNorm[T]("enc.ln", cfg.D)
	for i := range cfg.DecLayers {
		b := layers.NewDecoderBlock[T](r, fmt.Sprintf("dec%d", i), cfg.D, cfg.Heads, cfg.FF)
		b.Dropout = cfg.Dropout
		m.Dec = append(m.Dec, b)
	}
	m.DecLN = layers.NewLayerNorm[T]("dec.ln", cfg.D)
	if cfg.ULR {
		e := keys.Dim
		k := tgt.Size() - numSpecial
		m.A = nn.NewParam[T]("ulr.A", e, e)
		for i := range e {
			m.A.Value[i*e+i] = 1
		}
		m.Keys = nn.NewParam[T]("ulr.keys", k, e)
		for i := range k {
			for j, v := range keys.Row(numSpecial + i) {
				m.Keys.Value[i*e+j] = T(v)
			}
		}
		m.Keys.Frozen = true
		m.U = normalParam[T](r, "ulr.U", 1/math.Sqrt(float64(cfg.D)), k, cfg.D)
	}
	if cfg.TokenLangEmb > 0 {
		if cfg.ULR {
			m.tokenE = nn.NewParam[T]("src.tokid.E", cfg.TokenLangEmb, cfg.D)
		} else {
			m.tokenE = normalParam[T](r, "src.tokid.E", 1/math.Sqrt(float64(cfg.D)), cfg.TokenLangEmb, cfg.D)
		}
	}
	m.pos = sinusoid[T](cfg.MaxLen, cfg.D)
	return m, nil
}

func normalParam[T nn.Float](r *rand.Rand, name string, std float64, shape ...int) *nn.Param[T] {
	p := nn.NewParam[T](name, shape...)
	for i := range p.Value {
		p.Value[i] = T(r.NormFloat64() * std)
	}
	return p
}

func sinusoid[T nn.Float](n, d int) []T {
	out := make([]T, n*d)
	for p := range n {
		for i := 0; i < d; i += 2 {
			f := float64(p) / math.Pow(10000, float64(i)/float64(d))
			out[p*d+i] = T(math.Sin(f))
			if i+1 < d {
				out[p*d+i+1] = T(math.Cos(f))
			}
		}
	}
	return out
}

// AddLanguage adds (or replaces) a source language. With ULR, eq holds its
// monolingual embeddings aligned to the English keys (rows by vocab id)
// and E starts at zero; without ULR, E is a fresh random embedding.
func (m *Model[T]) AddLanguage(r *rand.Rand, code string, v *Vocab, eq *Embeddings) (*SrcLang[T], error) {
	l := &SrcLang[T]{Code: code, Vocab: v}
	if m.tokenE != nil && v.Size() > m.tokenE.Shape[0] {
		return nil, fmt.Errorf("nmt: language %s: %d tokens for a shared language embedding of %d rows", code, v.Size(), m.tokenE.Shape[0])
	}
	if m.Cfg.ULR {
		if eq == nil || eq.Dim != m.A.Shape[0] || len(eq.Vecs) != v.Size()*eq.Dim {
			return nil, fmt.Errorf("nmt: language %s: ULR needs aligned %d-d embeddings for its %d tokens", code, m.A.Shape[0], v.Size())
		}
		l.EQ = nn.NewParam[T]("src."+code+".EQ", v.Size(), eq.Dim)
		for i, x := range eq.Vecs {
			l.EQ.Value[i] = T(x)
		}
		l.EQ.Frozen = true
		l.E = nn.NewParam[T]("src."+code+".E", v.Size(), m.Cfg.D)
	} else {
		l.E = normalParam[T](r, "src."+code+".E", 1/math.Sqrt(float64(m.Cfg.D)), v.Size(), m.Cfg.D)
	}
	if m.tokenE != nil {
		l.E = m.tokenE
	}
	for i, o := range m.langs {
		if o.Code == code {
			m.langs[i] = l
			return l, nil
		}
	}
	m.langs = append(m.langs, l)
	return l, nil
}

// Lang returns the source language with the given code.
func (m *Model[T]) Lang(code string) (*SrcLang[T], error) {
	for _, l := range m.langs {
		if l.Code == code {
			return l, nil
		}
	}
	return nil, fmt.Errorf("nmt: the model has no source language %q", code)
}

// Langs returns the source languages in the order they were added.
func (m *Model[T]) Langs() []*SrcLang[T] { return m.langs }

// EncoderParams returns the encoder's parameters.
func (m *Model[T]) EncoderParams() []*nn.Param[T] {
	var ps []*nn.Param[T]
	for _, b := range m.Enc {
		ps = append(ps, b.Params()...)
	}
	return append(ps, m.EncLN.Params()...)
}

// DecoderParams returns the decoder's parameters with the target
// embedding (tied to the output layer).
func (m *Model[T]) DecoderParams() []*nn.Param[T] {
	ps := []*nn.Param[T]{m.TgtEmb}
	for _, b := range m.Dec {
		ps = append(ps, b.Params()...)
	}
	return append(ps, m.DecLN.Params()...)
}

// EmbeddingParams returns l's trainable embedding parameters: E and, with
// ULR, the shared A.
func (m *Model[T]) EmbeddingParams(l *SrcLang[T]) []*nn.Param[T] {
	if m.Cfg.ULR {
		return []*nn.Param[T]{l.E, m.A}
	}
	return []*nn.Param[T]{l.E}
}

// AllParams returns every parameter, frozen ones included, in a fixed
// order (for saving and cloning).
func (m *Model[T]) AllParams() []*nn.Param[T] {
	ps := append(m.EncoderParams(), m.DecoderParams()...)
	if m.Cfg.ULR {
		ps = append(ps, m.A, m.Keys, m.U)
	}
	if m.tokenE != nil {
		ps = append(ps, m.tokenE)
	}
	for _, l := range m.langs {
		if l.EQ != nil {
			ps = append(ps, l.EQ)
		}
		if m.tokenE == nil {
			ps = append(ps, l.E)
		}
	}
	return ps
}

// Clone returns a deep copy of m.
func (m *Model[T]) Clone() *Model[T] {
	c := *m
	c.Enc, c.Dec = nil, nil
	cp := func(p *nn.Param[T]) *nn.Param[T] {
		if p == nil {
			return nil
		}
		return p.Clone()
	}
	ln := func(l *layers.LayerNorm[T]) *layers.LayerNorm[T] {
		return &layers.LayerNorm[T]{G: cp(l.G), B: cp(l.B), Eps: l.Eps}
	}
	lin := func(l *layers.Linear[T]) *layers.Linear[T] {
		return &layers.Linear[T]{W: cp(l.W), B: cp(l.B), G: cp(l.G)}
	}
	mha := func(a *layers.MultiHeadAttention[T]) *layers.MultiHeadAttention[T] {
		return &layers.MultiHeadAttention[T]{Q: lin(a.Q), K: lin(a.K), V: lin(a.V), O: lin(a.O), Heads: a.Heads, Dropout: a.Dropout}
	}
	ff := func(f *layers.FeedForward[T]) *layers.FeedForward[T] {
		return &layers.FeedForward[T]{L1: lin(f.L1), L2: lin(f.L2)}
	}
	for _, b := range m.Enc {
		c.Enc = append(c.Enc, &layers.EncoderBlock[T]{LN1: ln(b.LN1), LN2: ln(b.LN2), Attn: mha(b.Attn), FF: ff(b.FF), Dropout: b.Dropout})
	}
	for _, b := range m.Dec {
		c.Dec = append(c.Dec, &layers.DecoderBlock[T]{LN1: ln(b.LN1), LN2: ln(b.LN2), LN3: ln(b.LN3), Self: mha(b.Self), Cross: mha(b.Cross), FF: ff(b.FF), Dropout: b.Dropout})
	}
	c.EncLN, c.DecLN = ln(m.EncLN), ln(m.DecLN)
	c.TgtEmb, c.A, c.Keys, c.U = cp(m.TgtEmb), cp(m.A), cp(m.Keys), cp(m.U)
	c.tokenE = cp(m.tokenE)
	c.langs = nil
	for _, l := range m.langs {
		e := c.tokenE
		if e == nil {
			e = cp(l.E)
		}
		c.langs = append(c.langs, &SrcLang[T]{Code: l.Code, Vocab: l.Vocab, EQ: cp(l.EQ), E: e})
	}
	return &c
}

// embedSource returns the source embeddings of ids (flattened [n]) as
// [n, D]: with ULR, E_lang[x] + softmax(E_Q[x]·A·Keysᵀ/τ)·U, computed once
// per distinct token.
func (m *Model[T]) embedSource(tp *nn.Tape[T], l *SrcLang[T], ids []int) *nn.Tensor[T] {
	e := tp.Gather(tp.Param(l.E), ids)
	if !m.Cfg.ULR {
		return e
	}
	uniq, where := distinctIDs(ids)
	q := tp.Gather(tp.Param(l.EQ), uniq)
	s := tp.MatMulT(tp.MatMul(q, tp.Param(m.A)), tp.Param(m.Keys), false, true)
	p := tp.Softmax(tp.Scale(s, T(1/m.Cfg.Temp)), -1)
	u := tp.MatMul(p, tp.Param(m.U))
	return tp.Add(e, tp.Gather(u, where))
}

// ULRWeights returns the ULR attention of token ids over the English keys
// ([len(ids), K]), for inspection.
func (m *Model[T]) ULRWeights(l *SrcLang[T], ids []int) []T {
	tp := nn.NewTape[T]()
	tp.SetNoGrad(true)
	q := tp.Gather(tp.Param(l.EQ), ids)
	s := tp.MatMulT(tp.MatMul(q, tp.Param(m.A)), tp.Param(m.Keys), false, true)
	return tp.Softmax(tp.Scale(s, T(1/m.Cfg.Temp)), -1).Data
}

func distinctIDs(ids []int) (uniq, where []int) {
	pos := map[int]int{}
	where = make([]int, len(ids))
	for i, id := range ids {
		k, ok := pos[id]
		if !ok {
			k = len(uniq)
			pos[id] = k
			uniq = append(uniq, id)
		}
		where[i] = k
	}
	return uniq, where
}

// Batch is a set of sentence pairs as ids (without BOS and EOS).
type Batch struct {
	Src, Tgt [][]int
}

// pad lays out seqs as [len(seqs), T] with PAD; it returns the ids and
// the lengths.
func pad(seqs [][]int, prefix, suffix int) (ids []int, t int, lens []int) {
	for _, s := range seqs {
		n := len(s) + boolInt(prefix >= 0) + boolInt(suffix >= 0)
		t = max(t, n)
		lens = append(lens, n)
	}
	t = max(t, 1)
	ids = make([]int, len(seqs)*t)
	for b, s := range seqs {
		row := ids[b*t : (b+1)*t]
		k := 0
		if prefix >= 0 {
			row[0] = prefix
			k = 1
		}
		k += copy(row[k:], s)
		if suffix >= 0 {
			row[k] = suffix
		}
	}
	return ids, t, lens
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// addPositions adds the positional encodings of positions from … from+t-1
// to x [B, t, D].
func (m *Model[T]) addPositions(tp *nn.Tape[T], x *nn.Tensor[T], from, t int) *nn.Tensor[T] {
	d := m.Cfg.D
	return tp.Add(x, tp.Constant(m.pos[from*d:(from+t)*d], t, d))
}

// Encode runs the encoder on source sentences of l: memory [B, S, D] and
// the padding mask of the memory.
func (m *Model[T]) Encode(tp *nn.Tape[T], l *SrcLang[T], src [][]int, rnd func() float64) (*nn.Tensor[T], *layers.Mask) {
	ids, s, lens := pad(src, -1, EOS)
	if s > m.Cfg.MaxLen {
		s = m.Cfg.MaxLen // longer sentences are cut (the suites keep them shorter)
		ids, lens = truncate(ids, lens, len(src), s)
	}
	d := m.Cfg.D
	x := tp.Scale(m.embedSource(tp, l, ids), T(math.Sqrt(float64(d))))
	x = m.addPositions(tp, tp.Reshape(x, len(src), s, d), 0, s)
	mask := layers.PaddingMask(lens, s)
	for _, b := range m.Enc {
		x = b.Forward(tp, x, mask, rnd)
	}
	return m.EncLN.Forward(tp, x), mask
}

func truncate(ids, lens []int, b, t int) ([]int, []int) {
	old := len(ids) / b
	out := make([]int, b*t)
	for i := range b {
		copy(out[i*t:(i+1)*t], ids[i*old:i*old+t])
		lens[i] = min(lens[i], t)
	}
	return out, lens
}

// decodeLogits runs the decoder on target prefixes tgtIn ([B, T] ids) and
// returns logits [B·T, Vt].
func (m *Model[T]) decodeLogits(tp *nn.Tape[T], mem *nn.Tensor[T], memMask *layers.Mask, tgtIn []int, b, t int, rnd func() float64) *nn.Tensor[T] {
	emb := tp.Param(m.TgtEmb)
	y := m.targetInput(tp, emb, tgtIn, b, t, 0)
	for _, blk := range m.Dec {
		y = blk.Forward(tp, y, mem, memMask, rnd)
	}
	return m.outputLogits(tp, emb, y)
}

// targetInput embeds target ids ([B, t], at positions from … from+t-1)
// for the decoder: the tied embedding scaled by √D plus positions.
func (m *Model[T]) targetInput(tp *nn.Tape[T], emb *nn.Tensor[T], ids []int, b, t, from int) *nn.Tensor[T] {
	d := m.Cfg.D
	y := tp.Scale(tp.Gather(emb, ids), T(math.Sqrt(float64(d))))
	return m.addPositions(tp, tp.Reshape(y, b, t, d), from, t)
}

// outputLogits turns decoder states y [B, t, D] into logits [B·t, Vt]
// through the final layer norm and the tied embedding.
func (m *Model[T]) outputLogits(tp *nn.Tape[T], emb, y *nn.Tensor[T]) *nn.Tensor[T] {
	d := m.Cfg.D
	y = m.DecLN.Forward(tp, y)
	return tp.MatMulT(tp.Reshape(y, len(y.Data)/d, d), emb, false, true)
}

// Loss is the label-smoothed cross-entropy per target token of a batch of
// l (teacher forcing); rnd drives dropout (nil: none).
func (m *Model[T]) Loss(tp *nn.Tape[T], l *SrcLang[T], bt Batch, rnd func() float64) *nn.Tensor[T] {
	mem, mask := m.Encode(tp, l, bt.Src, rnd)
	tgt := make([][]int, len(bt.Tgt))
	for i, s := range bt.Tgt {
		tgt[i] = s[:min(len(s), m.Cfg.MaxLen-1)]
	}
	in, t, _ := pad(tgt, BOS, -1)
	out, _, _ := pad(tgt, -1, EOS)
	targets := make([]int, len(out))
	for i, id := range out {
		targets[i] = id
		if id == PAD {
			targets[i] = -1
		}
	}
	logits := m.decodeLogits(tp, mem, mask, in, len(tgt), t, rnd)
	return tp.SmoothedCrossEntropy(logits, targets, nil, m.Cfg.LabelSmoothing)
}
