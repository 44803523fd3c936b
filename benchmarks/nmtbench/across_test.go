package nmtbench

import (
	"os"
	"slices"
	"testing"
)

// seedRows builds the rows of one run by hand: meta and multitask on one
// language at two sizes (two support sets each, whose means are the given
// numbers), the fine-tuning modes at the larger size, meta-3, zero-shot.
func seedRows(meta4k, multi4k, meta16k, multi16k, metaAll, metaEmb, meta3, zeroULR float64) Rows {
	var r Rows
	add := func(exp, model string, size int, mode string, mean float64) {
		for set, d := range []float64{-0.5, 0.5} {
			r.Units = append(r.Units, Row{Unit: len(r.Units), Exp: exp, Model: model, Lang: "a4", Size: size, Set: set, Mode: mode, BLEU: mean + d})
		}
	}
	add("main", "meta", 4000, "emb+enc", meta4k)
	add("main", "multitask", 4000, "emb+enc", multi4k)
	add("main", "meta", 16000, "emb+enc", meta16k)
	add("main", "multitask", 16000, "emb+enc", multi16k)
	add("modes", "meta", 16000, "all", metaAll)
	add("modes", "meta", 16000, "emb", metaEmb)
	add("modes", "multitask", 16000, "all", multi16k) // a tie: emb+enc ≥ all holds
	add("modes", "multitask", 16000, "emb", multi16k+1)
	add("langs", "meta-3", 4000, "emb+enc", meta3)
	r.Units = append(r.Units,
		Row{Exp: "zeroshot", Model: "meta", Lang: "a4", BLEU: zeroULR},
		Row{Exp: "zeroshot", Model: "meta-noULR", Lang: "a4", BLEU: 0.5})
	r.Models = []ModelRow{{Name: "meta", Steps: 6000, BestStep: 5500, BestScore: 83.16}, {Name: "multitask", Steps: -1}}
	return r
}

func TestAcrossSeeds(t *testing.T) {
	runs := []Rows{
		seedRows(60, 50, 80, 78, 79, 70, 55, 20), // meta ahead, gap shrinking
		seedRows(40, 50, 70, 72, 71, 71, 45, 0),  // multitask ahead; ULR no better than plain
	}
	ts, err := across(runs, []uint64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 {
		t.Fatalf("%d tables", len(ts))
	}
	gaps := ts[0]
	want := [][]string{
		{"a4", "4000", "+10.00", "-10.00", "+0.00 ± 10.00", "1 of 2", "50.00 ± 14.14", "50.00 ± 0.00"},
		{"a4", "16000", "+2.00", "-2.00", "+0.00 ± 2.00", "1 of 2", "75.00 ± 7.07", "75.00 ± 4.24"},
	}
	if !slices.EqualFunc(gaps.Rows, want, slices.Equal) {
		t.Errorf("gap table\n got %q\nwant %q", gaps.Rows, want)
	}
	if gaps.Header[2] != "seed 1" || gaps.Header[3] != "seed 2" {
		t.Errorf("gap table header %q", gaps.Header)
	}
	// Seed 1: meta ahead in 2 of 2 cells, the gap shrinks, emb+enc ≥ all for
	// meta (80 > 79) and multitask (a tie), emb+enc > emb for meta only,
	// all languages > meta-3, ULR > plain. Seed 2: the opposite where it
	// can be.
	findings := map[string][]string{
		"meta > multitask (language × size)":                  {"2 of 2", "0 of 2", "2 of 4"},
		"gap smaller at 16000 than at 4000 tokens (language)": {"1 of 1", "0 of 1", "1 of 2"},
		"emb+enc ≥ all (language × model)":                    {"2 of 2", "1 of 2", "3 of 4"},
		"emb+enc > emb (language × model)":                    {"1 of 2", "0 of 2", "1 of 4"},
		"meta on all languages > on fewer (language)":         {"1 of 1", "0 of 1", "1 of 2"},
		"zero-shot: ULR > plain embeddings (language)":        {"1 of 1", "0 of 1", "1 of 2"},
	}
	if len(ts[1].Rows) != len(findings) {
		t.Fatalf("findings table has %d rows, want %d: %q", len(ts[1].Rows), len(findings), ts[1].Rows)
	}
	for _, row := range ts[1].Rows {
		if w, ok := findings[row[0]]; !ok || !slices.Equal(row[1:], w) {
			t.Errorf("finding %q: got %q, want %q", row[0], row[1:], w)
		}
	}
	if m := ts[2].Rows; len(m) != 2 || m[0][1] != "5500 / 6000, 83.2" || m[1][1] != "–" {
		t.Errorf("models table %q", m)
	}
	if _, err := across(runs, []uint64{1}); err == nil {
		t.Error("2 runs with 1 seed accepted")
	}
	paths, err := acrossPlots(runs, []uint64{1, 2}, t.TempDir())
	if err != nil || len(paths) != 1 {
		t.Fatalf("plots %v: %v", paths, err)
	}
	if fi, err := os.Stat(paths[0]); err != nil || fi.Size() == 0 {
		t.Fatalf("plot %s: %v", paths[0], err)
	}
}
