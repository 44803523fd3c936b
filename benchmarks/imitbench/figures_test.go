package imitbench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/envs/stack"
)

// TestAttentionPictures draws the attention of one rollout of a small
// untrained model.
func TestAttentionPictures(t *testing.T) {
	arch := imitation.DefaultArch(imitation.CondFull)
	arch.Width, arch.AttDim, arch.CtxSteps, arch.Hidden, arch.Dilations = 16, 16, 2, []int{32}, []int{1, 2}
	m, err := imitation.NewModel(arch, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := imitation.TraceAttention(m, stack.MustParse("ab c"), 1, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeAttentionPictures(tr, dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"attention-blocks.png", "attention-demo.png", "attention-stages.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Fatal(f, err)
		}
	}
}

// TestSuccessCSVCarriesExpertStates: success-by-stages.csv has the share
// on the expert's states where the run measured it and leaves it empty
// where not.
func TestSuccessCSVCarriesExpertStates(t *testing.T) {
	measured := imitation.Row{Model: "BC", Set: "test", Stages: 2, Tasks: 1, ExpertStates: imitation.ShareSum{Steps: 4}, ExpertShare: 0.25, ExpertChance: 0.5}
	measured.Episodes, measured.Successes = 10, 7
	unmeasured := imitation.Row{Model: "DAgger", Set: "test", Stages: 2, Tasks: 1}
	unmeasured.Episodes, unmeasured.Successes = 10, 9
	dir := t.TempDir()
	if _, err := Plots(Rows{Profile: "smoke", Rows: []imitation.Row{measured, unmeasured}}, dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "success-by-stages.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[0], ",expert_states_share,expert_states_chance") {
		t.Fatalf("csv:\n%s", b)
	}
	for _, tt := range []struct{ prefix, suffix string }{
		{"test,DAgger,", ",,"},
		{"test,BC,", ",0.2500,0.5000"},
	} {
		found := false
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, tt.prefix) {
				found = true
				if !strings.HasSuffix(l, tt.suffix) || strings.Count(l, ",") != strings.Count(lines[0], ",") {
					t.Errorf("row %q, want it to end %q with the header's columns", l, tt.suffix)
				}
			}
		}
		if !found {
			t.Errorf("no row %s in\n%s", tt.prefix, b)
		}
	}
}
