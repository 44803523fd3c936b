// Package bleu scores translations against references: corpus BLEU-4 the
// way multi-bleu.perl, NLTK's corpus_bleu and sacreBLEU compute it, the
// 13a tokeniser sacreBLEU applies by default, and character n-gram F-score
// (chrF).
//
// The three BLEU conventions share clipped n-gram counts summed over the
// corpus, uniform weights over orders 1-4 and a brevity penalty from the
// reference length closest to each hypothesis (ties go to the shorter), but
// differ at the edges (docs/nmt.md, "BLEU"):
//
//   - multi-bleu: any zero precision gives 0; a hypothesis shorter than n
//     adds nothing to the order-n denominator.
//   - NLTK (no smoothing): a hypothesis adds max(1, its n-gram count) to
//     each denominator, so short and empty hypotheses count against it; a
//     zero precision is replaced by the smallest normal float64, so the
//     score is tiny but not exactly 0 unless no unigram matches.
//   - sacreBLEU: multi-bleu's counts on 13a-tokenised text with "exp"
//     smoothing: the k-th order without a match gets precision 1/(2^k·total).
package bleu

import (
	"math"
	"strings"
)

// MaxOrder is the highest n-gram order of BLEU-4.
const MaxOrder = 4

// Stats are the sufficient statistics of corpus BLEU: they add up over
// sentences, so shards of a test set can be scored apart and merged.
type Stats struct {
	Matches [MaxOrder]int `json:"matches"` // clipped n-gram matches per order
	Totals  [MaxOrder]int `json:"totals"`  // hypothesis n-grams per order
	// NLTKTotals count max(1, n-grams) per hypothesis, NLTK's denominator.
	NLTKTotals [MaxOrder]int `json:"nltk_totals"`
	HypLen     int           `json:"hyp_len"`
	RefLen     int           `json:"ref_len"` // closest reference length, summed
}

// Add accumulates one hypothesis and its references (tokens).
func (s *Stats) Add(hyp []string, refs [][]string) {
	s.HypLen += len(hyp)
	s.RefLen += closestRefLen(len(hyp), refs)
	for n := 1; n <= MaxOrder; n++ {
		hc := ngramCounts(hyp, n)
		maxRef := map[string]int{}
		for _, r := range refs {
			for g, c := range ngramCounts(r, n) {
				if c > maxRef[g] {
					maxRef[g] = c
				}
			}
		}
		total := max(len(hyp)-n+1, 0)
		match := 0
		for g, c := range hc { // a sum: order does not matter
			match += min(c, maxRef[g])
		}
		s.Matches[n-1] += match
		s.Totals[n-1] += total
		s.NLTKTotals[n-1] += max(1, total)
	}
}

// Merge adds o's statistics into s.
func (s *Stats) Merge(o Stats) {
	for i := range MaxOrder {
		s.Matches[i] += o.Matches[i]
		s.Totals[i] += o.Totals[i]
		s.NLTKTotals[i] += o.NLTKTotals[i]
	}
	s.HypLen += o.HypLen
	s.RefLen += o.RefLen
}

// closestRefLen returns the length of the reference closest in length to
// hypLen, the shorter one on a tie (multi-bleu, NLTK and sacreBLEU agree).
func closestRefLen(hypLen int, refs [][]string) int {
	best, bestDiff := 0, -1
	for _, r := range refs {
		d := abs(len(r) - hypLen)
		if bestDiff < 0 || d < bestDiff || (d == bestDiff && len(r) < best) {
			best, bestDiff = len(r), d
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func ngramCounts(toks []string, n int) map[string]int {
	m := map[string]int{}
	for i := 0; i+n <= len(toks); i++ {
		m[strings.Join(toks[i:i+n], "\x00")]++
	}
	return m
}

// Result is a BLEU score on the 0-100 scale with its parts.
type Result struct {
	Score      float64           `json:"score"`
	Precisions [MaxOrder]float64 `json:"precisions"` // percent
	BP         float64           `json:"bp"`
	HypLen     int               `json:"hyp_len"`
	RefLen     int               `json:"ref_len"`
}

func (s Stats) brevity() float64 {
	switch {
	case s.HypLen >= s.RefLen:
		return 1
	case s.HypLen == 0:
		return 0
	}
	return math.Exp(1 - float64(s.RefLen)/float64(s.HypLen))
}

// MultiBLEU scores s as multi-bleu.perl does.
func (s Stats) MultiBLEU() Result {
	r := Result{BP: s.brevity(), HypLen: s.HypLen, RefLen: s.RefLen}
	var logSum float64
	zero := false
	for i := range MaxOrder {
		p := 0.0
		if s.Totals[i] > 0 {
			p = float64(s.Matches[i]) / float64(s.Totals[i])
		}
		r.Precisions[i] = 100 * p
		if p == 0 {
			zero = true
			continue
		}
		logSum += math.Log(p)
	}
	if !zero && s.RefLen > 0 {
		r.Score = 100 * r.BP * math.Exp(logSum/MaxOrder)
	}
	return r
}

// NLTK scores s as NLTK 3.8's corpus_bleu without smoothing (times 100).
func (s Stats) NLTK() Result {
	r := Result{BP: s.brevity(), HypLen: s.HypLen, RefLen: s.RefLen}
	if s.Matches[0] == 0 {
		for i := range MaxOrder {
			r.Precisions[i] = 100 * float64(s.Matches[i]) / float64(max(s.NLTKTotals[i], 1))
		}
		return r
	}
	var logSum float64
	for i := range MaxOrder {
		p := float64(s.Matches[i]) / float64(s.NLTKTotals[i])
		r.Precisions[i] = 100 * p
		if s.Matches[i] == 0 {
			p = math.SmallestNonzeroFloat64 * (1 << 52) // sys.float_info.min, the smallest normal float64
		}
		logSum += 0.25 * math.Log(p)
	}
	r.Score = 100 * r.BP * math.Exp(logSum)
	return r
}

// Sacre scores s as sacreBLEU's corpus_bleu with its default "exp"
// smoothing (the statistics should come from 13a-tokenised text).
func (s Stats) Sacre() Result {
	r := Result{BP: s.brevity(), HypLen: s.HypLen, RefLen: s.RefLen}
	smooth := 1.0
	var logSum float64
	for i := range MaxOrder {
		if s.Totals[i] == 0 {
			return r // sacreBLEU stops here; log(0) makes the score 0
		}
		if s.Matches[i] == 0 {
			smooth *= 2
			r.Precisions[i] = 100 / (smooth * float64(s.Totals[i]))
		} else {
			r.Precisions[i] = 100 * float64(s.Matches[i]) / float64(s.Totals[i])
		}
		logSum += math.Log(r.Precisions[i])
	}
	r.Score = r.BP * math.Exp(logSum/MaxOrder)
	return r
}

// Corpus returns the statistics of tokenised hypotheses against their
// references: refs[k][i] is the k-th reference of hypothesis i.
func Corpus(hyps [][]string, refs [][][]string) Stats {
	var s Stats
	rs := make([][]string, len(refs))
	for i, h := range hyps {
		for k := range refs {
			rs[k] = refs[k][i]
		}
		s.Add(h, rs)
	}
	return s
}
