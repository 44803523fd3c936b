package nmt

import (
	"math"
	"slices"
	"sort"

	"github.com/metabench/metabench/agents/nn"
	"github.com/metabench/metabench/agents/nn/layers"
)

// Greedy translates source sentences of l by taking the most probable
// token at each step, all sentences together; each output ends before EOS
// or after maxLen tokens.
func (m *Model[T]) Greedy(l *SrcLang[T], src [][]int, maxLen int) [][]int {
	if len(src) == 0 {
		return nil
	}
	maxLen = min(maxLen, m.Cfg.MaxLen-1)
	tp := nn.NewTape[T]()
	tp.SetNoGrad(true)
	mem, mask := m.Encode(tp, l, src, nil)
	// Each step decodes on a tape of its own: a tape keeps its buffers by
	// size, and every step has other sizes, so one tape for all steps
	// would hold the activations of every step.
	b := len(src)
	out := make([][]int, b)
	done := make([]bool, b)
	prefix := make([][]int, b)
	v := m.Tgt.Size()
	for step := 0; step < maxLen; step++ {
		in, t, _ := pad(prefix, BOS, -1)
		dtp := nn.NewTape[T]()
		dtp.SetNoGrad(true)
		logits := m.decodeLogits(dtp, mem, mask, in, b, t, nil)
		all := true
		for i := range b {
			row := logits.Data[(i*t+t-1)*v : (i*t+t)*v]
			best := argmax(row)
			if done[i] {
				best = EOS
			} else if best == EOS {
				done[i] = true
			} else {
				out[i] = append(out[i], best)
			}
			prefix[i] = append(prefix[i], best)
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
	tp := nn.NewTape[T]()
	tp.SetNoGrad(true)
	mem1, mask1 := m.Encode(tp, l, [][]int{src}, nil)
	s, d := mem1.Shape[1], m.Cfg.D
	v := m.Tgt.Size()
	beams := []hyp{{}}
	var finished []hyp
	norm := func(h hyp, n int) float64 { return h.score / math.Pow(float64(n), alpha) }
	for step := 0; step < maxLen && len(beams) > 0; step++ {
		nb := len(beams)
		rep := make([]int, nb)
		dtp := nn.NewTape[T]() // one per step, as in Greedy
		dtp.SetNoGrad(true)
		mem := dtp.Reshape(dtp.Gather(dtp.Reshape(mem1, 1, s*d), rep), nb, s, d)
		mask := &layers.Mask{Data: slices.Repeat(mask1.Data, nb), Shape: []int{nb, 1, 1, s}}
		prefixes := make([][]int, nb)
		for i, h := range beams {
			prefixes[i] = h.toks
		}
		in, t, _ := pad(prefixes, BOS, -1)
		logits := m.decodeLogits(dtp, mem, mask, in, nb, t, nil)
		type cand struct {
			from, tok int
			score     float64
		}
		var cands []cand
		for i, h := range beams {
			row := logits.Data[(i*t+t-1)*v : (i*t+t)*v]
			lse := logSumExp(row)
			// Only a beam's k best tokens can be among the k best
			// candidates overall: select them without sorting the row.
			for _, j := range topK(row, k) {
				cands = append(cands, cand{i, j, h.score + float64(row[j]) - lse})
			}
		}
		sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
		var next []hyp
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
		}
		beams = next
		if len(finished) >= k { // fairseq stops once k hypotheses have ended
			break
		}
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
