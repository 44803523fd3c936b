package drugbench

import (
	"math"
	"slices"
	"testing"

	"github.com/metabench/metabench/benchmarks/claims"
)

// handRows are rows of a run built by hand: 4 tasks, experiment 1 with
// PMTNN, RF and PSTNN on two folds, experiment 2 with 0 and 3 added tasks.
func handRows() Rows {
	return Rows{
		Data: DataInfo{Tasks: []string{"a", "b", "c", "d"}, Groups: []string{"G", "G", "H", "H"}, Occurrence: []float64{0.1, 0.3, 0.5, 0.7}},
		Results: []Result{
			{Exp: ExpModels, Model: ModelPMTNN, Fold: 0, Tasks: []int{0, 1, 2, 3}, AUC: []float64{0.80, 0.90, 0.70, 0.90}},
			{Exp: ExpModels, Model: ModelPMTNN, Fold: 1, Tasks: []int{0, 1, 3}, AUC: []float64{0.90, 0.80, 0.95}, Skipped: 1},
			{Exp: ExpModels, Model: ModelRF, Fold: 0, Tasks: []int{0, 1, 2, 3}, AUC: []float64{0.70, 0.80, 0.75, 0.80}},
			{Exp: ExpModels, Model: ModelRF, Fold: 1, Tasks: []int{0, 1, 3}, AUC: []float64{0.80, 0.80, 0.85}, Skipped: 1},
			{Exp: ExpModels, Model: ModelPSTNN, Fold: 0, Tasks: []int{0, 1, 2}, AUC: []float64{0.85, 0.80, 0.60}, Skipped: 1},
			{Exp: ExpModels, Model: ModelPSTNN, Fold: 1, Tasks: []int{0, 1}, AUC: []float64{0.85, 0.70}, Skipped: 2},
			{Exp: ExpAdded, Model: ModelPMTNN, K: 3, Tasks: []int{0, 2}, AUC: []float64{0.90, 0.80}},
			{Exp: ExpAdded, Model: ModelPMTNN, K: 0, Tasks: []int{0, 1, 2}, AUC: []float64{0.80, 0.70, 0.85}},
		},
	}
}

func TestMeasureOnHandBuiltRows(t *testing.T) {
	ms, err := measure(handRows())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]claims.Measurement{}
	var ids []string
	for _, m := range ms {
		got[m.Claim] = m
		ids = append(ids, m.Claim)
	}
	// LR and STNN did not run; 3 tasks have both PMTNN and PSTNN, too few
	// for a correlation.
	if want := []string{ClaimPMTNNvsRF, ClaimPMTNNvsPSTNN, ClaimMoreTasks}; !slices.Equal(ids, want) {
		t.Fatalf("measured %v, want %v", ids, want)
	}
	tests := []struct {
		id    string
		items []float64
	}{
		// Per task, the mean over folds: PMTNN 0.85 0.85 0.70 0.925, RF 0.75 0.80 0.75 0.825.
		{ClaimPMTNNvsRF, []float64{0.10, 0.05, -0.05, 0.10}},
		// PSTNN 0.85 0.75 0.60 (task d never evaluated).
		{ClaimPMTNNvsPSTNN, []float64{0, 0.10, 0.10}},
		// Held-in tasks with 3 added against none: a +0.10, c −0.05 (b not evaluated with 3).
		{ClaimMoreTasks, []float64{0.10, -0.05}},
	}
	for _, tt := range tests {
		m := got[tt.id]
		if len(m.Items) != len(tt.items) {
			t.Errorf("%s: items %v, want %v", tt.id, m.Items, tt.items)
			continue
		}
		for i := range tt.items {
			if math.Abs(m.Items[i]-tt.items[i]) > 1e-12 {
				t.Errorf("%s: items %v, want %v", tt.id, m.Items, tt.items)
			}
		}
		if math.Abs(m.Value-claims.Mean(tt.items)) > 1e-12 {
			t.Errorf("%s: value %v, want the items' mean %v", tt.id, m.Value, claims.Mean(tt.items))
		}
	}
}

func TestMeasureOccurrence(t *testing.T) {
	r := handRows()
	// PSTNN on every task in fold 0 only: gains logit(PMTNN) − logit(PSTNN)
	// that grow with the occurrence rate 0.1 … 0.7.
	r.Results = slices.DeleteFunc(r.Results, func(x Result) bool { return x.Model == ModelPSTNN })
	r.Results = append(r.Results,
		Result{Exp: ExpModels, Model: ModelPSTNN, Fold: 0, Tasks: []int{0, 1, 2, 3}, AUC: []float64{0.86, 0.84, 0.60, 0.70}})
	ms, err := measure(r)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m claims.Measurement) bool { return m.Claim == ClaimOccurrence })
	if i < 0 {
		t.Fatalf("no occurrence claim in %v", ms)
	}
	_, rate, gain := occurrencePoints(r)
	m := ms[i]
	if want := Pearson(rate, gain); m.Value != want || !(m.Value > 0.5) {
		t.Errorf("r = %v, want Pearson %v > 0.5", m.Value, want)
	}
	if !(m.Low < m.Value && m.Value < m.High && m.Low >= -1 && m.High <= 1) {
		t.Errorf("interval [%v, %v] around r %v", m.Low, m.High, m.Value)
	}
}

func TestClaimsDeclared(t *testing.T) {
	if err := claims.Check(suiteClaims); err != nil {
		t.Fatal(err)
	}
	if len(New().Claims()) != len(suiteClaims) {
		t.Fatal("the suite does not carry its claims")
	}
	ms, err := measure(Rows{})
	if err != nil || len(ms) != 0 {
		t.Fatalf("empty rows: %v, %v", ms, err)
	}
}
