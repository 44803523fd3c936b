package slurm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/metabench/metabench/internal/atomicfile"
)

// Runner runs one Slurm client command (sbatch, scontrol, scancel) and
// returns its standard output. Tests replace it; Exec is the real one.
type Runner func(ctx context.Context, name string, args ...string) ([]byte, error)

// Exec runs name from PATH. A failure carries the command's standard error
// in one line.
func Exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%s not found on PATH: run this on a Slurm login node", name)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.Join(strings.Fields(stderr.String()), " ")
		if msg == "" { // scontrol says some things on stdout
			msg = strings.Join(strings.Fields(string(out)), " ")
		}
		if msg == "" {
			msg = err.Error()
		}
		return out, fmt.Errorf("%s %s: %s", name, strings.Join(args, " "), msg)
	}
	return out, nil
}

// Client talks to Slurm through its command-line clients.
type Client struct {
	Run  Runner
	Poll time.Duration // Wait's polling interval; 0: 2 s
}

// ParseJobID reads the job id from the output of `sbatch --parsable`:
// "12345" or "12345;cluster".
func ParseJobID(out []byte) (string, error) {
	s := strings.TrimSpace(string(out))
	id, _, _ := strings.Cut(s, ";")
	if id == "" || len(id) > 20 || strings.Trim(id, "0123456789") != "" {
		return "", fmt.Errorf("sbatch --parsable printed %q, not a job id", firstLine(s))
	}
	return id, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// Sbatch submits script with extra sbatch options and returns the job id.
func (c Client) Sbatch(ctx context.Context, script string, opts ...string) (string, error) {
	args := append(append([]string{"--parsable"}, opts...), script)
	out, err := c.Run(ctx, "sbatch", args...)
	if err != nil {
		return "", err
	}
	return ParseJobID(out)
}

// Cancel cancels a job, an array or one array task ("12_3").
func (c Client) Cancel(ctx context.Context, id string) error {
	_, err := c.Run(ctx, "scancel", id)
	return err
}

// Job is what scontrol tells of one job record. A job array has a record
// per task that started or ended, and one for its pending tasks (ArrayTask
// then a range such as "0-3" or "1,3").
type Job struct {
	ID        string
	ArrayJob  string
	ArrayTask string
	State     string // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, …
	Reason    string
}

// Done reports whether the job has ended, successfully or not.
func (j Job) Done() bool {
	switch j.State {
	case "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED", "REVOKED", "SPECIAL_EXIT":
		return true
	}
	return false
}

// active reports whether the job is queued or running.
func (j Job) active() bool { return j.State != "" && !j.Done() }

// Tasks returns the array indices of a record: one for a task that started,
// a list for the pending ones ("0-3,7", perhaps with a "%4" throttle).
func (j Job) Tasks() []int {
	spec, _, _ := strings.Cut(j.ArrayTask, "%")
	var out []int
	for _, part := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a || b-a > MaxShards {
			return nil
		}
		for k := a; k <= b; k++ {
			out = append(out, k)
		}
	}
	return out
}

// Jobs returns the records of job id (all tasks of an array; "12_3" for
// one). A job Slurm does not know (or no longer: it forgets ended jobs
// after MinJobAge) gives no records and no error.
func (c Client) Jobs(ctx context.Context, id string) ([]Job, error) {
	out, err := c.Run(ctx, "scontrol", "show", "job", "--oneliner", id)
	if err != nil {
		// scontrol's words for a job it does not know: "Invalid job id
		// specified" (a job), "Job 12_3 not found" (an array task).
		if msg := err.Error(); strings.Contains(msg, "Invalid job id") || strings.Contains(msg, " not found") {
			return nil, nil
		}
		return nil, err
	}
	return ParseJobs(out), nil
}

// ParseJobs reads the records of `scontrol show job --oneliner`, one a line.
func ParseJobs(out []byte) []Job {
	var jobs []Job
	for _, line := range strings.Split(string(out), "\n") {
		var j Job
		for _, tok := range strings.Fields(line) {
			k, v, _ := strings.Cut(tok, "=")
			switch k {
			case "JobId":
				j.ID = v
			case "ArrayJobId":
				j.ArrayJob = v
			case "ArrayTaskId":
				j.ArrayTask = v
			case "JobState":
				j.State = v
			case "Reason":
				j.Reason = v
			}
		}
		if j.ID != "" {
			jobs = append(jobs, j)
		}
	}
	return jobs
}

// active reports whether any record of id has not ended.
func (c Client) active(ctx context.Context, id string) (bool, error) {
	jobs, err := c.Jobs(ctx, id)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(jobs, Job.active), nil
}

// Submission is what was submitted for a plan, kept in the plan's directory
// (JobsFile) so that a resubmission can find the jobs and check that it
// continues the same run.
type Submission struct {
	Suite   string `json:"suite"`
	Profile string `json:"profile"`
	Shards  int    `json:"shards"`
	Seed    uint64 `json:"seed"`
	Data    string `json:"data,omitempty"`
	Cache   string `json:"cache"`
	Prepare string `json:"prepare,omitempty"` // job id of the prepare stage
	Array   string `json:"array"`             // job id of the shard array
	Merge   string `json:"merge"`
	// Resubmits are later arrays of some indices and their merge jobs, in order.
	Resubmits []Resubmit `json:"resubmits,omitempty"`
}

// Resubmit is one resubmission of array indices.
type Resubmit struct {
	Tasks string `json:"tasks"` // Slurm's --array value: "2" or "2,5"
	Array string `json:"array"`
	Merge string `json:"merge"`
}

// LastMerge returns the merge job that will produce the merged report.
func (s *Submission) LastMerge() string {
	if n := len(s.Resubmits); n > 0 {
		return s.Resubmits[n-1].Merge
	}
	return s.Merge
}

// Arrays returns the shard array and every resubmitted one, in order.
func (s *Submission) Arrays() []string {
	ids := []string{s.Array}
	for _, r := range s.Resubmits {
		ids = append(ids, r.Array)
	}
	return ids
}

func (s *Submission) same(p Plan) error {
	if s.Suite != p.Suite || s.Profile != p.Profile || s.Shards != p.Shards || s.Seed != p.Seed || s.Data != p.Data || s.Cache != p.Cache {
		return fmt.Errorf("%s is a run of %s --profile %s --shards %d --seed %d --data %q --cache %s, not of %s --profile %s --shards %d --seed %d --data %q --cache %s: give the same flags as when it was submitted",
			filepath.Join(p.Dir, JobsFile), s.Suite, s.Profile, s.Shards, s.Seed, s.Data, s.Cache, p.Suite, p.Profile, p.Shards, p.Seed, p.Data, p.Cache)
	}
	return nil
}

// Write writes the plan's scripts into its directory (atomically, mode
// 0755) and creates the directories of logs and results, which Slurm does
// not create.
func (p Plan) Write() ([]string, error) {
	for _, d := range []string{filepath.Join(p.Dir, LogDir), p.Results()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("slurm: %w", err)
		}
	}
	var paths []string
	for _, s := range p.Scripts() {
		path := filepath.Join(p.Dir, s.Name)
		if err := atomicfile.WriteFile(path, []byte(s.Content), 0o755); err != nil {
			return nil, fmt.Errorf("slurm: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Submit submits the plan's written scripts: the prepare job, the array
// after it, the merge after the array. It records the jobs in the plan's
// directory. If a submission fails, the jobs already submitted are
// cancelled.
func (c Client) Submit(ctx context.Context, p Plan) (*Submission, error) {
	s := &Submission{Suite: p.Suite, Profile: p.Profile, Shards: p.Shards, Seed: p.Seed, Data: p.Data, Cache: p.Cache}
	var submitted []string
	fail := func(err error) (*Submission, error) {
		for _, id := range slices.Backward(submitted) {
			_ = c.Cancel(context.WithoutCancel(ctx), id) // best effort: the error below is what matters
		}
		if len(submitted) > 0 {
			return nil, fmt.Errorf("slurm: %w (cancelled jobs %s)", err, strings.Join(submitted, ", "))
		}
		return nil, fmt.Errorf("slurm: %w", err)
	}
	var arrayOpts []string
	if p.Prepare {
		id, err := c.Sbatch(ctx, filepath.Join(p.Dir, PrepareScript))
		if err != nil {
			return fail(err)
		}
		s.Prepare, submitted = id, append(submitted, id)
		arrayOpts = []string{"--dependency=afterok:" + id}
	}
	id, err := c.Sbatch(ctx, filepath.Join(p.Dir, ShardsScript), arrayOpts...)
	if err != nil {
		return fail(err)
	}
	s.Array, submitted = id, append(submitted, id)
	// afterok on an array waits for every task and needs all to succeed.
	if s.Merge, err = c.Sbatch(ctx, filepath.Join(p.Dir, MergeScript), "--dependency=afterok:"+s.Array); err != nil {
		return fail(err)
	}
	submitted = append(submitted, s.Merge)
	if err := writeSubmission(p.Dir, s); err != nil {
		return fail(err)
	}
	return s, nil
}

// ParseTasks checks a list of array indices for --resubmit ("2" or "1,4")
// against n shards and returns it in Slurm's --array form, sorted.
func ParseTasks(s string, n int) (string, error) {
	var idx []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(f)
		if err != nil || k < 0 || k >= n {
			return "", fmt.Errorf("%q: want array indices in [0, %d], comma-separated", s, n-1)
		}
		if slices.Contains(idx, k) {
			return "", fmt.Errorf("%q: index %d given twice", s, k)
		}
		idx = append(idx, k)
	}
	slices.Sort(idx)
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = strconv.Itoa(k)
	}
	return strings.Join(out, ","), nil
}

// Resubmit submits the array indices tasks (Slurm's --array form, see
// ParseTasks) of the plan's recorded submission again, and a new merge job
// behind them that also waits for whatever is left of the earlier arrays.
// A merge job of the run still pending (it can never start once a task
// failed) is cancelled.
func (c Client) Resubmit(ctx context.Context, p Plan, tasks string) (*Submission, error) {
	s, err := ReadSubmission(p.Dir)
	if err != nil {
		return nil, err
	}
	if err := s.same(p); err != nil {
		return nil, fmt.Errorf("slurm: %w", err)
	}
	var arrayOpts []string
	if s.Prepare != "" {
		jobs, err := c.Jobs(ctx, s.Prepare)
		if err != nil {
			return nil, fmt.Errorf("slurm: %w", err)
		}
		for _, j := range jobs {
			switch {
			case !j.Done():
				arrayOpts = []string{"--dependency=afterok:" + s.Prepare}
			case j.State != "COMPLETED":
				return nil, fmt.Errorf("slurm: prepare job %s ended %s (log %s): submit the run again instead", s.Prepare, j.State, p.Log("prepare"))
			}
		}
	}
	// The merge must also wait for the tasks of earlier arrays still
	// queued or running; afterany, since the cancelled task among them
	// will never succeed. Jobs that ended need no dependency (and one on a
	// job Slurm has forgotten would be refused).
	var after []string
	for _, id := range s.Arrays() {
		ok, err := c.active(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("slurm: %w", err)
		}
		if ok {
			after = append(after, id)
		}
	}
	if old := s.LastMerge(); old != "" {
		jobs, err := c.Jobs(ctx, old)
		if err != nil {
			return nil, fmt.Errorf("slurm: %w", err)
		}
		if len(jobs) > 0 && jobs[0].State == "PENDING" {
			if err := c.Cancel(ctx, old); err != nil {
				return nil, fmt.Errorf("slurm: cancel the old merge job: %w", err)
			}
		}
	}
	r := Resubmit{Tasks: tasks}
	if r.Array, err = c.Sbatch(ctx, filepath.Join(p.Dir, ShardsScript), append([]string{"--array=" + tasks}, arrayOpts...)...); err != nil {
		return nil, fmt.Errorf("slurm: %w", err)
	}
	dep := "--dependency=afterok:" + r.Array
	if len(after) > 0 {
		dep += ",afterany:" + strings.Join(after, ":")
	}
	if r.Merge, err = c.Sbatch(ctx, filepath.Join(p.Dir, MergeScript), dep); err != nil {
		_ = c.Cancel(context.WithoutCancel(ctx), r.Array)
		return nil, fmt.Errorf("slurm: %w (cancelled job %s)", err, r.Array)
	}
	s.Resubmits = append(s.Resubmits, r)
	if err := writeSubmission(p.Dir, s); err != nil {
		return nil, fmt.Errorf("slurm: %w", err)
	}
	return s, nil
}

func writeSubmission(dir string, s *Submission) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, JobsFile), append(b, '\n'), 0o644)
}

// ReadSubmission reads the submission recorded in dir.
func ReadSubmission(dir string) (*Submission, error) {
	path := filepath.Join(dir, JobsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("slurm: %w (submit the run with --submit first)", err)
	}
	var s Submission
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("slurm: %s: %v", path, err)
	}
	if s.Array == "" || s.Merge == "" || s.Shards < 2 {
		return nil, fmt.Errorf("slurm: %s: not a record of a submission (no array, merge or shards)", path)
	}
	return &s, nil
}

// ErrNeverRuns is wrapped by Wait's error when the merge job waits on a
// dependency that can no longer be satisfied.
var ErrNeverRuns = errors.New("the merge job can never start")

// Wait waits until the submission's last merge job ends and returns nil if
// it completed. If it failed, or can never start because the prepare job
// or a shard task did not succeed, the error names the jobs and the
// indices to resubmit.
func (c Client) Wait(ctx context.Context, p Plan, s *Submission) error {
	poll := c.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	merge := s.LastMerge()
	for {
		jobs, err := c.Jobs(ctx, merge)
		if err != nil {
			return fmt.Errorf("slurm: %w", err)
		}
		if len(jobs) == 0 {
			return fmt.Errorf("slurm: merge job %s is unknown to Slurm (ended long ago?); its results would be in %s", merge, p.Merged())
		}
		j := jobs[0]
		switch {
		case j.State == "COMPLETED":
			return nil
		case j.Done():
			why, err := c.failures(ctx, p, s)
			if err != nil {
				return err
			}
			return fmt.Errorf("slurm: merge job %s ended %s%s (log %s)", merge, j.State, why, strings.ReplaceAll(p.Log("merge"), "%j", merge))
		case j.Reason == "DependencyNeverSatisfied":
			why, err := c.failures(ctx, p, s)
			if err != nil {
				return err
			}
			return fmt.Errorf("slurm: %w: job %s%s", ErrNeverRuns, merge, why)
		default:
			// The merge waits on the array, which waits on the prepare job:
			// if that failed, the array can never start, and the merge
			// still only says "Dependency".
			if why, err := c.prepareFailed(ctx, p, s); err != nil || why != "" {
				if err != nil {
					return err
				}
				return fmt.Errorf("slurm: %w: job %s%s", ErrNeverRuns, merge, why)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("slurm: stopped waiting for merge job %s (the jobs go on): %w", merge, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// prepareFailed explains, if it did, why the prepare job failed. Slurm may
// have forgotten the job already; then the first array's pending tasks
// tell, waiting on a dependency that is never satisfied.
func (c Client) prepareFailed(ctx context.Context, p Plan, s *Submission) (string, error) {
	if s.Prepare == "" {
		return "", nil
	}
	log := strings.ReplaceAll(p.Log("prepare"), "%j", s.Prepare)
	jobs, err := c.Jobs(ctx, s.Prepare)
	if err != nil {
		return "", fmt.Errorf("slurm: %w", err)
	}
	for _, j := range jobs {
		if j.Done() && j.State != "COMPLETED" {
			return fmt.Sprintf(": prepare job %s ended %s (log %s)", j.ID, j.State, log), nil
		}
	}
	if len(jobs) > 0 {
		return "", nil
	}
	arr, err := c.Jobs(ctx, s.Array)
	if err != nil {
		return "", fmt.Errorf("slurm: %w", err)
	}
	for _, j := range arr {
		if j.State == "PENDING" && j.Reason == "DependencyNeverSatisfied" {
			return fmt.Sprintf(": shard array %s can never start, the prepare job %s failed (log %s)", s.Array, s.Prepare, log), nil
		}
	}
	return "", nil
}

// failures explains why a merge job cannot succeed: the prepare job that
// failed, or the array indices whose latest run did not complete.
func (c Client) failures(ctx context.Context, p Plan, s *Submission) (string, error) {
	if why, err := c.prepareFailed(ctx, p, s); err != nil || why != "" {
		return why, err
	}
	// The latest state of each index over the arrays, in submission order.
	// A task cancelled before it started leaves no record at all.
	latest := make([]string, s.Shards)
	known := false // Slurm forgets ended jobs after a while (MinJobAge)
	for _, id := range s.Arrays() {
		jobs, err := c.Jobs(ctx, id)
		if err != nil {
			return "", fmt.Errorf("slurm: %w", err)
		}
		known = known || len(jobs) > 0
		for _, j := range jobs {
			for _, k := range j.Tasks() {
				if k < s.Shards {
					latest[k] = j.State
				}
			}
		}
	}
	var bad, idx []string
	for k, st := range latest {
		switch {
		case st == "" && !known:
			continue
		case st == "":
			bad = append(bad, fmt.Sprintf("%d without a record (cancelled before it started?)", k))
		case st == "COMPLETED" || (Job{State: st}).active():
			continue
		default:
			bad = append(bad, fmt.Sprintf("%d %s", k, st))
		}
		idx = append(idx, strconv.Itoa(k))
	}
	if len(bad) == 0 {
		return "", nil
	}
	return fmt.Sprintf(": shard tasks %s; resubmit them with --resubmit %s", strings.Join(bad, ", "), strings.Join(idx, ",")), nil
}
