package nmt

import (
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/layers"
)

// decoder decodes a batch incrementally: each step feeds one token per
// batch row and returns the next token's logits, reusing the keys and values
// of the memory and of the positions before (a key/value cache) instead of
// running the decoder on the whole prefix again.
type decoder[T nn.Float] struct {
	m   *Model[T]
	st  []*layers.DecoderState[T]
	pos int
}

func (m *Model[T]) startDecoder(tp *nn.Tape[T], mem *nn.Tensor[T], mask *layers.Mask) *decoder[T] {
	dc := &decoder[T]{m: m}
	for _, blk := range m.Dec {
		dc.st = append(dc.st, blk.Start(tp, mem, mask))
	}
	return dc
}

// next feeds tokens (one per batch row, at the next position) and returns
// the logits of the following token, [B, Vt].
func (dc *decoder[T]) next(tp *nn.Tape[T], tokens []int) *nn.Tensor[T] {
	m := dc.m
	emb := tp.Param(m.TgtEmb)
	y := m.targetInput(tp, emb, tokens, len(tokens), 1, dc.pos)
	dc.pos++
	for i, blk := range m.Dec {
		y = blk.Step(tp, y, dc.st[i])
	}
	return m.outputLogits(tp, emb, y)
}

// reorder keeps the batch rows given by rows (beam search's survivors).
func (dc *decoder[T]) reorder(rows []int) {
	for _, st := range dc.st {
		st.Reorder(rows)
	}
}

// The tapes of decoding, each kind with its cache: a decoding holds the
// encoder's output and the decoder's state on one tape, and runs each step
// on another, reset between steps, so that neither grows with the square
// of the length. A batch of greedy sentences needs far more memory than
// one beam, and an arena that served both would shrink and grow in turn.
const (
	greedyState = iota
	greedySteps
	beamState
	beamSteps
	numDecodeTapes
)

// tapeCache keeps a few emptied inference tapes whose arenas are warm, so
// that a translation takes its memory from earlier ones instead of
// allocating it anew. (A sync.Pool drops its contents at every other
// collection, which decoding's own garbage made frequent: the tapes came
// back cold.)
type tapeCache[T nn.Float] struct {
	mu   sync.Mutex
	free []*nn.Tape[T]
}

// A cache keeps at most maxCachedTapes tapes, one per decoding goroutine of
// a two-worker run, and none that holds more than maxCachedTapeBytes: a
// model's caches live as long as it does. Other tapes are dropped after
// use. (Decoding 64 sentences of 10-14 tokens to 40 on the quick profile's
// model, as BenchmarkGreedy64Long does, the state's tape takes 23 MB, 14 MB
// of it the encoder's, and a step's 1.4 MB.)
const (
	maxCachedTapes     = 2
	maxCachedTapeBytes = 32 << 20
)

func (c *tapeCache[T]) get() *nn.Tape[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.free); n > 0 {
		tp := c.free[n-1]
		c.free = c.free[:n-1]
		return tp
	}
	return nn.NewTape[T]()
}

func (c *tapeCache[T]) put(tp *nn.Tape[T]) {
	// Decided before the Reset: after a large pass the Reset would
	// allocate a region the size of it, only for the tape to be dropped.
	if tp.PassBytes() > maxCachedTapeBytes || tp.HeldBytes() > maxCachedTapeBytes {
		return
	}
	tp.Reset() // nothing decoded may keep a tensor of it
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.free) < maxCachedTapes {
		c.free = append(c.free, tp)
	}
}

// decodeTape returns a tape of kind d for inference.
func (m *Model[T]) decodeTape(d int) *nn.Tape[T] {
	var tp *nn.Tape[T]
	if m.decodeTapes != nil {
		tp = m.decodeTapes[d].get()
	} else {
		tp = nn.NewTape[T]() // a model not made by NewModel has no cache
	}
	tp.SetNoGrad(true)
	return tp
}

// releaseTape gives back tp, a tape of kind d.
func (m *Model[T]) releaseTape(d int, tp *nn.Tape[T]) {
	if m.decodeTapes != nil {
		m.decodeTapes[d].put(tp)
	}
}

// Greedy translates source sentences of l by taking the most probable
// token at each step, all sentences together; each output ends before EOS
// or after maxLen tokens.
func (m *Model[T]) Greedy(l *SrcLang[T], src [][]int, maxLen int) [][]int {
	if len(src) == 0 {
		return nil
	}
	maxLen = min(maxLen, m.Cfg.MaxLen-1)
	tp, steps := m.decodeTape(greedyState), m.decodeTape(greedySteps)
	defer m.releaseTape(greedyState, tp)
	defer m.releaseTape(greedySteps, steps)
	mem, mask := m.Encode(tp, l, src, nil)
	dc := m.startDecoder(tp, mem, mask)
	b := len(src)
	out := make([][]int, b)
	done := make([]bool, b)
	last := slices.Repeat([]int{BOS}, b)
	v := m.Tgt.Size()
	for step := 0; step < maxLen; step++ {
		steps.Reset()
		logits := dc.next(steps, last)
		all := true
		for i := range b {
			best := argmax(logits.Data[i*v : (i+1)*v])
			if done[i] {
				best = EOS
			} else if best == EOS {
				done[i] = true
			} else {
				out[i] = append(out[i], best)
			}
			last[i] = best
			all = all && done[i]
		}
		if all {
			break
		}
	}
	return out
}

func argmax[T nn.Float](x []T) int {
	best := numSpecial - 2 // EOS may win; PAD, BOS and UNK never do
	for j := numSpecial; j < len(x); j++ {
		if x[j] > x[best] {
			best = j
		}
	}
	return best
}

type hyp struct {
	toks  []int
	score float64 // sum of log-probabilities
}

// Beam translates one sentence by beam search of width k with fairseq's
// length normalisation: finished hypotheses are ranked by
// score / length^alpha (length counting EOS).
func (m *Model[T]) Beam(l *SrcLang[T], src []int, k, maxLen int, alpha float64) []int {
	maxLen = min(maxLen, m.Cfg.MaxLen-1)
	tp, steps := m.decodeTape(beamState), m.decodeTape(beamSteps)
	defer m.releaseTape(beamState, tp)
	defer m.releaseTape(beamSteps, steps)
	mem, mask := m.Encode(tp, l, [][]int{src}, nil)
	dc := m.startDecoder(tp, mem, mask)
	v := m.Tgt.Size()
	beams := []hyp{{}}
	last := []int{BOS}
	var finished []hyp
	norm := func(h hyp, n int) float64 { return h.score / math.Pow(float64(n), alpha) }
	for step := 0; step < maxLen && len(beams) > 0; step++ {
		steps.Reset()
		logits := dc.next(steps, last)
		type cand struct {
			from, tok int
			score     float64
		}
		var cands []cand
		for i, h := range beams {
			row := logits.Data[i*v : (i+1)*v]
			lse := logSumExp(row)
			// Only a beam's k best tokens can be among the k best
			// candidates overall: select them without sorting the row.
			for _, j := range topK(row, k) {
				cands = append(cands, cand{i, j, h.score + float64(row[j]) - lse})
			}
		}
		sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
		var next []hyp
		var rows []int
		last = last[:0]
		for _, c := range cands {
			if len(next) >= k {
				break
			}
			toks := append(slices.Clone(beams[c.from].toks), c.tok)
			if c.tok == EOS {
				finished = append(finished, hyp{toks[:len(toks)-1], c.score})
				continue
			}
			next = append(next, hyp{toks, c.score})
			rows = append(rows, c.from)
			last = append(last, c.tok)
		}
		beams = next
		if len(finished) >= k || len(beams) == 0 { // fairseq stops once k hypotheses have ended
			break
		}
		dc.reorder(rows)
	}
	if len(finished) == 0 {
		finished = beams
	}
	best := finished[0]
	for _, f := range finished[1:] {
		if norm(f, len(f.toks)+1) > norm(best, len(best.toks)+1) {
			best = f
		}
	}
	return best.toks
}

func logSumExp[T nn.Float](x []T) float64 {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = max(mx, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s)
}

// topK returns the ids of the k largest entries of row among EOS and the
// ordinary tokens (never PAD, BOS or UNK), largest first, lower id first
// on ties.
func topK[T nn.Float](row []T, k int) []int {
	var out []int
	for j := EOS; j < len(row); j++ {
		if j == UNK {
			continue
		}
		if len(out) == k && row[j] <= row[out[k-1]] {
			continue
		}
		pos := len(out)
		for pos > 0 && row[j] > row[out[pos-1]] {
			pos--
		}
		if len(out) < k {
			out = append(out, 0)
		}
		copy(out[pos+1:], out[pos:len(out)-1])
		out[pos] = j
	}
	return out
}
