package drugbench

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Mean returns the mean of xs (NaN for none).
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return stat.Mean(xs, nil)
}

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
	return LogOdds(Mean(model)) - LogOdds(Mean(baseline))
}

// SignTest compares paired values a and b: wins (a > b) and losses, ties
// dropped, and the two-sided p-value of the binomial sign test.
func SignTest(a, b []float64) (wins, losses int, p float64) {
	for i := range a {
		switch {
		case a[i] > b[i]:
			wins++
		case a[i] < b[i]:
			losses++
		}
	}
	n := wins + losses
	if n == 0 {
		return 0, 0, 1
	}
	k := min(wins, losses)
	// P(X ≤ k) for X ~ Binomial(n, 1/2), doubled.
	var cdf float64
	for i := 0; i <= k; i++ {
		cdf += math.Exp(lchoose(n, i) - float64(n)*math.Ln2)
	}
	return wins, losses, math.Min(1, 2*cdf)
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// Pearson returns the correlation coefficient of x and y, 0 when either
// is constant (where the coefficient is undefined).
func Pearson(x, y []float64) float64 {
	if len(x) < 2 || slices.Min(x) == slices.Max(x) || slices.Min(y) == slices.Max(y) {
		return 0
	}
	return stat.Correlation(x, y, nil)
}
