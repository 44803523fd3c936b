package claims

import (
	"math"
	"slices"
	"testing"
)

// golden are SciPy 1.10.1's values on fixtures with tied |d|, zero
// differences and both; scripts/claims_golden.py printed them (each line
// of its output is one fixture here).
var golden = []struct {
	name                         string
	d                            []float64
	mean, lo95, hi95, lo90, hi90 float64
	wilcoxon, sign               float64
	q025, q975                   float64 // numpy.percentile(d, [2.5, 97.5])
}{
	{name: "no ties", d: []float64{0.8, -0.3, 1.9, 2.4, 0.5}, mean: 1.06, lo95: -0.2905058237886404, hi95: 2.4105058237886405, lo90: 0.023036766608566017, hi90: 2.0969632333914334, wilcoxon: 0.125, sign: 0.375, q025: -0.21999999999999997, q975: 2.3499999999999996},
	{name: "three positive", d: []float64{0.1, 0.2, 0.3}, mean: 0.20000000000000004, lo95: -0.048413771184375204, hi95: 0.4484137711843753, lo90: 0.031414553915191656, hi90: 0.3685854460848083, wilcoxon: 0.25, sign: 0.25, q025: 0.10500000000000001, q975: 0.295},
	{name: "ties", d: []float64{1.0, -1.0, 2.0, 2.0, -3.0, 4.0, 1.5, 2.0}, mean: 1.0625, lo95: -0.7310870900027038, hi95: 2.8560870900027036, lo90: -0.37455357228804287, hi90: 2.4995535722880424, wilcoxon: 0.25, sign: 0.2890625, q025: -2.65, q975: 3.6500000000000004},
	{name: "zeros", d: []float64{0.0, 1.2, -0.4, 0.7, 0.0, 2.1, 0.9, -1.3, 0.5, 0.3}, mean: 0.4, lo95: -0.2633947033922355, hi95: 1.0633947033922355, lo90: -0.13757423678235603, hi90: 0.937574236782356, wilcoxon: 0.20757844233562428, sign: 0.2890625, q025: -1.0975000000000001, q975: 1.8975000000000004},
	{name: "zeros and ties", d: []float64{0.0, 1.0, -1.0, 2.0, 2.0, 0.0, 3.0, -2.0, 1.0, 4.0, 0.5, 0.0}, mean: 0.875, lo95: -0.19269780972521877, hi95: 1.9426978097252188, lo90: 0.003816349049615364, hi90: 1.746183650950384, wilcoxon: 0.10724840479246954, sign: 0.1796875, q025: -1.725, q975: 3.7249999999999996},
	{name: "balanced", d: []float64{1.0, -1.0, 2.0, -2.0}, mean: 0.0, lo95: -2.905162715755272, hi95: 2.905162715755272, lo90: -2.1483170654146657, hi90: 2.1483170654146644, wilcoxon: 1.0, sign: 1.0, q025: -1.925, q975: 1.9249999999999998},
	{name: "mostly negative", d: []float64{-0.5, -1.2, 0.3, -2.2, -0.9, -1.7}, mean: -1.0333333333333334, lo95: -1.9617527793114764, hi95: -0.10491388735519047, lo90: -1.7611102385947401, hi90: -0.30555642807192696, wilcoxon: 0.0625, sign: 0.21875, q025: -2.1375, q975: 0.19999999999999998},
	{name: "large", d: []float64{0.15, 1.141665, -0.105541, -0.775815, 0.644113, 0.948487, -0.549875, -0.468137, 1.009162, 0.546741, -0.811397, 0.001001, 1.149793, 0.041363, -0.821798, 0.509058, 1.029273, -0.435637, -0.578361, 0.923328, 0.679083, -0.759667, -0.144672, 1.1356, 0.190693, -0.846087, 0.365987, 1.090429, -0.308325, -0.672324, 0.820229, 0.799613, -0.687627, -0.283766, 1.099404, 0.339115, -0.848137, 0.218094, 1.130589, -0.170781, -0.747928, 0.702167, 0.90564, -0.596888, -0.413176, 1.042012, 0.483314, -0.827903, 0.068681, 1.148858, -0.026076, -0.803485, 0.571778, 0.994798, -0.489473, -0.530012, 0.964705, 0.620072, -0.785837, -0.078917}, mean: 0.14828671666666665, lo95: -0.034414088937379766, hi95: 0.33098752227071304, lo90: -0.0042923680509457385, hi90: 0.300865801384279, wilcoxon: 0.08495815208453063, sign: 0.5189580031896519, q025: -0.8374496, q975: 1.145441325},
}

// near compares with SciPy to 1e-8: gonum's Student-t quantile (an
// inverse incomplete beta) agrees with SciPy's to about 1e-9, the other
// statistics to the last few bits.
func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-8*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.17g, SciPy %.17g", what, got, want)
	}
}

func TestStatisticsEqualSciPy(t *testing.T) {
	for _, g := range golden {
		t.Run(g.name, func(t *testing.T) {
			near(t, "mean", Mean(g.d), g.mean)
			lo, hi, ok := TInterval(g.d, 0.95)
			if !ok {
				t.Fatal("no 95% interval")
			}
			near(t, "95% low", lo, g.lo95)
			near(t, "95% high", hi, g.hi95)
			lo, hi, _ = TInterval(g.d, 0.90)
			near(t, "90% low", lo, g.lo90)
			near(t, "90% high", hi, g.hi90)
			p, ok := Wilcoxon(g.d)
			if !ok {
				t.Fatal("no Wilcoxon p")
			}
			near(t, "Wilcoxon p", p, g.wilcoxon)
			p, _, _, ok = SignTest(g.d)
			if !ok {
				t.Fatal("no sign-test p")
			}
			near(t, "sign-test p", p, g.sign)
			s := slices.Sorted(slices.Values(g.d))
			near(t, "2.5% quantile", quantile(s, 0.025), g.q025)
			near(t, "97.5% quantile", quantile(s, 0.975), g.q975)
		})
	}
}

func TestUndefinedStatistics(t *testing.T) {
	tests := []struct {
		name string
		d    []float64
	}{
		{"none", nil},
		{"all zero", []float64{0, 0, 0}},
	}
	for _, tt := range tests {
		if _, ok := Wilcoxon(tt.d); ok {
			t.Errorf("%s: Wilcoxon defined", tt.name)
		}
		if _, _, _, ok := SignTest(tt.d); ok {
			t.Errorf("%s: sign test defined", tt.name)
		}
	}
	if _, _, ok := TInterval([]float64{1}, 0.95); ok {
		t.Error("t interval of one value")
	}
	if _, _, ok := Bootstrap(nil, Resamples, 1); ok {
		t.Error("bootstrap of no items")
	}
}

func TestBootstrap(t *testing.T) {
	items := []float64{0.02, -0.01, 0.05, 0.03, 0.00, 0.04, 0.01, 0.02, -0.02, 0.06}
	lo, hi, ok := Bootstrap(items, Resamples, 7)
	if !ok {
		t.Fatal("no interval")
	}
	m := Mean(items)
	if !(lo < m && m < hi) {
		t.Errorf("interval [%g, %g] does not hold the mean %g", lo, hi, m)
	}
	// The standard error of the mean is 0.0076; a 95% interval spans
	// about 4 of them.
	if w := hi - lo; w < 0.02 || w > 0.04 {
		t.Errorf("interval width %g, want about 0.03", w)
	}
	lo2, hi2, _ := Bootstrap(items, Resamples, 7)
	if lo2 != lo || hi2 != hi {
		t.Error("the same seed gives another interval")
	}
	lo3, hi3, _ := Bootstrap(items, Resamples, 8)
	if lo3 == lo && hi3 == hi {
		t.Error("another seed gives the same interval")
	}
	lo, hi, _ = Bootstrap([]float64{0.3, 0.3, 0.3}, Resamples, 1)
	if lo != 0.3 || hi != 0.3 {
		t.Errorf("constant items: [%g, %g], want [0.3, 0.3]", lo, hi)
	}
}

func TestExactWilcoxonDistribution(t *testing.T) {
	// P(W+ = k) for n = 4: the 16 sign patterns give sums 0…10 with
	// counts 1 1 1 2 2 2 2 2 1 1 1.
	want := []float64{1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1}
	got := signedRankPMF(4)
	if len(got) != len(want) {
		t.Fatalf("%d sums, want %d", len(got), len(want))
	}
	for k := range want {
		if got[k] != want[k]/16 {
			t.Errorf("P(W+ = %d) = %g, want %g/16", k, got[k], want[k])
		}
	}
}
