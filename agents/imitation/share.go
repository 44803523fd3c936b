package imitation

import (
	"math"
	"slices"

	"github.com/metabench/metabench/nn"
)

// Tolerances of StagesDone, in blocks: those of the environment's layout
// reading (envs/stack), which works on simulator states; these work on
// observations, so that demonstration frames and rollout states are read
// the same way.
const (
	shareTolX = 0.3
	shareTolY = 0.15
)

// StagesDone returns how many stages of a task are done in one observation
// row (stack.Observe layout, B blocks): the number of blocks that have a
// goal support and stand on it, with the goal's tower under it correct down
// to the table. goal is the task's stack.Task.Supports. A demonstration
// frame and a rollout state with the same count are in the same stage of
// the task: count k means stage k+1 is being executed.
func StagesDone(obs []float32, goal []int) int {
	B := len(goal)
	gx, gy := float64(obs[3*B]), float64(obs[3*B+1])
	x := func(i int) float64 { return gx + float64(obs[3*i]) }
	y := func(i int) float64 { return gy + float64(obs[3*i+1]) }
	on := func(i, j int) bool {
		if j < 0 {
			return math.Abs(y(i)-0.5) < shareTolY
		}
		return math.Abs(x(i)-x(j)) < shareTolX && math.Abs(y(i)-y(j)-1) < shareTolY
	}
	n := 0
	for i, g := range goal {
		if g < 0 {
			continue
		}
		ok := true
		// Down the goal tower; at most B links, so a malformed goal with a
		// cycle cannot loop.
		for b, steps := i, 0; ok && steps <= B; steps++ {
			ok = on(b, goal[b])
			if goal[b] < 0 {
				break
			}
			b = goal[b]
		}
		if ok {
			n++
		}
	}
	return n
}

// StageShare returns the attention mass that weights (one per conditioning
// frame, summing to 1) put on the frames of the stage being executed:
// the frames whose done count (frameDone, from StagesDone) equals done.
// It also returns the share uniform weights would give, the chance level.
func StageShare(weights []float64, frameDone []int, done int) (share, chance float64) {
	n := 0
	for j, w := range weights {
		if frameDone[j] == done {
			share += w
			n++
		}
	}
	if len(weights) > 0 {
		chance = float64(n) / float64(len(weights))
	}
	return share, chance
}

// meanRows returns the element-wise mean of equal-length rows.
func meanRows(rows [][]float64) []float64 {
	if len(rows) == 0 {
		return nil
	}
	out := make([]float64, len(rows[0]))
	for _, r := range rows {
		for i, v := range r {
			out[i] += v / float64(len(rows))
		}
	}
	return out
}

// ExpertStateShare measures the stage-following attention of m conditioned
// on cond (as a policy is: the test-time frames) on the states of another
// demonstration of the same task, every step of it at which a stage is
// being executed: the measure of Policy.StageShare on the expert's states
// instead of the policy's own. A rollout that stalls spends its steps in a
// few states the model was not trained on; the expert's states are those
// it was trained on, and cover every stage.
func ExpertStateShare(m *Model, cond, states *Demo) ShareSum {
	goal := cond.Task.Supports()
	var frameDone []int
	for _, j := range m.Arch.FrameIndices(cond, nil) {
		frameDone = append(frameDone, StagesDone(cond.Obs[j], goal))
	}
	tp := nn.NewTape[f32]()
	tp.SetNoGrad(true)
	emb, n := m.EmbedDemo(tp, cond, nil)
	e := slices.Clone(emb.Data) // the tape's arena reuses its buffers after Reset
	var sum ShareSum
	var att Attention
	for _, o := range states.Obs {
		done := StagesDone(o, goal)
		if done >= cond.Task.NumStages() {
			continue
		}
		tp.Reset()
		m.Logits(tp, tp.Constant(e, n, cond.Blocks, m.Arch.Width), [][]f32{o}, cond.Blocks, &att)
		sum.Add(shareStep(StageShare(meanRows(att.Temporal), frameDone, done)))
	}
	return sum
}
