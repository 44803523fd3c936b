package imitbench

import (
	"math"
	"slices"
	"testing"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/envs/stack"
)

func tr(model, set, task string, stages, eps, succ int) TaskRow {
	return TaskRow{Model: model, Set: set, Task: task, Stages: stages, Episodes: eps, Successes: succ}
}

func row(model, set string, stages, eps, succ int) imitation.Row {
	return imitation.Row{Model: model, Set: set, Stages: stages, Outcomes: stack.Outcomes{Episodes: eps, Successes: succ}}
}

func byID(ms []claims.Measurement) map[string]claims.Measurement {
	out := map[string]claims.Measurement{}
	for _, m := range ms {
		out[m.Claim] = m
	}
	return out
}

// wantEffect is a claim's expected value and items.
type wantEffect struct {
	id    string
	value float64
	items []float64
}

// checkMeasured checks that ms holds every wanted claim with its value and
// items.
func checkMeasured(t *testing.T, ms []claims.Measurement, want []wantEffect) {
	t.Helper()
	got := byID(ms)
	for _, tc := range want {
		m, ok := got[tc.id]
		if !ok {
			t.Errorf("%s: not measured", tc.id)
			continue
		}
		if math.Abs(m.Value-tc.value) > 1e-9 || len(m.Items) != len(tc.items) {
			t.Errorf("%s: value %g, items %v; want %g, %v", tc.id, m.Value, m.Items, tc.value, tc.items)
			continue
		}
		for i := range tc.items {
			if math.Abs(m.Items[i]-tc.items[i]) > 1e-9 {
				t.Errorf("%s: items %v, want %v", tc.id, m.Items, tc.items)
				break
			}
		}
	}
}

func TestMeasureHandBuilt(t *testing.T) {
	r := Rows{
		Tasks: []TaskRow{
			// DAgger − BC: +50 on "ab", −10 on "abc", +20 on test "a bc" → mean 20.
			tr("DAgger", "train", "ab", 1, 10, 10), tr("BC", "train", "ab", 1, 10, 5),
			tr("DAgger", "train", "abc", 2, 10, 6), tr("BC", "train", "abc", 2, 10, 7),
			tr("DAgger", "test", "a bc", 1, 10, 8), tr("BC", "test", "a bc", 1, 10, 6),
			// snapshot has only "ab": BC − snapshot = 50 − 40 = 10.
			tr("snapshot", "train", "ab", 1, 10, 4),
			// final: snapshot − final on "ab" = 40 − 0.
			tr("final", "train", "ab", 1, 10, 0),
			// the permutation test's BC rows, kept apart from the table's.
			tr("BC", permPrefix+"train", "ab", 1, 4, 4), tr("BC", permPrefix+"train-relabelled", "ab", 1, 4, 3),
			tr("BC", permPrefix+"train", "abc", 2, 4, 2), tr("BC", permPrefix+"train-relabelled", "abc", 2, 4, 2),
			// ensembles: K=10 − K=1 = +30 and −10.
			tr("K=1", "train", "abc", 2, 10, 5), tr("K=5", "train", "abc", 2, 10, 9), tr("K=10", "train", "abc", 2, 10, 8),
			tr("K=1", "test", "a bc", 1, 10, 5), tr("K=10", "test", "a bc", 1, 10, 4),
		},
		// BC − final by stages: 1 stage 90 − 80 = 10, 2 stages 60 − 20 = 40,
		// 3 stages 50 − 0 = 50 (train and test pooled at 1 stage):
		// slope of (1,10), (2,40), (3,50) = 20.
		Rows: []imitation.Row{
			row("BC", "train", 1, 10, 9), row("final", "train", 1, 10, 8),
			row("BC", "test", 1, 10, 9), row("final", "test", 1, 10, 8),
			row("BC", "train", 2, 10, 6), row("final", "train", 2, 10, 2),
			row("BC", "train", 3, 10, 5), row("final", "train", 3, 10, 0),
			row("DAgger", "train", 3, 10, 0), // other models do not count
		},
		Ensemble: []imitation.Row{row("K=1", "train", 2, 10, 5), row("K=5", "train", 2, 10, 9), row("K=10", "train", 2, 10, 8)},
	}
	ms, err := Measure(r)
	if err != nil {
		t.Fatal(err)
	}
	checkMeasured(t, ms, []wantEffect{
		{ClaimDAgger, 20, []float64{20, 50, -10}}, // sorted by set, then task: test "a bc", train "ab", "abc"
		{ClaimSnapshot, 10, []float64{10}},
		{ClaimFinal, 40, []float64{40}},
		{ClaimGapGrows, 20, nil},
		{ClaimEnsembles, 10, []float64{-10, 30}},
		{ClaimRelabel, -12.5, []float64{-25, 0}},
	})
	if len(ms) != 6 {
		t.Errorf("%d measurements, want 6", len(ms))
	}
}

func TestMeasureLeavesOutWhatARunLacks(t *testing.T) {
	// One stage count and one ensemble size: no slope, no ensemble effect.
	r := Rows{
		Tasks:    []TaskRow{tr("DAgger", "train", "ab", 1, 4, 2), tr("BC", "train", "ab", 1, 4, 3), tr("K=1", "train", "ab", 1, 4, 3)},
		Rows:     []imitation.Row{row("BC", "train", 1, 4, 3), row("final", "train", 1, 4, 1)},
		Ensemble: []imitation.Row{row("K=1", "train", 1, 4, 3)},
	}
	ms, err := Measure(r)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Claim)
	}
	if !slices.Equal(ids, []string{ClaimDAgger}) || ms[0].Value != -25 {
		t.Fatalf("measured %v (%+v), want only %s = −25", ids, ms, ClaimDAgger)
	}
}

func TestMeasureRefusesBadRows(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []TaskRow
	}{
		{"duplicate task", []TaskRow{tr("DAgger", "train", "ab", 1, 4, 2), tr("DAgger", "train", "ab", 1, 4, 2), tr("BC", "train", "ab", 1, 4, 3)}},
		{"no episodes", []TaskRow{tr("DAgger", "train", "ab", 1, 0, 0), tr("BC", "train", "ab", 1, 4, 3)}},
	} {
		if _, err := Measure(Rows{Tasks: tc.rows}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestClaimsDeclared(t *testing.T) {
	seen := map[string]bool{}
	primary := 0
	for _, c := range Claims {
		if c.ID == "" || seen[c.ID] || c.Statement == "" || c.Effect == "" || c.Unit == "" || c.Budget == "" || (c.Direction != claims.Positive && c.Direction != claims.Negative) {
			t.Errorf("claim %+v: incomplete or duplicate", c)
		}
		seen[c.ID] = true
		if c.Primary {
			primary++
		}
	}
	if primary != 1 {
		t.Errorf("%d primary claims, want 1", primary)
	}
}

func TestMeasureAttentionOnExpertStates(t *testing.T) {
	// Share sums in millionths over steps: 4 steps at share 0.5 and chance
	// 0.25 is (2e6, 1e6).
	with := func(r imitation.Row, steps int, share, chance int64) imitation.Row {
		r.SetExpertStates(imitation.ShareSum{Steps: steps, Share: share, Chance: chance})
		return r
	}
	r := Rows{Rows: []imitation.Row{
		with(row("BC", "train", 1, 10, 9), 4, 2e6, 1e6),            // 0.5 − 0.25
		with(row("BC", "test", 2, 10, 9), 2, 0.2e6, 0.6e6),         // 0.1 − 0.3
		with(row(Matching.Name, "train", 1, 10, 9), 1, 1e6, 0.5e6), // 1 − 0.5
		row(Matching.Name, "test", 1, 10, 9),                       // not measured: left out
		with(row("DAgger", "train", 1, 10, 9), 1, 0, 1e6),          // not a claim's model
	}}
	ms, err := Measure(r)
	if err != nil {
		t.Fatal(err)
	}
	checkMeasured(t, ms, []wantEffect{
		{ClaimAttentionBC, 0.025, []float64{0.25, -0.2}},
		{ClaimAttentionMatching, 0.5, []float64{0.5}},
	})
	// Rollout shares alone (the quick profile) measure no attention claim.
	r.Rows = []imitation.Row{row("BC", "train", 1, 10, 9)}
	r.Rows[0].Attention = imitation.ShareSum{Steps: 1, Share: 1e6, Chance: 0.5e6}
	ms, err = Measure(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Claim == ClaimAttentionBC || m.Claim == ClaimAttentionMatching {
			t.Errorf("measured %s from rollout shares", m.Claim)
		}
	}
}
