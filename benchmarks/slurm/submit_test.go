package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/dirlock"
)

// fakeSlurm answers sbatch, scontrol and scancel from memory: sbatch hands
// out ids from 100 on, scontrol prints the records set in jobs.
type fakeSlurm struct {
	next  int
	calls []string
	jobs  map[string]string // id → `scontrol show job --oneliner` output
	fail  string            // a command whose call fails
}

func (f *fakeSlurm) run(_ context.Context, name string, args ...string) ([]byte, error) {
	call := name + " " + strings.Join(args, " ")
	f.calls = append(f.calls, call)
	if f.fail != "" && strings.HasPrefix(call, f.fail) {
		return nil, fmt.Errorf("%s: sbatch: error: Batch job submission failed: Invalid account", call)
	}
	switch name {
	case "sbatch":
		f.next++
		return []byte(strconv.Itoa(99+f.next) + "\n"), nil
	case "scancel":
		return nil, nil
	case "scontrol":
		id := args[len(args)-1]
		out, ok := f.jobs[id]
		if !ok {
			return nil, errors.New("scontrol show job: slurm_load_jobs error: Invalid job id specified")
		}
		return []byte(out), nil
	}
	return nil, fmt.Errorf("unexpected command %s", call)
}

func rec(id, arrayJob, task, state, reason string) string {
	s := "JobId=" + id
	if arrayJob != "" {
		s += " ArrayJobId=" + arrayJob + " ArrayTaskId=" + task
	}
	return s + " JobName=x UserId=root(0) JobState=" + state + " Reason=" + reason + " Dependency=(null) Command=/a b/c\n"
}

func testPlan(t *testing.T) Plan {
	p := basePlan()
	p.Dir, p.Cache, p.Prepare = t.TempDir(), "/shared/cache", true
	if _, err := p.Write(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseJobID(t *testing.T) {
	for in, want := range map[string]string{"123\n": "123", "123;cluster-a\n": "123", " 7 ": "7"} {
		if got, err := ParseJobID([]byte(in)); err != nil || got != want {
			t.Errorf("ParseJobID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "\n", "Submitted batch job 5", "12a", ";x", "123456789012345678901"} {
		if got, err := ParseJobID([]byte(bad)); err == nil {
			t.Errorf("ParseJobID(%q) = %q, want an error", bad, got)
		}
	}
}

// The records of a 4-task array whose pending task 2 was cancelled, as
// Slurm 22.05 prints them (shortened).
const scontrolArray = `JobId=7 ArrayJobId=7 ArrayTaskId=3 JobName=wrap UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null) WorkDir=/tmp/slurmtry
JobId=10 ArrayJobId=7 ArrayTaskId=1 JobName=wrap UserId=root(0) JobState=COMPLETED Reason=None Dependency=(null)
JobId=9 ArrayJobId=7 ArrayTaskId=0 JobName=wrap UserId=root(0) JobState=RUNNING Reason=None Dependency=(null)
JobId=11 ArrayJobId=11 ArrayTaskId=4-6,8%2 JobName=wrap JobState=PENDING Reason=Dependency Dependency=afterok:6(unfulfilled)
`

func TestParseJobs(t *testing.T) {
	got := ParseJobs([]byte(scontrolArray))
	want := []Job{
		{ID: "7", ArrayJob: "7", ArrayTask: "3", State: "COMPLETED", Reason: "None"},
		{ID: "10", ArrayJob: "7", ArrayTask: "1", State: "COMPLETED", Reason: "None"},
		{ID: "9", ArrayJob: "7", ArrayTask: "0", State: "RUNNING", Reason: "None"},
		{ID: "11", ArrayJob: "11", ArrayTask: "4-6,8%2", State: "PENDING", Reason: "Dependency"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ParseJobs = %+v\nwant %+v", got, want)
	}
	if !slices.Equal(got[3].Tasks(), []int{4, 5, 6, 8}) || !slices.Equal(got[0].Tasks(), []int{3}) {
		t.Errorf("Tasks: %v, %v", got[3].Tasks(), got[0].Tasks())
	}
	if got[2].Done() || !got[0].Done() {
		t.Error("Done: RUNNING counts as ended or COMPLETED does not")
	}
}

func TestSubmitChainsTheJobs(t *testing.T) {
	p := testPlan(t)
	f := &fakeSlurm{}
	s, err := Client{Run: f.run}.Submit(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"sbatch --parsable " + filepath.Join(p.Dir, "prepare.sh"),
		"sbatch --parsable --dependency=afterok:100 " + filepath.Join(p.Dir, "shards.sh"),
		"sbatch --parsable --dependency=afterok:101 " + filepath.Join(p.Dir, "merge.sh"),
	}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(f.calls, "\n"), strings.Join(want, "\n"))
	}
	if s.Prepare != "100" || s.Array != "101" || s.Merge != "102" {
		t.Errorf("submission %+v", s)
	}
	back, err := ReadSubmission(p.Dir)
	if err != nil || back.Merge != "102" || back.Shards != 4 || back.Cache != "/shared/cache" {
		t.Errorf("recorded %+v, %v", back, err)
	}
}

func TestSubmitCancelsOnFailure(t *testing.T) {
	p := testPlan(t)
	f := &fakeSlurm{fail: "sbatch --parsable --dependency=afterok:101"}
	_, err := Client{Run: f.run}.Submit(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "Invalid account") || !strings.Contains(err.Error(), "cancelled jobs 100, 101") {
		t.Fatalf("error %v", err)
	}
	if !slices.Contains(f.calls, "scancel 101") || !slices.Contains(f.calls, "scancel 100") {
		t.Errorf("calls %q: want both jobs cancelled", f.calls)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, JobsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed submission was recorded: %v", err)
	}
}

func TestResubmit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		jobs      map[string]string
		wantCalls []string
		wantErr   string
	}{
		{
			name: "after the run ended",
			jobs: map[string]string{
				"100": rec("100", "", "", "COMPLETED", "None"),
				"101": rec("101", "101", "0", "COMPLETED", "None") + rec("104", "101", "1", "COMPLETED", "None") + rec("105", "101", "3", "COMPLETED", "None"),
				"102": rec("102", "", "", "PENDING", "DependencyNeverSatisfied"),
			},
			wantCalls: []string{"scancel 102", "sbatch --parsable --array=2 DIR/shards.sh", "sbatch --parsable --dependency=afterok:103 DIR/merge.sh"},
		},
		{
			name: "while the prepare job runs",
			jobs: map[string]string{
				"100": rec("100", "", "", "RUNNING", "None"),
				"101": rec("101", "101", "0-1,3", "PENDING", "Dependency"),
				"102": rec("102", "", "", "PENDING", "Dependency"),
			},
			wantCalls: []string{"scancel 102", "sbatch --parsable --array=2 --dependency=afterok:100 DIR/shards.sh", "sbatch --parsable --dependency=afterok:103,afterany:101 DIR/merge.sh"},
		},
		{
			name: "forgotten jobs, merge already failed",
			jobs: map[string]string{"102": rec("102", "", "", "CANCELLED", "DependencyNeverSatisfied")},
			// Nothing to wait for and nothing to cancel.
			wantCalls: []string{"sbatch --parsable --array=2 DIR/shards.sh", "sbatch --parsable --dependency=afterok:103 DIR/merge.sh"},
		},
		{
			name:    "prepare failed",
			jobs:    map[string]string{"100": rec("100", "", "", "FAILED", "NonZeroExitCode")},
			wantErr: "prepare job 100 ended FAILED",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPlan(t)
			if _, err := (Client{Run: (&fakeSlurm{}).run}).Submit(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			f := &fakeSlurm{next: 3, jobs: tc.jobs}
			s, err := Client{Run: f.run}.Resubmit(context.Background(), p, "2")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var calls []string
			for _, c := range f.calls {
				if !strings.HasPrefix(c, "scontrol") {
					calls = append(calls, strings.ReplaceAll(c, p.Dir, "DIR"))
				}
			}
			if !slices.Equal(calls, tc.wantCalls) {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(tc.wantCalls, "\n"))
			}
			if s.LastMerge() != "104" || !slices.Equal(s.Arrays(), []string{"101", "103"}) {
				t.Errorf("submission %+v", s)
			}
			back, err := ReadSubmission(p.Dir)
			if err != nil || len(back.Resubmits) != 1 || back.Resubmits[0] != (Resubmit{Tasks: "2", Array: "103", Merge: "104"}) {
				t.Errorf("recorded %+v, %v", back, err)
			}
		})
	}
}

func TestResubmitRefusesAnotherRun(t *testing.T) {
	p := testPlan(t)
	if _, err := (Client{Run: (&fakeSlurm{}).run}).Submit(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	p.Profile = "quick"
	_, err := Client{Run: (&fakeSlurm{}).run}.Resubmit(context.Background(), p, "1")
	if err == nil || !strings.Contains(err.Error(), "give the same flags") {
		t.Fatalf("error %v", err)
	}
}

func TestWait(t *testing.T) {
	never := map[string]string{
		"100": rec("100", "", "", "COMPLETED", "None"),
		"101": rec("101", "101", "0", "COMPLETED", "None") + rec("104", "101", "1", "FAILED", "NonZeroExitCode") + rec("105", "101", "3", "COMPLETED", "None"),
		"102": rec("102", "", "", "PENDING", "DependencyNeverSatisfied"),
	}
	for _, tc := range []struct {
		name    string
		jobs    map[string]string
		wantErr string
	}{
		{"completed", map[string]string{"102": rec("102", "", "", "COMPLETED", "None")}, ""},
		{"never runs", never, "shard tasks 1 FAILED, 2 without a record (cancelled before it started?); resubmit them with --resubmit 1,2"},
		{"merge failed", map[string]string{"102": rec("102", "", "", "FAILED", "NonZeroExitCode")}, "merge job 102 ended FAILED (log "},
		{"prepare failed", map[string]string{
			"100": rec("100", "", "", "FAILED", "NonZeroExitCode"),
			"102": rec("102", "", "", "PENDING", "DependencyNeverSatisfied"),
		}, "prepare job 100 ended FAILED"},
		{"prepare failed and forgotten", map[string]string{
			"101": rec("101", "101", "0-3", "PENDING", "DependencyNeverSatisfied"),
			"102": rec("102", "", "", "PENDING", "Dependency"),
		}, "shard array 101 can never start, the prepare job 100 failed (log "},
		{"forgotten", map[string]string{}, "merge job 102 is unknown to Slurm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPlan(t)
			s := &Submission{Suite: p.Suite, Profile: p.Profile, Shards: 4, Prepare: "100", Array: "101", Merge: "102"}
			err := Client{Run: (&fakeSlurm{jobs: tc.jobs}).run}.Wait(context.Background(), p, s)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if tc.name == "never runs" && !errors.Is(err, ErrNeverRuns) {
				t.Errorf("error %v does not wrap ErrNeverRuns", err)
			}
		})
	}
}

func TestParseTasks(t *testing.T) {
	for in, want := range map[string]string{"2": "2", "3,1": "1,3", "0,3": "0,3"} {
		if got, err := ParseTasks(in, 4); err != nil || got != want {
			t.Errorf("ParseTasks(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "4", "-1", "1,1", "1-2", "a", "1,"} {
		if got, err := ParseTasks(bad, 4); err == nil {
			t.Errorf("ParseTasks(%q) = %q, want an error", bad, got)
		}
	}
}

// TestCommandBadInput runs the command line on bad input: each gives one
// line on stderr and exit status 2, before anything is written.
func TestCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "slurm: give a suite first (want fake, whole)"},
		{[]string{"--shards", "4"}, "give a suite first"},
		{[]string{"nope"}, `slurm: unknown suite "nope" (want fake, whole)`},
		{[]string{"fake", "--profile", "huge"}, `slurm: fake: unknown profile "huge" (want smoke, full)`},
		{[]string{"whole", "--shards", "4"}, "slurm: whole does not split into shards"},
		{[]string{"fake", "--data", "x"}, `slurm: fake: no real data (got --data "x")`},
		{[]string{"fake", "--shards", "1"}, "slurm: --shards 1 is out of range [2, 1000]"},
		{[]string{"fake", "--shards", "x"}, `invalid value "x" for flag -shards`},
		{[]string{"fake", "--shards", "100001"}, "--shards 100001 is out of range"},
		{[]string{"fake", "--time", "1:2:3:4"}, `slurm: --time "1:2:3:4": too many fields`},
		{[]string{"fake", "--time", "0"}, `slurm: --time "0": not positive`},
		{[]string{"fake", "--mem", "lots"}, `slurm: --mem "lots": want a positive count`},
		{[]string{"fake", "--cpus", "-2"}, "slurm: --cpus -2 is out of range"},
		{[]string{"fake", "--dir", "/tmp/has space"}, `slurm: --dir "/tmp/has space" holds " "`},
		{[]string{"fake", "--resubmit", "4", "--shards", "4"}, `slurm: --resubmit "4": want array indices in [0, 3]`},
		{[]string{"fake", "--wait"}, "slurm: --wait needs --submit or --resubmit"},
		{[]string{"fake", "--poll", "1ms"}, "slurm: --poll 1ms is out of range"},
		{[]string{"fake", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			f := &fakeSlurm{}
			cmd := command(fakeRegistry(), Client{Run: f.run})
			args := append(slices.Clone(tc.args), "--dir", filepath.Join(dir, "run"))
			if tc.args == nil || strings.HasPrefix(tc.args[0], "-") || tc.args[len(tc.args)-1] == "/tmp/has space" {
				args = tc.args
			}
			code := cli.ExitCode(&stderr, "metabench", cmd.Run(context.Background(), cli.Env{Stdout: &stdout, Stderr: &stderr}, args))
			msg := stderr.String()
			if code != 2 || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.want) {
				t.Errorf("exit %d, stderr %q: want 2 and one line with %q", code, msg, tc.want)
			}
			if len(f.calls) > 0 {
				t.Errorf("called Slurm: %q", f.calls)
			}
			if _, err := os.Stat(filepath.Join(dir, "run")); err == nil {
				t.Error("wrote the run's directory")
			}
		})
	}
}

func TestCommandWritesAndSubmits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	f := &fakeSlurm{}
	cmd := command(fakeRegistry(), Client{Run: f.run})
	var stdout bytes.Buffer
	e := cli.Env{Stdout: &stdout, Stderr: &stdout}
	args := []string{"fake", "--profile", "smoke", "--shards", "3", "--dir", dir, "--binary", "/opt/mb", "--time", "10"}
	if err := cmd.Run(context.Background(), e, args); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "wrote "+filepath.Join(dir, "shards.sh")) || len(f.calls) > 0 {
		t.Fatalf("without --submit: output %q, calls %q", stdout.String(), f.calls)
	}
	b, err := os.ReadFile(filepath.Join(dir, "shards.sh"))
	if err != nil || !strings.Contains(string(b), "#SBATCH --array=0-2\n") || !strings.Contains(string(b), "--cache '"+dir+"/cache'") {
		t.Fatalf("shards.sh: %v\n%s", err, b)
	}
	for _, d := range []string{"logs", "results"} {
		if fi, err := os.Stat(filepath.Join(dir, d)); err != nil || !fi.IsDir() {
			t.Errorf("%s not made: %v", d, err)
		}
	}
	stdout.Reset()
	if err := cmd.Run(context.Background(), e, append(args, "--submit")); err != nil {
		t.Fatal(err)
	}
	if out := stdout.String(); !strings.Contains(out, "prepare job 100\nshard array 101 (tasks 0-2)\nmerge job 102\n") {
		t.Errorf("output %q", out)
	}
	// A second slurm command into a directory one holds is refused.
	unlock, err := dirlock.Lock(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Run(context.Background(), e, append(args, "--submit"))
	unlock()
	if err == nil || !strings.Contains(err.Error(), "in use by another metabench process") {
		t.Errorf("submission beside another: %v", err)
	}
	// A second --submit while the first run's jobs are queued is refused.
	f.jobs = map[string]string{"100": rec("100", "100", "0-2", "PENDING", "None")}
	err = cmd.Run(context.Background(), e, append(args, "--submit"))
	if err == nil || !strings.Contains(err.Error(), "job 100 of the run in "+dir+" is still queued or running") {
		t.Errorf("second submission: %v", err)
	}
}

// TestExec runs stand-ins of the Slurm clients from PATH: their output,
// their exit status and the words of scontrol for a job it does not know,
// which it prints on stdout or stderr.
func TestExec(t *testing.T) {
	if _, err := lookBash(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("sbatch", `echo "42;cluster-a"`)
	write("scontrol", `case "$4" in
1_5) echo "Job 1_5 not found"; exit 1;;
99) echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1;;
7) echo "JobId=7 JobName=x JobState=RUNNING Reason=None";;
*) echo "slurm_load_jobs error: Unable to contact slurm controller" >&2; exit 1;;
esac`)
	t.Setenv("PATH", dir)
	c := Client{Run: Exec}
	ctx := context.Background()
	if id, err := c.Sbatch(ctx, "/x/shards.sh", "--array=2"); err != nil || id != "42" {
		t.Errorf("Sbatch = %q, %v", id, err)
	}
	for _, id := range []string{"1_5", "99"} {
		if jobs, err := c.Jobs(ctx, id); err != nil || len(jobs) != 0 {
			t.Errorf("Jobs(%s) = %v, %v; want none, no error", id, jobs, err)
		}
	}
	if jobs, err := c.Jobs(ctx, "7"); err != nil || len(jobs) != 1 || jobs[0].State != "RUNNING" {
		t.Errorf("Jobs(7) = %v, %v", jobs, err)
	}
	if _, err := c.Jobs(ctx, "8"); err == nil || !strings.Contains(err.Error(), "Unable to contact slurm controller") {
		t.Errorf("Jobs(8): %v", err)
	}
	if err := c.Cancel(ctx, "7"); err == nil || !strings.Contains(err.Error(), "scancel not found on PATH") {
		t.Errorf("Cancel without scancel: %v", err)
	}
}

// TestCommandResubmitChecksTheRun: --resubmit with other flags than the
// submission's is refused before the scripts are rewritten.
func TestCommandResubmitChecksTheRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	f := &fakeSlurm{}
	cmd := command(fakeRegistry(), Client{Run: f.run})
	var out bytes.Buffer
	e := cli.Env{Stdout: &out, Stderr: &out}
	args := []string{"fake", "--profile", "smoke", "--shards", "3", "--dir", dir, "--binary", "/opt/mb"}
	if err := cmd.Run(context.Background(), e, append(args, "--submit")); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, ShardsScript))
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Run(context.Background(), e, []string{"fake", "--profile", "smoke", "--shards", "4", "--dir", dir, "--binary", "/opt/mb", "--resubmit", "1"})
	if !cli.IsUsage(err) || !strings.Contains(err.Error(), "--shards 3") || !strings.Contains(err.Error(), "give the same flags") {
		t.Fatalf("error %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, ShardsScript))
	if !bytes.Equal(before, after) {
		t.Error("a refused resubmission rewrote shards.sh")
	}
	// The same flags resubmit: index 1 alone, a new merge after it.
	f.calls, f.jobs = nil, map[string]string{"102": rec("102", "", "", "PENDING", "DependencyNeverSatisfied")}
	out.Reset()
	if err := cmd.Run(context.Background(), e, append(args, "--resubmit", "1")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "shard array 103 (tasks 1)\nmerge job 104 (replaces 102)\n") {
		t.Errorf("output %q", out.String())
	}
}

// TestCommandSeeds: --seeds lays out and submits one run per seed, each in
// its own directory with its own --seed, all on one cache, and says how
// to decide the claims over them.
func TestCommandSeeds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	f := &fakeSlurm{}
	cmd := command(fakeRegistry(), Client{Run: f.run})
	var stdout bytes.Buffer
	e := cli.Env{Stdout: &stdout, Stderr: &stdout}
	args := []string{"fake", "--profile", "smoke", "--shards", "2", "--seeds", "1,3", "--dir", dir, "--binary", "/opt/mb", "--submit"}
	if err := cmd.Run(context.Background(), e, args); err != nil {
		t.Fatal(err)
	}
	for _, seed := range []string{"1", "3"} {
		b, err := os.ReadFile(filepath.Join(dir, "seed-"+seed, "shards.sh"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "--seed "+seed+" --cache '"+dir+"/cache'") {
			t.Errorf("seed %s: shards.sh\n%s", seed, b)
		}
		sub, err := ReadSubmission(filepath.Join(dir, "seed-"+seed))
		if err != nil || sub.Merge == "" {
			t.Errorf("seed %s: submission %+v, %v", seed, sub, err)
		}
	}
	sbatch := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, "sbatch ") {
			sbatch++
		}
	}
	perSeed := 2 // shard array and merge job, and a prepare job if the suite has that stage
	if fakeRegistry().Suites[0].Prepares() {
		perSeed = 3
	}
	if sbatch != 2*perSeed {
		t.Errorf("%d sbatch calls, want %d: %q", sbatch, 2*perSeed, f.calls)
	}
	want := "metabench bench 'fake' --across '" + dir + "/seed-1/results/merged' --across '" + dir + "/seed-3/results/merged'"
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("output does not say %q:\n%s", want, stdout.String())
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--seeds", "1-2", "--seed", "4"}, "not both"},
		{[]string{"--seeds", "1-2", "--resubmit", "1"}, "one seed's run"},
		{[]string{"--seeds", "2-1"}, "--seeds"},
		{[]string{"--seeds", "1-2", "--wait"}, "--wait needs --submit"},
	}
	for _, b := range bad {
		a := append([]string{"fake", "--profile", "smoke", "--shards", "2", "--dir", t.TempDir(), "--binary", "/opt/mb"}, b.args...)
		err := cmd.Run(context.Background(), e, a)
		if err == nil || !strings.Contains(err.Error(), b.want) || !cli.IsUsage(err) {
			t.Errorf("%v: %v, want a usage error with %q", b.args, err, b.want)
		}
	}
}
