package suite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

// effectRows are one run of the effect suite: per claim, the paired
// per-item differences of its two arms.
type effectRows struct {
	Items [][]float64 `json:"items"`
}

// known are the effect suite's claims with their true effects: what the
// harness must find over seeds 1-5.
var known = []struct {
	claim  claims.Claim
	effect float64 // true effect
	spread float64 // how much a seed moves it
	want   claims.Verdict
}{
	{claims.Claim{ID: "clear", Statement: "A beats B by far.", Effect: "A − B", Unit: "points", Direction: claims.Positive, Budget: "equal"}, 2, 0.3, claims.Holds},
	{claims.Claim{ID: "zero", Statement: "C beats D.", Effect: "C − D", Unit: "points", Direction: claims.Positive, Budget: "equal"}, 0, 0.5, claims.NotShown},
	{claims.Claim{ID: "reversed", Statement: "E beats F.", Effect: "E − F", Unit: "points", Direction: claims.Positive, Budget: "equal"}, -2, 0.3, claims.Contradicted},
	{claims.Claim{ID: "tiny", Statement: "G beats H.", Effect: "G − H", Unit: "points", Direction: claims.Positive, Primary: true, Margin: 1, Budget: "equal"}, 0.01, 0.1, claims.Equivalent},
}

// seedShift is how seed s moves every effect, in units of the claim's
// spread: centred on zero over seeds 1-5, so that a zero effect stays
// zero on average.
func seedShift(seed uint64) float64 {
	return []float64{0.8, -0.6, 0.2, -1.0, 0.6}[(seed-1)%5]
}

// effectSuite is a suite whose effects are known: each run's items are
// the claim's effect, moved by the seed, plus symmetric item noise.
func effectSuite() *suite.Suite {
	var cs []claims.Claim
	for _, k := range known {
		cs = append(cs, k.claim)
	}
	return suite.New(suite.Spec[struct{}, uint64, effectRows]{
		Name: "effect", Summary: "a suite whose effects are known", Default: "small",
		Profiles: []suite.Profile[struct{}]{{Name: "small", Expected: 1}},
		Config:   func(o suite.Options, _ struct{}) (uint64, error) { return o.Seed, nil },
		Run: func(ctx context.Context, o suite.Setup[uint64]) (effectRows, error) {
			var r effectRows
			for _, k := range known {
				v := k.effect + k.spread*seedShift(o.Seed)
				var items []float64
				for i := range 20 {
					noise := float64(i%5) - 2 // −2 … 2, mean 0
					items = append(items, v+noise*(k.spread+0.5))
				}
				r.Items = append(r.Items, items)
			}
			return r, nil
		},
		Tables: func(r effectRows) []report.Table { return nil },
		Claims: cs,
		Measure: func(r effectRows) ([]claims.Measurement, error) {
			var ms []claims.Measurement
			for i, k := range known {
				ms = append(ms, claims.Measurement{Claim: k.claim.ID, Value: claims.Mean(r.Items[i]), Items: r.Items[i]})
			}
			return ms, nil
		},
	})
}

func benchCmd(t *testing.T, s *suite.Suite) func(args ...string) (string, error) {
	t.Helper()
	cmds, err := suite.Registry{Suites: []*suite.Suite{s}}.Commands()
	if err != nil {
		t.Fatal(err)
	}
	bench, _ := cli.Find(cmds, "bench")
	return func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := bench.Run(context.Background(), cli.Env{Stdout: &out, Stderr: &errb}, append([]string{s.Name(), "--quiet", "--cache", t.TempDir()}, args...))
		return out.String(), err
	}
}

// TestClaimsContract runs the effect suite over five seeds through the
// command line: a clear positive effect holds, a zero one is not shown, a
// reversed one is contradicted and a tiny one with a margin is equivalent.
func TestClaimsContract(t *testing.T) {
	bench := benchCmd(t, effectSuite())
	out, err := bench("--seeds", "1-5", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var sp suite.Spread
	if err := json.Unmarshal([]byte(out), &sp); err != nil {
		t.Fatal(err)
	}
	if len(sp.Claims) != len(known) || !slices.Equal(sp.Seeds, []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("%d claims over seeds %v", len(sp.Claims), sp.Seeds)
	}
	for i, k := range known {
		r := sp.Claims[i]
		if r.Claim.ID != k.claim.ID || r.Verdict != k.want || r.N != 5 {
			t.Errorf("%s: verdict %q over n %d, want %q", r.Claim.ID, r.Verdict, r.N, k.want)
		}
		if d := *r.Mean - k.effect; d*d > 1e-18 {
			t.Errorf("%s: mean %g, true effect %g", r.Claim.ID, *r.Mean, k.effect)
		}
	}
	text, err := bench("--seeds", "1-5")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range known {
		if !lineWith(text, k.claim.ID+" (points)", string(k.want)) {
			t.Errorf("the claims table has no line with %s and %q:\n%s", k.claim.ID, k.want, text)
		}
	}
	for _, col := range claims.TableHeader {
		if !strings.Contains(text, strings.ToUpper(col)) && !strings.Contains(text, col) {
			t.Errorf("the claims table has no column %q", col)
		}
	}
}

func lineWith(text string, subs ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(line, s)
		}
		if all {
			return true
		}
	}
	return false
}

func TestOneSeedWarns(t *testing.T) {
	bench := benchCmd(t, effectSuite())
	dir := t.TempDir()
	for _, args := range [][]string{{"--seeds", "3", "--out", dir}, {"--seed", "3"}} {
		out, err := bench(args...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "one seed is no verdict") || !lineWith(out, "clear (points)", "(within run)", string(claims.OneSeed)) {
			t.Errorf("%v: no warning or within-run interval:\n%s", args, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "seed-3", suite.ClaimsCSV)); err != nil {
		t.Errorf("--seeds 3 --out: %v", err)
	}
	out, err := bench("--seed", "3", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep suite.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Format != suite.FormatVersion || len(rep.Claims) != len(known) || rep.Claims[0].Interval != claims.IntervalBootstrap {
		t.Errorf("report format %d with %d claims (%+v)", rep.Format, len(rep.Claims), rep.Claims)
	}
}

// TestSeedsThenAcross: the seeds' results directories, compared with
// --across, give the claims of the --seeds run; the CSVs are written.
func TestSeedsThenAcross(t *testing.T) {
	bench := benchCmd(t, effectSuite())
	dir := t.TempDir()
	seedsOut, err := bench("--seeds", "1-3", "--json", "--out", dir)
	if err != nil {
		t.Fatal(err)
	}
	acrossOut, err := bench("--json", "--across", filepath.Join(dir, "seed-1"), "--across", filepath.Join(dir, "seed-3"), "--across", filepath.Join(dir, "seed-2"))
	if err != nil {
		t.Fatal(err)
	}
	if seedsOut != acrossOut {
		t.Errorf("--seeds gives\n%s\n--across gives\n%s", seedsOut, acrossOut)
	}
	// Every claim gets its dot chart over the seeds; a single run none.
	for _, f := range []string{suite.SpreadFile, suite.ClaimsCSV, suite.ClaimsLegendCSV, "seed-2/report.json", "seed-2/" + suite.ClaimsCSV,
		"claim-clear.png", "claim-zero.png", "claim-reversed.png", "claim-tiny.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "seed-2", "claim-*.png")); len(m) > 0 {
		t.Errorf("one run drew %v", m)
	}
}

func TestAcrossSaysWhenBuildsDiffer(t *testing.T) {
	s := effectSuite()
	var reps []*suite.Report
	for seed := uint64(1); seed <= 3; seed++ {
		r, err := s.Run(context.Background(), suite.Options{Profile: "small", Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	sp, err := s.Across(reps)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Notes) != 0 {
		t.Fatalf("notes for runs of one build: %v", sp.Notes)
	}
	reps[1].Build.CPU = "another CPU"
	reps[2].Build.Commit = "0123456789abcdef"
	if sp, err = s.Across(reps); err != nil {
		t.Fatal(err)
	}
	if len(sp.Notes) != 2 || !strings.Contains(sp.Notes[0], "0123456789ab") || !strings.Contains(sp.Notes[1], "seed 2: another CPU") {
		t.Errorf("notes %q", sp.Notes)
	}
	tables := s.ClaimsTables(sp.Profile, sp.Seeds, sp.Claims, sp.Notes)
	if !strings.Contains(tables[0].Title, "different CPU models") {
		t.Errorf("claims table title %q", tables[0].Title)
	}
	// Targets: a build for another one is noted; a report from before
	// builds recorded their target is not a difference by that absence.
	reps[1].Build.CPU, reps[2].Build.Commit = reps[0].Build.CPU, reps[0].Build.Commit
	for _, tt := range []struct {
		targets [3]string
		note    string
	}{
		{[3]string{"amd64 v1", "amd64 v1", "amd64 v1"}, ""},
		{[3]string{"amd64 v1", "", "amd64 v1"}, ""},
		{[3]string{"amd64 v1", "amd64 v3", "amd64 v1"}, "seed 2: " + reps[0].Build.Version},
	} {
		for i := range reps {
			reps[i].Build.Target = tt.targets[i]
		}
		if sp, err = s.Across(reps); err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(sp.Notes, "\n")
		if (tt.note == "") != (notes == "") || !strings.Contains(notes, tt.note) || (tt.note != "" && !strings.Contains(notes, "amd64 v3")) {
			t.Errorf("targets %q: notes %q", tt.targets, notes)
		}
	}
}

func TestSeedsFlagRefuses(t *testing.T) {
	bench := benchCmd(t, effectSuite())
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--seeds", "1-3", "--seed", "2"}, "not both"},
		{[]string{"--seeds", "3-1"}, "a <= b"},
		{[]string{"--seeds", "1,2,1"}, "given twice"},
		{[]string{"--seeds", "x"}, "not a seed"},
		{[]string{"--seeds", "1-3", "--shard", "0/2"}, "not both"},
		{[]string{"--seeds", "1-3", "--across", "x"}, "without --merge and --across"},
	}
	plain := benchCmd(t, fake())
	if _, err := plain("--seeds", "1-2"); err != nil {
		t.Errorf("a suite with across-seed tables and no claims: %v", err)
	}
	noClaims := suite.New(suite.Spec[struct{}, uint64, int]{
		Name: "plain", Default: "small", Profiles: []suite.Profile[struct{}]{{Name: "small", Expected: 1}},
		Config: func(o suite.Options, _ struct{}) (uint64, error) { return o.Seed, nil },
		Run: func(context.Context, suite.Setup[uint64]) (int, error) {
			t.Error("ran a seed it cannot compare")
			return 0, nil
		},
		Tables: func(int) []report.Table { return nil },
	})
	if _, err := benchCmd(t, noClaims)("--seeds", "1-2"); err == nil || !strings.Contains(err.Error(), "no claims and no across-seed tables") {
		t.Errorf("a suite without claims or across-seed tables: %v", err)
	}
	for _, tt := range tests {
		_, err := bench(tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %v, want one line with %q", tt.args, err, tt.want)
		}
	}
}

func TestFormatSeeds(t *testing.T) {
	for _, tt := range []struct {
		seeds []uint64
		want  string
	}{
		{nil, ""},
		{[]uint64{3}, "3"},
		{[]uint64{1, 2}, "1, 2"},
		{[]uint64{1, 2, 3}, "1-3"},
		{[]uint64{1, 2, 5, 6, 7, 9}, "1, 2, 5-7, 9"},
		{[]uint64{4, 5, 6, 7, 8, 10, 11, 12}, "4-8, 10-12"},
	} {
		got := suite.FormatSeeds(tt.seeds)
		if got != tt.want {
			t.Errorf("FormatSeeds(%v) = %q, want %q", tt.seeds, got, tt.want)
		}
		if len(tt.seeds) == 0 {
			continue
		}
		if back, err := suite.ParseSeeds(got); err != nil || !slices.Equal(back, tt.seeds) {
			t.Errorf("ParseSeeds(%q) = %v, %v; want %v", got, back, err, tt.seeds)
		}
	}
}

func TestParseSeeds(t *testing.T) {
	tests := []struct {
		in   string
		want []uint64
	}{
		{"1-5", []uint64{1, 2, 3, 4, 5}},
		{"1,3,7-9", []uint64{1, 3, 7, 8, 9}},
		{"4", []uint64{4}},
		{"9, 2", []uint64{2, 9}},
		{"0-0", []uint64{0}},
		{"", nil},
		{"1-", nil},
		{"-3", nil},
		{"1-2000", nil},
		{"2-2,2", nil},
	}
	for _, tt := range tests {
		got, err := suite.ParseSeeds(tt.in)
		if (err == nil) != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("ParseSeeds(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func ExampleParseSeeds() {
	seeds, err := suite.ParseSeeds("1,3,7-9")
	fmt.Println(seeds, err)
	// Output: [1 3 7 8 9] <nil>
}

// TestFailingMeasureKeepsTheRun: a Measure that fails on a run's rows
// leaves the report with its rows and the reason, and --across refuses.
func TestFailingMeasureKeepsTheRun(t *testing.T) {
	s := suite.New(suite.Spec[struct{}, uint64, effectRows]{
		Name: "broken", Default: "small", Profiles: []suite.Profile[struct{}]{{Name: "small", Expected: 1}},
		Config: func(o suite.Options, _ struct{}) (uint64, error) { return o.Seed, nil },
		Run: func(ctx context.Context, o suite.Setup[uint64]) (effectRows, error) {
			return effectRows{Items: [][]float64{{1}}}, nil
		},
		Tables:  func(r effectRows) []report.Table { return nil },
		Claims:  []claims.Claim{{ID: "c", Direction: claims.Positive}},
		Measure: func(r effectRows) ([]claims.Measurement, error) { return nil, fmt.Errorf("no arm B in these rows") },
	})
	var reps []*suite.Report
	for seed := uint64(1); seed <= 2; seed++ {
		r, err := s.Run(context.Background(), suite.Options{Profile: "small", Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Rows) == 0 || r.Claims != nil || !strings.Contains(r.ClaimsError, "no arm B") {
			t.Fatalf("report rows %s, claims %v, error %q", r.Rows, r.Claims, r.ClaimsError)
		}
		reps = append(reps, r)
	}
	if _, err := s.Across(reps); err == nil || !strings.Contains(err.Error(), "no arm B") {
		t.Errorf("across: %v", err)
	}
}
