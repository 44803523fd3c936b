package multitask

import (
	"math"
	"testing"
)

func TestAUCHand(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		labels []int8
		want   float64
		ok     bool
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []int8{0, 0, 1, 1}, 1, true},
		{"reversed", []float64{0.9, 0.8, 0.2, 0.1}, []int8{0, 0, 1, 1}, 0, true},
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, []int8{0, 1, 0, 1}, 0.5, true},
		// pairs (pos, neg): (0.5 vs 0.5 tie = 1/2), (0.5 vs 0.1 = 1), (0.9 vs both = 2): 3.5/4
		{"one tie", []float64{0.1, 0.5, 0.5, 0.9}, []int8{0, 0, 1, 1}, 0.875, true},
		// 3 positives, 2 negatives; hand count: 0.7>{0.3,0.7 tie}=1.5, 0.3 vs {0.3 tie, 0.7} = 0.5, 0.9 = 2: 4/6
		{"ties mixed", []float64{0.3, 0.7, 0.7, 0.3, 0.9}, []int8{0, 0, 1, 1, 1}, 4.0 / 6, true},
		{"missing ignored", []float64{0.1, 0.9, 0.5}, []int8{0, 1, -1}, 1, true},
		{"one class", []float64{0.1, 0.9}, []int8{1, 1}, 0, false},
	}
	for _, tc := range tests {
		got, ok := AUC(tc.scores, tc.labels)
		if ok != tc.ok || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: AUC %v (%v), want %v (%v)", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestAUCScikitLearn compares with scikit-learn's roc_auc_score on
// random fixtures with ties (sklearn_fixture_test.go).
func TestAUCScikitLearn(t *testing.T) {
	for k, tc := range sklearnAUC {
		got, ok := AUC(tc.scores, tc.labels)
		if !ok || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("fixture %d: AUC %.15f, scikit-learn %.15f", k, got, tc.want)
		}
	}
}

func TestAveragePrecisionHand(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		labels []int8
		want   float64
		ok     bool
	}{
		// Ranked 1,0,1: recall 1/2 at precision 1, then 1 at precision 2/3.
		{"step", []float64{0.9, 0.8, 0.7}, []int8{1, 0, 1}, 0.5*1 + 0.5*2.0/3, true},
		// One threshold for all: precision 2/4 at recall 1 (no interpolation).
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, []int8{0, 1, 0, 1}, 0.5, true},
		// The tie at 0.5 is one point (2 of 3 positives, precision 2/3)
		// before 0.1 (recall 1, precision 3/5).
		{"tie group", []float64{0.5, 0.5, 0.5, 0.1, 0.1}, []int8{1, 1, 0, 1, 0}, 2.0/3*2.0/3 + 1.0/3*3.0/5, true},
		{"missing ignored", []float64{0.1, 0.9, 0.5}, []int8{0, 1, -1}, 1, true},
		{"no actives", []float64{0.1, 0.9}, []int8{0, 0}, 0, false},
		{"no inactives", []float64{0.1, 0.9}, []int8{1, 1}, 0, false},
	}
	for _, tc := range tests {
		got, ok := AveragePrecision(tc.scores, tc.labels)
		if ok != tc.ok || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: AP %v (%v), want %v (%v)", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestAveragePrecisionScikitLearn compares AveragePrecision and AUC with
// scikit-learn's average_precision_score and roc_auc_score on the fixtures
// of scripts/drug_ap_golden.py (ties, imbalance, continuous scores).
func TestAveragePrecisionScikitLearn(t *testing.T) {
	for _, tc := range sklearnAP {
		ap, ok := AveragePrecision(tc.scores, tc.labels)
		if !ok || math.Abs(ap-tc.ap) > 1e-12 {
			t.Errorf("%s: AP %.15f, scikit-learn %.15f", tc.name, ap, tc.ap)
		}
		auc, ok := AUC(tc.scores, tc.labels)
		if !ok || math.Abs(auc-tc.auc) > 1e-12 {
			t.Errorf("%s: AUC %.15f, scikit-learn %.15f", tc.name, auc, tc.auc)
		}
	}
}
