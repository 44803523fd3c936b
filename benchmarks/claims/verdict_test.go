package claims

import (
	"strings"
	"testing"
)

func TestVerdicts(t *testing.T) {
	up := Claim{ID: "a-gt-b", Unit: "points", Direction: Positive}
	down := Claim{ID: "a-lt-b", Unit: "nats/dim", Direction: Negative}
	primary := Claim{ID: "main", Unit: "BLEU", Direction: Positive, Primary: true, Margin: 1}
	seeds := []uint64{1, 2, 3, 4, 5}
	tests := []struct {
		name   string
		claim  Claim
		values []float64
		want   Verdict
	}{
		{"clear positive", up, []float64{2.1, 1.8, 2.4, 2.0, 1.9}, Holds},
		{"clear negative, claimed negative", down, []float64{-0.1, -0.12, -0.09, -0.11, -0.1}, Holds},
		{"reversed", up, []float64{-2.1, -1.8, -2.4, -2.0, -1.9}, Contradicted},
		{"reversed, claimed negative", down, []float64{0.1, 0.12, 0.09, 0.11, 0.1}, Contradicted},
		{"noise around zero", up, []float64{0.5, -0.7, 0.2, -0.1, 0.3}, NotShown},
		{"tiny, primary with margin", primary, []float64{0.05, -0.1, 0.08, 0.02, -0.03}, Equivalent},
		{"tiny, not primary", up, []float64{0.05, -0.1, 0.08, 0.02, -0.03}, NotShown},
		{"wide, primary with margin", primary, []float64{3, -4, 2, -1, 1}, NotShown},
		// A clear effect smaller than the margin is still one that holds.
		{"small but clear, primary", primary, []float64{0.2, 0.21, 0.19, 0.2, 0.2}, Holds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := make([]*Measurement, len(tt.values))
			for i, v := range tt.values {
				ms[i] = &Measurement{Claim: tt.claim.ID, Value: v}
			}
			r, err := Decide(tt.claim, seeds, ms)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tt.want {
				t.Errorf("verdict %q, want %q (95%% CI [%g, %g], 90%% [%g, %g])", r.Verdict, tt.want, *r.Low, *r.High, *r.Low90, *r.High90)
			}
			if r.N != len(tt.values) || r.WilcoxonP == nil || r.SignP == nil {
				t.Errorf("n %d, Wilcoxon %v, sign %v", r.N, r.WilcoxonP, r.SignP)
			}
		})
	}
}

func TestOneSeedIsNoVerdict(t *testing.T) {
	c := Claim{ID: "a-gt-b", Unit: "points", Direction: Positive}
	items := []float64{1, 2, 3, 2, 1, 2, 3, 2}
	tests := []struct {
		name     string
		m        Measurement
		interval string
	}{
		{"items", Measurement{Claim: c.ID, Value: 2, Items: items}, IntervalBootstrap},
		{"suite's interval", Measurement{Claim: c.ID, Value: 2, Low: 1.5, High: 2.5}, IntervalSuite},
		{"nothing", Measurement{Claim: c.ID, Value: 2}, ""},
	}
	for _, tt := range tests {
		r, err := Decide(c, []uint64{4}, []*Measurement{&tt.m})
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != OneSeed || r.Interval != tt.interval || r.WilcoxonP != nil || r.SignP != nil {
			t.Errorf("%s: verdict %q interval %q, want %q %q", tt.name, r.Verdict, r.Interval, OneSeed, tt.interval)
		}
		if tt.interval != "" && !(*r.Low < 2 && 2 < *r.High) {
			t.Errorf("%s: interval [%g, %g] misses the effect 2", tt.name, *r.Low, *r.High)
		}
	}
}

func TestDecideAll(t *testing.T) {
	cs := []Claim{{ID: "a", Direction: Positive}, {ID: "b", Direction: Negative}}
	runs := [][]Measurement{{{Claim: "a", Value: 1}}, {{Claim: "a", Value: 2}, {Claim: "b", Value: -1}}}
	rs, err := DecideAll(cs, []uint64{1, 2}, runs)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].N != 2 || rs[1].N != 1 || rs[1].Seeds[0] != 2 {
		t.Errorf("a: n %d; b: n %d seeds %v", rs[0].N, rs[1].N, rs[1].Seeds)
	}
	bad := []struct {
		name string
		runs [][]Measurement
		want string
	}{
		{"undeclared", [][]Measurement{{{Claim: "c", Value: 1}}, nil}, "does not declare"},
		{"twice", [][]Measurement{{{Claim: "a", Value: 1}, {Claim: "a", Value: 2}}, nil}, "twice"},
		{"nan", [][]Measurement{{{Claim: "a", Value: 0}}, {{Claim: "a", Value: nan()}}}, "effect NaN"},
		{"nan item", [][]Measurement{{{Claim: "a", Value: 1, Items: []float64{1, nan()}}}, nil}, "item NaN"},
		{"items' mean", [][]Measurement{{{Claim: "a", Value: 1, Items: []float64{1, 2}}}, nil}, "not the mean 1.5"},
		{"interval", [][]Measurement{{{Claim: "a", Value: 1, Low: 2, High: 0.5}}, nil}, "interval [2, 0.5]"},
	}
	for _, b := range bad {
		if _, err := DecideAll(cs, []uint64{1, 2}, b.runs); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: error %v, want %q", b.name, err, b.want)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		cs   []Claim
		ok   bool
	}{
		{"fine", []Claim{{ID: "a", Direction: Positive, Primary: true, Margin: 1}, {ID: "b", Direction: Negative}}, true},
		{"no id", []Claim{{Direction: Positive}}, false},
		{"space", []Claim{{ID: "a b", Direction: Positive}}, false},
		{"twice", []Claim{{ID: "a", Direction: Positive}, {ID: "a", Direction: Positive}}, false},
		{"no direction", []Claim{{ID: "a"}}, false},
		{"margin not primary", []Claim{{ID: "a", Direction: Positive, Margin: 1}}, false},
		{"negative margin", []Claim{{ID: "a", Direction: Positive, Primary: true, Margin: -1}}, false},
	}
	for _, tt := range tests {
		if err := Check(tt.cs); (err == nil) != tt.ok {
			t.Errorf("%s: error %v", tt.name, err)
		}
	}
}

func nan() float64 { var z float64; return z / z }
