package suite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

// sumRows is the fake suite's result: per unit i of its work, a number
// computed from the seed.
type sumRows struct {
	Units []int `json:"units"`
	Value []int `json:"value"`
}

// fakeConfig is the fake suite's configuration: its number of units.
type fakeConfig struct{ N int }

// fake is a suite of n units of work whose value depends on the seed and
// the profile's scale.
func fake() *suite.Suite {
	return suite.New(suite.Spec[int, fakeConfig, sumRows]{
		Name:     "fake",
		Summary:  "a suite for testing the harness",
		Profiles: []suite.Profile[int]{{Name: "small", Expected: 1, Scale: 5}, {Name: "large", Expected: 2, Scale: 11}},
		Default:  "small",
		Config: func(o suite.Options, n int) (fakeConfig, error) {
			if o.Data != "" {
				return fakeConfig{}, cli.Usagef("fake: --data %q: the suite reads no data", o.Data)
			}
			return fakeConfig{N: n}, nil
		},
		Run: func(ctx context.Context, s suite.Setup[fakeConfig]) (sumRows, error) {
			o := s.Options
			var r sumRows
			units := make([]int, s.Config.N)
			for i := range units {
				units[i] = i
			}
			for _, i := range suite.Take(o.Shard, units) {
				r.Units = append(r.Units, i)
				r.Value = append(r.Value, int(o.Seed)*1000+i*i)
			}
			return r, nil
		},
		Merge: func(shards []sumRows) (sumRows, error) {
			// Reassemble the units in order: unit i is in shard i mod n.
			var out sumRows
			n := len(shards)
			pos := make([]int, n)
			for {
				k := len(out.Units) % n
				if pos[k] >= len(shards[k].Units) {
					return out, nil
				}
				out.Units = append(out.Units, shards[k].Units[pos[k]])
				out.Value = append(out.Value, shards[k].Value[pos[k]])
				pos[k]++
			}
		},
		Tables: func(r sumRows) []report.Table {
			t := report.Table{Title: "fake", Header: []string{"unit", "value"}}
			for i := range r.Units {
				t.Rows = append(t.Rows, []string{fmt.Sprint(r.Units[i]), fmt.Sprint(r.Value[i])})
			}
			return []report.Table{t}
		},
		Across: func(runs []sumRows, seeds []uint64) ([]report.Table, error) {
			t := report.Table{Title: "fake across seeds", Header: []string{"unit"}}
			for _, s := range seeds {
				t.Header = append(t.Header, fmt.Sprintf("seed %d", s))
			}
			for i, u := range runs[0].Units {
				row := []string{fmt.Sprint(u)}
				for _, r := range runs {
					row = append(row, fmt.Sprint(r.Value[i]))
				}
				t.Rows = append(t.Rows, row)
			}
			return []report.Table{t}, nil
		},
		AcrossPlots: func(runs []sumRows, seeds []uint64, dir string) ([]string, error) {
			// A stand-in for a picture: the seeds, one file.
			path := filepath.Join(dir, "across-seeds.txt")
			return []string{path}, os.WriteFile(path, []byte(fmt.Sprint(seeds)), 0o644)
		},
	})
}

func run(t *testing.T, s *suite.Suite, profile string, seed uint64, shard suite.Shard) *suite.Report {
	t.Helper()
	r, err := s.Run(context.Background(), suite.Options{Profile: profile, Seed: seed, Shard: shard})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestShardsMergeIntoTheWholeRun(t *testing.T) {
	s := fake()
	whole := run(t, s, "large", 3, suite.Shard{})
	for _, n := range []int{1, 2, 3, 4, 11} {
		var reps []*suite.Report
		for i := range n {
			sh := suite.Shard{Index: i, Count: n}
			if n == 1 {
				sh = suite.Shard{Index: 0, Count: 2} // n=1 is the whole run; use halves instead
			}
			reps = append(reps, run(t, s, "large", 3, sh))
		}
		if n == 1 {
			reps = append(reps, run(t, s, "large", 3, suite.Shard{Index: 1, Count: 2}))
		}
		// Reports may come in any order.
		slices.Reverse(reps)
		m, err := s.Merge(reps)
		if err != nil {
			t.Fatalf("%d shards: %v", n, err)
		}
		if !bytes.Equal(m.Rows, whole.Rows) {
			t.Fatalf("%d shards merge into %s, the whole run is %s", len(reps), m.Rows, whole.Rows)
		}
		if m.Config != whole.Config || m.Merged != len(reps) {
			t.Fatalf("merged config %s (%d shards), whole %s", m.Config, m.Merged, whole.Config)
		}
	}
}

func TestMergeRefuses(t *testing.T) {
	s := fake()
	half := func(i int, seed uint64, profile string) *suite.Report {
		return run(t, s, profile, seed, suite.Shard{Index: i, Count: 2})
	}
	third := run(t, s, "large", 3, suite.Shard{Index: 0, Count: 3})
	whole := run(t, s, "large", 3, suite.Shard{})
	tampered := *half(1, 3, "large")
	tampered.Config = "0123456789ab"
	tests := []struct {
		name string
		reps []*suite.Report
		want string
	}{
		{"a missing shard", []*suite.Report{half(0, 3, "large")}, "missing shard 1/2"},
		{"a duplicate shard", []*suite.Report{half(0, 3, "large"), half(0, 3, "large"), half(1, 3, "large")}, "shard 0/2 given twice"},
		{"another seed", []*suite.Report{half(0, 3, "large"), half(1, 4, "large")}, "seeds 3 and 4"},
		{"another profile", []*suite.Report{half(0, 3, "large"), half(1, 3, "small")}, `profiles "large" and "small"`},
		{"another configuration", []*suite.Report{half(0, 3, "large"), &tampered}, "configurations"},
		{"another shard count", []*suite.Report{half(0, 3, "large"), third}, "shards of 2 and of 3"},
		{"a whole run", []*suite.Report{half(0, 3, "large"), whole}, "whole run"},
		{"nothing", nil, "no reports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Merge(tt.reps)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Merge: %v, want one line mentioning %q", err, tt.want)
			}
		})
	}
}

func TestAcrossSeeds(t *testing.T) {
	s := fake()
	// Reports come in any order; the tables are in seed order.
	sp, err := s.Across([]*suite.Report{run(t, s, "small", 7, suite.Shard{}), run(t, s, "small", 2, suite.Shard{})})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.Seeds, []uint64{2, 7}) || len(sp.Tables) != 1 {
		t.Fatalf("seeds %v, %d tables", sp.Seeds, len(sp.Tables))
	}
	tab := sp.Tables[0]
	if !slices.Equal(tab.Header, []string{"unit", "seed 2", "seed 7"}) || !slices.Equal(tab.Rows[3], []string{"3", "2009", "7009"}) {
		t.Fatalf("table %v", tab)
	}
	// A merged run counts as a whole run.
	merged, err := s.Merge([]*suite.Report{run(t, s, "small", 4, suite.Shard{Index: 0, Count: 2}), run(t, s, "small", 4, suite.Shard{Index: 1, Count: 2})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Across([]*suite.Report{run(t, s, "small", 2, suite.Shard{}), merged}); err != nil {
		t.Fatalf("with a merged report: %v", err)
	}
	dir := t.TempDir()
	if err := s.WriteSpread(dir, sp); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, suite.SpreadFile))
	if err != nil {
		t.Fatal(err)
	}
	var back suite.Spread
	if err := json.Unmarshal(b, &back); err != nil || back.Suite != "fake" || len(back.Tables) != 1 || back.Tables[0].Title != "fake across seeds" {
		t.Fatalf("%s: %v, %+v", suite.SpreadFile, err, back)
	}
	if _, err := os.Stat(filepath.Join(dir, "across01-fake-across-seeds.csv")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "across-seeds.txt")); err != nil || string(b) != "[2 7]" {
		t.Fatalf("the suite's across plots: %q, %v", b, err)
	}
}

func TestAcrossRefuses(t *testing.T) {
	s := fake()
	whole := func(seed uint64, profile string) *suite.Report { return run(t, s, profile, seed, suite.Shard{}) }
	tampered := *whole(3, "small")
	tampered.Config = "0123456789ab"
	other := *whole(3, "small")
	other.Suite = "other"
	plain := suite.New(suite.Spec[int, int, sumRows]{Name: "plain", Profiles: []suite.Profile[int]{{Name: "p"}}, Default: "p",
		Config: func(suite.Options, int) (int, error) { return 0, nil },
		Run:    func(context.Context, suite.Setup[int]) (sumRows, error) { return sumRows{}, nil },
		Tables: func(sumRows) []report.Table { return nil }})
	tests := []struct {
		name  string
		suite *suite.Suite
		reps  []*suite.Report
		want  string
	}{
		{"one seed", s, []*suite.Report{whole(1, "small")}, "at least 2 seeds"},
		{"a seed twice", s, []*suite.Report{whole(1, "small"), whole(2, "small"), whole(1, "small")}, "seed 1 given twice"},
		{"another profile", s, []*suite.Report{whole(1, "small"), whole(2, "large")}, `profiles "small" and "large"`},
		{"another suite", s, []*suite.Report{whole(1, "small"), &other}, `suite "other"`},
		{"another configuration", s, []*suite.Report{whole(1, "small"), &tampered}, "seed 3: configuration 0123456789ab"},
		{"a shard", s, []*suite.Report{whole(1, "small"), run(t, s, "small", 2, suite.Shard{Index: 0, Count: 2})}, "shard 0/2"},
		{"no across tables", plain, []*suite.Report{whole(1, "small"), whole(2, "small")}, "no across-seed tables"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.suite.Across(tt.reps)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Across: %v, want one line mentioning %q", err, tt.want)
			}
		})
	}
}

func TestReportFilesRoundTripAndRefuseOthers(t *testing.T) {
	s := fake()
	dir := t.TempDir()
	r := run(t, s, "small", 1, suite.Shard{Index: 1, Count: 2})
	tables, _ := s.Tables(r)
	if err := s.WriteResults(dir, r, tables); err != nil {
		t.Fatal(err)
	}
	back, err := suite.ReadReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Rows, r.Rows) || back.Shard != "1/2" || back.Build.GoVersion == "" || back.Build.Cores == 0 {
		t.Fatalf("read back %+v", back)
	}
	if _, err := os.Stat(filepath.Join(dir, "table01-fake.csv")); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"empty object":  `{}`,
		"not json":      `{"format":`,
		"other format":  `{"format":99,"suite":"fake","profile":"small","config":"x","rows":{}}`,
		"without rows":  `{"format":1,"suite":"fake","profile":"small","config":"x"}`,
		"null rows":     `{"format":1,"suite":"fake","profile":"small","config":"x","rows":null}`,
		"without suite": `{"format":1,"profile":"small","config":"x","rows":{}}`,
	}
	for _, name := range []string{"empty object", "not json", "other format", "without rows", "null rows", "without suite"} {
		p := filepath.Join(t.TempDir(), "r.json")
		os.WriteFile(p, []byte(bad[name]), 0o644)
		if _, err := suite.ReadReport(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming the file", name, err)
		}
	}
}

func TestShardFlag(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{{"0/1", true}, {"3/4", true}, {"4/4", false}, {"-1/4", false}, {"1/0", false}, {"a/b", false}, {"1", false}, {"", false}, {"1/2/3", false}}
	for _, tt := range tests {
		var s suite.Shard
		if err := s.Set(tt.in); (err == nil) != tt.ok {
			t.Errorf("Set(%q): %v", tt.in, err)
		}
	}
	var s suite.Shard
	s.Set("2/5")
	if s.String() != "2/5" || !s.Has(7) || s.Has(8) {
		t.Fatalf("shard 2/5: %v", s)
	}
}

func TestKeyIsStable(t *testing.T) {
	type cfg struct {
		A int
		B []string
	}
	a, b := cfg{1, []string{"x"}}, cfg{1, []string{"x"}}
	if suite.Key(a) != suite.Key(b) || suite.Key(cfg{1, nil}) == suite.Key(cfg{2, nil}) || len(suite.Key(a)) != 12 {
		t.Fatal("Key is not a function of the configuration")
	}
}

func TestRegistryCommands(t *testing.T) {
	s := fake()
	cmds, err := suite.Registry{Suites: []*suite.Suite{s}}.Commands()
	if err != nil {
		t.Fatal(err)
	}
	bench, _ := cli.Find(cmds, "bench")
	var out, errb bytes.Buffer
	e := cli.Env{Stdout: &out, Stderr: &errb}
	dir := t.TempDir()
	for i := range 2 {
		args := []string{"--json", "fake", "--profile", "large", "--seed", "5", "--shard", fmt.Sprintf("%d/2", i), "--out", filepath.Join(dir, fmt.Sprint(i)), "--quiet"}
		if err := bench.Run(context.Background(), e, args); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	if err := bench.Run(context.Background(), e, []string{"fake", "--profile", "large", "--seed", "5", "--merge", filepath.Join(dir, "0"), "--merge", filepath.Join(dir, "1"), "--quiet"}); err != nil {
		t.Errorf("--merge with the shards' own profile and seed: %v", err)
	}
	out.Reset()
	if err := bench.Run(context.Background(), e, []string{"fake", "--merge", filepath.Join(dir, "0"), "--merge", filepath.Join(dir, "1"), "--json"}); err != nil {
		t.Fatal(err)
	}
	var merged suite.Report
	if err := json.Unmarshal(out.Bytes(), &merged); err != nil {
		t.Fatal(err)
	}
	whole := run(t, s, "large", 5, suite.Shard{})
	var compact bytes.Buffer
	json.Compact(&compact, merged.Rows)
	if !bytes.Equal(compact.Bytes(), whole.Rows) {
		t.Fatalf("merged on the command line: %s, whole %s", merged.Rows, whole.Rows)
	}
	// A CPU profile of a run, in pprof's gzipped format.
	prof := filepath.Join(dir, "cpu.pprof")
	if err := bench.Run(context.Background(), e, []string{"fake", "--cpuprofile", prof, "--quiet"}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(prof); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("--cpuprofile wrote %d bytes (%v), want a gzipped profile", len(b), err)
	}
	if err := bench.Run(context.Background(), e, []string{"fake", "--cpuprofile", filepath.Join(dir, "missing", "cpu.pprof")}); err == nil {
		t.Error("a profile into a missing directory was accepted")
	}
	// Whole runs of two seeds, compared across seeds.
	for _, seed := range []string{"1", "2"} {
		if err := bench.Run(context.Background(), e, []string{"fake", "--seed", seed, "--out", filepath.Join(dir, "seed"+seed), "--quiet"}); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	if err := bench.Run(context.Background(), e, []string{"fake", "--across", filepath.Join(dir, "seed2"), "--across", filepath.Join(dir, "seed1"), "--out", filepath.Join(dir, "across")}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "seed 1") || !strings.Contains(out.String(), "seed 2") {
		t.Fatalf("across-seed tables:\n%s", out.String())
	}
	if err := bench.Run(context.Background(), e, []string{"fake", "--profile", "small", "--across", filepath.Join(dir, "seed1"), "--across", filepath.Join(dir, "seed2")}); err != nil {
		t.Errorf("--across with the reports' own profile: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "across", suite.SpreadFile)); err != nil {
		t.Fatal(err)
	}
	usage := [][]string{
		{"fake", "--across", filepath.Join(dir, "seed1"), "--merge", filepath.Join(dir, "0")},
		{"fake", "--across", filepath.Join(dir, "seed1"), "--shard", "0/2"},
		{"fake", "--profile", "large", "--across", filepath.Join(dir, "seed1"), "--across", filepath.Join(dir, "seed2")},
		{"fake", "--seed", "3", "--across", filepath.Join(dir, "seed1"), "--across", filepath.Join(dir, "seed2")},
		{"fake", "--profile", "small", "--merge", filepath.Join(dir, "0"), "--merge", filepath.Join(dir, "1")},
		{"fake", "--seed", "9", "--merge", filepath.Join(dir, "0"), "--merge", filepath.Join(dir, "1")},
		{"fake", "--profile", "huge"},
		{"fake", "--shard", "2/2"},
		{"fake", "--workers", "-1"},
		{"fake", "stray"},
		{"fake", "--merge", filepath.Join(dir, "0"), "--shard", "0/2"},
	}
	for _, args := range usage {
		if err := bench.Run(context.Background(), e, args); !cli.IsUsage(err) {
			t.Errorf("bench %v: %v, want a usage error", args, err)
		}
	}
	if err := bench.Run(context.Background(), e, []string{"fake", "--merge", filepath.Join(dir, "0")}); err == nil || !strings.Contains(err.Error(), "missing shard 1/2") {
		t.Errorf("merge of one shard: %v", err)
	}
	// Two commands of one name are refused.
	dup := suite.Registry{Suites: []*suite.Suite{s}, Benches: []cli.Command{{Name: "fake"}}}
	if _, err := dup.Commands(); err == nil {
		t.Error("a bench named like a suite was accepted")
	}
}

// Example shows a sharded run merged back into the whole run's rows.
func Example() {
	s := fake()
	var shards []*suite.Report
	for i := range 3 {
		r, _ := s.Run(context.Background(), suite.Options{Profile: "small", Seed: 1, Shard: suite.Shard{Index: i, Count: 3}})
		shards = append(shards, r)
	}
	merged, _ := s.Merge(shards)
	fmt.Println(string(merged.Rows))
	// Output: {"units":[0,1,2,3,4],"value":[1000,1001,1004,1009,1016]}
}

// ExampleSuite_Across compares whole runs of two seeds.
func ExampleSuite_Across() {
	s := fake()
	var runs []*suite.Report
	for _, seed := range []uint64{2, 1} {
		r, _ := s.Run(context.Background(), suite.Options{Profile: "small", Seed: seed})
		runs = append(runs, r)
	}
	sp, _ := s.Across(runs)
	t := sp.Tables[0]
	fmt.Println(sp.Seeds, t.Header)
	fmt.Println(t.Rows[2])
	// Output:
	// [1 2] [unit seed 1 seed 2]
	// [2 1004 2004]
}

// TestSetupResolvesOnce: the harness looks the profile up and makes the
// configuration once per run, and hands Run the scale's configuration
// and its key; a bad profile or data is a one-line usage error before any
// work.
func TestSetupResolvesOnce(t *testing.T) {
	var configs, runs int
	var got suite.Setup[fakeConfig]
	spec := suite.Spec[int, fakeConfig, int]{
		Name: "once", Default: "small",
		Profiles: []suite.Profile[int]{{Name: "small", Scale: 3}, {Name: "large", Scale: 7}},
		Config: func(o suite.Options, n int) (fakeConfig, error) {
			configs++
			if o.Data != "" {
				return fakeConfig{}, cli.Usagef("once: --data %q: no data", o.Data)
			}
			return fakeConfig{N: n}, nil
		},
		Run: func(_ context.Context, s suite.Setup[fakeConfig]) (int, error) {
			runs++
			got = s
			return s.Config.N, nil
		},
		Tables: func(int) []report.Table { return nil },
	}
	s := suite.New(spec)
	rep, err := s.Run(context.Background(), suite.Options{Profile: "large", Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if configs != 1 || runs != 1 {
		t.Errorf("one run made %d configurations and %d runs, want 1 and 1", configs, runs)
	}
	if got.Config.N != 7 || got.Seed != 4 || got.Profile != "large" || got.Key != suite.Key(fakeConfig{N: 7}) || rep.Config != got.Key {
		t.Errorf("Run got %+v, report config %s", got, rep.Config)
	}
	if scale, err := spec.Scale("small"); err != nil || scale != 3 {
		t.Errorf("Scale(small) = %d, %v", scale, err)
	}
	tests := []struct {
		name string
		o    suite.Options
		want string
	}{
		{"unknown profile", suite.Options{Profile: "huge"}, `once: unknown profile "huge" (want small, large)`},
		{"bad data", suite.Options{Profile: "small", Data: "x"}, `once: --data "x": no data`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs = 0
			_, err := s.Run(context.Background(), tt.o)
			if err == nil || err.Error() != tt.want || !cli.IsUsage(err) || runs != 0 {
				t.Errorf("error %v (runs %d), want the usage error %q and no run", err, runs, tt.want)
			}
		})
	}
}

// TestMemoryLimit: a profile's MemoryLimit is the runtime's soft memory
// limit while its run measures, and the limit before the run is restored
// after it; GOMEMLIMIT, when set, wins.
func TestMemoryLimit(t *testing.T) {
	var during int64
	s := suite.New(suite.Spec[int, fakeConfig, int]{
		Name: "limited", Default: "small",
		Profiles: []suite.Profile[int]{{Name: "small", Scale: 1, MemoryLimit: 3 << 30}, {Name: "free", Scale: 1}},
		Config:   func(_ suite.Options, n int) (fakeConfig, error) { return fakeConfig{N: n}, nil },
		Run: func(context.Context, suite.Setup[fakeConfig]) (int, error) {
			during = debug.SetMemoryLimit(-1) // -1 reads the limit without changing it
			return 0, nil
		},
		Tables: func(int) []report.Table { return nil },
	})
	before := debug.SetMemoryLimit(-1)
	run := func(profile string, workers int) int64 {
		t.Helper()
		if _, err := s.Run(context.Background(), suite.Options{Profile: profile, Seed: 1, Workers: workers}); err != nil {
			t.Fatal(err)
		}
		if after := debug.SetMemoryLimit(-1); after != before {
			t.Errorf("%s: the limit is %d after the run, %d before", profile, after, before)
		}
		return during
	}
	t.Setenv("GOMEMLIMIT", "")
	for _, tc := range []struct {
		workers int
		want    int64
	}{{1, 3 << 30}, {2, 3 << 30}, {6, 9 << 30}} {
		if got := run("small", tc.workers); got != tc.want {
			t.Errorf("small, %d workers: limit %d during the run, want %d", tc.workers, got, tc.want)
		}
	}
	if got := run("free", 2); got != before {
		t.Errorf("free: limit %d during the run, want the default %d", got, before)
	}
	t.Setenv("GOMEMLIMIT", "8GiB")
	if got := run("small", 2); got != before {
		t.Errorf("with GOMEMLIMIT: limit %d during the run, want %d", got, before)
	}
}
