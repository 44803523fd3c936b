package slurm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/metabench/metabench/benchmarks/suite"
)

// The tests against a real Slurm run only with METABENCH_SLURM=1, on a
// machine where sbatch reaches a cluster: scripts/test-slurm.sh starts a
// single-node one (munged, slurmctld, slurmd on localhost) and runs them.
// TestClusterFake runs this package's fake suite through the test binary;
// TestClusterSuite a real suite (METABENCH_SLURM_SUITE, default imitation,
// profile smoke) through the metabench binary METABENCH_BIN.
const clusterEnv = "METABENCH_SLURM"

// metabench runs one command line of a metabench binary.
type metabench struct {
	bin string
	env []string
}

func (m metabench) run(t *testing.T, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, m.bin, args...)
	cmd.Env = append(os.Environ(), m.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

func (m metabench) must(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	out, err := m.run(t, ctx, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(m.bin), strings.Join(args, " "), err, out)
	}
	return out
}

func needCluster(t *testing.T) {
	t.Helper()
	if os.Getenv(clusterEnv) != "1" {
		t.Skipf("set %s=1 with a Slurm cluster reachable (scripts/test-slurm.sh starts one)", clusterEnv)
	}
	for _, c := range []string{"sbatch", "scontrol", "scancel"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Fatalf("%s=1 but %s is not on PATH", clusterEnv, c)
		}
	}
}

func TestClusterFake(t *testing.T) {
	needCluster(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	clusterRun(t, metabench{bin: self, env: []string{fakeMainEnv + "=1"}}, "fake", "full")
}

// TestClusterSeeds: --seeds submits a run per seed (prepare, 2 shards,
// merge each), waits for all of them and decides the claims over them.
func TestClusterSeeds(t *testing.T) {
	needCluster(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m := metabench{bin: self, env: []string{fakeMainEnv + "=1"}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	out := m.must(t, ctx, "slurm", "fake", "--profile", "smoke", "--shards", "2", "--seeds", "1-3", "--dir", dir, "--time", "10", "--poll", "250ms", "--submit", "--wait")
	for _, want := range []string{"seed 3: merge job", "Claims of fake, profile smoke, seeds 1-3", "holds"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	for seed := 1; seed <= 3; seed++ {
		if _, err := suite.ReadReport(filepath.Join(dir, fmt.Sprintf("seed-%d", seed), ResultsDir, MergedDir)); err != nil {
			t.Error(err)
		}
	}
}

func TestClusterSuite(t *testing.T) {
	needCluster(t)
	bin := os.Getenv("METABENCH_BIN")
	if bin == "" {
		t.Skip("set METABENCH_BIN to a metabench binary to run a real suite on the cluster")
	}
	name := os.Getenv("METABENCH_SLURM_SUITE")
	if name == "" {
		name = "imitation"
	}
	clusterRun(t, metabench{bin: bin}, name, "smoke")
}

// clusterRun checks `metabench slurm` end to end on a cluster: a 4-task
// array with its prepare and merge jobs gives the results and tables of an
// unsharded run on the cache the prepare job filled; then a second
// submission loses array index 2 to scancel while it runs,
// its merge can never run, a merge by hand refuses naming the shard, and
// `--resubmit 2` gives the same report again.
func clusterRun(t *testing.T, m metabench, name, profile string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	start := time.Now()
	// On a failure, show the jobs' logs before the directory goes.
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		logs, _ := filepath.Glob(filepath.Join(tmp, "*", "logs", "*.out"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			if len(b) > 3000 {
				b = b[len(b)-3000:]
			}
			t.Logf("== %s (end)\n%s", strings.TrimPrefix(l, tmp+"/"), b)
		}
	})

	cache := filepath.Join(tmp, "cache")
	slurmArgs := func(dir string, more ...string) []string {
		return append([]string{"slurm", name, "--profile", profile, "--shards", "4", "--dir", dir, "--cache", cache, "--time", "30", "--poll", "250ms"}, more...)
	}

	// 1. Submit and wait: prepare, 4 shard tasks, merge.
	t0 := time.Now()
	run1 := filepath.Join(tmp, "run1")
	out := m.must(t, ctx, slurmArgs(run1, "--submit", "--wait")...)
	ids := jobIDs(t, out)
	t.Logf("prepare, 4 shards, merge under Slurm: %s\n%s", time.Since(t0).Round(time.Second), out)
	for k := range 4 {
		log := filepath.Join(run1, "logs", "shards-"+ids["shard array"]+"_"+strconv.Itoa(k)+".out")
		if _, err := os.Stat(log); err != nil {
			t.Errorf("array task %d left no log: %v", k, err)
		}
	}
	// The reference: one unsharded run. It finds the datasets and models
	// the prepare job left in the cache (the suites' own tests check that
	// models from the cache give the results of models just trained), so
	// the work is done once.
	t2 := time.Now()
	ref := filepath.Join(tmp, "ref")
	m.must(t, ctx, "bench", name, "--profile", profile, "--cache", cache, "--json", "--quiet", "--out", ref)
	t.Logf("unsharded run on the same cache: %s", time.Since(t2).Round(time.Second))
	sameReport(t, ref, filepath.Join(run1, "results", "merged"))

	// 2. Kill index 2 with scancel while it runs.
	t1 := time.Now()
	run2 := filepath.Join(tmp, "run2")
	out = m.must(t, ctx, slurmArgs(run2, "--submit")...)
	ids = jobIDs(t, out)
	c := Client{Run: Exec, Poll: 250 * time.Millisecond}
	task := ids["shard array"] + "_2"
	for state := ""; state != "RUNNING"; {
		jobs, err := c.Jobs(ctx, task)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 1 && jobs[0].ArrayTask == "2" {
			state = jobs[0].State
		}
		if state != "" && state != "PENDING" && state != "RUNNING" {
			t.Fatalf("task %s ended %s before the test could cancel it", task, state)
		}
		if ctx.Err() != nil {
			t.Fatalf("task %s never ran", task)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := exec.CommandContext(ctx, "scancel", task).Run(); err != nil {
		t.Fatalf("scancel %s: %v", task, err)
	}
	sub, err := ReadSubmission(run2)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Wait(ctx, Plan{Dir: run2}, sub)
	if err == nil || !strings.Contains(err.Error(), "shard tasks 2 ") || !strings.Contains(err.Error(), "--resubmit 2") {
		t.Fatalf("waiting for the merge of an array without index 2: %v", err)
	}
	t.Logf("after scancel: %v", err)
	if _, err := os.Stat(filepath.Join(run2, "results", "merged")); err == nil {
		t.Fatal("a merged report without shard 2")
	}
	var merges []string
	for k := range 4 {
		merges = append(merges, "--merge", filepath.Join(run2, "results", "shard-"+strconv.Itoa(k)))
	}
	msg, err := m.run(t, ctx, append([]string{"bench", name}, merges...)...)
	if err == nil || !strings.Contains(msg, "shard-2") {
		t.Fatalf("merging without shard 2: %v: %s", err, msg)
	}

	// 3. Resubmit index 2 alone; the new merge job picks its report up.
	out = m.must(t, ctx, slurmArgs(run2, "--resubmit", "2", "--wait")...)
	t.Logf("scancel, resubmission, merge: %s\n%s", time.Since(t1).Round(time.Second), out)
	jobs, err := c.Jobs(ctx, ids["merge job"])
	if err != nil || len(jobs) != 1 || jobs[0].State != "CANCELLED" {
		t.Errorf("the first merge job: %+v, %v; want it cancelled", jobs, err)
	}
	sameReport(t, ref, filepath.Join(run2, "results", "merged"))
	t.Logf("total: %s", time.Since(start).Round(time.Second))
}

var jobLine = regexp.MustCompile(`(?m)^(prepare job|shard array|merge job) ([0-9]+)`)

// jobIDs reads the job ids `metabench slurm --submit` printed.
func jobIDs(t *testing.T, out string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, m := range jobLine.FindAllStringSubmatch(out, -1) {
		ids[m[1]] = m[2]
	}
	if ids["prepare job"] == "" || ids["shard array"] == "" || ids["merge job"] == "" {
		t.Fatalf("no job ids in the output:\n%s", out)
	}
	return ids
}

// resultKeys are the parts of a suite's rows that are its results, equal
// between any two runs of one configuration; the rest are measurements of
// speed (training and evaluation times, whether a model came from the
// cache). A suite not listed is compared whole. speedTables are the tables
// of such measurements.
var (
	resultKeys  = map[string][]string{"imitation": {"profile", "rows", "ensemble", "permutation", "data"}}
	speedTables = regexp.MustCompile(`throughput|speed`)
)

// results returns the result parts of a report's rows.
func results(t *testing.T, r *suite.Report) map[string]json.RawMessage {
	t.Helper()
	keys, ok := resultKeys[r.Suite]
	if !ok {
		return map[string]json.RawMessage{"(all)": r.Rows}
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(r.Rows, &all); err != nil {
		t.Fatalf("rows of %s: %v", r.Suite, err)
	}
	out := map[string]json.RawMessage{}
	for _, k := range keys {
		if all[k] == nil {
			t.Fatalf("rows of %s have no %q", r.Suite, k)
		}
		out[k] = all[k]
	}
	return out
}

// sameReport checks that a merged results directory has the results and
// result tables (CSV files, byte for byte) of an unsharded run's.
func sameReport(t *testing.T, want, got string) {
	t.Helper()
	w, err := suite.ReadReport(want)
	if err != nil {
		t.Fatal(err)
	}
	g, err := suite.ReadReport(got)
	if err != nil {
		t.Fatal(err)
	}
	if g.Merged != 4 || w.Merged != 0 || g.Config != w.Config {
		t.Errorf("merged %d shards (want 4) of configuration %s (unsharded %s)", g.Merged, g.Config, w.Config)
	}
	wr, gr := results(t, w), results(t, g)
	same := true
	for k, v := range wr {
		if !jsonEqual(v, gr[k]) {
			same = false
			t.Errorf("merged rows %s differ from the unsharded run's:\n%s\nwant\n%s", k, gr[k], v)
		}
	}
	csvs := func(dir string) []string {
		m, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		for i := range m {
			m[i] = filepath.Base(m[i])
		}
		return m
	}
	names := csvs(want)
	if len(names) == 0 || !slices.Equal(names, csvs(got)) {
		t.Fatalf("tables %q, want %q", csvs(got), names)
	}
	compared := 0
	for _, n := range names {
		if speedTables.MatchString(n) {
			continue
		}
		a, err1 := os.ReadFile(filepath.Join(want, n))
		b, err2 := os.ReadFile(filepath.Join(got, n))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			same = false
			t.Errorf("table %s differs from the unsharded run's (%v, %v):\n%s\nwant\n%s", n, err1, err2, b, a)
		}
		compared++
	}
	if compared == 0 {
		t.Error("no result tables to compare")
	}
	if same {
		t.Logf("merged report equals the unsharded run's: %d result tables, rows %v", compared, slices.Sorted(maps.Keys(wr)))
	}
}

// jsonEqual compares two JSON encodings byte for byte after compaction.
func jsonEqual(a, b []byte) bool {
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}
