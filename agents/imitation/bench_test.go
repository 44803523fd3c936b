package imitation

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

var (
	fixtureOnce sync.Once
	fixtureData []*TaskData
	fixtureErr  error
)

// fixture records 4 noisy demonstrations of a few small tasks in memory.
func fixture(tb testing.TB) []*TaskData {
	fixtureOnce.Do(func() {
		cfg := sim.DefaultConfig()
		for _, spec := range []string{"ab", "ab c", "abc", "ab cd"} {
			t := stack.MustParse(spec)
			ds, err := RecordDemos(t, cfg, 7, 0, 4, 0.2)
			if err != nil {
				fixtureErr = err
				return
			}
			fixtureData = append(fixtureData, &TaskData{Task: t, Demos: ds})
		}
	})
	if fixtureErr != nil {
		tb.Fatal(fixtureErr)
	}
	return fixtureData
}

// BenchmarkTrainStep measures training throughput; samples/s is reported.
func BenchmarkTrainStep(b *testing.B) {
	data := fixture(b)
	m, err := NewModel(DefaultArch(CondFull), 1)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := NewTrainer(m, data, DefaultTrainOptions(AlgoBC))
	if err != nil {
		b.Fatal(err)
	}
	samples := 0
	b.ResetTimer()
	for b.Loop() {
		_, s, err := tr.TrainStep()
		if err != nil {
			b.Fatal(err)
		}
		samples += s
	}
	b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkEvalEpisodes measures evaluation throughput (an untrained model
// mostly times out, so episodes run to the time limit: a lower bound) at 1
// and 2 workers; episodes/s is reported.
func BenchmarkEvalEpisodes(b *testing.B) {
	m, err := NewModel(DefaultArch(CondFull), 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			n := 0
			for b.Loop() {
				res, err := Evaluate(context.Background(), m, EvalOptions{Tasks: []stack.Task{stack.MustParse("ab")}, Episodes: 2, Seed: 5, DemoSeed: 6, Workers: w})
				if err != nil {
					b.Fatal(err)
				}
				n += len(res)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "episodes/s")
		})
	}
}

// BenchmarkStageCosts measures, per number of stages (the first training
// task of each count), what a profile's wall time is made of: recording
// one noisy expert demonstration (demo; its length is reported), one
// training step on one task's 16 pairs for the full and final-state
// conditionings (train-full, train-final), and one action of a
// full-demonstration policy (act). The medium profile is sized from these.
func BenchmarkStageCosts(b *testing.B) {
	cfg := sim.DefaultConfig()
	first := map[int]stack.Task{}
	for _, t := range stack.Tasks(stack.Train) {
		if _, ok := first[t.NumStages()]; !ok {
			first[t.NumStages()] = t
		}
	}
	for s := 1; s <= 7; s++ {
		t := first[s]
		ds, err := RecordDemos(t, cfg, 11, 0, 3, 0.5)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("stages=%d/demo", s), func(b *testing.B) {
			steps, a := 0, 0
			for b.Loop() {
				d, err := RecordDemos(t, cfg, 12, a, 1, 0.5)
				if err != nil {
					b.Fatal(err)
				}
				steps += len(d[0].Labels)
				a++
			}
			b.ReportMetric(float64(steps)/float64(a), "steps/demo")
		})
		for _, c := range []Cond{CondFull, CondFinal} {
			b.Run(fmt.Sprintf("stages=%d/train-%s", s, c), func(b *testing.B) {
				m, err := NewModel(DefaultArch(c), 1)
				if err != nil {
					b.Fatal(err)
				}
				opt := DefaultTrainOptions(AlgoBC)
				opt.TasksPerBatch = 1
				tr, err := NewTrainer(m, []*TaskData{{Task: t, Demos: ds}}, opt)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, _, err := tr.TrainStep(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("stages=%d/act", s), func(b *testing.B) {
			m, err := NewModel(DefaultArch(CondFull), 1)
			if err != nil {
				b.Fatal(err)
			}
			p := NewPolicy(m, cfg, PolicyOptions{})
			p.Condition(t, ds[:1])
			st := stack.InitialState(t, cfg, 3)
			for b.Loop() {
				p.Act(&st)
			}
		})
	}
}

// BenchmarkTrainStepTaskGrads measures training throughput with per-task
// gradients at 1 and 2 workers (tasks of a step computed at a time).
func BenchmarkTrainStepTaskGrads(b *testing.B) {
	data := fixture(b)
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			m, err := NewModel(DefaultArch(CondFull), 1)
			if err != nil {
				b.Fatal(err)
			}
			opt := DefaultTrainOptions(AlgoBC)
			opt.TaskGrads = true
			tr, err := NewTrainer(m, data, opt)
			if err != nil {
				b.Fatal(err)
			}
			tr.SetWorkers(w)
			samples := 0
			for b.Loop() {
				_, s, err := tr.TrainStep()
				if err != nil {
					b.Fatal(err)
				}
				samples += s
			}
			b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
