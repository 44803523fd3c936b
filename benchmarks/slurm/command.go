package slurm

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/dirlock"
)

// Command returns `metabench slurm`: write a suite's batch scripts, and
// submit, resubmit and wait for them with the Slurm clients on PATH.
func Command(r suite.Registry) cli.Command {
	return command(r, Client{Run: Exec})
}

func command(r suite.Registry, c Client) cli.Command {
	return cli.Command{
		Name:    "slurm",
		Summary: "run a suite on a Slurm cluster: a prepare job, one array task per shard, a merge job (slurm SUITE -h)",
		Run: func(ctx context.Context, e cli.Env, args []string) error {
			return run(ctx, e, r, c, args)
		},
	}
}

type flags struct {
	profile, dir, cache, data, binary, resubmit string
	seeds                                       string
	seedSet                                     bool
	shards                                      int
	seed                                        uint64
	res                                         Resources
	submit, wait                                bool
	poll                                        time.Duration
}

func (f *flags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.profile, "profile", "full", "the suite's profile to run")
	fs.IntVar(&f.shards, "shards", 8, fmt.Sprintf("array tasks, one shard of the work each (2 to %d)", MaxShards))
	fs.StringVar(&f.res.Partition, "partition", "", "Slurm partition (default: the cluster's)")
	fs.StringVar(&f.res.Account, "account", "", "Slurm account to charge (default: yours)")
	fs.StringVar(&f.res.Time, "time", "", "time limit of each job: minutes, h:m:s or d-h:m:s (default: the partition's)")
	fs.IntVar(&f.res.CPUs, "cpus", 0, "CPUs per job, also the bench workers (0: the cluster's default, all CPUs it gives)")
	fs.StringVar(&f.res.Mem, "mem", "", "memory per job: 4000M, 16G, … (default: the cluster's)")
	fs.StringVar(&f.dir, "dir", "", "directory on the shared file system for scripts, logs/ and results/ (default slurm/SUITE-PROFILE)")
	fs.StringVar(&f.cache, "cache", "", "cache on the shared file system where the stages meet (default DIR/cache)")
	cli.SeedVar(fs, &f.seed, cli.DefaultSeed, "data, models and evaluation")
	fs.StringVar(&f.seeds, "seeds", "", "one run per seed of this list (1-5, 1,3,7-9), each in DIR/seed-S with the shared cache; with --wait, the claims decided over them")
	fs.StringVar(&f.data, "data", "", "real data (a path or a built-in name) instead of the synthetic data")
	fs.StringVar(&f.binary, "binary", "", "metabench on the cluster's nodes (default: this program)")
	fs.BoolVar(&f.submit, "submit", false, "submit the jobs with sbatch and print their ids")
	fs.StringVar(&f.resubmit, "resubmit", "", "submit these array indices again (K or K,L,…) with a new merge job; implies --submit")
	fs.BoolVar(&f.wait, "wait", false, "with --submit: wait for the merge job and print the merged tables")
	fs.DurationVar(&f.poll, "poll", 2*time.Second, "with --wait: how often to ask Slurm")
}

func run(ctx context.Context, e cli.Env, r suite.Registry, c Client, args []string) error {
	var names []string
	for _, s := range r.Suites {
		names = append(names, s.Name())
	}
	fs := cli.NewFlags("slurm")
	var f flags
	f.register(fs)
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if _, err := cli.Parse(fs, e.Stdout, args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(e.Stdout, "\nmetabench slurm SUITE [flags]: suites %s; docs/cluster.md explains the jobs.\n", strings.Join(names, ", "))
			}
			return err
		}
		return cli.Usagef("slurm: give a suite first (want %s)", want(names))
	}
	s, ok := suite.Find(r.Suites, args[0])
	if !ok {
		return cli.Usagef("slurm: unknown suite %q (want %s)", args[0], want(names))
	}
	if err := cli.ParseOnly(fs, e.Stdout, args[1:]); err != nil {
		return err
	}
	if err := cli.NewCheck("slurm").Int("shards", f.shards, 2, MaxShards).Err(); err != nil {
		return err
	}
	if f.poll < 100*time.Millisecond || f.poll > 10*time.Minute {
		return cli.Usagef("slurm: --poll %s is out of range [100ms, 10m]", f.poll)
	}
	if _, err := s.Profile(f.profile); err != nil {
		return cli.UsageError{Msg: "slurm: " + err.Error()}
	}
	fs.Visit(func(fl *flag.Flag) { f.seedSet = f.seedSet || fl.Name == "seed" })
	seeds := []uint64{f.seed}
	if f.seeds != "" {
		switch {
		case f.seedSet:
			return cli.Usagef("slurm: give --seed or --seeds, not both")
		case f.resubmit != "":
			return cli.Usagef("slurm: --resubmit is for one seed's run: give --seed S --dir DIR/seed-S --cache DIR/cache with it")
		}
		var err error
		if seeds, err = suite.ParseSeeds(f.seeds); err != nil {
			return cli.Usagef("slurm: --seeds: %v", err)
		}
	}
	// The harness's own check of the run: the data, and that the suite
	// splits into shards.
	for _, seed := range seeds {
		if _, err := s.ConfigKey(suite.Options{Profile: f.profile, Seed: seed, Data: f.data, Shard: suite.Shard{Index: 0, Count: f.shards}, Flags: map[string]string{}}); err != nil {
			if cli.IsUsage(err) {
				return cli.UsageError{Msg: "slurm: " + err.Error()}
			}
			return fmt.Errorf("slurm: %w", err)
		}
	}
	p, err := f.plan(s)
	if err != nil {
		return err
	}
	if f.seeds != "" {
		return runSeeds(ctx, e, s, c, &f, p, seeds)
	}
	_, err = runPlan(ctx, e, s, c, &f, p, true)
	return err
}

// runSeeds lays out one run per seed, each the plan p of one seed in
// p.Dir/seed-S (sharing p's cache, where every seed's work is keyed by its
// configuration), submits them if asked, and with --wait decides the
// suite's claims over the merged reports.
func runSeeds(ctx context.Context, e cli.Env, s *suite.Suite, c Client, f *flags, p Plan, seeds []uint64) error {
	var plans []Plan
	for _, seed := range seeds {
		q := p
		q.Seed, q.Dir = seed, filepath.Join(p.Dir, fmt.Sprintf("seed-%d", seed))
		if err := q.Check(); err != nil {
			return err
		}
		plans = append(plans, q)
	}
	// Refuse before submitting anything if any seed's run is still queued.
	if f.submit {
		for _, q := range plans {
			if err := c.idle(ctx, q.Dir); err != nil {
				return err
			}
		}
	}
	if f.wait && !f.submit {
		return cli.Usagef("slurm: --wait needs --submit")
	}
	// Submit every seed's jobs first, so that the seeds queue side by side,
	// then wait for them in turn.
	submitOnly := *f
	submitOnly.wait = false
	for _, q := range plans {
		fmt.Fprintf(e.Stdout, "== seed %d: %s\n", q.Seed, q.Dir)
		if _, err := runPlan(ctx, e, s, c, &submitOnly, q, false); err != nil {
			return fmt.Errorf("%w (seed %d)", err, q.Seed)
		}
	}
	var reps []*suite.Report
	if f.wait {
		c.Poll = f.poll
		for _, q := range plans {
			sub, err := ReadSubmission(q.Dir)
			if err != nil {
				return err
			}
			if err := c.Wait(ctx, q, sub); err != nil {
				return fmt.Errorf("%w (seed %d)", err, q.Seed)
			}
			rep, err := suite.ReadReport(q.Merged())
			if err != nil {
				return fmt.Errorf("slurm: seed %d: merge job %s completed but: %w", q.Seed, sub.LastMerge(), err)
			}
			fmt.Fprintf(e.Stdout, "seed %d: merge job %s completed: %d shards, %s of shard time\n", q.Seed, sub.LastMerge(), rep.Merged, time.Duration(rep.Seconds*float64(time.Second)).Round(time.Second/10))
			reps = append(reps, rep)
		}
	}
	var across []string
	for _, q := range plans {
		across = append(across, "--across "+Quote(q.Merged()))
	}
	if !f.wait {
		fmt.Fprintf(e.Stdout, "\nwhen the merge jobs are done, the claims over the seeds:\n  metabench bench %s %s\n", Quote(s.Name()), strings.Join(across, " "))
		return nil
	}
	fmt.Fprintln(e.Stdout)
	if len(reps) == 1 {
		return printTables(e, s.ClaimsTables(reps[0].Profile, []uint64{reps[0].Seed}, reps[0].Claims, nil))
	}
	sp, err := s.Across(reps)
	if err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	if err := printTables(e, sp.Tables); err != nil {
		return err
	}
	return printTables(e, s.ClaimsTables(sp.Profile, sp.Seeds, sp.Claims, sp.Notes))
}

func printTables(e cli.Env, tables []report.Table) error {
	for _, t := range tables {
		if err := report.Print(e.Stdout, t); err != nil {
			return err
		}
	}
	return nil
}

// runPlan writes one run's scripts and, as the flags ask, submits,
// resubmits and waits for them. With --wait it returns the merged report
// and, if print, prints its tables.
func runPlan(ctx context.Context, e cli.Env, s *suite.Suite, c Client, f *flags, p Plan, print bool) (*suite.Report, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	var err error
	tasks := ""
	if f.resubmit != "" {
		if tasks, err = ParseTasks(f.resubmit, p.Shards); err != nil {
			return nil, cli.UsageError{Msg: "slurm: --resubmit " + err.Error()}
		}
		f.submit = true
	}
	if f.wait && !f.submit {
		return nil, cli.Usagef("slurm: --wait needs --submit or --resubmit")
	}
	// Two submissions into one directory would interleave their jobs'
	// records: the second is refused while the first runs (or waits).
	unlock, err := dirlock.MkdirLock(p.Dir, "slurm directory")
	if err != nil {
		return nil, fmt.Errorf("slurm: %w", err)
	}
	defer unlock()
	var old *Submission
	switch {
	case tasks != "":
		// Check the run before rewriting its scripts.
		if old, err = ReadSubmission(p.Dir); err != nil {
			return nil, err
		}
		if err := old.same(p); err != nil {
			return nil, cli.UsageError{Msg: "slurm: " + err.Error()}
		}
	case f.submit:
		// Refuse to start a second run into the results of one still queued.
		if err := c.idle(ctx, p.Dir); err != nil {
			return nil, err
		}
	}
	paths, err := p.Write()
	if err != nil {
		return nil, err
	}
	if !f.submit {
		for _, path := range paths {
			fmt.Fprintf(e.Stdout, "wrote %s\n", path)
		}
		printByHand(e, p)
		return nil, nil
	}
	c.Poll = f.poll
	var sub *Submission
	if tasks != "" {
		if sub, err = c.Resubmit(ctx, p, tasks); err != nil {
			return nil, err
		}
		last := sub.Resubmits[len(sub.Resubmits)-1]
		fmt.Fprintf(e.Stdout, "shard array %s (tasks %s)\nmerge job %s (replaces %s)\n", last.Array, last.Tasks, last.Merge, old.LastMerge())
	} else {
		if sub, err = c.Submit(ctx, p); err != nil {
			return nil, err
		}
		if sub.Prepare != "" {
			fmt.Fprintf(e.Stdout, "prepare job %s\n", sub.Prepare)
		}
		fmt.Fprintf(e.Stdout, "shard array %s (tasks 0-%d)\nmerge job %s\n", sub.Array, p.Shards-1, sub.Merge)
	}
	fmt.Fprintf(e.Stdout, "logs in %s, merged results in %s\n", filepath.Join(p.Dir, LogDir), p.Merged())
	if !f.wait {
		return nil, nil
	}
	if err := c.Wait(ctx, p, sub); err != nil {
		return nil, err
	}
	rep, err := suite.ReadReport(p.Merged())
	if err != nil {
		return nil, fmt.Errorf("slurm: merge job %s completed but: %w", sub.LastMerge(), err)
	}
	fmt.Fprintf(e.Stdout, "merge job %s completed: %d shards, %s of shard time\n\n", sub.LastMerge(), rep.Merged, time.Duration(rep.Seconds*float64(time.Second)).Round(time.Second/10))
	if !print {
		return rep, nil
	}
	tables, err := s.Tables(rep)
	if err != nil {
		return nil, err
	}
	tables = append(tables, s.ClaimsTables(rep.Profile, []uint64{rep.Seed}, rep.Claims, nil)...)
	return rep, printTables(e, tables)
}

func want(names []string) string {
	if len(names) == 0 {
		return "none is registered"
	}
	return strings.Join(names, ", ")
}

// plan resolves the flags into absolute paths.
func (f *flags) plan(s *suite.Suite) (Plan, error) {
	p := Plan{Suite: s.Name(), Profile: f.profile, Shards: f.shards, Seed: f.seed, Data: f.data, Prepare: s.Prepares(), Res: f.res}
	dir := f.dir
	if dir == "" {
		dir = filepath.Join("slurm", s.Name()+"-"+f.profile)
	}
	var err error
	if p.Dir, err = filepath.Abs(dir); err != nil {
		return p, fmt.Errorf("slurm: --dir: %w", err)
	}
	p.Cache = filepath.Join(p.Dir, "cache")
	if f.cache != "" {
		if p.Cache, err = filepath.Abs(f.cache); err != nil {
			return p, fmt.Errorf("slurm: --cache: %w", err)
		}
	}
	bin := f.binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return p, fmt.Errorf("slurm: the path of this program: %w (give --binary)", err)
		}
	}
	if p.Binary, err = filepath.Abs(bin); err != nil {
		return p, fmt.Errorf("slurm: --binary: %w", err)
	}
	return p, nil
}

// idle returns an error if dir holds a submission whose jobs are still
// queued or running.
func (c Client) idle(ctx context.Context, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, JobsFile)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	s, err := ReadSubmission(dir)
	if err != nil {
		return err
	}
	ids := append([]string{s.Prepare, s.LastMerge()}, s.Arrays()...)
	for _, id := range ids {
		if id == "" {
			continue
		}
		busy, err := c.active(ctx, id)
		if err != nil {
			return fmt.Errorf("slurm: %w", err)
		}
		if busy {
			return fmt.Errorf("slurm: job %s of the run in %s is still queued or running: wait for it, scancel it, or resubmit failed tasks with --resubmit", id, dir)
		}
	}
	return nil
}

func printByHand(e cli.Env, p Plan) {
	fmt.Fprintln(e.Stdout, "submit them with --submit, or by hand:")
	dep := ""
	if p.Prepare {
		fmt.Fprintf(e.Stdout, "  prep=$(sbatch --parsable %s)\n", Quote(filepath.Join(p.Dir, PrepareScript)))
		dep = " --dependency=afterok:$prep"
	}
	fmt.Fprintf(e.Stdout, "  array=$(sbatch --parsable%s %s)\n", dep, Quote(filepath.Join(p.Dir, ShardsScript)))
	fmt.Fprintf(e.Stdout, "  sbatch --dependency=afterok:$array %s\n", Quote(filepath.Join(p.Dir, MergeScript)))
}
