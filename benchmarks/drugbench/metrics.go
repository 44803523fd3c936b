package drugbench

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// example is one labelled example's score and class (1 active, 0 inactive).
type example struct {
	s float64
	y int8
}

// labelled returns the examples with a label (labels < 0 are missing),
// sorted by score, ascending or descending, ties in input order, with the
// counts of actives and inactives.
func labelled(scores []float64, labels []int8, descending bool) (ps []example, npos, nneg int) {
	ps = make([]example, 0, len(scores))
	for i, s := range scores {
		if labels[i] < 0 {
			continue
		}
		ps = append(ps, example{s, labels[i]})
		if labels[i] == 1 {
			npos++
		} else {
			nneg++
		}
	}
	slices.SortStableFunc(ps, func(a, b example) int {
		c := 0
		switch {
		case a.s < b.s:
			c = -1
		case a.s > b.s:
			c = 1
		}
		if descending {
			c = -c
		}
		return c
	})
	return ps, npos, nneg
}

// AUC returns the area under the ROC curve of scores against binary
// labels (the Mann-Whitney statistic: the probability that a random active
// scores above a random inactive, ties counting half), as scikit-learn's
// roc_auc_score. ok is false when only one class is present (undefined).
func AUC(scores []float64, labels []int8) (auc float64, ok bool) {
	ps, np, nn := labelled(scores, labels, false)
	if np == 0 || nn == 0 {
		return 0, false
	}
	npos, nneg := float64(np), float64(nn)
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

// AveragePrecision returns the area under the precision-recall curve of
// scores against binary labels as scikit-learn's average_precision_score:
// the step-wise sum over distinct score thresholds, highest first, of the
// rise in recall times the precision there, AP = Σ (Rₙ − Rₙ₋₁)·Pₙ. Tied
// scores form one threshold. It is not the trapezoidal area (DeepChem's
// prc_auc_score), which interpolates linearly between points and
// overstates a precision-recall curve. Labels < 0 are missing and
// ignored; ok is false without actives (recall undefined) or inactives,
// so that the tasks scored are those AUC scores.
func AveragePrecision(scores []float64, labels []int8) (ap float64, ok bool) {
	ps, npos, nneg := labelled(scores, labels, true)
	if npos == 0 || nneg == 0 {
		return 0, false
	}
	var tp, fp, prevTP int
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].s == ps[i].s {
			if ps[j].y == 1 {
				tp++
			} else {
				fp++
			}
			j++
		}
		if tp > prevTP {
			ap += float64(tp-prevTP) / float64(npos) * float64(tp) / float64(tp+fp)
			prevTP = tp
		}
		i = j
	}
	return ap, true
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

// ScaffoldSplit is DeepChem's ScaffoldSplitter on molecules whose
// Bemis-Murcko scaffolds are scaffolds (acyclic molecules share the empty
// one). As DeepChem documents and does: molecules are grouped by scaffold;
// groups are sorted by size, largest first, and among equal sizes the
// group whose first molecule comes later goes first (its sort key is
// (size, first index), reversed); each whole group then goes to train
// unless train would exceed frac[0]·n, else to valid unless train and
// valid together would exceed (frac[0]+frac[1])·n, else to test. A group
// that does not fit does not end the filling: smaller groups after it can
// still go to train. It returns each molecule's part: 0 train, 1 valid,
// 2 test.
func ScaffoldSplit(scaffolds []string, frac [3]float64) []int {
	index := map[string]int{}
	var groups [][]int // in order of first occurrence, members ascending
	for i, s := range scaffolds {
		g, ok := index[s]
		if !ok {
			g = len(groups)
			index[s] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	slices.SortFunc(groups, func(a, b []int) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return b[0] - a[0]
	})
	n := float64(len(scaffolds))
	trainCut, validCut := frac[0]*n, (frac[0]+frac[1])*n
	out := make([]int, len(scaffolds))
	var nTrain, nValid int
	for _, g := range groups {
		dst := 0
		switch {
		case float64(nTrain+len(g)) <= trainCut:
			nTrain += len(g)
		case float64(nTrain+nValid+len(g)) <= validCut:
			dst = 1
			nValid += len(g)
		default:
			dst = 2
		}
		for _, i := range g {
			out[i] = dst
		}
	}
	return out
}
