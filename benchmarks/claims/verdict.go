package claims

import (
	"fmt"
	"math"
	"strings"
)

// Verdict is what the runs say about a claim.
type Verdict string

const (
	// Holds: the 95% interval of the effect over seeds excludes zero on the
	// side the paper claims.
	Holds Verdict = "holds"
	// Contradicted: the 95% interval excludes zero on the other side.
	Contradicted Verdict = "contradicted"
	// Equivalent: a primary claim with a margin whose 90% interval lies
	// within ±Margin — an effect too small to matter, an honest negative.
	Equivalent Verdict = "equivalent"
	// NotShown: none of the above; the runs cannot tell.
	NotShown Verdict = "not shown"
	// OneSeed: one run only. Its within-run interval is an example, never
	// a verdict: the unit of a verdict is the seed.
	OneSeed Verdict = "one seed: no verdict"
	// NotMeasured: no run measured the claim (its effect needs rows the
	// profile does not make).
	NotMeasured Verdict = "not measured"
)

// Result is a claim decided over the runs of several seeds (or shown for
// one run). Statistics that the runs do not define are nil.
type Result struct {
	Claim Claim `json:"claim"`
	// Seeds and Values: the effect measured by each run, in seed order.
	Seeds  []uint64  `json:"seeds"`
	Values []float64 `json:"values"`
	N      int       `json:"n"`
	Mean   *float64  `json:"mean,omitempty"`
	// Low and High bound the 95% interval: Student t over seeds for n ≥ 2;
	// for one run, its within-run interval (Interval says which).
	Low      *float64 `json:"low,omitempty"`
	High     *float64 `json:"high,omitempty"`
	Interval string   `json:"interval,omitempty"`
	// Low90 and High90 bound the 90% Student-t interval over seeds, the
	// equivalence test of a primary claim with a margin.
	Low90     *float64 `json:"low90,omitempty"`
	High90    *float64 `json:"high90,omitempty"`
	WilcoxonP *float64 `json:"wilcoxon_p,omitempty"`
	SignP     *float64 `json:"sign_p,omitempty"`
	Verdict   Verdict  `json:"verdict"`
}

// Interval kinds (Result.Interval).
const (
	IntervalSeeds     = "t over seeds"
	IntervalBootstrap = "bootstrap over items, one run"
	IntervalSuite     = "the suite's, one run"
)

// Decide gives claim c its verdict from the measurements of runs that
// differ only in seed: ms[i] is run i's measurement of c (seeds[i] its
// seed), nil where the run did not measure c. With one measured run the
// result carries its within-run interval — bootstrapped from its Items
// (Resamples resamples, seeded by that run's seed) or the suite's own
// Low/High — and the verdict OneSeed.
func Decide(c Claim, seeds []uint64, ms []*Measurement) (Result, error) {
	if len(seeds) != len(ms) {
		return Result{}, fmt.Errorf("claim %s: %d seeds, %d measurements", c.ID, len(seeds), len(ms))
	}
	r := Result{Claim: c, Verdict: NotMeasured}
	var one *Measurement
	for i, m := range ms {
		if m == nil {
			continue
		}
		if m.Claim != c.ID {
			return Result{}, fmt.Errorf("claim %s: seed %d measured %q", c.ID, seeds[i], m.Claim)
		}
		if err := m.check(); err != nil {
			return Result{}, fmt.Errorf("claim %s: seed %d: %w", c.ID, seeds[i], err)
		}
		r.Seeds = append(r.Seeds, seeds[i])
		r.Values = append(r.Values, m.Value)
		one = m
	}
	r.N = len(r.Values)
	if r.N == 0 {
		return r, nil
	}
	r.Mean = ptr(Mean(r.Values))
	if r.N == 1 {
		// A test over one seed says nothing (both p-values would be 1).
		r.Verdict = OneSeed
		switch {
		case len(one.Items) > 0:
			if lo, hi, ok := Bootstrap(one.Items, Resamples, r.Seeds[0]); ok {
				r.Low, r.High, r.Interval = ptr(lo), ptr(hi), IntervalBootstrap
			}
		case one.Low != 0 || one.High != 0:
			r.Low, r.High, r.Interval = ptr(one.Low), ptr(one.High), IntervalSuite
		}
		return r, nil
	}
	if p, ok := Wilcoxon(r.Values); ok {
		r.WilcoxonP = ptr(p)
	}
	if p, _, _, ok := SignTest(r.Values); ok {
		r.SignP = ptr(p)
	}
	lo, hi, _ := TInterval(r.Values, 0.95)
	lo90, hi90, _ := TInterval(r.Values, 0.90)
	r.Low, r.High, r.Interval = ptr(lo), ptr(hi), IntervalSeeds
	r.Low90, r.High90 = ptr(lo90), ptr(hi90)
	r.Verdict = verdict(c, lo, hi, lo90, hi90)
	return r, nil
}

// verdict applies the rules to the 95% interval [lo, hi] and the 90%
// interval [lo90, hi90] of the effect. Holds and contradicted come first:
// an effect shown to be on one side of zero is reported as such even when
// it is also smaller than the margin.
func verdict(c Claim, lo, hi, lo90, hi90 float64) Verdict {
	dir := float64(c.Direction)
	if dir == 0 {
		dir = 1
	}
	// In the claimed direction's frame, the interval is [a, b].
	a, b := lo*dir, hi*dir
	if dir < 0 {
		a, b = b, a
	}
	switch {
	case a > 0:
		return Holds
	case b < 0:
		return Contradicted
	case c.Primary && c.Margin > 0 && lo90 > -c.Margin && hi90 < c.Margin:
		return Equivalent
	}
	return NotShown
}

// DecideAll decides every claim of a suite over runs: runs[i] are the
// measurements of the run of seeds[i]. A run's measurement of a claim the
// suite does not declare, or of one claim twice, is an error.
func DecideAll(cs []Claim, seeds []uint64, runs [][]Measurement) ([]Result, error) {
	if len(seeds) != len(runs) {
		return nil, fmt.Errorf("claims: %d seeds, %d runs", len(seeds), len(runs))
	}
	byRun := make([]map[string]*Measurement, len(runs))
	for i, ms := range runs {
		byRun[i] = map[string]*Measurement{}
		for j := range ms {
			m := &ms[j]
			if !declared(cs, m.Claim) {
				return nil, fmt.Errorf("claims: seed %d measured %q, which the suite does not declare", seeds[i], m.Claim)
			}
			if byRun[i][m.Claim] != nil {
				return nil, fmt.Errorf("claims: seed %d measured %q twice", seeds[i], m.Claim)
			}
			byRun[i][m.Claim] = m
		}
	}
	out := make([]Result, len(cs))
	for k, c := range cs {
		ms := make([]*Measurement, len(runs))
		for i := range runs {
			ms[i] = byRun[i][c.ID]
		}
		r, err := Decide(c, seeds, ms)
		if err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, nil
}

func declared(cs []Claim, id string) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

// Check returns an error for a malformed list of claims: an empty or
// repeated ID, a direction other than ±1, a negative margin, or a margin on
// a claim that is not primary.
func Check(cs []Claim) error {
	seen := map[string]bool{}
	for _, c := range cs {
		switch {
		case c.ID == "" || strings.ContainsAny(c.ID, " \t\n,"):
			return fmt.Errorf("claim %q: want a short ID without spaces or commas", c.ID)
		case seen[c.ID]:
			return fmt.Errorf("claim %q declared twice", c.ID)
		case c.Direction != Positive && c.Direction != Negative:
			return fmt.Errorf("claim %s: direction %d, want +1 or -1", c.ID, c.Direction)
		case c.Margin < 0 || math.IsNaN(c.Margin):
			return fmt.Errorf("claim %s: margin %v", c.ID, c.Margin)
		case c.Margin > 0 && !c.Primary:
			return fmt.Errorf("claim %s: a margin is for the primary claim only", c.ID)
		}
		seen[c.ID] = true
	}
	return nil
}

// check refuses a measurement that is not finite, whose items do not
// average to its value, or whose within-run interval is not finite or
// is reversed.
func (m *Measurement) check() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if !finite(m.Value) {
		return fmt.Errorf("effect %v", m.Value)
	}
	for _, x := range m.Items {
		if !finite(x) {
			return fmt.Errorf("item %v", x)
		}
	}
	if len(m.Items) > 0 {
		if mean := Mean(m.Items); math.Abs(mean-m.Value) > 1e-9*math.Max(1, math.Abs(m.Value)) {
			return fmt.Errorf("effect %v is not the mean %v of its %d items", m.Value, mean, len(m.Items))
		}
	}
	if m.Low != 0 || m.High != 0 {
		if !finite(m.Low) || !finite(m.High) || m.Low > m.High {
			return fmt.Errorf("within-run interval [%v, %v]", m.Low, m.High)
		}
	}
	return nil
}

func ptr(x float64) *float64 { return &x }
