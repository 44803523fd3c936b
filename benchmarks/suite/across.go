package suite

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/internal/atomicfile"
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

	runs []json.RawMessage // the runs' rows, in seed order, for the plots
}

// SpreadFile is the name of the across-seed results in a results directory.
const SpreadFile = "across-seeds.json"

// Across compares whole-run reports that differ only in seed. It refuses
// reports of another suite, profile or data, shard reports, a seed given
// twice, and a report whose configuration is not the one this program
// gives for its seed (another version of the program or of its settings).
func (s *Suite) Across(reps []*Report) (*Spread, error) {
	if s.across == nil {
		return nil, fmt.Errorf("across %s: the suite has no across-seed tables", s.name)
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
	tables, err := s.across(rows, sp.Seeds)
	if err != nil {
		return nil, fmt.Errorf("across %s: %w", s.name, err)
	}
	sp.Tables, sp.runs = tables, rows
	return sp, nil
}

// WriteSpread writes the across-seed results into dir: SpreadFile, a CSV
// per table and the suite's across-seed plots.
func (s *Suite) WriteSpread(dir string, sp *Spread) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("across-seed results: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, SpreadFile), 0o644, func(w io.Writer) error { return report.JSON(w, sp) }); err != nil {
		return err
	}
	if err := writeCSVs(dir, "across", sp.Tables); err != nil {
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
