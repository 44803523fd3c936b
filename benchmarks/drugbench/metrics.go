package drugbench

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// AUC returns the area under the ROC curve of scores against binary
// labels (the Mann-Whitney statistic: the probability that a random active
// scores above a random inactive, ties counting half), as scikit-learn's
// roc_auc_score. ok is false when only one class is present (undefined).
func AUC(scores []float64, labels []int8) (auc float64, ok bool) {
	type pair struct {
		s float64
		y int8
	}
	ps := make([]pair, 0, len(scores))
	var npos, nneg float64
	for i, s := range scores {
		if labels[i] < 0 {
			continue
		}
		ps = append(ps, pair{s, labels[i]})
		if labels[i] == 1 {
			npos++
		} else {
			nneg++
		}
	}
	if npos == 0 || nneg == 0 {
		return 0, false
	}
	slices.SortStableFunc(ps, func(a, b pair) int {
		switch {
		case a.s < b.s:
			return -1
		case a.s > b.s:
			return 1
		}
		return 0
	})
	// Sum of the ranks of the actives, ties given their mean rank.
	var rankSum float64
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].s == ps[i].s {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if ps[k].y == 1 {
				rankSum += mid
			}
		}
		i = j
	}
	return (rankSum - npos*(npos+1)/2) / (npos * nneg), true
}

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

// KFold splits n rows into k folds at random (seeded), stratified by
// strata: rows of each stratum (for multitask data, whether a molecule is
// active in any task) are dealt round-robin over the folds, so every fold
// gets its share of the rare actives. It returns the fold of each row.
func KFold(n, k int, strata []int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0x6b666f6c64))
	perm := r.Perm(n)
	fold := make([]int, n)
	next := map[int]int{}
	for _, i := range perm {
		s := 0
		if strata != nil {
			s = strata[i]
		}
		fold[i] = next[s] % k
		next[s]++
	}
	return fold
}

// RandomSplit assigns rows to train (0), valid (1) and test (2) at random
// with the given fractions, as DeepChem's RandomSplitter (80/10/10).
func RandomSplit(n int, frac [3]float64, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0x72616e64))
	perm := r.Perm(n)
	out := make([]int, n)
	nTrain := int(frac[0] * float64(n))
	nValid := int(frac[1] * float64(n))
	for k, i := range perm {
		switch {
		case k < nTrain:
			out[i] = 0
		case k < nTrain+nValid:
			out[i] = 1
		default:
			out[i] = 2
		}
	}
	return out
}

// ScaffoldSplit is DeepChem's ScaffoldSplitter: molecules grouped by
// Bemis-Murcko scaffold, groups sorted largest first (ties by first
// occurrence), and whole groups put into train until it would exceed
// frac[0], then valid up to frac[1], then test.
func ScaffoldSplit(scaffolds []string, frac [3]float64) []int {
	groups := map[string][]int{}
	var order []string
	for i, s := range scaffolds {
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], i)
	}
	slices.SortStableFunc(order, func(a, b string) int { return len(groups[b]) - len(groups[a]) })
	n := float64(len(scaffolds))
	out := make([]int, len(scaffolds))
	var nTrain, nValid int
	for _, s := range order {
		g := groups[s]
		dst := 2
		switch {
		case float64(nTrain+len(g)) <= frac[0]*n:
			dst = 0
			nTrain += len(g)
		case float64(nValid+len(g)) <= frac[1]*n:
			dst = 1
			nValid += len(g)
		}
		for _, i := range g {
			out[i] = dst
		}
	}
	return out
}
