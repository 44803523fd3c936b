package bleu

import "unicode"

// ChrFOrder and ChrFBeta are sacreBLEU's chrF defaults: character n-grams
// up to 6, recall weighted twice as much as precision, white space ignored.
const (
	ChrFOrder = 6
	ChrFBeta  = 2
)

// ChrFStats are the sufficient statistics of corpus chrF: per order, the
// character n-grams of the hypotheses, of the references and their clipped
// matches, summed over sentences.
type ChrFStats struct {
	Hyp, Ref, Match [ChrFOrder]int
}

// Add accumulates one hypothesis and its reference (raw text).
func (s *ChrFStats) Add(hyp, ref string) {
	h, r := noSpace(hyp), noSpace(ref)
	for n := 1; n <= ChrFOrder; n++ {
		hc, rc := charNgrams(h, n), charNgrams(r, n)
		s.Hyp[n-1] += max(len(h)-n+1, 0)
		s.Ref[n-1] += max(len(r)-n+1, 0)
		for g, c := range hc { // a sum: order does not matter
			s.Match[n-1] += min(c, rc[g])
		}
	}
}

// Merge adds o into s.
func (s *ChrFStats) Merge(o ChrFStats) {
	for i := range ChrFOrder {
		s.Hyp[i] += o.Hyp[i]
		s.Ref[i] += o.Ref[i]
		s.Match[i] += o.Match[i]
	}
}

// Score returns corpus chrF on the 0-100 scale: precision and recall are
// averaged over the orders that have n-grams on both sides, then combined
// into an F-score with β = 2 (sacreBLEU 2's CHRF with word order 0).
func (s ChrFStats) Score() float64 {
	var p, r float64
	eff := 0
	for i := range ChrFOrder {
		if s.Hyp[i] > 0 && s.Ref[i] > 0 {
			p += float64(s.Match[i]) / float64(s.Hyp[i])
			r += float64(s.Match[i]) / float64(s.Ref[i])
			eff++
		}
	}
	if eff == 0 {
		return 0
	}
	p, r = p/float64(eff), r/float64(eff)
	if p+r == 0 {
		return 0
	}
	const b2 = ChrFBeta * ChrFBeta
	return 100 * (1 + b2) * p * r / (b2*p + r)
}

func noSpace(s string) []rune {
	var out []rune
	for _, c := range s {
		if !unicode.IsSpace(c) {
			out = append(out, c)
		}
	}
	return out
}

func charNgrams(s []rune, n int) map[string]int {
	m := map[string]int{}
	for i := 0; i+n <= len(s); i++ {
		m[string(s[i:i+n])]++
	}
	return m
}
