package molecules

import (
	"math/rand/v2"
	"slices"
)

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
