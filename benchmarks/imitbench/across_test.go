package imitbench

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/metabench/metabench/agents/imitation"
)

func TestAcross(t *testing.T) {
	withShare := func(r imitation.Row, expert bool, steps int, share, chance int64) imitation.Row {
		s := imitation.ShareSum{Steps: steps, Share: share, Chance: chance}
		if expert {
			r.SetExpertStates(s)
		} else {
			r.Attention = s
		}
		return r
	}
	runs := []Rows{
		{Profile: "p", Rows: []imitation.Row{
			row("expert", "train", 1, 10, 10), withShare(row("BC", "train", 1, 10, 6), true, 2, 1e6, 1e6),
			row("BC", "test", 2, 10, 3),
		}},
		{Profile: "p", Rows: []imitation.Row{
			row("expert", "train", 1, 10, 9), withShare(row("BC", "train", 1, 20, 16), true, 2, 0.2e6, 1e6),
			row("BC", "test", 2, 10, 5), withShare(row(Matching.Name, "test", 2, 10, 1), false, 1, 1e6, 0.5e6),
		}},
	}
	ts, err := across(runs, []uint64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 {
		t.Fatalf("%d tables, want success and attention", len(ts))
	}
	// BC on train at 1 stage: 22/30 pooled; seeds 60% and 80%.
	wantSuccess := [][]string{
		{"set", "stages", "expert", "BC", "matching"},
		{"train", "1", "95.0 [90–100]", "73.3 [60–80]", "–"},
		{"test", "2", "–", "40.0 [30–50]", "10.0 [10–10]"},
	}
	// The expert's states are measured, so the rollouts' share of the
	// matching variant is not shown: BC pooled (1.2 / 4 steps, 2 / 4).
	wantAttention := [][]string{
		{"set", "stages", "BC"},
		{"train", "1", "0.30 / 0.50"},
	}
	for i, want := range [][][]string{wantSuccess, wantAttention} {
		got := append([][]string{ts[i].Header}, ts[i].Rows...)
		if len(got) != len(want) {
			t.Fatalf("table %q:\n%v\nwant\n%v", ts[i].Title, got, want)
		}
		for j := range want {
			if !slices.Equal(got[j], want[j]) {
				t.Errorf("table %q row %d: %q, want %q", ts[i].Title, j, got[j], want[j])
			}
		}
	}
	if _, err := across(runs, []uint64{1}); err == nil {
		t.Error("two runs for one seed accepted")
	}
	dir := t.TempDir()
	paths, err := acrossPlots(runs, []uint64{1, 2}, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"across-success-train.png", "across-success-test.png"} {
		if !slices.Contains(paths, filepath.Join(dir, name)) {
			t.Errorf("plots %v lack %s", paths, name)
		} else if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
