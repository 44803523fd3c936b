package densitybench

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

func newSuite() *suite.Suite { return New(os.DirFS("../../assets/density")) }

func runRows(t *testing.T, s *suite.Suite, o suite.Options) (*suite.Report, Rows) {
	t.Helper()
	rep, err := s.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep, decode(t, rep)
}

func decode(t *testing.T, rep *suite.Report) Rows {
	t.Helper()
	var r Rows
	if err := json.Unmarshal(rep.Rows, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// science is what must not depend on sharding or reruns: the results and
// the figures' images and attention weights (not their timings).
func science(r Rows) (Rows, []string) {
	out := Rows{Results: r.Results, Specificity: r.Specificity}
	for _, f := range r.Figures {
		f.SamplesPS = 0
		out.Figures = append(out.Figures, f)
	}
	var losses []string
	for _, tr := range r.Training {
		losses = append(losses, tr.Task+"/"+tr.Model+"/"+strings.TrimRight(strings.TrimRight(jsonFloat(tr.FinalLoss), "0"), "."))
	}
	return out, losses
}

func jsonFloat(v float64) string { b, _ := json.Marshal(v); return string(b) }

// TestShardsMergeIntoTheUnshardedRun runs the smoke profile whole and in
// three shards (each with its own cache, so each trains its own models) and
// checks that the merged rows and tables equal the whole run's.
func TestShardsMergeIntoTheUnshardedRun(t *testing.T) {
	s := newSuite()
	whole, rows := runRows(t, s, suite.Options{Profile: "smoke", Seed: 3, CacheDir: t.TempDir()})
	if len(rows.Results) == 0 || len(rows.Figures) == 0 || len(rows.Sampling) == 0 {
		t.Fatalf("smoke run has %d results, %d figures, %d sampling rows", len(rows.Results), len(rows.Figures), len(rows.Sampling))
	}
	var reps []*suite.Report
	for i := range 3 {
		rep, _ := runRows(t, s, suite.Options{Profile: "smoke", Seed: 3, CacheDir: t.TempDir(), Shard: suite.Shard{Index: i, Count: 3}})
		reps = append(reps, rep)
	}
	merged, err := s.Merge(reps)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Config != whole.Config {
		t.Fatalf("configs %s and %s", merged.Config, whole.Config)
	}
	a, la := science(rows)
	b, lb := science(decode(t, merged))
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("merged shards differ from the whole run:\n%+v\n%+v", a.Results, b.Results)
	}
	if !reflect.DeepEqual(la, lb) {
		t.Fatalf("training losses differ: %v vs %v", la, lb)
	}
	ta, _ := s.Tables(whole)
	tb, _ := s.Tables(merged)
	for i := range ta {
		if strings.HasPrefix(ta[i].Title, "training") || strings.HasPrefix(ta[i].Title, "ancestral") {
			continue
		}
		if !reflect.DeepEqual(ta[i], tb[i]) {
			t.Fatalf("table %q differs", ta[i].Title)
		}
	}
}

// TestSameSeedSameResults: two runs with one seed give the same rows and
// the same model bytes; another seed gives other results.
func TestSameSeedSameResults(t *testing.T) {
	s := newSuite()
	c1, c2 := t.TempDir(), t.TempDir()
	_, r1 := runRows(t, s, suite.Options{Profile: "smoke", Seed: 5, CacheDir: c1})
	_, r2 := runRows(t, s, suite.Options{Profile: "smoke", Seed: 5, CacheDir: c2})
	a, _ := science(r1)
	b, _ := science(r2)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different rows")
	}
	w1, _ := filepath.Glob(filepath.Join(c1, Name, "*", "characters-attention", modelWeights))
	w2, _ := filepath.Glob(filepath.Join(c2, Name, "*", "characters-attention", modelWeights))
	if len(w1) != 1 || len(w2) != 1 {
		t.Fatalf("cached models %v %v", w1, w2)
	}
	b1, _ := os.ReadFile(w1[0])
	b2, _ := os.ReadFile(w2[0])
	if string(b1) != string(b2) {
		t.Fatal("same seed, different model bytes")
	}
	_, r3 := runRows(t, s, suite.Options{Profile: "smoke", Seed: 6, CacheDir: t.TempDir()})
	if reflect.DeepEqual(r1.Results, r3.Results) {
		t.Fatal("different seeds, same results")
	}
}

func TestPlotsAndOmniglot(t *testing.T) {
	s := newSuite()
	rep, rows := runRows(t, s, suite.Options{Profile: "smoke", Seed: 1, Data: BuiltinOmniglot})
	if len(rows.Results) == 0 || rows.Results[0].Task != "omniglot" {
		t.Fatalf("omniglot rows: %+v", rows.Results)
	}
	dir := t.TempDir()
	_, rows = runRows(t, s, suite.Options{Profile: "smoke", Seed: 1})
	paths, err := Plots(rows, dir)
	if err != nil {
		t.Fatal(err)
	}
	var att bool
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("plot %s: %v", p, err)
		}
		att = att || strings.Contains(p, "attention-")
	}
	if !att {
		t.Fatalf("no attention map among %v", paths)
	}
	_ = rep
}

func TestBadData(t *testing.T) {
	s := newSuite()
	dir := t.TempDir()
	bad := filepath.Join(dir, "images_evaluation.npz")
	if err := os.WriteFile(bad, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{filepath.Join(dir, "missing.npz"), bad} {
		_, err := s.Run(context.Background(), suite.Options{Profile: "smoke", Seed: 1, Data: data})
		if err == nil {
			t.Fatalf("--data %s accepted", data)
		}
		if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), filepath.Base(data)) {
			t.Fatalf("error %q: want one line naming the file", err)
		}
	}
	if _, err := s.Run(context.Background(), suite.Options{Profile: "nope"}); !cli.IsUsage(err) {
		t.Fatalf("unknown profile: %v", err)
	}
}

func TestModelSpec(t *testing.T) {
	task := Task{Steps: 300, Budgets: map[string]string{"conditional@3000": BudgetTimeMatched}}
	for _, tc := range []struct {
		entry  string
		kind   string
		steps  int
		budget string
		bad    bool
	}{
		{entry: "conditional", kind: density.Conditional, steps: 300, budget: "equal steps"},
		{entry: "conditional@3000", kind: density.Conditional, steps: 3000, budget: BudgetTimeMatched},
		{entry: "meta@20", kind: density.Meta, steps: 20, budget: "own steps"},
		{entry: "meta", kind: density.Meta, steps: 300, budget: "equal steps"},
		{entry: "conditional@", bad: true},
		{entry: "conditional@0", bad: true},
		{entry: "conditional@x", bad: true},
		{entry: "nope@10", bad: true},
	} {
		kind, steps, err := task.modelSpec(tc.entry)
		if (err != nil) != tc.bad {
			t.Fatalf("%q: error %v", tc.entry, err)
		}
		if tc.bad {
			continue
		}
		if kind != tc.kind || steps != tc.steps || task.budget(tc.entry) != tc.budget {
			t.Errorf("%q: %s, %d steps, %q", tc.entry, kind, steps, task.budget(tc.entry))
		}
	}
}

// TestProfilesEqualSteps: within a task every model trains the task's
// steps unless its entry names its own, and every entry parses.
func TestProfilesEqualSteps(t *testing.T) {
	for _, pr := range profiles() {
		name, p := pr.Name, pr.Scale
		for _, task := range append(slices.Clone(p.Tasks), p.Omniglot) {
			for _, m := range task.Models {
				if _, _, err := task.modelSpec(m); err != nil {
					t.Errorf("%s %s: %v", name, task.Name, err)
				}
			}
		}
	}
}

func TestSlope(t *testing.T) {
	for _, tc := range []struct {
		xs, ys []float64
		want   float64
		ok     bool
	}{
		{[]float64{0, 1, 2, 3}, []float64{0.08, 0.07, 0.06, 0.05}, -0.01, true},
		{[]float64{0, 1, 2, 3}, []float64{0.05, 0.05, 0.05, 0.05}, 0, true},
		{[]float64{1, 1}, []float64{0.1, 0.2}, 0, false},
		{[]float64{1}, []float64{0.1}, 0, false},
	} {
		b, ok := Slope(tc.xs, tc.ys)
		if ok != tc.ok || math.Abs(b-tc.want) > 1e-12 {
			t.Errorf("Slope(%v, %v) = %v, %v; want %v, %v", tc.xs, tc.ys, b, ok, tc.want, tc.ok)
		}
	}
}

// TestPaperNumbersOnlyUnderThePaperProtocol: the paper's Omniglot numbers
// appear beside the area-binarised set's results, not the max-pooled set's.
func TestPaperNumbersOnlyUnderThePaperProtocol(t *testing.T) {
	for _, tc := range []struct {
		data  string
		paper bool
	}{{BuiltinOmniglot, true}, {BuiltinOmniglotMaxPool, false}, {MaxPoolPrefix + "/x.npz", false}, {"/x.npz", true}} {
		name := parseData(tc.data).taskName()
		tables := Tables(Rows{Results: []Result{{Task: name, Model: density.Conditional, K: 1, Episodes: 2, NatsPerDim: 0.1}}})
		got := strings.Contains(strings.Join(tables[0].Header, " "), "paper")
		if got != tc.paper {
			t.Errorf("--data %s (task %s): paper column %v, want %v", tc.data, name, got, tc.paper)
		}
	}
}

// TestMeasureSmokeRun: on a real (smoke) run every claim is measured, and
// the per-episode effects agree with the tables' means.
func TestMeasureSmokeRun(t *testing.T) {
	_, rows := runRows(t, newSuite(), suite.Options{Profile: "smoke", Seed: 1})
	ms, err := Measure(rows)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range ms {
		got[m.Claim] = m.Value
	}
	for _, c := range Claims() {
		if _, ok := got[c.ID]; !ok {
			t.Errorf("claim %s not measured on the smoke run", c.ID)
		}
	}
	var want float64
	var n int
	for _, r := range rows.Results {
		if r.Task == "characters" && r.Model == density.Meta {
			for _, c := range rows.Results {
				if c.Task == r.Task && c.Model == density.Conditional && c.K == r.K {
					want += r.NatsPerDim - c.NatsPerDim
					n++
				}
			}
		}
	}
	if n == 0 || math.Abs(got[ClaimMetaConditional]-want/float64(n)) > 1e-12 {
		t.Errorf("meta − conditional %v from episodes, %v from the means (%d support sizes)", got[ClaimMetaConditional], want/float64(max(n, 1)), n)
	}
	if len(rows.Specificity) == 0 {
		t.Error("no support-specificity rows for the meta models")
	}
}

// TestTrainSeedIsUnchanged: a model's training seed, written with
// seeds.Sub, is the formula the suite's results were made with.
func TestTrainSeedIsUnchanged(t *testing.T) {
	tests := []struct {
		seed  uint64
		task  int
		model string
	}{{1, 0, "conditional"}, {3, 2, "attention-meta"}, {1 << 40, 1, "unconditional@6"}}
	for _, tt := range tests {
		want := tt.seed*1_000_003 + uint64(tt.task)*7919 + uint64(modelOrder(tt.model)+1)*104729
		if got := trainSeed(tt.seed, tt.task, tt.model); got != want {
			t.Errorf("trainSeed(%d, %d, %s) = %d, want %d", tt.seed, tt.task, tt.model, got, want)
		}
	}
}
