package imitation

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
)

// Demo is one demonstration in memory: its observations and the expert's
// clean action labels on the discretisation grid.
type Demo struct {
	Task   stack.Task
	Blocks int
	Obs    [][]float32 // T+1 observations
	Labels [][3]int    // T labels: vx bin, vy bin, grip (1 = close)
	Snaps  []int       // frame indices of the snapshots: the end of each stage and the last frame
}

// Label turns an action vector into a label on the grid.
func Label(a []float32) [3]int {
	d := stack.Discretize(stack.ControlFromVector(a))
	g := 0
	if d.Grip {
		g = 1
	}
	return [3]int{d.X, d.Y, g}
}

// NewDemo builds a Demo from observation rows (T+1 of them) and label rows
// (T action vectors; nil when the demonstration only conditions).
func NewDemo(t stack.Task, obs [][]float32, labels [][]float32) *Demo {
	d := &Demo{Task: t, Blocks: t.NumBlocks, Obs: obs}
	for _, a := range labels {
		d.Labels = append(d.Labels, Label(a))
	}
	d.Snaps = snapshots(obs, t.NumBlocks)
	return d
}

// snapshots finds the ends of the stages in a demonstration's observations:
// the expert finishes a stage when it opens the gripper over the placed
// block, so every closed → open transition of the gripper one-hot marks one.
// The last frame is always included.
func snapshots(obs [][]float32, B int) []int {
	var s []int
	for t := 1; t < len(obs); t++ {
		if obs[t-1][3*B+3] > 0.5 && obs[t][3*B+3] < 0.5 {
			s = append(s, t)
		}
	}
	if last := len(obs) - 1; len(s) == 0 || s[len(s)-1] != last {
		s = append(s, last)
	}
	return s
}

// FromEpisode converts a stored episode.
func FromEpisode(ep *demos.Episode) (*Demo, error) {
	t, err := stack.Parse(ep.Task)
	if err != nil {
		return nil, err
	}
	return fromEpisode(t, ep)
}

// fromEpisode converts an episode of task t.
func fromEpisode(t stack.Task, ep *demos.Episode) (*Demo, error) {
	if ep.ObsDim != stack.ObsDim(t.NumBlocks) || ep.ActDim != stack.ActDim {
		return nil, fmt.Errorf("episode %s/%d: obs dim %d, act dim %d, want %d and %d", ep.Task, ep.Index, ep.ObsDim, ep.ActDim, stack.ObsDim(t.NumBlocks), stack.ActDim)
	}
	T := ep.Steps()
	obs := make([][]float32, T+1)
	for i := range obs {
		obs[i] = ep.Obs[i*ep.ObsDim : (i+1)*ep.ObsDim]
	}
	var labels [][]float32
	src := ep.ExpertActions
	if src == nil {
		src = ep.Actions
	}
	for i := range T {
		labels = append(labels, src[i*ep.ActDim:(i+1)*ep.ActDim])
	}
	return NewDemo(t, obs, labels), nil
}

// TaskData is the training data of one task: its demonstrations, and the
// states DAgger visited with the expert's labels.
type TaskData struct {
	Task      stack.Task
	Demos     []*Demo
	ExtraObs  [][]float32
	ExtraLabs [][3]int
}

// LoadData reads the successful demonstrations of a dataset, task by task in
// dataset order, keeping only the given tasks when tasks is not empty.
func LoadData(dir string, tasks []stack.Task) ([]*TaskData, error) {
	ds, err := demos.Open(dir)
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	want := map[string]bool{}
	for _, t := range tasks {
		want[t.String()] = true
	}
	var out []*TaskData
	for _, spec := range ds.Tasks() {
		if len(want) > 0 && !want[spec] {
			continue
		}
		t, err := stack.Parse(spec)
		if err != nil {
			return nil, err
		}
		td := &TaskData{Task: t}
		for ep, err := range ds.Episodes(spec) {
			if err != nil {
				return nil, err
			}
			if ep.Outcome != demos.OutcomeSuccess {
				continue
			}
			d, err := FromEpisode(ep)
			if err != nil {
				return nil, err
			}
			td.Demos = append(td.Demos, d)
		}
		if len(td.Demos) < 2 {
			return nil, fmt.Errorf("dataset %s: task %q has %d successful demonstrations, need at least 2 (one to condition on, another to imitate)", dir, spec, len(td.Demos))
		}
		out = append(out, td)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dataset %s holds none of the requested tasks", dir)
	}
	return out, nil
}

// Frames returns the frames of d that condition the policy (see
// FrameIndices).
func (a Arch) Frames(d *Demo, rng *rand.Rand) [][]float32 {
	idx := a.FrameIndices(d, rng)
	f := make([][]float32, len(idx))
	for i, j := range idx {
		f[i] = d.Obs[j]
	}
	return f
}

// FrameIndices returns the indices of the frames of d that condition the
// policy, in order. With rng (training) the full variant applies temporal
// dropout — ⌊(T+1)(1-p)⌋ frames in order: the last one and a random subset
// of the others (with DropLast, a random subset of all frames); without (test) it sub-samples the same number of evenly
// spaced frames ending with the last one. Snapshot and final variants
// ignore rng.
func (a Arch) FrameIndices(d *Demo, rng *rand.Rand) []int {
	switch a.Cond {
	case CondFinal:
		return []int{len(d.Obs) - 1}
	case CondSnapshot:
		return slices.Clone(d.Snaps)
	}
	n := len(d.Obs)
	k := a.keep(n)
	idx := make([]int, 0, k)
	if rng != nil && a.DropLast {
		perm := rng.Perm(n)[:k]
		slices.Sort(perm)
		return perm
	}
	if rng != nil {
		// The last frame is always kept; the others are a random subset.
		perm := rng.Perm(n - 1)[:k-1]
		slices.Sort(perm)
		return append(perm, n-1)
	}
	for j := range k {
		idx = append(idx, (j+1)*n/k-1)
	}
	return idx
}
