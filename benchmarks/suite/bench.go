package suite

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/dirlock"
	"github.com/metabench/metabench/internal/parallel"
)

// SharedVerbs are the verbs every suite may implement, dispatched by suite
// name: `metabench train imitation`. A suite's other commands are
// top-level: `metabench translate`.
var sharedVerbs = []struct{ name, summary string }{
	{"train", "train one model of a suite (train SUITE -h)"},
	{"eval", "evaluate a trained model of a suite (eval SUITE -h)"},
}

// Registry is the program's suites and its benchmarks that are not suites
// (speed measurements such as `bench nn`).
type Registry struct {
	Suites  []*Suite
	Benches []cli.Command
}

// Commands returns the command line the registry makes: bench, the shared
// verbs dispatched by suite, and the suites' own top-level commands, in
// registration order. It returns an error if two commands share a name.
func (r Registry) Commands() ([]cli.Command, error) {
	cmds := []cli.Command{r.benchCommand()}
	for _, v := range sharedVerbs {
		var bySuite []cli.Command
		for _, s := range r.Suites {
			if c, ok := cli.Find(s.commands, v.name); ok {
				bySuite = append(bySuite, cli.Command{Name: s.name, Summary: c.Summary, Run: c.Run})
			}
		}
		if len(bySuite) > 0 {
			what := "metabench " + v.name
			cmds = append(cmds, cli.Command{Name: v.name, Summary: v.summary, Run: func(ctx context.Context, e cli.Env, args []string) error {
				return cli.Dispatch(ctx, e, what, bySuite, args)
			}})
		}
	}
	for _, s := range r.Suites {
		for _, c := range s.commands {
			if !slices.ContainsFunc(sharedVerbs, func(v struct{ name, summary string }) bool { return v.name == c.Name }) {
				cmds = append(cmds, c)
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range cmds {
		if seen[c.Name] {
			return nil, fmt.Errorf("two commands named %q", c.Name)
		}
		seen[c.Name] = true
	}
	for _, b := range r.Benches {
		if _, ok := Find(r.Suites, b.Name); ok {
			return nil, fmt.Errorf("bench %q is both a suite and a benchmark", b.Name)
		}
	}
	return cmds, nil
}

func (r Registry) benchCommand() cli.Command {
	return cli.Command{Name: "bench", Summary: "run suites and benchmarks, print their tables (no name: every suite's default section)", Run: r.runBench}
}

// names lists what `bench NAME` accepts.
func (r Registry) names() []string {
	var out []string
	for _, s := range r.Suites {
		out = append(out, s.name)
	}
	for _, b := range r.Benches {
		out = append(out, b.Name)
	}
	return out
}

func (r Registry) runBench(ctx context.Context, e cli.Env, args []string) error {
	// The name may stand anywhere among the flags: `bench --json nn`.
	name := ""
	for i, a := range args {
		if slices.Contains(r.names(), a) {
			name, args = a, append(slices.Clone(args[:i]), args[i+1:]...)
			break
		}
	}
	if name == "" {
		return r.benchDefault(ctx, e, args)
	}
	if s, ok := Find(r.Suites, name); ok {
		return s.bench(ctx, e, args)
	}
	b, _ := cli.Find(r.Benches, name)
	return b.Run(ctx, e, args)
}

// sharedFlags is the flag vocabulary every suite's bench command shares.
type sharedFlags struct {
	profile, cache, out, data string
	seeds                     string
	seedSet, profileSet       bool // --seed, --profile was given
	seed                      uint64
	shard                     Shard
	merge, across             cli.StringList
	json, quiet, prepare      bool
	workers                   int
	cpuProfile                string
}

func (f *sharedFlags) register(fs *flag.FlagSet, defProfile string, withProfile bool) {
	if withProfile {
		fs.StringVar(&f.profile, "profile", defProfile, "scale: one of the suite's profiles (bench -h lists them)")
		fs.Var(&f.shard, "shard", "run only shard i of n (i/n, 0-based); merge the shards' reports with --merge")
		fs.Var(&f.merge, "merge", "merge this shard report (a report.json or a results directory; repeatable) instead of running")
		fs.Var(&f.across, "across", "compare this whole-run report with those of other seeds (a report.json or a results directory; repeatable) instead of running")
		fs.StringVar(&f.data, "data", "", "real data (a path or a built-in name) instead of the synthetic data")
		fs.BoolVar(&f.prepare, "prepare", false, "only build what shards reuse from the cache (datasets, models) and measure nothing")
		fs.StringVar(&f.seeds, "seeds", "", "run whole runs of these seeds (1-5, 1,3,7-9), each cached and resumable, then decide the suite's claims over them")
	}
	cli.SeedVar(fs, &f.seed, cli.DefaultSeed, "data, models and evaluation")
	fs.StringVar(&f.cache, "cache", ".cache/metabench", "cache of datasets and models; a rerun resumes from it")
	fs.StringVar(&f.out, "out", "", "also write the results into this directory: report.json, a CSV per table, plots as PNG")
	fs.BoolVar(&f.json, "json", false, "print the JSON report instead of tables")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof reads it)")
	cli.WorkersVar(fs, &f.workers)
}

// startCPUProfile starts the profile --cpuprofile asks for. Its stop
// publishes the profile and sets *err to the failure to, unless *err
// already holds an error.
func (f *sharedFlags) startCPUProfile() (stop func(err *error), err error) {
	if f.cpuProfile == "" {
		return func(*error) {}, nil
	}
	end, err := cli.StartCPUProfile(f.cpuProfile)
	if err != nil {
		return nil, err
	}
	return func(err *error) {
		if e := end(); *err == nil {
			*err = e
		}
	}, nil
}

func (f *sharedFlags) check(cmd string) error {
	return cli.NewCheck(cmd).Workers(f.workers).Err()
}

func (f *sharedFlags) options(e cli.Env) Options {
	o := Options{Profile: f.profile, Seed: f.seed, CacheDir: f.cache, Data: f.data, Shard: f.shard, Workers: f.workers,
		Progress: !f.json && !f.quiet, Prepare: f.prepare, Flags: map[string]string{}}
	if !f.quiet {
		o.Log = e.Stderr
	}
	return o
}

func (s *Suite) bench(ctx context.Context, e cli.Env, args []string) (err error) {
	cmd := "bench " + s.name
	fs := cli.NewFlags(cmd)
	var f sharedFlags
	f.register(fs, s.def, true)
	own := make([]*string, len(s.flags))
	for i, fl := range s.flags {
		own[i] = fs.String(fl.Name, fl.Default, fl.Usage)
	}
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			s.printProfiles(e.Stdout)
		}
		return err
	}
	if err := f.check(cmd); err != nil {
		return err
	}
	stop, err := f.startCPUProfile()
	if err != nil {
		return err
	}
	defer stop(&err)
	fs.Visit(func(fl *flag.Flag) {
		f.seedSet = f.seedSet || fl.Name == "seed"
		f.profileSet = f.profileSet || fl.Name == "profile"
	})
	if f.seeds != "" {
		return s.benchSeeds(ctx, e, &f, cmd, own)
	}
	if len(f.across) > 0 {
		return s.benchAcross(e, &f, cmd)
	}
	var rep *Report
	if len(f.merge) > 0 {
		if f.prepare {
			return cli.Usagef("%s: give --merge or --prepare, not both", cmd)
		}
		if !f.shard.Whole() {
			return cli.Usagef("%s: give --merge or --shard, not both", cmd)
		}
		var reps []*Report
		for _, p := range f.merge {
			r, err := ReadReport(p)
			if err != nil {
				return err
			}
			reps = append(reps, r)
		}
		var err error
		if rep, err = s.Merge(reps); err != nil {
			return err
		}
		if err := f.sameProfile(cmd, rep.Profile); err != nil {
			return err
		}
		if f.seedSet && rep.Seed != f.seed {
			return cli.Usagef("%s: --seed %d, but the shards are of seed %d (--merge takes the seed from its shards)", cmd, f.seed, rep.Seed)
		}
	} else {
		o := f.options(e)
		for i, fl := range s.flags {
			o.Flags[fl.Name] = *own[i]
		}
		var err error
		if rep, err = s.Run(ctx, o); err != nil {
			return Interrupted(err, cmd, f.cache)
		}
		if f.prepare {
			fmt.Fprintf(e.Stdout, "%s %s: prepared in %s; the cache %s holds it\n", s.name, f.profile, fmtSeconds(rep.Seconds), f.cache)
			return nil
		}
	}
	return s.emit(e, &f, rep, true)
}

// benchAcross prints, and writes into --out, the across-seed tables of
// the reports --across names.
func (s *Suite) benchAcross(e cli.Env, f *sharedFlags, cmd string) error {
	switch {
	case len(f.merge) > 0:
		return cli.Usagef("%s: give --across or --merge, not both", cmd)
	case f.prepare:
		return cli.Usagef("%s: give --across or --prepare, not both", cmd)
	case !f.shard.Whole():
		return cli.Usagef("%s: give --across or --shard, not both", cmd)
	case f.seedSet:
		return cli.Usagef("%s: give --across or --seed, not both (the reports name their seeds)", cmd)
	}
	reps := make([]*Report, len(f.across))
	for i, p := range f.across {
		r, err := ReadReport(p)
		if err != nil {
			return err
		}
		reps[i] = r
	}
	sp, err := s.Across(reps)
	if err != nil {
		return err
	}
	if err := f.sameProfile(cmd, sp.Profile); err != nil {
		return err
	}
	return s.emitSpread(e, f, sp)
}

// sameProfile refuses a --profile other than the one of the reports that
// --merge or --across read: they carry their profile, and a flag that
// differs would otherwise be ignored and the tables read as its profile's.
func (f *sharedFlags) sameProfile(cmd, reports string) error {
	if f.profileSet && reports != f.profile {
		return cli.Usagef("%s: --profile %s, but the reports are of profile %s (--merge and --across take the profile from the reports)", cmd, f.profile, reports)
	}
	return nil
}

// emitSpread prints across-seed results (JSON or tables: the suite's,
// then the claims table) and writes them into --out.
func (s *Suite) emitSpread(e cli.Env, f *sharedFlags, sp *Spread) error {
	if f.out != "" {
		if err := s.WriteSpread(f.out, sp); err != nil {
			return err
		}
	}
	if f.json {
		return report.JSON(e.Stdout, sp)
	}
	if err := printTables(e.Stdout, sp.Tables); err != nil {
		return err
	}
	return printTables(e.Stdout, s.ClaimsTables(sp.Profile, sp.Seeds, sp.Claims, sp.Notes))
}

// benchSeeds runs a whole run per seed of --seeds, one after another, each
// through the same path as `bench SUITE --seed S` (so each reuses and fills
// the cache, and an interrupted one resumes), writes each into
// --out/seed-S, and prints the claims decided over them: the across-seed
// results for two seeds or more, the run itself for one.
func (s *Suite) benchSeeds(ctx context.Context, e cli.Env, f *sharedFlags, cmd string, own []*string) error {
	switch {
	case f.seedSet:
		return cli.Usagef("%s: give --seed or --seeds, not both", cmd)
	case len(f.merge) > 0 || len(f.across) > 0:
		return cli.Usagef("%s: --seeds runs the seeds; give it without --merge and --across", cmd)
	case f.prepare:
		return cli.Usagef("%s: give --seeds or --prepare, not both (prepare one seed at a time with --seed)", cmd)
	case !f.shard.Whole():
		return cli.Usagef("%s: give --seeds or --shard, not both (shard one seed at a time with --seed)", cmd)
	}
	seeds, err := ParseSeeds(f.seeds)
	if err != nil {
		return cli.Usagef("%s: %v", cmd, err)
	}
	if len(seeds) > 1 && s.across == nil && s.measure == nil {
		return cli.Usagef("%s: %s has no claims and no across-seed tables to compare seeds by; run one --seed at a time", cmd, s.name)
	}
	var reps []*Report
	for k, seed := range seeds {
		o := f.options(e)
		o.Seed = seed
		for i, fl := range s.flags {
			o.Flags[fl.Name] = *own[i]
		}
		o.Logf("%s: seed %d (%d of %d)", s.name, seed, k+1, len(seeds))
		rep, err := s.Run(ctx, o)
		if err != nil {
			return Interrupted(fmt.Errorf("seed %d: %w", seed, err), cmd, f.cache)
		}
		o.Logf("%s: seed %d done in %s", s.name, seed, fmtSeconds(rep.Seconds))
		reps = append(reps, rep)
		// Each seed's results are written as soon as it is done.
		if f.out != "" && len(seeds) > 1 {
			tables, err := s.Tables(rep)
			if err != nil {
				return err
			}
			if err := s.WriteResults(filepath.Join(f.out, fmt.Sprintf("seed-%d", seed)), rep, tables); err != nil {
				return err
			}
		}
	}
	if len(reps) == 1 {
		one := *f
		if f.out != "" {
			one.out = filepath.Join(f.out, fmt.Sprintf("seed-%d", reps[0].Seed))
		}
		return s.emit(e, &one, reps[0], true)
	}
	sp, err := s.Across(reps)
	if err != nil {
		return err
	}
	if err := s.emitSpread(e, f, sp); err != nil {
		return err
	}
	if !f.json {
		var total float64
		for _, rep := range reps {
			total += rep.Seconds
		}
		fmt.Fprintf(e.Stdout, "%s %s: %d seeds, wall time %s\n\n", s.name, f.profile, len(reps), fmtSeconds(total))
	}
	return nil
}

// MaxSeeds bounds the number of seeds of one --seeds.
const MaxSeeds = 1000

// ParseSeeds parses a list of seeds and ranges, "1-5" or "1,3,7-9", into
// seeds in increasing order. A seed given twice is an error.
func ParseSeeds(v string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		a, b, isRange := strings.Cut(part, "-")
		lo, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.ParseUint(strings.TrimSpace(b), 10, 64)
		}
		if err1 != nil || err2 != nil || hi < lo {
			return nil, fmt.Errorf("seeds %q: %q is not a seed or a range a-b with a <= b", v, part)
		}
		if hi-lo >= MaxSeeds || len(out)+int(hi-lo+1) > MaxSeeds {
			return nil, fmt.Errorf("seeds %q: more than %d seeds", v, MaxSeeds)
		}
		for x := lo; ; x++ {
			out = append(out, x)
			if x == hi {
				break
			}
		}
	}
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("seeds %q: seed %d given twice", v, out[i])
		}
	}
	return out, nil
}

// FormatSeeds writes seeds (in increasing order) as ParseSeeds reads
// them, runs of three or more as ranges: "1-54", "1, 2, 5-9".
func FormatSeeds(seeds []uint64) string {
	var parts []string
	for i := 0; i < len(seeds); {
		j := i
		for j+1 < len(seeds) && seeds[j+1] == seeds[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, fmt.Sprintf("%d-%d", seeds[i], seeds[j]))
		case j > i:
			parts = append(parts, fmt.Sprint(seeds[i]), fmt.Sprint(seeds[j]))
		default:
			parts = append(parts, fmt.Sprint(seeds[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// printTables prints tables as text, one after another.
func printTables(w io.Writer, tables []report.Table) error {
	for _, t := range tables {
		if err := report.Print(w, t); err != nil {
			return err
		}
	}
	return nil
}

// emit prints a report (JSON or tables) and writes its results directory.
func (s *Suite) emit(e cli.Env, f *sharedFlags, rep *Report, wall bool) error {
	tables, err := s.Tables(rep)
	if err != nil {
		return err
	}
	if f.out != "" {
		if err := s.WriteResults(f.out, rep, tables); err != nil {
			return err
		}
	}
	if f.json {
		return report.JSON(e.Stdout, rep)
	}
	if err := printTables(e.Stdout, tables); err != nil {
		return err
	}
	if err := printTables(e.Stdout, s.ClaimsTables(rep.Profile, []uint64{rep.Seed}, rep.Claims, nil)); err != nil {
		return err
	}
	if rep.ClaimsError != "" {
		fmt.Fprintf(e.Stdout, "claims not measured: %s\n\n", rep.ClaimsError)
	}
	if wall {
		fmt.Fprintf(e.Stdout, "%s %s: wall time %s, peak memory %.0f MiB\n\n", s.name, rep.Profile, fmtSeconds(rep.Seconds), rep.PeakRSSMiB)
	}
	return nil
}

// WriteResults writes a results directory: the report, a CSV per table and
// the suite's plots.
func (s *Suite) WriteResults(dir string, rep *Report, tables []report.Table) error {
	// Locked, so that two runs writing one --out never leave a mix of
	// their files.
	unlock, err := dirlock.MkdirLock(dir, "results directory")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	defer unlock()
	if err := WriteReport(filepath.Join(dir, ReportFile), rep); err != nil {
		return err
	}
	if err := writeCSVs(dir, "table", tables); err != nil {
		return err
	}
	if err := writeClaimsCSVs(dir, s.ClaimsTables(rep.Profile, []uint64{rep.Seed}, rep.Claims, nil)); err != nil {
		return err
	}
	_, err = s.Plots(rep, dir)
	return err
}

// writeCSVs writes each table into dir as PREFIXnn-TITLE.csv, atomically.
func writeCSVs(dir, prefix string, tables []report.Table) error {
	for i, t := range tables {
		name := fmt.Sprintf("%s%02d-%s.csv", prefix, i+1, slug(t.Title))
		if err := atomicfile.Write(filepath.Join(dir, name), 0o644, func(w io.Writer) error { return report.CSV(w, t) }); err != nil {
			return err
		}
	}
	return nil
}

// ClaimsCSV and ClaimsLegendCSV are the claims table and its legend in a
// results directory (fixed names: scripts read them).
const (
	ClaimsCSV       = "claims.csv"
	ClaimsLegendCSV = "claims-legend.csv"
)

// writeClaimsCSVs writes ClaimsTables' two tables (if any) into dir.
func writeClaimsCSVs(dir string, tables []report.Table) error {
	for i, t := range tables {
		name := []string{ClaimsCSV, ClaimsLegendCSV}[i]
		if err := atomicfile.Write(filepath.Join(dir, name), 0o644, func(w io.Writer) error { return report.CSV(w, t) }); err != nil {
			return err
		}
	}
	return nil
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

func slug(title string) string {
	s := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	if s == "" {
		s = "table"
	}
	return s
}

// Approx writes an expected duration the way people say it: "30 s",
// "20 min", "72 h".
func Approx(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.0f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%.0f min", d.Minutes())
	}
	return fmt.Sprintf("%.0f h", d.Hours())
}

func fmtSeconds(s float64) string {
	return (time.Duration(s*10) * time.Second / 10).String()
}

func (s *Suite) printProfiles(w io.Writer) {
	fmt.Fprintf(w, "\nProfiles of %s (expected wall time on 2 cores):\n", s.name)
	for _, p := range s.profiles {
		def := ""
		if p.Name == s.def {
			def = " (default)"
		}
		fmt.Fprintf(w, "  %-8s ~%-7s %s%s\n", p.Name, Approx(p.Expected), p.Summary, def)
	}
}

// benchDefault runs the default section of every suite in turn.
func (r Registry) benchDefault(ctx context.Context, e cli.Env, args []string) (err error) {
	fs := cli.NewFlags("bench")
	var f sharedFlags
	f.register(fs, "", false)
	rest, err := cli.Parse(fs, e.Stdout, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			r.printBenchHelp(e.Stdout)
		}
		return err
	}
	if len(rest) > 0 {
		return cli.Usagef("bench: unknown suite or benchmark %q (want %s)", rest[0], strings.Join(r.names(), ", "))
	}
	if len(r.Suites) == 0 {
		return errors.New("bench: no suites registered")
	}
	if err := f.check("bench"); err != nil {
		return err
	}
	stop, err := f.startCPUProfile()
	if err != nil {
		return err
	}
	defer stop(&err)
	var reps []*Report
	for _, s := range r.Suites {
		o := f.options(e)
		o.Profile = s.def
		if !f.json {
			p, _ := s.Profile(s.def)
			fmt.Fprintf(e.Stdout, "== %s: %s (profile %s, about %s) ==\n\n", s.name, s.summary, s.def, Approx(p.Expected))
		}
		rep, err := s.Run(ctx, o)
		if err != nil {
			return Interrupted(fmt.Errorf("bench %s: %w", s.name, err), "bench", f.cache)
		}
		sf := f
		if f.out != "" {
			sf.out = filepath.Join(f.out, s.name)
		}
		if f.json {
			// One JSON array of every suite's report at the end.
			reps = append(reps, rep)
			sf.json = false
			if sf.out != "" {
				tables, err := s.Tables(rep)
				if err != nil {
					return err
				}
				if err := s.WriteResults(sf.out, rep, tables); err != nil {
					return err
				}
			}
			continue
		}
		if err := s.emit(e, &sf, rep, true); err != nil {
			return err
		}
	}
	if f.json {
		return report.JSON(e.Stdout, reps)
	}
	return nil
}

func (r Registry) printBenchHelp(w io.Writer) {
	fmt.Fprintln(w, "\nmetabench bench                    every suite's default section")
	fmt.Fprintln(w, "metabench bench SUITE [flags]      one suite (bench SUITE -h for its flags)")
	fmt.Fprintln(w, "metabench bench NAME [flags]       one speed benchmark")
	fmt.Fprintln(w, "\nSuites and profiles (expected wall time on 2 cores):")
	for _, s := range r.Suites {
		fmt.Fprintf(w, "  %-10s %s\n", s.name, s.summary)
		for _, p := range s.profiles {
			def := ""
			if p.Name == s.def {
				def = " (default section)"
			}
			fmt.Fprintf(w, "    %-8s ~%-7s %s%s\n", p.Name, Approx(p.Expected), p.Summary, def)
		}
	}
	if len(r.Benches) > 0 {
		fmt.Fprintln(w, "\nSpeed benchmarks:")
		for _, b := range r.Benches {
			fmt.Fprintf(w, "  %-10s %s\n", b.Name, b.Summary)
		}
	}
}

// WorkerCount is the number of workers o asks for: o.Workers, or all CPUs.
func (o Options) WorkerCount() int { return parallel.Workers(o.Workers) }
