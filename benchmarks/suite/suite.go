// Package suite is the contract every metabench suite implements, and the
// harness that runs it: profiles declared as data, run options, shards,
// cache keys, the versioned JSON report envelope, the merging of shard
// reports, and the `bench` command line shared by all suites.
//
// A suite is written against its profiles' scale type P, its configuration
// type C and its rows type R with a Spec, and turned into a Suite with New;
// the harness handles everything around the science:
//
//	s := suite.New(suite.Spec[Profile, config, Rows]{
//		Name: "drug", Profiles: profiles, Default: "default",
//		Config: configOf, Run: run, Merge: merge, Tables: tables,
//	})
//
// Profile is the suite's scale type (suite.Profile[Profile] carries one as
// Scale), config what determines a run's results, Rows what a run measures.
// The harness resolves --profile to its Scale once, hands it to Config,
// keys the configuration Config returns, and hands both to Run (Setup).
// Run sees only its shard of the work (Options.Shard); Merge combines the
// rows of all shards into the rows of an unsharded run, so that a merged
// report's tables equal those of one run, bit for bit.
package suite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/nn"
)

// Profile is one scale of a suite: its name on the command line, what it
// runs, and its Scale, the suite's own fields that the run follows.
// Behaviour follows the Scale, never the profile's name.
type Profile[P any] struct {
	Name     string
	Summary  string
	Expected time.Duration // wall time on the reference machine (2 cores, AMD EPYC)
	// MemoryLimit, if positive, is the Go runtime's soft memory limit while
	// a run of the profile measures (runtime/debug.SetMemoryLimit; GOMEMLIMIT
	// takes precedence): the garbage collector collects before the heap
	// passes it instead of letting it grow to twice what is live, so that a
	// run that keeps a large heap live is not resident twice over. It
	// changes when memory is collected, never a result; it must stay above
	// what the run keeps live. It is the limit for the reference machine's
	// 2 workers: with W > 2 workers, which may train W models at once, the
	// limit is W/2 times as large.
	MemoryLimit int64
	Scale       P
}

// Info returns p without its scale.
func (p Profile[P]) Info() ProfileInfo {
	return ProfileInfo{Name: p.Name, Summary: p.Summary, Expected: p.Expected, MemoryLimit: p.MemoryLimit}
}

// ProfileInfo is a profile as a registered suite shows it, its scale type
// erased: what `bench -h` lists.
type ProfileInfo struct {
	Name        string
	Summary     string
	Expected    time.Duration
	MemoryLimit int64
}

// Setup is one run as the harness resolved it, once, before any work: the
// options, the configuration that Spec.Config made of them and of the
// profile's scale, and the configuration's Key (the report's config; a
// suite's cache entries are named by it).
type Setup[C any] struct {
	Options
	Config C
	Key    string
}

// Options configure one run of a suite. The zero Shard is the whole run.
type Options struct {
	Profile  string
	Seed     uint64
	CacheDir string // datasets, models and other reusable work; a rerun resumes from it
	Data     string // real data: a path or a built-in name; "" for the suite's synthetic data
	Shard    Shard
	Workers  int       // parallel workers (0: all CPUs)
	Progress bool      // progress bars on stderr (they switch themselves off when it is not a terminal)
	Log      io.Writer // progress lines; nil for none
	Flags    map[string]string
	Phases   *Phases // wall time per phase, recorded into the report; may be nil
	// Prepare asks only for the work that later runs reuse from the cache —
	// datasets, trained models — and no measurement: the first stage of a
	// sharded run on a cluster, so that shards do not each repeat it.
	Prepare bool
}

// Logf writes one progress line to o.Log, if set.
func (o Options) Logf(format string, a ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", a...)
	}
}

// Flag is a string flag of a suite's own, beyond the shared vocabulary; its
// value reaches Run as Options.Flags[Name].
type Flag struct {
	Name, Default, Usage string
}

// Spec declares a suite over its own types: P, the scale of a profile; C,
// the configuration of a run (what determines its results: the scale, the
// data's identity, the seed; JSON-encodable, its unexported fields are not
// part of the key); and R, the rows (what one run measures,
// JSON-encodable).
type Spec[P, C, R any] struct {
	Name    string
	Summary string // one line: the paper and what the suite measures
	// Profiles in order of scale; Default names the short section that
	// `metabench bench` runs (about 30 s, a real result).
	Profiles []Profile[P]
	Default  string
	// Config returns the configuration that determines the results of o
	// run at the scale of o's profile — the scale, the data's identity,
	// the seed — or a cli.UsageError for bad data or flags. Its hash (Key)
	// goes into the report, and only reports of one configuration merge.
	// Data that Config reads to check it may ride along in unexported
	// fields of C, so that Run does not read it again.
	Config func(o Options, scale P) (C, error)
	// Run measures the shard of the run the harness resolved.
	Run func(ctx context.Context, s Setup[C]) (R, error)
	// Merge combines the rows of every shard, in shard order, into those of
	// an unsharded run. Nil: the suite does not shard.
	Merge func(shards []R) (R, error)
	// Tables renders rows for people.
	Tables func(r R) []report.Table
	// Across renders the rows of whole runs that differ only in seed (in
	// seed order) as tables of how the results spread over seeds: what
	// `bench SUITE --across` prints. Optional.
	Across func(runs []R, seeds []uint64) ([]report.Table, error)
	// AcrossPlots writes pictures of the same runs into dir and returns
	// their paths. Optional.
	AcrossPlots func(runs []R, seeds []uint64, dir string) ([]string, error)
	// Plots writes pictures of rows into dir and returns their paths. Optional.
	Plots func(r R, dir string) ([]string, error)
	// Claims are the paper's claims that this suite tests, and Measure
	// computes their effects from one run's rows (a claim whose effect the
	// rows cannot give, such as one needing a larger profile, is left out
	// of the measurements). The harness decides them over seeds. Optional.
	Claims  []claims.Claim
	Measure func(r R) ([]claims.Measurement, error)
	// Flags are the suite's own bench flags. Optional.
	Flags []Flag
	// Prepare declares that Run honours Options.Prepare: it can build what
	// shards reuse (datasets, models) into the cache and stop there.
	Prepare bool
	// Commands are the suite's verbs beyond bench ("train", "eval", …),
	// registered under the suite's name: `metabench train imitation`.
	Commands []cli.Command
}

// Suite is a registered suite: a Spec with its row type erased.
type Suite struct {
	name, summary string
	profiles      []ProfileInfo
	def           string
	flags         []Flag
	prepares      bool
	commands      []cli.Command
	setup         func(Options) (string, func(context.Context) (json.RawMessage, error), error)
	claims        []claims.Claim
	measure       func(json.RawMessage) ([]claims.Measurement, error)
	merge         func([]json.RawMessage) (json.RawMessage, error)
	tables        func(json.RawMessage) ([]report.Table, error)
	across        func([]json.RawMessage, []uint64) ([]report.Table, error)
	acrossPlots   func([]json.RawMessage, []uint64, string) ([]string, error)
	plots         func(json.RawMessage, string) ([]string, error)
}

// New checks a spec and returns its suite. It panics on a malformed spec:
// that is a programming error found by the registry's tests.
func New[P, C, R any](s Spec[P, C, R]) *Suite {
	if s.Name == "" || s.Run == nil || s.Config == nil || s.Tables == nil || len(s.Profiles) == 0 {
		panic("suite.New: a spec needs Name, Profiles, Config, Run and Tables")
	}
	if !slices.ContainsFunc(s.Profiles, func(p Profile[P]) bool { return p.Name == s.Default }) {
		panic(fmt.Sprintf("suite.New(%s): default profile %q is not declared", s.Name, s.Default))
	}
	infos := make([]ProfileInfo, len(s.Profiles))
	for i, p := range s.Profiles {
		if slices.ContainsFunc(s.Profiles[:i], func(q Profile[P]) bool { return q.Name == p.Name }) {
			panic(fmt.Sprintf("suite.New(%s): profile %q declared twice", s.Name, p.Name))
		}
		infos[i] = p.Info()
	}
	if err := claims.Check(s.Claims); err != nil {
		panic(fmt.Sprintf("suite.New(%s): %v", s.Name, err))
	}
	if len(s.Claims) > 0 && s.Measure == nil {
		panic(fmt.Sprintf("suite.New(%s): Claims without Measure", s.Name))
	}
	decode := func(raw json.RawMessage) (R, error) {
		var r R
		if err := json.Unmarshal(raw, &r); err != nil {
			return r, fmt.Errorf("%s rows: %w", s.Name, err)
		}
		return r, nil
	}
	out := &Suite{
		name: s.Name, summary: s.Summary, profiles: infos, def: s.Default, flags: s.Flags, prepares: s.Prepare, commands: s.Commands,
		setup: func(o Options) (string, func(context.Context) (json.RawMessage, error), error) {
			su, err := s.Setup(o)
			if err != nil {
				return "", nil, err
			}
			return su.Key, func(ctx context.Context) (json.RawMessage, error) {
				r, err := s.Run(ctx, su)
				if err != nil {
					return nil, err
				}
				return json.Marshal(r)
			}, nil
		},
		tables: func(raw json.RawMessage) ([]report.Table, error) {
			r, err := decode(raw)
			if err != nil {
				return nil, err
			}
			return s.Tables(r), nil
		},
	}
	decodeAll := func(raws []json.RawMessage) ([]R, error) {
		rs := make([]R, len(raws))
		for i, raw := range raws {
			r, err := decode(raw)
			if err != nil {
				return nil, err
			}
			rs[i] = r
		}
		return rs, nil
	}
	if s.Measure != nil {
		out.claims = slices.Clone(s.Claims)
		out.measure = func(raw json.RawMessage) ([]claims.Measurement, error) {
			r, err := decode(raw)
			if err != nil {
				return nil, err
			}
			return s.Measure(r)
		}
	}
	if s.Merge != nil {
		out.merge = func(raws []json.RawMessage) (json.RawMessage, error) {
			rs, err := decodeAll(raws)
			if err != nil {
				return nil, err
			}
			m, err := s.Merge(rs)
			if err != nil {
				return nil, err
			}
			return json.Marshal(m)
		}
	}
	if s.Across != nil {
		out.across = func(raws []json.RawMessage, seeds []uint64) ([]report.Table, error) {
			rs, err := decodeAll(raws)
			if err != nil {
				return nil, err
			}
			return s.Across(rs, seeds)
		}
	}
	if s.AcrossPlots != nil {
		out.acrossPlots = func(raws []json.RawMessage, seeds []uint64, dir string) ([]string, error) {
			rs, err := decodeAll(raws)
			if err != nil {
				return nil, err
			}
			return s.AcrossPlots(rs, seeds, dir)
		}
	}
	if s.Plots != nil {
		out.plots = func(raw json.RawMessage, dir string) ([]string, error) {
			r, err := decode(raw)
			if err != nil {
				return nil, err
			}
			return s.Plots(r, dir)
		}
	}
	return out
}

// Scale returns the scale of the profile called name, or a usage error
// listing the profiles: the one place a profile's name is looked up.
func (s Spec[P, C, R]) Scale(name string) (P, error) {
	for _, p := range s.Profiles {
		if p.Name == name {
			return p.Scale, nil
		}
	}
	infos := make([]ProfileInfo, len(s.Profiles))
	for i, p := range s.Profiles {
		infos[i] = p.Info()
	}
	var zero P
	return zero, unknownProfile(s.Name, name, infos)
}

// Setup resolves o once: its profile's scale, the configuration Config
// makes of them, and the configuration's key. The harness runs it before
// Run; a suite's commands that take --profile use it too.
func (s Spec[P, C, R]) Setup(o Options) (Setup[C], error) {
	scale, err := s.Scale(o.Profile)
	if err != nil {
		return Setup[C]{}, err
	}
	c, err := s.Config(o, scale)
	if err != nil {
		return Setup[C]{}, err
	}
	return Setup[C]{Options: o, Config: c, Key: Key(c)}, nil
}

// unknownProfile is the usage error for a profile name that is not one of
// profiles.
func unknownProfile(suite, name string, profiles []ProfileInfo) error {
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = p.Name
	}
	return cli.Usagef("%s: unknown profile %q (want %s)", suite, name, strings.Join(names, ", "))
}

// Name returns the suite's name, as on the command line.
func (s *Suite) Name() string { return s.name }

// Summary returns the suite's one-line description.
func (s *Suite) Summary() string { return s.summary }

// Profiles returns the suite's profiles in order of scale.
func (s *Suite) Profiles() []ProfileInfo { return slices.Clone(s.profiles) }

// DefaultProfile names the profile `metabench bench` runs.
func (s *Suite) DefaultProfile() string { return s.def }

// Prepares reports whether the suite has a prepare stage (Options.Prepare).
func (s *Suite) Prepares() bool { return s.prepares }

// Commands returns the suite's verbs beyond bench.
func (s *Suite) Commands() []cli.Command { return s.commands }

// Profile returns the profile called name, or a usage error listing them.
func (s *Suite) Profile(name string) (ProfileInfo, error) {
	for _, p := range s.profiles {
		if p.Name == name {
			return p, nil
		}
	}
	return ProfileInfo{}, unknownProfile(s.name, name, s.profiles)
}

// resolve checks o and resolves it once (Spec.Setup): the key of its
// configuration and the run of it.
func (s *Suite) resolve(o Options) (string, func(context.Context) (json.RawMessage, error), error) {
	if o.Shard.Count > 1 && s.merge == nil {
		return "", nil, cli.Usagef("%s does not split into shards", s.name)
	}
	if o.Prepare && !s.prepares {
		return "", nil, cli.Usagef("bench %s: %s has no prepare stage", s.name, s.name)
	}
	if o.Prepare && o.Shard.Count > 1 {
		return "", nil, cli.Usagef("bench %s: give --prepare or --shard, not both", s.name)
	}
	return s.setup(o)
}

// ConfigKey checks o and returns the key of its configuration.
func (s *Suite) ConfigKey(o Options) (string, error) {
	key, _, err := s.resolve(o)
	return key, err
}

// Run runs o's shard of the suite and returns its report.
func (s *Suite) Run(ctx context.Context, o Options) (*Report, error) {
	if o.Phases == nil {
		o.Phases = &Phases{}
	}
	key, run, err := s.resolve(o)
	if err != nil {
		return nil, err
	}
	// --workers bounds the engine's kernel goroutines too, not only the
	// suite's own: N workers never run more than N kernels at once. The
	// count is resolved here (0: GOMAXPROCS now), so that the kernels'
	// budget never reads GOMAXPROCS, which takes the scheduler's lock.
	defer nn.SetThreads(nn.SetThreads(o.WorkerCount()))
	if p, err := s.Profile(o.Profile); err == nil && p.MemoryLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		limit := p.MemoryLimit
		if w := o.WorkerCount(); w > 2 {
			limit = limit / 2 * int64(w)
		}
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))
	}
	resetPeakRSS()
	start := time.Now()
	rows, err := run(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Format: FormatVersion, Suite: s.name, Profile: o.Profile, Seed: o.Seed, Data: o.Data, Config: key,
		Shard: o.Shard.String(), Build: ReadBuild(), Phases: o.Phases.List(),
		Seconds: time.Since(start).Seconds(), PeakRSSMiB: PeakRSSMiB(), Rows: rows,
	}
	if o.Prepare || !o.Shard.Whole() {
		return rep, nil // a shard's rows are part of a run: its claims are measured once merged
	}
	// A suite's Measure that fails on these rows must not throw away the
	// run's work: the report keeps the rows and says why it has no claims.
	if rep.Claims, err = s.DecideOne(rep); err != nil {
		rep.ClaimsError = err.Error()
		o.Logf("%s: the claims were not measured: %v", s.name, err)
	}
	return rep, nil
}

// Claims returns the paper's claims the suite tests (none if it declares
// none).
func (s *Suite) Claims() []claims.Claim { return slices.Clone(s.claims) }

// Measure returns the effects of the suite's claims measured by a report's
// rows (none if the suite declares no claims).
func (s *Suite) Measure(r *Report) ([]claims.Measurement, error) {
	if s.measure == nil {
		return nil, nil
	}
	ms, err := s.measure(r.Rows)
	if err != nil {
		return nil, fmt.Errorf("%s claims, seed %d: %w", s.name, r.Seed, err)
	}
	return ms, nil
}

// DecideOne shows the suite's claims for one whole run: each effect with
// its within-run interval, and the verdict claims.OneSeed — one run is an
// example, never a verdict.
func (s *Suite) DecideOne(r *Report) ([]claims.Result, error) {
	if s.measure == nil {
		return nil, nil
	}
	ms, err := s.Measure(r)
	if err != nil {
		return nil, err
	}
	return claims.DecideAll(s.claims, []uint64{r.Seed}, [][]claims.Measurement{ms})
}

// Tables renders a report's rows.
func (s *Suite) Tables(r *Report) ([]report.Table, error) { return s.tables(r.Rows) }

// Plots writes a report's pictures into dir (none if the suite has none).
func (s *Suite) Plots(r *Report, dir string) ([]string, error) {
	if s.plots == nil {
		return nil, nil
	}
	return s.plots(r.Rows, dir)
}

// Key returns a short hash of v's JSON encoding: the cache key of a
// configuration. Struct fields encode in declaration order and map keys
// sorted, so equal configurations give equal keys.
func Key(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("suite.Key: %v", err)) // configurations are plain data
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:6])
}

// Shard is part i of n of a run's work: the units whose index is i mod n.
// The zero Shard is the whole run. It is a flag.Value written "i/n".
type Shard struct {
	Index, Count int
}

var _ flag.Value = (*Shard)(nil)

// String returns "i/n", or "" for the whole run.
func (s Shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Set parses "i/n" with 0 ≤ i < n.
func (s *Shard) Set(v string) error {
	is, ns, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n || n > MaxShards {
		return fmt.Errorf("shard %q: want i/n with 0 <= i < n <= %d", v, MaxShards)
	}
	*s = Shard{Index: i, Count: n}
	return nil
}

// MaxShards bounds n in "i/n".
const MaxShards = 100000

// Whole reports whether s is the whole run.
func (s Shard) Whole() bool { return s.Count <= 1 }

// Has reports whether unit i belongs to the shard.
func (s Shard) Has(i int) bool { return s.Count <= 1 || i%s.Count == s.Index }

// Take returns the units of xs that belong to the shard, in order.
func Take[T any](s Shard, xs []T) []T {
	if s.Whole() {
		return xs
	}
	var out []T
	for i, x := range xs {
		if s.Has(i) {
			out = append(out, x)
		}
	}
	return out
}

// Phases records the wall time of a run's phases. Safe for concurrent use;
// the zero value is ready and a nil *Phases records nothing.
type Phases struct {
	mu   sync.Mutex
	list []Phase
}

// Phase is the wall time of one named part of a run.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// Start starts timing phase name; call the returned func when it ends.
// Phases of the same name add up.
func (p *Phases) Start(name string) (stop func()) {
	if p == nil {
		return func() {}
	}
	t0 := time.Now()
	return func() { p.Add(name, time.Since(t0).Seconds()) }
}

// Add adds seconds to phase name.
func (p *Phases) Add(name string, seconds float64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.list {
		if p.list[i].Name == name {
			p.list[i].Seconds += seconds
			return
		}
	}
	p.list = append(p.list, Phase{name, seconds})
}

// List returns the phases in the order they first started.
func (p *Phases) List() []Phase {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.list)
}

// Interrupted says, in words, that a run was stopped and how to resume it.
func Interrupted(err error, what, cache string) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: interrupted; finished work is kept in %s: run the same command again to resume", what, cache)
	}
	return err
}
