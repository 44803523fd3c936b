package drugbench

import (
	"math"
	"slices"

	"github.com/metabench/metabench/benchmarks/claims"

	"gonum.org/v1/gonum/stat"
)

// Median returns the median of xs (NaN for none): for an even count the
// mean of the two middle values, as NumPy and the paper's tables; gonum's
// stat.Quantile picks one of them instead, hence this function.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// LogOdds is log(p/(1-p)).
func LogOdds(p float64) float64 { return math.Log(p / (1 - p)) }

// DeltaLogOdds is the paper's gain measure: the log-odds of a model's mean
// AUC minus that of a baseline's.
func DeltaLogOdds(model, baseline []float64) float64 {
	return LogOdds(claims.Mean(model)) - LogOdds(claims.Mean(baseline))
}

// SignTest compares paired values a and b: wins (a > b) and losses, ties
// dropped, and the two-sided p-value of the binomial sign test (1 when every
// pair ties), the claims package's test on the differences.
func SignTest(a, b []float64) (wins, losses int, p float64) {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	p, wins, losses, ok := claims.SignTest(d)
	if !ok {
		return 0, 0, 1
	}
	return wins, losses, p
}

// Pearson returns the correlation coefficient of x and y, 0 when either
// is constant (where the coefficient is undefined).
func Pearson(x, y []float64) float64 {
	if len(x) < 2 || slices.Min(x) == slices.Max(x) || slices.Min(y) == slices.Max(y) {
		return 0
	}
	return stat.Correlation(x, y, nil)
}
