package nmtbench

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/benchmarks/claims"
)

// row is a hand-built unit result.
func row(exp, model, lang string, size, set int, mode string, bleu float64) Row {
	return Row{Exp: exp, Model: model, Lang: lang, Size: size, Set: set, Mode: mode, BLEU: bleu}
}

// handRows: two languages, two support sets, sizes 250 and 4000, modes at
// 4000, 3 vs all meta-training languages at 250, zero-shot with and
// without ULR. Values are chosen so that every effect is easy to work out.
func handRows() Rows {
	var r Rows
	for _, l := range []struct {
		code string
		off  float64
	}{{"x", 0}, {"y", 10}} {
		for set := range 2 {
			s := float64(set)
			// Gap at 250: x 4+s, y 2+s → mean 3.5; at 4000: 1 everywhere.
			gap := 4 - l.off/5 + s
			r.Units = append(r.Units,
				row("main", "meta", l.code, 250, set, "emb+enc", 40+l.off+gap),
				row("main", "multitask", l.code, 250, set, "emb+enc", 40+l.off),
				row("main", "meta", l.code, 4000, set, "emb+enc", 71+l.off),
				row("main", "multitask", l.code, 4000, set, "emb+enc", 70+l.off),
				row("modes", "meta", l.code, 4000, set, "all", 69+l.off),
				row("modes", "meta", l.code, 4000, set, "emb", 60+l.off),
				row("modes", "multitask", l.code, 4000, set, "all", 99), // not the meta model: ignored
				row("langs", "meta-3", l.code, 250, set, "emb+enc", 38+l.off+gap),
				row("langs", "meta-6", l.code, 250, set, "emb+enc", 39+l.off+gap),
			)
		}
		r.Units = append(r.Units,
			row("zeroshot", "meta", l.code, 0, 0, "", 12+l.off),
			row("zeroshot", "multitask", l.code, 0, 0, "", 11),
			row("zeroshot", "meta-noULR", l.code, 0, 0, "", 1),
		)
	}
	return r
}

func TestMeasure(t *testing.T) {
	byID := func(ms []claims.Measurement) map[string]claims.Measurement {
		out := map[string]claims.Measurement{}
		for _, m := range ms {
			out[m.Claim] = m
		}
		return out
	}
	drop := func(r Rows, exp string) Rows {
		r.Units = slices.DeleteFunc(slices.Clone(r.Units), func(u Row) bool { return u.Exp == exp })
		return r
	}
	for _, tc := range []struct {
		name    string
		rows    Rows
		want    map[string]float64
		items   map[string][]float64
		wantErr string
	}{
		{name: "every claim", rows: handRows(),
			want: map[string]float64{
				claimMetaBeatsMultitask: 3.5,             // (4+5+2+3)/4
				claimGapShrinks:         2.5,             // 3.5 − 1
				claimEmbEncBest:         2,               // emb+enc 76 − all 74 (emb 65)
				claimMoreLanguages:      2,               // meta (all) − meta-3 at 250
				claimULRZeroShot:        (11 + 21) / 2.0, // (12−1 + 22−1)/2
			},
			items: map[string][]float64{
				claimMetaBeatsMultitask: {4, 5, 2, 3}, // x set 0, 1; y set 0, 1
				claimGapShrinks:         {3, 4, 1, 2},
				claimULRZeroShot:        {11, 21},
			}},
		{name: "main table only", rows: drop(drop(drop(handRows(), "modes"), "langs"), "zeroshot"),
			want: map[string]float64{claimMetaBeatsMultitask: 3.5, claimGapShrinks: 2.5}},
		{name: "one size: no shrinking", rows: func() Rows {
			r := drop(drop(drop(handRows(), "modes"), "langs"), "zeroshot")
			r.Units = slices.DeleteFunc(r.Units, func(u Row) bool { return u.Size == 4000 })
			return r
		}(), want: map[string]float64{claimMetaBeatsMultitask: 3.5}},
		{name: "no plain-embedding model: no ULR claim", rows: func() Rows {
			r := handRows()
			r.Units = slices.DeleteFunc(r.Units, func(u Row) bool { return u.Model == "meta-noULR" })
			return r
		}(), want: map[string]float64{claimMetaBeatsMultitask: 3.5, claimGapShrinks: 2.5, claimEmbEncBest: 2, claimMoreLanguages: 2}},
		{name: "unpaired cell", rows: func() Rows {
			r := handRows()
			r.Units = slices.DeleteFunc(r.Units, func(u Row) bool {
				return u.Exp == "main" && u.Model == "multitask" && u.Lang == "y" && u.Set == 1 && u.Size == 250
			})
			return r
		}(), wantErr: "do not pair"},
		{name: "a cell twice", rows: func() Rows {
			r := handRows()
			r.Units = append(r.Units, row("main", "meta", "x", 250, 0, "emb+enc", 1))
			return r
		}(), wantErr: "two rows"},
		{name: "no rows", rows: Rows{}, want: map[string]float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := measure(tc.rows)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := byID(ms)
			if len(got) != len(tc.want) {
				t.Errorf("measured %d claims %v, want %d", len(got), ms, len(tc.want))
			}
			for id, v := range tc.want {
				if m, ok := got[id]; !ok || math.Abs(m.Value-v) > 1e-9 {
					t.Errorf("%s = %v (measured %v), want %v", id, m.Value, ok, v)
				}
			}
			for id, it := range tc.items {
				if !slices.Equal(got[id].Items, it) {
					t.Errorf("%s items %v, want %v", id, got[id].Items, it)
				}
			}
			for _, m := range ms {
				if len(m.Items) > 0 && math.Abs(mean(m.Items)-m.Value) > 1e-9 {
					t.Errorf("%s: items mean %v ≠ value %v", m.Claim, mean(m.Items), m.Value)
				}
			}
		})
	}
}

// TestClaimsDeclared: every measured claim is declared, one primary with
// the 1-BLEU margin.
func TestClaimsDeclared(t *testing.T) {
	ms, err := measure(handRows())
	if err != nil {
		t.Fatal(err)
	}
	primaries := 0
	for _, c := range paperClaims {
		if c.Primary {
			primaries++
			if c.ID != claimMetaBeatsMultitask || c.Margin != 1 {
				t.Errorf("primary %s with margin %v", c.ID, c.Margin)
			}
		}
	}
	if primaries != 1 {
		t.Errorf("%d primary claims", primaries)
	}
	for _, m := range ms {
		if !slices.ContainsFunc(paperClaims, func(c claims.Claim) bool { return c.ID == m.Claim }) {
			t.Errorf("measured claim %s is not declared", m.Claim)
		}
	}
}
