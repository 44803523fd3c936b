package stack

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Split names a part of the task set.
type Split string

// The two splits of the task set.
const (
	Train Split = "train"
	Test  Split = "test"
)

// ParseSplit checks a split name.
func ParseSplit(s string) (Split, error) {
	switch Split(s) {
	case Train, Test:
		return Split(s), nil
	}
	return "", fmt.Errorf("unknown split %q: want train or test", s)
}

// splitSeed fixes the train/test split for every user of metabench.
const splitSeed = 20170321

// AllTasks returns every goal layout of 2 to 10 blocks up to relabelling, in a
// fixed order (by number of blocks, then by tower heights). A layout up to
// relabelling is a multiset of tower heights, so each task is labelled
// canonically: towers tallest first, letters in order ("abc de f").
func AllTasks() []Task {
	var out []Task
	for n := 2; n <= 10; n++ {
		for _, heights := range partitions(n, n) {
			if heights[0] == 1 {
				continue // all blocks on the table: nothing to do
			}
			t := Task{NumBlocks: n}
			next := 0
			for _, h := range heights {
				tower := make([]int, h)
				for k := range tower {
					tower[k] = next
					next++
				}
				t.Towers = append(t.Towers, tower)
			}
			out = append(out, t)
		}
	}
	return out
}

// partitions returns the partitions of n into parts of at most maxPart, each
// in non-increasing order, largest first.
func partitions(n, maxPart int) [][]int {
	if n == 0 {
		return [][]int{nil}
	}
	var out [][]int
	for first := min(n, maxPart); first >= 1; first-- {
		for _, rest := range partitions(n-first, first) {
			out = append(out, append([]int{first}, rest...))
		}
	}
	return out
}

// Tasks returns the tasks of one split. The split is stratified by number of
// stages: within each stage count a fixed shuffle sends a quarter of the
// tasks (rounded) to test, so both splits cover the range of difficulty.
func Tasks(split Split) []Task {
	byStages := map[int][]Task{}
	maxStages := 0
	for _, t := range AllTasks() {
		s := t.NumStages()
		byStages[s] = append(byStages[s], t)
		maxStages = max(maxStages, s)
	}
	rng := rand.New(rand.NewPCG(splitSeed, 0))
	var out []Task
	for s := 1; s <= maxStages; s++ { // fixed order: never range over the map
		group := slices.Clone(byStages[s])
		rng.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
		nTest := (len(group) + 2) / 4
		for k, t := range group {
			if (k < nTest) == (split == Test) {
				out = append(out, t)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Task) int {
		if a.NumStages() != b.NumStages() {
			return a.NumStages() - b.NumStages()
		}
		return a.NumBlocks - b.NumBlocks
	})
	return out
}

// RandomRelabel returns t with its blocks renamed by a random permutation
// drawn from rng: the same layout under other names (the paper's
// permutation test).
func RandomRelabel(t Task, rng *rand.Rand) Task {
	perm := rng.Perm(t.NumBlocks)
	out, err := t.Relabel(perm)
	if err != nil {
		panic(err) // rng.Perm always returns a permutation
	}
	return out
}
