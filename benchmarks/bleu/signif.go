package bleu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// ImplVersion names this implementation of BLEU in signatures. It is
// metabench's implementation of sacreBLEU's definition, not sacreBLEU, so
// the signature carries our version, not sacreBLEU's; bump it when a score
// changes for the same input.
const ImplVersion = "metabench-bleu.1"

// DefaultSeed is sacreBLEU's default resampling seed (SACREBLEU_SEED).
// Our generator is not NumPy's, so the same seed draws other resamples.
const DefaultSeed = 12345

// DefaultResamples is sacreBLEU's default number of paired bootstrap
// resamples.
const DefaultResamples = 1000

// Signature says how a BLEU score was computed, in sacreBLEU 2's format
// (nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:…), so that two
// scores can be told comparable or not.
type Signature struct {
	NRefs     int
	Tok       string // "13a" or "none"
	Smooth    string // "exp" (sacreBLEU's default) or "none" (multi-bleu: a zero precision gives 0)
	Resamples int    // paired bootstrap resamples (0: no test)
	Seed      uint64 // the resampling seed, when Resamples > 0
}

// SignatureOf returns the signature of the scores Files computes with
// tokenizer tok ("13a": exp smoothing; "none": multi-bleu, no smoothing).
func SignatureOf(tok string, nrefs int) Signature {
	s := Signature{NRefs: nrefs, Tok: tok, Smooth: "exp"}
	if tok == "none" {
		s.Smooth = "none"
	}
	return s
}

// String formats s as sacreBLEU does; case is always mixed (we never
// lowercase) and eff no (no effective order).
func (s Signature) String() string {
	parts := []string{fmt.Sprintf("nrefs:%d", s.NRefs)}
	if s.Resamples > 0 {
		parts = append(parts, fmt.Sprintf("bs:%d", s.Resamples), fmt.Sprintf("seed:%d", s.Seed))
	}
	parts = append(parts, "case:mixed", "eff:no", "tok:"+s.Tok, "smooth:"+s.Smooth, "version:"+ImplVersion)
	return strings.Join(parts, "|")
}

// SentenceStats returns the BLEU statistics of each hypothesis against its
// references (refs[k][i] is the k-th reference of hypothesis i), all
// tokenised by tok: what paired resampling sums.
func SentenceStats(hyps []string, refs [][]string, tok Tokenizer) []Stats {
	out := make([]Stats, len(hyps))
	rs := make([][]string, len(refs))
	for i, h := range hyps {
		for k := range refs {
			rs[k] = tok(refs[k][i])
		}
		out[i].Add(tok(h), rs)
	}
	return out
}

// Paired is the result of sacreBLEU's paired bootstrap test of a system
// against a baseline on the same sentences.
type Paired struct {
	Baseline, System         Result  // on the whole test set
	BaselineMean, BaselineCI float64 // mean of the resampled scores and half the width of their 95% interval
	SystemMean, SystemCI     float64
	P                        float64 // the p-value of the difference
	Resamples                int
	Seed                     uint64
}

// PairedBootstrap is sacreBLEU's paired bootstrap resampling test
// (--paired-bs; Koehn 2004, as Moses'
// bootstrap-hypothesis-difference-significance.pl): n resamples of the
// sentence indices, with replacement, the same for both systems; each
// system scored (by score, e.g. Stats.Sacre) on the summed statistics of
// each resample. The p-value is that of the centred differences: with
// d_r = |system_r − baseline_r| and d̄ their mean, p = (1 + #{r : d_r − d̄
// > |system − baseline|}) / (n + 1). The mean and 95% interval of each
// system's resampled scores are sacreBLEU's too (sorted scores, the
// ⌊n/40⌋-th from each end). The resamples are drawn from our seeded
// generator, not NumPy's, so p differs from sacreBLEU's by resampling
// noise only.
func PairedBootstrap(base, sys []Stats, score func(Stats) Result, n int, seed uint64) (Paired, error) {
	switch {
	case len(base) != len(sys):
		return Paired{}, fmt.Errorf("paired bootstrap: %d baseline sentences but %d system sentences", len(base), len(sys))
	case len(base) == 0:
		return Paired{}, fmt.Errorf("paired bootstrap: no sentences")
	case n < 1:
		return Paired{}, fmt.Errorf("paired bootstrap: %d resamples", n)
	}
	out := Paired{Baseline: score(sum(base)), System: score(sum(sys)), Resamples: n, Seed: seed}
	r := rand.New(rand.NewPCG(seed, 0x70616972656462))
	bl, sy := make([]float64, n), make([]float64, n)
	for k := range n {
		var a, b Stats
		for range len(base) {
			i := r.IntN(len(base))
			a.Merge(base[i])
			b.Merge(sys[i])
		}
		bl[k], sy[k] = score(a).Score, score(b).Score
	}
	out.BaselineMean, out.BaselineCI = meanCI(bl)
	out.SystemMean, out.SystemCI = meanCI(sy)
	out.P = pairedP(bl, sy, abs64(out.System.Score-out.Baseline.Score))
	return out, nil
}

func sum(ss []Stats) Stats {
	var t Stats
	for _, s := range ss {
		t.Merge(s)
	}
	return t
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// pairedP is sacreBLEU's p-value of paired resampled scores against the
// observed difference real (≥ 0): the resampled absolute differences,
// centred on their mean (the null hypothesis of no difference), count
// when they exceed real; +1 on both sides keeps p above 0. Identical
// systems get p = 1/(n+1), as in sacreBLEU, since no centred difference
// exceeds 0.
func pairedP(bl, sys []float64, real float64) float64 {
	d := make([]float64, len(bl))
	var mean float64
	for i := range bl {
		d[i] = abs64(sys[i] - bl[i])
		mean += d[i]
	}
	mean /= float64(len(d))
	c := 0
	for _, x := range d {
		if x-mean > real {
			c++
		}
	}
	return float64(c+1) / float64(len(d)+1)
}

// meanCI returns the mean of scores and half the width of their 95%
// interval as sacreBLEU's estimate_ci: sorted, the ⌊n/40⌋-th from the
// bottom and from the top.
func meanCI(scores []float64) (mean, ci float64) {
	s := slices.Clone(scores)
	slices.Sort(s)
	for _, x := range s {
		mean += x
	}
	mean /= float64(len(s))
	lo := len(s) / 40
	hi := len(s) - lo - 1
	return mean, 0.5 * (s[hi] - s[lo])
}
