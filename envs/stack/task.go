// Package stack is the block-stacking task family of one-shot imitation
// (Duan et al. 2017): task specs, the task set and its train/test split, and
// an environment that wraps the simulator with observations, actions, stage
// progress and episode verdicts.
package stack

import (
	"fmt"
	"strings"

	"github.com/metabench/metabench/sim"
)

// Task is a goal layout: towers of blocks, each listed top to bottom.
// Block i is named by the letter 'a'+i.
type Task struct {
	Towers    [][]int
	NumBlocks int
}

// Stage is one "put Block on On" step of a task.
type Stage struct {
	Block, On int
}

// Letter returns the name of block i.
func Letter(i int) byte { return byte('a' + i) }

// Parse reads a task spec such as "ab cde fg hij": towers separated by spaces,
// each listed top to bottom ("ab" means a on b). The blocks used must be
// a, b, c, ... without gaps, each exactly once, at most ten, and at least one
// block must stand on another.
func Parse(spec string) (Task, error) {
	fields := strings.Fields(spec)
	if len(fields) == 0 {
		return Task{}, fmt.Errorf("task %q is empty: write towers top to bottom, e.g. \"ab cde\"", spec)
	}
	var seen [26]bool
	var t Task
	maxLetter := -1
	for _, f := range fields {
		var tower []int
		for _, r := range f {
			if r < 'a' || r > 'z' {
				return Task{}, fmt.Errorf("task %q: %q is not a block letter (a..j)", spec, r)
			}
			i := int(r - 'a')
			if i >= sim.MaxBlocks {
				return Task{}, fmt.Errorf("task %q: block %q is beyond j: at most %d blocks", spec, r, sim.MaxBlocks)
			}
			if seen[i] {
				return Task{}, fmt.Errorf("task %q: block %q appears more than once", spec, r)
			}
			seen[i] = true
			maxLetter = max(maxLetter, i)
			tower = append(tower, i)
			t.NumBlocks++
		}
		t.Towers = append(t.Towers, tower)
	}
	for i := 0; i <= maxLetter; i++ {
		if !seen[i] {
			return Task{}, fmt.Errorf("task %q: blocks must be a..%c without gaps, %c is missing", spec, Letter(maxLetter), Letter(i))
		}
	}
	if t.NumStages() == 0 {
		return Task{}, fmt.Errorf("task %q has nothing to do: at least one tower needs two blocks", spec)
	}
	return t, nil
}

// MustParse is Parse for specs known to be valid; it panics on an error.
func MustParse(spec string) Task {
	t, err := Parse(spec)
	if err != nil {
		panic(err)
	}
	return t
}

// String returns the canonical spec of t.
func (t Task) String() string {
	var b strings.Builder
	for k, tower := range t.Towers {
		if k > 0 {
			b.WriteByte(' ')
		}
		for _, i := range tower {
			b.WriteByte(Letter(i))
		}
	}
	return b.String()
}

// NumStages returns the number of "put X on Y" steps of t.
func (t Task) NumStages() int {
	n := 0
	for _, tower := range t.Towers {
		n += len(tower) - 1
	}
	return n
}

// Stages returns the stages in the order the expert performs them: towers in
// the order listed, each built bottom up.
func (t Task) Stages() []Stage {
	var out []Stage
	for _, tower := range t.Towers {
		for k := len(tower) - 2; k >= 0; k-- {
			out = append(out, Stage{Block: tower[k], On: tower[k+1]})
		}
	}
	return out
}

// Supports returns, for every block, the block it must stand on in the goal
// layout, or -1 for the table.
func (t Task) Supports() []int {
	s := make([]int, t.NumBlocks)
	for _, tower := range t.Towers {
		for k, i := range tower {
			if k+1 < len(tower) {
				s[i] = tower[k+1]
			} else {
				s[i] = -1
			}
		}
	}
	return s
}

// Relabel returns t with block i renamed perm[i]. perm must be a permutation
// of 0..NumBlocks-1.
func (t Task) Relabel(perm []int) (Task, error) {
	if len(perm) != t.NumBlocks {
		return Task{}, fmt.Errorf("relabel %q: permutation of %d blocks, want %d", t, len(perm), t.NumBlocks)
	}
	used := make([]bool, t.NumBlocks)
	for _, p := range perm {
		if p < 0 || p >= t.NumBlocks || used[p] {
			return Task{}, fmt.Errorf("relabel %q: %v is not a permutation", t, perm)
		}
		used[p] = true
	}
	out := Task{NumBlocks: t.NumBlocks}
	for _, tower := range t.Towers {
		nt := make([]int, len(tower))
		for k, i := range tower {
			nt[k] = perm[i]
		}
		out.Towers = append(out.Towers, nt)
	}
	return out, nil
}
