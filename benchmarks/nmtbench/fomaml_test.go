package nmtbench

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/metabench/metabench/agents/nmt"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

// TestTrainConfigAsAuthors: in every profile the shared models' inner
// step runs at the fine-tuning rate, adapts the fine-tuning mode's
// parameters, and takes a support-sized batch; the quick profile's is
// about 1k target tokens.
func TestTrainConfigAsAuthors(t *testing.T) {
	for name, p := range profiles() {
		for _, method := range []nmt.Method{nmt.Meta, nmt.Multitask} {
			cfg := trainConfig(p, method, 7)
			if cfg.InnerLR != p.FineTune.LR || cfg.InnerMode != p.FineTune.Mode || cfg.Method != method || cfg.Seed != 7 {
				t.Errorf("%s %s: inner rate %v mode %q (fine-tuning: %v %q)", name, method, cfg.InnerLR, cfg.InnerMode, p.FineTune.LR, p.FineTune.Mode)
			}
			if cfg.InnerTokens <= 0 {
				t.Errorf("%s: inner batch of %d sentences, not a support-sized batch", name, cfg.BatchSize)
			}
		}
	}
	if got := profiles()["quick"].Train.InnerTokens; got < 800 || got > 1200 {
		t.Errorf("quick: inner batch of %d target tokens, want about 1k", got)
	}
}

// TestLangEmbFlag: --lang-emb both adds multitask with the authors'
// language embedding beside ours, in the main table; a bad value is a
// usage error.
func TestLangEmbFlag(t *testing.T) {
	_, err := Suite().ConfigKey(suite.Options{Profile: "smoke", Flags: map[string]string{"lang-emb": "theirs"}})
	if err == nil || !cli.IsUsage(err) {
		t.Fatalf("--lang-emb theirs: %v", err)
	}
	rep, err := Suite().Run(context.Background(), suite.Options{Profile: "smoke", Seed: 2, Workers: 2, Flags: map[string]string{"lang-emb": "both"}})
	if err != nil {
		t.Fatal(err)
	}
	var r Rows
	if err := json.Unmarshal(rep.Rows, &r); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(r.Models, func(m ModelRow) bool { return m.Name == "multitask-tokid" && m.Steps > 0 }) {
		t.Errorf("no trained multitask-tokid model among %v", r.Models)
	}
	n := 0
	for _, u := range r.Units {
		if u.Exp == "main" && u.Model == "multitask-tokid" {
			n++
		}
	}
	if n == 0 {
		t.Error("no main-table rows of multitask-tokid")
	}
	if h := tables(r)[0].Header; !slices.Contains(h, "multitask, authors' E") {
		t.Errorf("the main table has no column of the ablation: %v", h)
	}
}
