package densitybench

import (
	"math"
	"slices"
	"testing"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/benchmarks/claims"
)

// res is a hand-built result row with per-episode nats/dim.
func res(task, model string, k int, nats ...float64) Result {
	mean, se := meanStdErr(nats)
	return Result{Task: task, Model: model, K: k, Episodes: len(nats), NatsPerDim: mean, StdErr: se, Nats: nats}
}

func train(task, model string, steps int, budget string) TrainRow {
	return TrainRow{Task: task, Model: model, Steps: steps, Budget: budget}
}

// handRows: three test episodes at k = 1 and 4 on characters, and the flip
// task; the numbers are chosen so that every effect is known exactly.
func handRows() Rows {
	const ch = "characters"
	return Rows{
		Results: []Result{
			res("flip", density.Conditional, 1, 0.30, 0.32, 0.31),
			res("flip", density.Attention, 1, 0.01, 0.00, 0.02),
			res(ch, density.Unconditional, 1, 0.080, 0.090, 0.070),
			res(ch, density.Unconditional, 4, 0.080, 0.090, 0.070),
			res(ch, density.Conditional, 1, 0.078, 0.086, 0.069),
			res(ch, density.Conditional, 4, 0.076, 0.084, 0.067),
			res(ch, density.Attention, 1, 0.070, 0.080, 0.060),
			res(ch, density.Attention, 4, 0.060, 0.070, 0.050),
			res(ch, density.Meta, 1, 0.079, 0.088, 0.071),
			res(ch, density.Meta, 4, 0.079, 0.087, 0.071),
			res(ch, density.Conditional+"@3000", 1, 0.075, 0.083, 0.065),
			res(ch, density.Conditional+"@3000", 4, 0.073, 0.081, 0.063),
		},
		Training: []TrainRow{
			train("flip", density.Conditional, 300, "equal steps"), train("flip", density.Attention, 300, "equal steps"),
			train(ch, density.Unconditional, 300, "equal steps"), train(ch, density.Conditional, 300, "equal steps"),
			train(ch, density.Conditional+"@3000", 3000, BudgetTimeMatched),
			train(ch, density.Attention, 300, "equal steps"), train(ch, density.Meta, 300, "equal steps"),
		},
	}
}

func TestMeasureHandBuiltRows(t *testing.T) {
	ms, err := Measure(handRows())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]claims.Measurement{}
	for _, m := range ms {
		if _, dup := got[m.Claim]; dup {
			t.Fatalf("claim %s measured twice", m.Claim)
		}
		got[m.Claim] = m
	}
	for _, tc := range []struct {
		id    string
		value float64
		items []float64
	}{
		// per episode, mean over k of meta − conditional:
		// (0.001+0.003)/2, (0.002+0.003)/2, (0.002+0.004)/2
		{ClaimMetaConditional, 0.0025, []float64{0.002, 0.0025, 0.003}},
		{ClaimMetaConditionalWall, 0.0175 / 3, []float64{0.005, 0.0055, 0.007}},
		{ClaimAttentionConditional, -0.035 / 3, []float64{-0.012, -0.010, -0.013}},
		{ClaimConditionalUncond, -0.01 / 3, []float64{-0.003, -0.005, -0.002}},
		{ClaimOnlyAttentionFlips, -0.3, []float64{-0.29, -0.32, -0.29}},
		{density.Conditional + ClaimImprovesWithK, -0.002, []float64{-0.002, -0.002, -0.002}},
		{density.Attention + ClaimImprovesWithK, -0.01, []float64{-0.01, -0.01, -0.01}},
		{density.Meta + ClaimImprovesWithK, -1.0 / 3000, []float64{0, -0.001, 0}},
	} {
		m, ok := got[tc.id]
		if !ok {
			t.Errorf("%s: not measured", tc.id)
			continue
		}
		if len(m.Items) != len(tc.items) {
			t.Fatalf("%s: %d items, want %d", tc.id, len(m.Items), len(tc.items))
		}
		var mean float64
		for i, v := range m.Items {
			if math.Abs(v-tc.items[i]) > 1e-12 {
				t.Errorf("%s: item %d = %v, want %v", tc.id, i, v, tc.items[i])
			}
			mean += v / float64(len(m.Items))
		}
		if math.Abs(m.Value-mean) > 1e-12 {
			t.Errorf("%s: value %v is not the mean of its items %v", tc.id, m.Value, mean)
		}
		if math.Abs(m.Value-tc.value) > 1e-6 {
			t.Errorf("%s: value %v, want %v", tc.id, m.Value, tc.value)
		}
	}
	ids := map[string]bool{}
	for _, c := range Claims() {
		if ids[c.ID] {
			t.Errorf("claim %s declared twice", c.ID)
		}
		ids[c.ID] = true
	}
	for id := range got {
		if !ids[id] {
			t.Errorf("measured %s, which Claims does not declare", id)
		}
	}
	primaries := slices.DeleteFunc(Claims(), func(c claims.Claim) bool { return !c.Primary })
	if len(primaries) != 1 || primaries[0].ID != ClaimMetaConditional || primaries[0].Margin <= 0 {
		t.Errorf("primary claims %+v, want %s alone with a margin", primaries, ClaimMetaConditional)
	}
}

// TestMeasureStepMatchedRow: with the Meta model at its own steps, the
// primary claim compares it with the conditional entry of the same steps,
// not with the conditional model of the task's steps.
func TestMeasureStepMatchedRow(t *testing.T) {
	r := handRows()
	for i := range r.Results {
		if r.Results[i].Model == density.Meta {
			r.Results[i].Model = density.Meta + "@150"
		}
	}
	for i := range r.Training {
		if r.Training[i].Model == density.Meta {
			r.Training[i].Model, r.Training[i].Steps = density.Meta+"@150", 150
		}
	}
	// The step-matched conditional: 0.001 worse than meta on every episode.
	for _, k := range []int{1, 4} {
		m := result(r, "characters", density.Meta+"@150", k)
		worse := make([]float64, len(m.Nats))
		for i, v := range m.Nats {
			worse[i] = v + 0.001
		}
		r.Results = append(r.Results, res("characters", density.Conditional+"@150", k, worse...))
	}
	r.Training = append(r.Training, train("characters", density.Conditional+"@150", 150, BudgetStepMatched))
	ms, err := Measure(r)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]float64{}
	for _, m := range ms {
		found[m.Claim] = m.Value
	}
	if v, ok := found[ClaimMetaConditional]; !ok || math.Abs(v+0.001) > 1e-12 {
		t.Errorf("%s = %v (measured %v), want -0.001 against conditional@150", ClaimMetaConditional, v, ok)
	}
	if v, ok := found[ClaimMetaConditionalWall]; !ok || math.Abs(v-0.0175/3) > 1e-12 {
		t.Errorf("%s = %v (measured %v), want %v against conditional@3000", ClaimMetaConditionalWall, v, ok, 0.0175/3)
	}
	if v, ok := found[density.Meta+ClaimImprovesWithK]; !ok || math.Abs(v+1.0/3000) > 1e-12 {
		t.Errorf("meta improves with k = %v (measured %v)", v, ok)
	}
}

// TestMeasureLeavesOut: claims whose models, task or equal budget the rows
// lack are left out, and unpaired per-episode values are an error.
func TestMeasureLeavesOut(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(r *Rows)
		missing []string
		err     bool
	}{
		{name: "no meta", edit: func(r *Rows) {
			r.Results = slices.DeleteFunc(r.Results, func(x Result) bool { return x.Model == density.Meta })
		}, missing: []string{ClaimMetaConditional, ClaimMetaConditionalWall, density.Meta + ClaimImprovesWithK}},
		{name: "meta at other steps", edit: func(r *Rows) {
			for i := range r.Training {
				if r.Training[i].Model == density.Meta {
					r.Training[i].Steps = 100
				}
			}
		}, missing: []string{ClaimMetaConditional}},
		{name: "no flip", edit: func(r *Rows) {
			r.Results = slices.DeleteFunc(r.Results, func(x Result) bool { return x.Task == "flip" })
		}, missing: []string{ClaimOnlyAttentionFlips}},
		{name: "one support size", edit: func(r *Rows) {
			r.Results = slices.DeleteFunc(r.Results, func(x Result) bool { return x.K == 4 })
		}, missing: []string{density.Attention + ClaimImprovesWithK}},
		{name: "unpaired", edit: func(r *Rows) {
			for i := range r.Results {
				if r.Results[i].Model == density.Attention && r.Results[i].Task == "characters" {
					r.Results[i].Nats = r.Results[i].Nats[:2]
				}
			}
		}, err: true},
	} {
		r := handRows()
		tc.edit(&r)
		ms, err := Measure(r)
		if (err != nil) != tc.err {
			t.Fatalf("%s: error %v", tc.name, err)
		}
		for _, id := range tc.missing {
			if slices.ContainsFunc(ms, func(m claims.Measurement) bool { return m.Claim == id }) {
				t.Errorf("%s: %s measured", tc.name, id)
			}
		}
	}
}
