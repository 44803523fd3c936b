package suite

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/dirlock"
	"github.com/metabench/metabench/internal/plot"
)

// Spread is the comparison of whole runs of one configuration that differ
// only in their seed: the suite's across-seed tables, for telling a
// method's effect from the luck of one seed.
type Spread struct {
	Format  int            `json:"format"`
	Suite   string         `json:"suite"`
	Profile string         `json:"profile"`
	Data    string         `json:"data,omitempty"`
	Seeds   []uint64       `json:"seeds"`
	Tables  []report.Table `json:"tables"`
	// Claims are the suite's claims decided over the seeds (format 2).
	Claims []claims.Result `json:"claims,omitempty"`
	// Notes say what the reader of the claims must know: that the runs
	// came from different builds or CPU models.
	Notes []string `json:"notes,omitempty"`

	runs []json.RawMessage // the runs' rows, in seed order, for the plots
}

// SpreadFile is the name of the across-seed results in a results directory.
const SpreadFile = "across-seeds.json"

// Across compares whole-run reports that differ only in seed. It refuses
// reports of another suite, profile or data, shard reports, a seed given
// twice, and a report whose configuration is not the one this program
// gives for its seed (another version of the program or of its settings).
func (s *Suite) Across(reps []*Report) (*Spread, error) {
	if s.across == nil && s.measure == nil {
		return nil, fmt.Errorf("across %s: the suite has no across-seed tables and no claims", s.name)
	}
	if len(reps) < 2 {
		return nil, fmt.Errorf("across %s: %d report, want the reports of at least 2 seeds", s.name, len(reps))
	}
	reps = slices.Clone(reps)
	slices.SortStableFunc(reps, func(a, b *Report) int { return cmp.Compare(a.Seed, b.Seed) })
	first := reps[0]
	sp := &Spread{Format: FormatVersion, Suite: s.name, Profile: first.Profile, Data: first.Data}
	rows := make([]json.RawMessage, len(reps))
	for i, r := range reps {
		if err := s.sameSetting("across", first, r); err != nil {
			return nil, err
		}
		switch {
		case r.Shard != "" && r.Merged == 0:
			return nil, fmt.Errorf("across %s: seed %d: a report of shard %s; merge the shards first (--merge)", s.name, r.Seed, r.Shard)
		case i > 0 && r.Seed == reps[i-1].Seed:
			return nil, fmt.Errorf("across %s: seed %d given twice", s.name, r.Seed)
		}
		key, err := s.ConfigKey(Options{Profile: r.Profile, Seed: r.Seed, Data: r.Data})
		if err != nil {
			return nil, fmt.Errorf("across %s: seed %d: %w", s.name, r.Seed, err)
		}
		if key != r.Config {
			return nil, fmt.Errorf("across %s: seed %d: configuration %s, where this program gives %s (another version of the program or of its settings)", s.name, r.Seed, r.Config, key)
		}
		sp.Seeds = append(sp.Seeds, r.Seed)
		rows[i] = r.Rows
	}
	if s.across != nil {
		tables, err := s.across(rows, sp.Seeds)
		if err != nil {
			return nil, fmt.Errorf("across %s: %w", s.name, err)
		}
		sp.Tables = tables
	}
	sp.runs = rows
	if s.measure != nil {
		runs := make([][]claims.Measurement, len(reps))
		for i, r := range reps {
			ms, err := s.Measure(r)
			if err != nil {
				return nil, fmt.Errorf("across %s: %w", s.name, err)
			}
			runs[i] = ms
		}
		res, err := claims.DecideAll(s.claims, sp.Seeds, runs)
		if err != nil {
			return nil, fmt.Errorf("across %s: %w", s.name, err)
		}
		sp.Claims = res
		sp.Notes = provenanceNotes(reps)
	}
	return sp, nil
}

// provenanceNotes says when runs came from different builds of the program
// or different CPU models: results of the same configuration then need not
// be bit-identical, and speed columns do not compare.
func provenanceNotes(reps []*Report) []string {
	var notes []string
	differ := func(what string, of func(b Build) string) {
		var parts []string
		seen := map[string]bool{}
		for _, r := range reps {
			v := of(r.Build)
			seen[v] = true
			parts = append(parts, fmt.Sprintf("seed %d: %s", r.Seed, v))
		}
		if len(seen) > 1 {
			notes = append(notes, fmt.Sprintf("Note: the runs came from different %s (%s).", what, strings.Join(parts, "; ")))
		}
	}
	// Reports written before builds recorded their target say nothing of
	// it: compare targets only when every report names one.
	targets := !slices.ContainsFunc(reps, func(r *Report) bool { return r.Build.Target == "" })
	differ("builds", func(b Build) string {
		v := b.Version
		if b.Commit != "" {
			v = b.Commit[:min(12, len(b.Commit))]
		}
		if b.Modified {
			v += "+modified"
		}
		v += " " + b.GoVersion
		if targets {
			v += " " + b.Target
		}
		return v
	})
	differ("CPU models", func(b Build) string { return fmt.Sprintf("%s × %d", b.CPU, b.Cores) })
	return notes
}

// ClaimsTables renders a suite's claims decided over the runs of seeds:
// the claims table (with a warning for one seed, and the notes) and the
// legend of what each claim says. None for a suite without claims.
func (s *Suite) ClaimsTables(profile string, seeds []uint64, results []claims.Result, notes []string) []report.Table {
	if len(results) == 0 {
		return nil
	}
	title := fmt.Sprintf("Claims of %s, profile %s, %s", s.name, profile, seedList(seeds))
	if len(seeds) == 1 {
		notes = append([]string{"Warning: one seed is no verdict; its 95% interval is within the run (bootstrap over test items where the suite gives them). Run --seeds 1-3 or more."}, notes...)
	} else {
		title += ": mean and 95% Student-t interval over seeds"
	}
	return []report.Table{
		claims.Table(title, results, notes...),
		claims.Legend(fmt.Sprintf("What the claims of %s say", s.name), s.claims),
	}
}

// seedList writes seeds as "seed 3" or "seeds 1, 2, 5-9".
func seedList(seeds []uint64) string {
	if len(seeds) == 1 {
		return fmt.Sprintf("seed %d", seeds[0])
	}
	return "seeds " + FormatSeeds(seeds)
}

// WriteSpread writes the across-seed results into dir: SpreadFile, a CSV
// per table and the suite's across-seed plots.
func (s *Suite) WriteSpread(dir string, sp *Spread) error {
	// Locked as a run's results directory is (WriteResults).
	unlock, err := dirlock.MkdirLock(dir, "results directory")
	if err != nil {
		return fmt.Errorf("across-seed results: %w", err)
	}
	defer unlock()
	if err := atomicfile.Write(filepath.Join(dir, SpreadFile), 0o644, func(w io.Writer) error { return report.JSON(w, sp) }); err != nil {
		return err
	}
	if err := writeCSVs(dir, "across", sp.Tables); err != nil {
		return err
	}
	if err := writeClaimsCSVs(dir, s.ClaimsTables(sp.Profile, sp.Seeds, sp.Claims, sp.Notes)); err != nil {
		return err
	}
	if err := writeClaimPlots(dir, s.name, sp.Profile, sp.Claims); err != nil {
		return err
	}
	if s.acrossPlots == nil || sp.runs == nil {
		return nil
	}
	if _, err := s.acrossPlots(sp.runs, sp.Seeds, dir); err != nil {
		return fmt.Errorf("across-seed plots: %w", err)
	}
	return nil
}

// writeClaimPlots draws, for every claim measured by at least two seeds,
// claim-ID.png: the effect of each seed against the seed, with zero, the
// mean, its 95% interval and a primary claim's equivalence margin.
func writeClaimPlots(dir, suiteName, profile string, results []claims.Result) error {
	for _, r := range results {
		if r.N < 2 || r.Mean == nil || r.Low == nil || r.High == nil {
			continue
		}
		ys := make([]float64, len(r.Seeds))
		for i, seed := range r.Seeds {
			ys[i] = float64(seed)
		}
		refs := []plot.Ref{{X: 0, Name: "no effect"}, {X: *r.Mean, Name: "mean"}, {X: *r.Low, Name: "95% interval", Dashes: 1}, {X: *r.High, Dashes: 1}}
		if r.Claim.Primary && r.Claim.Margin > 0 {
			refs = append(refs, plot.Ref{X: -r.Claim.Margin, Name: "margin", Dashes: 2}, plot.Ref{X: r.Claim.Margin, Dashes: 2})
		}
		title := fmt.Sprintf("%s (%s): %s over %d seeds, %s", suiteName, profile, r.Claim.ID, r.N, r.Verdict)
		x := r.Claim.Unit
		if x == "" {
			x = "effect"
		}
		// An ID names a file: anything but letters, digits, '-' and '_'
		// becomes '-'.
		id := strings.Map(func(c rune) rune {
			if c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return c
			}
			return '-'
		}, r.Claim.ID)
		path := filepath.Join(dir, "claim-"+id+".png")
		if err := plot.Dots(path, plot.Axes{Title: title, X: x, Y: "seed"}, ys, r.Values, refs...); err != nil {
			return fmt.Errorf("claim plots: %w", err)
		}
	}
	return nil
}
