// Package slurm runs a metabench suite on a Slurm cluster: it turns a suite,
// a profile and a number of shards into batch scripts — a prepare job that
// fills the shared cache once (datasets, trained models), a job array with
// one task per shard, and a merge job that combines the shard reports into
// the tables of an unsharded run — and submits them with sbatch, chained by
// afterok dependencies. A failed or pre-empted task is resubmitted alone
// (`--array=K`) with a new merge job behind it.
//
// The cluster sees only the scripts and the metabench binary: everything
// the jobs share goes through the file system (the cache, the shard
// results), so the directory and the cache must be on a file system every
// node mounts. docs/cluster.md explains the layout.
package slurm

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/metabench/metabench/internal/cli"
)

// Plan is one suite run laid out as Slurm jobs.
type Plan struct {
	Suite   string
	Profile string
	Shards  int    // tasks of the array, one shard each (≥ 2)
	Seed    uint64 // --seed of every bench command
	Data    string // --data of every bench command; "" for synthetic data
	Binary  string // absolute path of metabench on the cluster
	Dir     string // absolute: scripts, logs/ and results/
	Cache   string // absolute: the cache where the stages meet
	Prepare bool   // run `bench --prepare` once before the array, which waits for it
	Res     Resources
}

// Resources are what every job asks Slurm for. Empty fields are left to the
// cluster's defaults.
type Resources struct {
	Partition string
	Account   string
	Time      string // Slurm's time format: minutes, h:m:s, d-h, d-h:m, d-h:m:s
	CPUs      int    // --cpus-per-task; also the bench commands' --workers. 0: not set
	Mem       string // --mem: a positive count with an optional K, M, G or T suffix
}

// Limits of a plan.
const (
	// MaxShards bounds the array: Slurm's default MaxArraySize is 1001,
	// which allows indices 0 to 1000.
	MaxShards = 1000
	// MaxTime bounds --time.
	MaxTime = 365 * 24 * time.Hour
)

// File names in a plan's directory.
const (
	PrepareScript = "prepare.sh"
	ShardsScript  = "shards.sh"
	MergeScript   = "merge.sh"
	JobsFile      = "jobs.json"
	LogDir        = "logs"
	ResultsDir    = "results"
	MergedDir     = "merged" // under ResultsDir
)

var (
	namePat   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.+-]*$`)
	listPat   = regexp.MustCompile(`^[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*$`)
	memPat    = regexp.MustCompile(`^([0-9]+)([KMGTkmgt]?)$`)
	unsafeDir = regexp.MustCompile(`[\s'"%\\$` + "`" + `#;&|<>*?()\[\]{}!]|[[:cntrl:]]`)
)

// Check validates a plan and returns a usage error naming the first bad
// field in one line.
func (p Plan) Check() error {
	c := cli.NewCheck("slurm")
	c.Int("shards", p.Shards, 2, MaxShards).Int("cpus", p.Res.CPUs, 0, cli.MaxWorkers)
	if err := c.Err(); err != nil {
		return err
	}
	switch {
	case !namePat.MatchString(p.Suite):
		return cli.Usagef("slurm: suite name %q is not a plain name", p.Suite)
	case !namePat.MatchString(p.Profile):
		return cli.Usagef("slurm: --profile %q is not a plain name", p.Profile)
	case p.Res.Partition != "" && !listPat.MatchString(p.Res.Partition):
		return cli.Usagef("slurm: --partition %q: want a name or a comma-separated list of names", p.Res.Partition)
	case p.Res.Account != "" && !namePat.MatchString(p.Res.Account):
		return cli.Usagef("slurm: --account %q is not a plain name", p.Res.Account)
	case strings.ContainsAny(p.Data, "\n\r\x00"):
		return cli.Usagef("slurm: --data %q holds a line break or a NUL", p.Data)
	}
	if p.Res.Time != "" {
		if _, err := ParseTime(p.Res.Time); err != nil {
			return cli.UsageError{Msg: "slurm: --time " + err.Error()}
		}
	}
	if p.Res.Mem != "" {
		if _, err := ParseMem(p.Res.Mem); err != nil {
			return cli.UsageError{Msg: "slurm: --mem " + err.Error()}
		}
	}
	for _, f := range []struct{ name, path string }{{"binary", p.Binary}, {"dir", p.Dir}, {"cache", p.Cache}} {
		if !filepath.IsAbs(f.path) {
			return cli.Usagef("slurm: --%s %q is not an absolute path", f.name, f.path)
		}
		if strings.ContainsAny(f.path, "\n\r\x00") {
			return cli.Usagef("slurm: --%s %q holds a line break or a NUL", f.name, f.path)
		}
	}
	// The log path stands in an #SBATCH line, which sbatch splits at blanks
	// and where % starts a file-name pattern; keep it to plain characters.
	if m := unsafeDir.FindString(p.Dir); m != "" {
		return cli.Usagef("slurm: --dir %q holds %q: #SBATCH --output lines need a path of plain characters", p.Dir, m)
	}
	return nil
}

// ParseTime parses Slurm's time-limit formats ("minutes", "minutes:seconds",
// "hours:minutes:seconds", "days-hours", "days-hours:minutes",
// "days-hours:minutes:seconds") and returns the limit; it must be positive
// and at most MaxTime.
func ParseTime(s string) (time.Duration, error) {
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("%q: %s (want minutes, m:s, h:m:s, d-h, d-h:m or d-h:m:s)", s, why)
	}
	days := 0
	rest := s
	hasDays := false
	if d, r, ok := strings.Cut(s, "-"); ok {
		n, err := field(d)
		if err != nil {
			return bad("bad days")
		}
		days, rest, hasDays = n, r, true
	}
	parts := strings.Split(rest, ":")
	nums := make([]int, len(parts))
	for i, f := range parts {
		n, err := field(f)
		if err != nil {
			return bad(fmt.Sprintf("bad number %q", f))
		}
		nums[i] = n
	}
	var h, m, sec int
	switch {
	case hasDays && len(nums) == 1:
		h = nums[0]
	case hasDays && len(nums) == 2:
		h, m = nums[0], nums[1]
	case len(nums) == 3:
		h, m, sec = nums[0], nums[1], nums[2]
	case !hasDays && len(nums) == 1:
		m = nums[0]
	case !hasDays && len(nums) == 2:
		m, sec = nums[0], nums[1]
	default:
		return bad("too many fields")
	}
	// Each field is at most 7 digits (field), so this cannot overflow.
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	switch {
	case d <= 0:
		return bad("not positive")
	case d > MaxTime:
		return bad(fmt.Sprintf("longer than %d days", int(MaxTime/(24*time.Hour))))
	}
	return d, nil
}

// field parses one non-negative decimal field of a time limit.
func field(s string) (int, error) {
	if s == "" || len(s) > 7 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("bad field %q", s)
	}
	return strconv.Atoi(s)
}

// MaxMemMiB bounds --mem: 1 PiB.
const MaxMemMiB = 1 << 30

// ParseMem parses Slurm's --mem ("4000", "4000M", "16G", "1T"; no suffix
// means MiB) and returns MiB, which must be positive and at most MaxMemMiB.
func ParseMem(s string) (float64, error) {
	m := memPat.FindStringSubmatch(s)
	if m == nil || len(m[1]) > 12 {
		return 0, fmt.Errorf("%q: want a positive count with an optional K, M, G or T suffix", s)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	mib := n * map[string]float64{"": 1, "K": 1.0 / 1024, "M": 1, "G": 1024, "T": 1 << 20}[strings.ToUpper(m[2])]
	switch {
	case n <= 0:
		return 0, fmt.Errorf("%q: not positive", s)
	case mib > MaxMemMiB:
		return 0, fmt.Errorf("%q: more than 1 PiB", s)
	}
	return mib, nil
}

// Script is one generated batch script.
type Script struct {
	Name    string // file name in the plan's directory
	Content string
}

// Scripts returns the plan's batch scripts in submission order: the
// prepare job (if the suite has that stage), the shard array, the merge
// job. Their content depends only on the plan.
func (p Plan) Scripts() []Script {
	var out []Script
	if p.Prepare {
		out = append(out, Script{PrepareScript, p.prepareScript()})
	}
	return append(out, Script{ShardsScript, p.shardsScript()}, Script{MergeScript, p.mergeScript()})
}

// Results returns the directory the shard reports and the merged report go to.
func (p Plan) Results() string { return filepath.Join(p.Dir, ResultsDir) }

// Merged returns the directory of the merged results.
func (p Plan) Merged() string { return filepath.Join(p.Results(), MergedDir) }

// Log returns the path of a job's log, with Slurm's file-name pattern
// (%j job id, %A array job id, %a array index).
func (p Plan) Log(stage string) string {
	pattern := "%j"
	if stage == "shards" {
		pattern = "%A_%a"
	}
	return filepath.Join(p.Dir, LogDir, stage+"-"+pattern+".out")
}

// jobName names a stage's jobs in squeue.
func (p Plan) jobName(stage string) string {
	return fmt.Sprintf("metabench-%s-%s-%s", p.Suite, p.Profile, stage)
}

func (p Plan) header(b *strings.Builder, stage, what string) {
	fmt.Fprintf(b, "#!/bin/bash\n# metabench %s, profile %s: %s.\n", p.Suite, p.Profile, what)
	b.WriteString("# Written by `metabench slurm`; run that again rather than edit this file.\n")
	fmt.Fprintf(b, "#SBATCH --job-name=%s\n", p.jobName(stage))
	if stage == "shards" {
		fmt.Fprintf(b, "#SBATCH --array=0-%d\n", p.Shards-1)
	}
	fmt.Fprintf(b, "#SBATCH --output=%s\n", p.Log(stage))
	if p.Res.Partition != "" {
		fmt.Fprintf(b, "#SBATCH --partition=%s\n", p.Res.Partition)
	}
	if p.Res.Account != "" {
		fmt.Fprintf(b, "#SBATCH --account=%s\n", p.Res.Account)
	}
	if p.Res.Time != "" {
		fmt.Fprintf(b, "#SBATCH --time=%s\n", p.Res.Time)
	}
	// The merge only reads reports: one CPU, whatever the shards get.
	if p.Res.CPUs > 0 && stage != "merge" {
		fmt.Fprintf(b, "#SBATCH --cpus-per-task=%d\n", p.Res.CPUs)
	}
	if p.Res.Mem != "" {
		fmt.Fprintf(b, "#SBATCH --mem=%s\n", p.Res.Mem)
	}
	b.WriteString("set -euo pipefail\n")
	fmt.Fprintf(b, "bin=%s\n", Quote(p.Binary))
}

// runFlags are the flags that fix a run's results: the same for the
// prepare job and every shard, so that they meet in the cache.
func (p Plan) runFlags() string {
	s := fmt.Sprintf("--profile %s --seed %d", Quote(p.Profile), p.Seed)
	if p.Data != "" {
		s += " --data " + Quote(p.Data)
	}
	s += " --cache " + Quote(p.Cache)
	if p.Res.CPUs > 0 {
		s += fmt.Sprintf(" --workers %d", p.Res.CPUs)
	}
	return s
}

func (p Plan) prepareScript() string {
	var b strings.Builder
	p.header(&b, "prepare", "the work every shard shares (datasets, training), once, into the cache")
	fmt.Fprintf(&b, "exec \"$bin\" bench %s %s --prepare\n", Quote(p.Suite), p.runFlags())
	return b.String()
}

func (p Plan) shardsScript() string {
	var b strings.Builder
	p.header(&b, "shards", fmt.Sprintf("shard $SLURM_ARRAY_TASK_ID of %d per array task", p.Shards))
	fmt.Fprintf(&b, "i=$SLURM_ARRAY_TASK_ID\nout=%s/shard-$i\n", Quote(p.Results()))
	b.WriteString("# A rerun of an index starts clean: the merge never reads a report of an earlier run.\n")
	b.WriteString("rm -rf -- \"$out\"\n")
	fmt.Fprintf(&b, "exec \"$bin\" bench %s %s --shard \"$i/%d\" --json --out \"$out\"\n", Quote(p.Suite), p.runFlags(), p.Shards)
	return b.String()
}

func (p Plan) mergeScript() string {
	var b strings.Builder
	p.header(&b, "merge", fmt.Sprintf("merge the reports of the %d shards into the tables of one run", p.Shards))
	fmt.Fprintf(&b, "results=%s\n", Quote(p.Results()))
	b.WriteString("# The merge refuses a missing or duplicate shard and names it.\nargs=()\n")
	fmt.Fprintf(&b, "for ((i = 0; i < %d; i++)); do args+=(--merge \"$results/shard-$i\"); done\n", p.Shards)
	fmt.Fprintf(&b, "exec \"$bin\" bench %s \"${args[@]}\" --out \"$results/%s\"\n", Quote(p.Suite), MergedDir)
	return b.String()
}

// Quote quotes s for a POSIX shell: in single quotes, where an embedded
// quote closes the quoting, is escaped with a backslash, and reopens it.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
