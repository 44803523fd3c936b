package imitbench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/stack"
)

func tiny() Profile {
	p, _ := spec().Scale("smoke")
	// Different stage counts, so that shards differ in their longest tasks.
	p.TrainTasks = []stack.Task{stack.MustParse("abc"), stack.MustParse("ab c")}
	p.TestTasks = []stack.Task{stack.MustParse("ab c d")}
	p.Demos, p.Steps, p.TasksPerBatch, p.PairsPerTask = 3, 3, 2, 4
	p.Episodes, p.EnsembleEps, p.PermEps, p.SpeedEps = 1, 1, 1, 2
	return p
}

func TestRunDeterministicAndShardsMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four small models")
	}
	ctx := context.Background()
	cache := t.TempDir()
	o := run{Profile: tiny(), Name: "tiny", Seed: 3, CacheDir: cache, Workers: 2}
	var a, b Rows
	err := learn(ctx, o, &a)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range a.Training {
		if s.Cached {
			t.Fatalf("%s cached on the first run", s.Variant)
		}
		// Reports of the same run on two machines must be equal.
		if filepath.IsAbs(s.Dir) || strings.Contains(s.Dir, cache) {
			t.Fatalf("%s: the report names the cache directory: %s", s.Variant, s.Dir)
		}
	}
	// Same seed again, the evaluations not kept: models come from the
	// cache, evaluations are run again, tables are identical.
	evals := filepath.Join(cache, "imitation", "evals")
	kept, err := filepath.Glob(filepath.Join(evals, "*.json"))
	if err != nil || len(kept) == 0 {
		t.Fatalf("no evaluation kept in %s: %v", evals, err)
	}
	if err := os.RemoveAll(evals); err != nil {
		t.Fatal(err)
	}
	err = learn(ctx, o, &b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Rows, b.Rows) || !reflect.DeepEqual(a.Ensemble, b.Ensemble) || !reflect.DeepEqual(a.Permutation, b.Permutation) {
		t.Fatal("same seed, different tables")
	}
	// And again: every evaluation is read back from the cache, except one
	// whose file was damaged, and the tables are the same.
	if err := os.WriteFile(kept[0], []byte(`{"rows":[`), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	o.Log = &log
	var c Rows
	if err := learn(ctx, o, &c); err != nil {
		t.Fatal(err)
	}
	o.Log = nil
	if !reflect.DeepEqual(a.Rows, c.Rows) || !reflect.DeepEqual(a.Ensemble, c.Ensemble) || !reflect.DeepEqual(a.Permutation, c.Permutation) || !reflect.DeepEqual(a.Tasks, c.Tasks) {
		t.Fatal("evaluations read from the cache give other tables")
	}
	if got, want := strings.Count(log.String(), "evaluated before"), len(kept)-1; got != want {
		t.Errorf("%d evaluations read from the cache, want %d:\n%s", got, want, log.String())
	}
	if got := strings.Count(log.String(), " episodes in "); got != 1 {
		t.Errorf("%d evaluations run again, want the damaged one:\n%s", got, log.String())
	}
	if !b.Training[0].Cached {
		t.Fatal("second run retrained")
	}
	for i := range a.Training {
		if a.Training[i].FinalLoss != b.Training[i].FinalLoss {
			t.Fatalf("%s: final loss %v trained, %v from the cache", a.Training[i].Variant, a.Training[i].FinalLoss, b.Training[i].FinalLoss)
		}
	}
	// Shards that start together on a cluster find the prepared dataset
	// and only read it: none may fail on the dataset writer's lock.
	errs := make(chan error, 4)
	for range 4 {
		go func() { _, err := dataset(ctx, o); errs <- err }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("a shard starting with the others: %v", err)
		}
	}
	var shards []Rows
	for i := range 2 {
		o.Shard = suite.Shard{Index: i, Count: 2}
		var r Rows
		if err := learn(ctx, o, &r); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, r)
	}
	m, err := merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	count := func(rows []imitation.Row) (n int) {
		for _, row := range rows {
			n += row.Episodes
		}
		return n
	}
	for _, tc := range []struct {
		table         string
		merged, whole []imitation.Row
	}{{"rows", m.Rows, a.Rows}, {"ensemble", m.Ensemble, a.Ensemble}, {"permutation", m.Permutation, a.Permutation}} {
		if count(tc.merged) != count(tc.whole) {
			t.Errorf("%s: merged shards hold %d episodes, the whole run %d", tc.table, count(tc.merged), count(tc.whole))
		}
		if !reflect.DeepEqual(tc.merged, tc.whole) {
			t.Errorf("%s: merged shards %+v, the whole run %+v", tc.table, tc.merged, tc.whole)
		}
	}
	// The claims: all of them (the gap's slope needs two stage counts,
	// which this profile's tasks have), the same on the merged shards as
	// on the whole run.
	mw, err := Measure(a)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := Measure(m)
	if err != nil {
		t.Fatal(err)
	}
	// Without the share on the expert's states the attention claims are
	// not measured (TestRunTaskGrads measures them).
	if want := len(Claims) - 2; len(mw) != want || !reflect.DeepEqual(mw, mm) {
		t.Errorf("claims measured on the whole run %+v, on the merged shards %+v; want %d each, equal", mw, mm, want)
	}
	var sb strings.Builder
	for _, tb := range Tables(m) {
		if err := report.Print(&sb, tb); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"expert", "DAgger", "snapshot", "final", "K=1", "relabelled", "episodes/s", "chance"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("tables lack %q", want)
		}
	}
}

func TestProfiles(t *testing.T) {
	for _, pr := range spec().Profiles {
		p := pr.Scale
		learns := len(p.TrainTasks) > 0 && len(p.TestTasks) > 0 && p.Steps > 0
		if (!learns && p.World == nil) || pr.Expected <= 0 {
			t.Errorf("%s: %+v", pr.Name, p)
		}
	}
	if _, err := spec().Scale("huge"); err == nil {
		t.Error("unknown profile accepted")
	}
}

// TestRunTaskGrads runs the tiny profile with per-task gradients, the
// matching variant and the share on the expert's states, as the medium
// profile does: every table is filled and every claim measured.
func TestRunTaskGrads(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four small models")
	}
	p := tiny()
	p.TaskGrads, p.StageAttention, p.ExpertStates = true, true, 1
	o := run{Profile: p, Name: "tiny", Seed: 4, CacheDir: t.TempDir(), Workers: 4}
	var r Rows
	if err := learn(context.Background(), o, &r); err != nil {
		t.Fatal(err)
	}
	// Three full-demonstration models (DAgger, BC, matching) on two sets.
	if len(r.Rows) == 0 || len(r.Ensemble) == 0 || len(r.Permutation) == 0 || len(r.Traces) != 6 {
		t.Fatalf("rows %d, ensemble %d, permutation %d, traces %d", len(r.Rows), len(r.Ensemble), len(r.Permutation), len(r.Traces))
	}
	if ms, err := Measure(r); err != nil || len(ms) != len(Claims) {
		t.Fatalf("claims: %d measured, %v", len(ms), err)
	}
}

// TestVariants checks the variants each profile trains and that adding the
// matching variant left the others' cache keys alone: the BC directory is
// the one the medium profile's seed 1 used before it had the variant.
func TestVariants(t *testing.T) {
	medium, err := spec().Scale("medium")
	if err != nil {
		t.Fatal(err)
	}
	quick, err := spec().Scale("quick")
	if err != nil {
		t.Fatal(err)
	}
	names := func(vs []Variant) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Name)
		}
		return out
	}
	if got := names(run{Profile: quick}.variants()); !slices.Equal(got, []string{"DAgger", "BC", "snapshot", "final"}) {
		t.Errorf("quick trains %v", got)
	}
	o := run{Profile: medium, Seed: 1, CacheDir: t.TempDir()}
	if got := names(o.variants()); !slices.Equal(got, []string{"DAgger", "BC", "snapshot", "final", "matching"}) {
		t.Errorf("medium trains %v", got)
	}
	const ds = "cache/imitation/demos-5ebe907ac9d0" // medium, seed 1
	if got, want := o.newVariantRun(Variants[1], ds).stat.Dir, filepath.Join("imitation", "models", "bc-381a2a29ea16"); got != want {
		t.Errorf("medium BC, seed 1: cache directory %s, want %s", got, want)
	}
	m := o.newVariantRun(Matching, ds)
	if !m.arch.MatchQuery || !m.arch.StageHead || m.opt.StageLoss != 0.1 || m.arch.Cond != imitation.CondFull || m.opt.Algo != imitation.AlgoBC {
		t.Errorf("matching variant: arch %+v, options %+v", m.arch, m.opt)
	}
	if err := m.opt.Validate(); err != nil {
		t.Errorf("matching variant: %v", err)
	}
}

// TestMediumReportStillReadable checks that the medium profile's reports
// kept in assets (seeds 1-5) are still ones this program's --across
// accepts (Suite.Across refuses a report whose configuration is not the
// one the program gives for its seed) and that together they measure every
// claim. A change to the medium profile fails here: run the seeds again
// and replace the reports (assets/imitation/README.md).
func TestMediumReportStillReadable(t *testing.T) {
	var reps []*suite.Report
	for seed := 1; seed <= 5; seed++ {
		rep, err := suite.ReadReport(filepath.Join("..", "..", "assets", "imitation", fmt.Sprintf("medium-seed-%d.json", seed)))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Profile != "medium" {
			t.Fatalf("seed %d: a report of profile %s, want medium", seed, rep.Profile)
		}
		reps = append(reps, rep)
	}
	sp, err := New().Across(reps)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sp.Claims {
		if c.N != len(reps) {
			t.Errorf("claim %s measured by %d of the %d reports", c.Claim.ID, c.N, len(reps))
		}
	}
	if len(sp.Claims) != len(Claims) {
		t.Errorf("%d claims decided, want %d", len(sp.Claims), len(Claims))
	}
}
