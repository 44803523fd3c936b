package imitation

import (
	"math"
	"testing"

	"github.com/metabench/metabench/envs/stack"
)

// obsAt builds an observation row with blocks at absolute positions
// (x, y of their centres) and the grasp point at (gx, gy).
func obsAt(gx, gy float32, pos ...[2]float32) []float32 {
	var o []float32
	for _, p := range pos {
		o = append(o, p[0]-gx, p[1]-gy, 0)
	}
	return append(o, gx, gy, 1, 0)
}

func TestStagesDone(t *testing.T) {
	task := stack.MustParse("abc") // a on b on c: stage 1 puts b on c, stage 2 a on b
	goal := task.Supports()
	for _, tc := range []struct {
		name string
		obs  []float32
		want int
	}{
		{"apart", obsAt(0, 3, [2]float32{-4, 0.5}, [2]float32{0, 0.5}, [2]float32{4, 0.5}), 0},
		{"b carried above c", obsAt(4, 2.5, [2]float32{-4, 0.5}, [2]float32{4, 2}, [2]float32{4, 0.5}), 0},
		{"b on c", obsAt(4, 2.5, [2]float32{-4, 0.5}, [2]float32{4.1, 1.5}, [2]float32{4, 0.5}), 1},
		{"a on b on c", obsAt(4, 3.5, [2]float32{3.9, 2.52}, [2]float32{4.1, 1.5}, [2]float32{4, 0.5}), 2},
		{"a on b, b beside c", obsAt(0, 3.5, [2]float32{0, 1.5}, [2]float32{0, 0.5}, [2]float32{4, 0.5}), 0},
		{"a on c", obsAt(4, 3.5, [2]float32{4, 1.5}, [2]float32{0, 0.5}, [2]float32{4, 0.5}), 0},
	} {
		if got := StagesDone(tc.obs, goal); got != tc.want {
			t.Errorf("%s: %d stages done, want %d", tc.name, got, tc.want)
		}
	}
}

// TestStageShareConstructed puts the attention by hand on the frames of one
// stage of a constructed demonstration of "abc" and checks the share.
func TestStageShareConstructed(t *testing.T) {
	goal := stack.MustParse("abc").Supports()
	apart := obsAt(0, 3, [2]float32{-4, 0.5}, [2]float32{0, 0.5}, [2]float32{4, 0.5})
	bOnC := obsAt(4, 2.5, [2]float32{-4, 0.5}, [2]float32{4, 1.5}, [2]float32{4, 0.5})
	all := obsAt(4, 3.5, [2]float32{4, 2.5}, [2]float32{4, 1.5}, [2]float32{4, 0.5})
	frames := [][]float32{apart, apart, bOnC, bOnC, bOnC, all}
	var done []int
	for _, f := range frames {
		done = append(done, StagesDone(f, goal))
	}
	for _, tc := range []struct {
		name    string
		weights []float64
		stage   int // stages done in the rollout state
		share   float64
		chance  float64
	}{
		{"all on stage 2's frames", []float64{0, 0, 0.2, 0.5, 0.3, 0}, 1, 1, 0.5},
		{"all on stage 1's frames", []float64{0.9, 0.1, 0, 0, 0, 0}, 0, 1, 2.0 / 6},
		{"all on the last frame, stage 1", []float64{0, 0, 0, 0, 0, 1}, 0, 0, 2.0 / 6},
		{"split", []float64{0.25, 0.25, 0, 0, 0.25, 0.25}, 1, 0.25, 0.5},
		{"uniform", []float64{1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6}, 1, 0.5, 0.5},
	} {
		share, chance := StageShare(tc.weights, done, tc.stage)
		if math.Abs(share-tc.share) > 1e-12 || math.Abs(chance-tc.chance) > 1e-12 {
			t.Errorf("%s: share %g, chance %g, want %g, %g", tc.name, share, chance, tc.share, tc.chance)
		}
	}
}

func TestShareSumMerges(t *testing.T) {
	rows := Merge(
		[]Row{{Model: "BC", Set: "train", Stages: 2, Attention: ShareSum{Steps: 10, Share: 9e6, Chance: 5e6}}},
		[]Row{{Model: "BC", Set: "train", Stages: 2, Attention: ShareSum{Steps: 30, Share: 3e6, Chance: 15e6}}},
	)
	if len(rows) != 1 || rows[0].AttentionShare != 0.3 || rows[0].AttentionChance != 0.5 {
		t.Fatalf("merged %+v, want share 12/40 = 0.3 and chance 0.5", rows)
	}
}

// TestExpertStateShare: the measure on another demonstration's states
// counts the steps at which a stage is being executed, with the chance
// level of each step's stage, for every conditioning variant and option.
func TestExpertStateShare(t *testing.T) {
	td := fixture(t)[2] // "abc": two stages
	cond, states := td.Demos[0], td.Demos[1]
	goal := td.Task.Supports()
	for _, tc := range []struct {
		name   string
		arch   func() Arch
		frames []int
	}{
		{"full", func() Arch { return smallArch(CondFull) }, smallArch(CondFull).FrameIndices(cond, nil)},
		{"snapshot", func() Arch { return smallArch(CondSnapshot) }, cond.Snaps},
		{"match query", func() Arch { a := smallArch(CondFull); a.MatchQuery = true; return a }, smallArch(CondFull).FrameIndices(cond, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewModel(tc.arch(), 1)
			if err != nil {
				t.Fatal(err)
			}
			var steps int
			var chance float64
			for _, o := range states.Obs {
				done := StagesDone(o, goal)
				if done >= td.Task.NumStages() {
					continue
				}
				n := 0
				for _, j := range tc.frames {
					if StagesDone(cond.Obs[j], goal) == done {
						n++
					}
				}
				steps++
				chance += float64(n) / float64(len(tc.frames))
			}
			got := ExpertStateShare(m, cond, states)
			share, ch := got.Mean()
			if got.Steps != steps || math.Abs(ch-chance/float64(steps)) > 1e-6 || share < 0 || share > 1 {
				t.Fatalf("%d steps, share %g, chance %g; want %d steps, chance %g", got.Steps, share, ch, steps, chance/float64(steps))
			}
			if again := ExpertStateShare(m, cond, states); again != got {
				t.Fatalf("not deterministic: %+v then %+v", got, again)
			}
		})
	}
}
