package imitbench

import (
	"os"
	"path/filepath"
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
