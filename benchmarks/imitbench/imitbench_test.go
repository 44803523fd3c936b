package imitbench

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/stack"
)

func tiny() Profile {
	p, _ := GetProfile("smoke")
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
	o := Options{Profile: tiny(), Seed: 3, CacheDir: cache, Workers: 2}
	a, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range a.Training {
		if s.Cached {
			t.Fatalf("%s cached on the first run", s.Variant)
		}
	}
	// Same seed again: models come from the cache, tables are identical.
	b, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Rows, b.Rows) || !reflect.DeepEqual(a.Ensemble, b.Ensemble) || !reflect.DeepEqual(a.Permutation, b.Permutation) {
		t.Fatal("same seed, different tables")
	}
	if !b.Training[0].Cached {
		t.Fatal("second run retrained")
	}
	var shards []*Report
	for i := range 2 {
		o.Shard, o.Shards = i, 2
		r, err := Run(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, r)
	}
	m, err := MergeReports(shards)
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
	}
	var sb strings.Builder
	for _, tb := range Tables(m) {
		if err := report.Print(&sb, tb); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"expert", "DAgger", "snapshot", "final", "K=1", "relabelled", "episodes/s"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("tables lack %q", want)
		}
	}
}

func TestProfiles(t *testing.T) {
	for _, name := range Profiles() {
		p, err := GetProfile(name)
		if err != nil || len(p.TrainTasks) == 0 || len(p.TestTasks) == 0 || p.Steps <= 0 {
			t.Errorf("%s: %+v %v", name, p, err)
		}
	}
	if _, err := GetProfile("huge"); err == nil {
		t.Error("unknown profile accepted")
	}
}
