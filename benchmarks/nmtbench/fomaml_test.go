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
	for _, pr := range profiles() {
		name, p := pr.Name, pr.Scale
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
	if got := scale(t, "quick").Train.InnerTokens; got < 800 || got > 1200 {
		t.Errorf("quick: inner batch of %d target tokens, want about 1k", got)
	}
}

// TestLangEmbFlag: --lang-emb both adds multitask with the authors'
// language embedding beside ours, in the main table; a bad value is a
// usage error.
func TestLangEmbFlag(t *testing.T) {
	_, err := New().ConfigKey(suite.Options{Profile: "smoke", Flags: map[string]string{"lang-emb": "theirs"}})
	if err == nil || !cli.IsUsage(err) {
		t.Fatalf("--lang-emb theirs: %v", err)
	}
	rep, err := New().Run(context.Background(), suite.Options{Profile: "smoke", Seed: 2, Workers: 2, Flags: map[string]string{"lang-emb": "both"}})
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
	// The claims of a real run: the ablation's rows do not disturb them.
	ms, err := measure(r)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range ms {
		got[m.Claim] = true
	}
	for _, id := range []string{claimMetaBeatsMultitask, claimEmbEncBest, claimULRZeroShot} {
		if !got[id] {
			t.Errorf("the smoke run does not measure %s (measured %v)", id, ms)
		}
	}
}

// TestFixedKUsesNoDev: the fixed-K protocol's rows do not change when the
// low-resource language's dev set is replaced by another or removed: no
// epoch or step is chosen on it, and no dev score is recorded.
func TestFixedKUsesNoDev(t *testing.T) {
	p := scale(t, "smoke")
	p.FineTune.Epochs = 3
	d, err := synthetic(context.Background(), p, 5)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newModel(p, d, true, false, 5, d.High)
	if err != nil {
		t.Fatal(err)
	}
	cfg := trainConfig(p, nmt.Multitask, 5)
	if _, err := nmt.Train(context.Background(), m, tasks(d.High), cfg, nil); err != nil {
		t.Fatal(err)
	}
	models := map[string]*nmt.Model[float32]{"multitask": m}
	low := d.Low[0]
	dev := low.Dev
	run := func(u unit) Row {
		t.Helper()
		r, err := runUnit(context.Background(), p, d, models, u, 5)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var want []Row
	for _, k := range []int{0, 1, 3} {
		want = append(want, run(unit{Exp: "fixedk", Model: "multitask", Lang: low, Size: 200, Mode: nmt.FineTuneEmbEnc, K: k}))
	}
	for _, tc := range []struct {
		name string
		dev  []nmt.Example
	}{{"another language's dev set", d.Low[1].Dev}, {"no dev set", nil}, {"the test set", low.Test}} {
		low.Dev = tc.dev
		for i, k := range []int{0, 1, 3} {
			if got := run(unit{Exp: "fixedk", Model: "multitask", Lang: low, Size: 200, Mode: nmt.FineTuneEmbEnc, K: k}); got != want[i] {
				t.Errorf("%s: K = %d: %+v, with the dev set %+v", tc.name, k, got, want[i])
			}
		}
	}
	low.Dev = dev
	for _, w := range want {
		if w.Dev != 0 || w.BestEpoch != 0 {
			t.Errorf("a fixed-K row with a dev score or chosen epoch: %+v", w)
		}
	}
	if want[0].K != 0 || want[2].K != 3 || want[2].Tokens == 0 {
		t.Errorf("rows do not say their K and support set: %+v", want)
	}
}

// TestPlanMultitaskDouble: the equal-compute arm is multitask at twice the
// steps, in the main table beside meta and multitask at equal steps.
func TestPlanMultitaskDouble(t *testing.T) {
	d := &dataset{High: []*langData{{Code: "h1", Family: "a"}, {Code: "h2", Family: "b"}}, Low: []*langData{{Code: "l1"}}}
	for _, on := range []bool{false, true} {
		p := scale(t, "smoke")
		p.MultitaskDouble = on
		specs, units := plan(p, d)
		i := slices.IndexFunc(specs, func(s modelSpec) bool { return s.Name == "multitask-2x" })
		if (i >= 0) != on {
			t.Fatalf("MultitaskDouble %v: specs %v", on, specs)
		}
		if !on {
			continue
		}
		if specs[i].Method != nmt.Multitask || specs[i].StepsFactor != 2 || !specs[i].ULR {
			t.Errorf("equal-compute arm %+v", specs[i])
		}
		n := 0
		for _, u := range units {
			if u.Exp == "main" && u.Model == "multitask-2x" {
				n++
			}
		}
		if want := len(p.Sizes) * p.SupportSets; n != want {
			t.Errorf("%d main units of multitask-2x, want %d", n, want)
		}
	}
}

// scale returns the scale of the profile called name.
func scale(t *testing.T, name string) Profile {
	t.Helper()
	p, err := spec().Scale(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
