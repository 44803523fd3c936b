package claims

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Mean returns the mean of xs (NaN for none).
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return stat.Mean(xs, nil)
}

// TInterval returns the two-sided Student-t confidence interval of the mean
// of xs at level (0.95 for 95%): mean ± t(n−1) · sd/√n, with the sample
// standard deviation (n−1 in the denominator). It needs two values or more;
// ok is false otherwise. Equal values give the point [mean, mean].
func TInterval(xs []float64, level float64) (lo, hi float64, ok bool) {
	n := len(xs)
	if n < 2 || !(level > 0 && level < 1) {
		return 0, 0, false
	}
	m, sd := stat.MeanStdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.5 + level/2)
	half := t * sd / math.Sqrt(float64(n))
	return m - half, m + half, true
}

// Wilcoxon returns the two-sided p-value of the Wilcoxon signed-rank test
// that the differences d are symmetric about zero, as SciPy 1.10.1's
// scipy.stats.wilcoxon(d) with its defaults (zero_method='wilcox',
// correction=False, method='auto'):
//
//   - n ≤ 50 and no zero difference: the exact null distribution of the
//     sum of the ranks of the positive differences, W+. With tied |d|
//     the ranks are mid-ranks and W+ can end in .5; SciPy (and so this
//     function) then truncates W+ to an integer before looking it up — the
//     exact distribution assumes no ties, so with ties the p-value is an
//     approximation, as in SciPy.
//   - otherwise: zero differences are dropped ('wilcox'), the rest ranked
//     (mid-ranks for ties), and z = (min(W+, W−) − n(n+1)/4)/σ with the
//     tie-corrected σ² = (n(n+1)(2n+1) − ½Σ t(t²−1))/24 and no continuity
//     correction; p = 2·P(Z > |z|).
//
// Where SciPy raises or returns NaN — no differences, or every difference
// zero — ok is false.
func Wilcoxon(d []float64) (p float64, ok bool) {
	if len(d) == 0 {
		return 0, false
	}
	zeros := 0
	for _, x := range d {
		if x == 0 {
			zeros++
		}
	}
	exact := len(d) <= 50 && zeros == 0
	if !exact {
		if zeros == len(d) {
			return 0, false
		}
		d = slices.DeleteFunc(slices.Clone(d), func(x float64) bool { return x == 0 })
	}
	n := len(d)
	ranks, ties := absRanks(d)
	var wPlus, wMinus float64
	for i, x := range d {
		if x > 0 {
			wPlus += ranks[i]
		} else {
			wMinus += ranks[i]
		}
	}
	if exact {
		pmf := signedRankPMF(n)
		r := int(wPlus) // SciPy truncates a mid-rank sum (ties) toward zero
		if r == (len(pmf)-1)/2 {
			return 1, true
		}
		var less, greater float64
		for k, q := range pmf {
			if k <= r {
				less += q
			}
			if k >= r {
				greater += q
			}
		}
		return math.Min(1, math.Max(0, 2*math.Min(less, greater))), true
	}
	nf := float64(n)
	mean := nf * (nf + 1) / 4
	v := nf * (nf + 1) * (2*nf + 1)
	for _, t := range ties {
		tf := float64(t)
		v -= 0.5 * tf * (tf*tf - 1)
	}
	se := math.Sqrt(v / 24)
	z := (math.Min(wPlus, wMinus) - mean) / se
	return math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(z))), true
}

// absRanks returns the ranks (1-based, mid-ranks for ties) of |d| and the
// sizes of the groups of tied values (groups of one left out).
func absRanks(d []float64) (ranks []float64, ties []int) {
	idx := make([]int, len(d))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		x, y := math.Abs(d[a]), math.Abs(d[b])
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	ranks = make([]float64, len(d))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && math.Abs(d[idx[j]]) == math.Abs(d[idx[i]]) {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			ranks[idx[k]] = mid
		}
		if j-i > 1 {
			ties = append(ties, j-i)
		}
		i = j
	}
	return ranks, ties
}

// signedRankPMF returns P(W+ = k) for k = 0 … n(n+1)/2 under the null
// hypothesis: each rank 1…n is positive with probability ½, independently.
// Built rank by rank, as SciPy's _get_wilcoxon_distr, so that the sums
// match its values to the last bits.
func signedRankPMF(n int) []float64 {
	c := []float64{1}
	for k := 1; k <= n; k++ {
		next := make([]float64, k*(k+1)/2+1)
		m := len(c)
		for i, q := range c {
			next[i] = q * 0.5
		}
		for i, q := range c {
			next[len(next)-m+i] += q * 0.5
		}
		c = next
	}
	return c
}

// SignTest returns the exact two-sided p-value of the sign test on the
// differences d: zero differences are dropped, and with w positive of n
// non-zero ones p = min(1, 2·P(X ≤ min(w, n−w))) for X ~ Binomial(n, ½),
// as SciPy's binomtest(w, n, 0.5). ok is false when every difference is
// zero (or there are none).
func SignTest(d []float64) (p float64, wins, losses int, ok bool) {
	for _, x := range d {
		switch {
		case x > 0:
			wins++
		case x < 0:
			losses++
		}
	}
	n := wins + losses
	if n == 0 {
		return 0, 0, 0, false
	}
	k := min(wins, losses)
	cdf := distuv.Binomial{N: float64(n), P: 0.5}.CDF(float64(k))
	return math.Min(1, 2*cdf), wins, losses, true
}

// Resamples is the number of bootstrap resamples of a within-run interval
// (as sacreBLEU's paired bootstrap).
const Resamples = 1000

// Bootstrap returns the 95% percentile interval of the mean of items from
// resamples of the items drawn with replacement (seeded): the within-run
// interval of an effect that is a mean of paired per-item differences —
// the items are resampled, and each resample keeps the pairs together.
// The bounds are the 2.5% and 97.5% quantiles of the resampled means, with
// linear interpolation between order statistics (NumPy's default
// percentile). ok is false for no items or resamples < 2.
func Bootstrap(items []float64, resamples int, seed uint64) (lo, hi float64, ok bool) {
	n := len(items)
	if n == 0 || resamples < 2 {
		return 0, 0, false
	}
	r := rand.New(rand.NewPCG(seed, 0x626f6f74)) // "boot"
	means := make([]float64, resamples)
	for b := range means {
		var s float64
		for range n {
			s += items[r.IntN(n)]
		}
		means[b] = s / float64(n)
	}
	slices.Sort(means)
	return quantile(means, 0.025), quantile(means, 0.975), true
}

// quantile is the q-quantile of sorted xs by linear interpolation between
// the order statistics at positions q·(n−1) (NumPy's "linear" method).
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}
