package suite

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/infile"
	"github.com/metabench/metabench/nn"
)

// FormatVersion is the version of the report envelope. Readers refuse
// newer versions and read older ones: format 1 is format 2 without Claims
// (which are recomputed from the rows when runs are compared anyway).
const FormatVersion = 2

// oldestFormat is the oldest report format this program reads.
const oldestFormat = 1

// Report is the versioned JSON envelope of one run (or of merged shards):
// what ran, on what, how long it took, and the suite's own rows.
type Report struct {
	Format     int     `json:"format"`
	Suite      string  `json:"suite"`
	Profile    string  `json:"profile"`
	Seed       uint64  `json:"seed"`
	Data       string  `json:"data,omitempty"`
	Config     string  `json:"config"`           // Key of the configuration; only equal ones merge
	Shard      string  `json:"shard,omitempty"`  // "i/n"; empty for a whole run
	Merged     int     `json:"merged,omitempty"` // the number of shards merged into this report
	Build      Build   `json:"build"`
	Phases     []Phase `json:"phases,omitempty"`
	Seconds    float64 `json:"seconds"`      // wall time (summed over merged shards)
	PeakRSSMiB float64 `json:"peak_rss_mib"` // peak resident memory of the run (max over shards)
	// Claims are the suite's claims as this run shows them: each effect
	// with its within-run interval, no verdict (format 2; none for a shard
	// or a suite without claims).
	Claims []claims.Result `json:"claims,omitempty"`
	// ClaimsError says why a run has no Claims: the suite's Measure failed
	// on its rows (the rows are kept; --across reports it again).
	ClaimsError string          `json:"claims_error,omitempty"`
	Rows        json.RawMessage `json:"rows"`
}

// Build describes the program and machine a report comes from.
type Build struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go"`
	// Target is the instruction set compiled for (nn.Target): a build
	// for amd64 v3 fuses multiply-adds and computes other bits.
	Target string `json:"target,omitempty"`
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
}

// ReadBuild returns the running program's build and machine.
func ReadBuild() Build {
	b := Build{Version: "(devel)", GoVersion: runtime.Version(), Target: nn.Target(), CPU: cpuModel(), Cores: runtime.NumCPU()}
	if info, ok := debug.ReadBuildInfo(); ok {
		b.Version = info.Main.Version
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	return b
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// WriteReport writes r as indented JSON to path, atomically.
func WriteReport(path string, r *Report) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
}

// ReportFile is the name of the report in a results directory.
const ReportFile = "report.json"

// maxReportBytes bounds a report file.
const maxReportBytes = 1 << 30

// ReadReport reads a report from a JSON file, or from a results directory
// holding ReportFile.
func ReadReport(path string) (*Report, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, ReportFile)
	}
	// A report is a few kB to MB: a FIFO, a device or a huge file given
	// to --merge or --across is refused without being read.
	b, err := infile.ReadFileMax(path, maxReportBytes)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("report %s: not a metabench report: %v", path, err)
	}
	switch {
	case r.Format < oldestFormat || r.Format > FormatVersion:
		return nil, fmt.Errorf("report %s: format %d, this program reads formats %d to %d", path, r.Format, oldestFormat, FormatVersion)
	case r.Suite == "" || r.Profile == "" || r.Config == "":
		return nil, fmt.Errorf("report %s: not a metabench report (no suite, profile or config)", path)
	case len(r.Rows) == 0 || string(r.Rows) == "null":
		return nil, fmt.Errorf("report %s: has no rows", path)
	}
	// Rows are compared and merged as written by Run: compact, not indented.
	var compact bytes.Buffer
	if err := json.Compact(&compact, r.Rows); err != nil {
		return nil, fmt.Errorf("report %s: rows: %v", path, err)
	}
	r.Rows = compact.Bytes()
	return &r, nil
}

// Merge merges the reports of the shards of one run into the report of the
// whole run. It refuses reports of another suite, profile, seed, data or
// configuration, a shard given twice, and missing shards, naming each.
func (s *Suite) Merge(reps []*Report) (*Report, error) {
	if len(reps) == 0 {
		return nil, fmt.Errorf("merge %s: no reports", s.name)
	}
	if s.merge == nil {
		return nil, fmt.Errorf("merge %s: the suite does not split into shards", s.name)
	}
	first := reps[0]
	var n int
	byIndex := map[int]*Report{}
	for _, r := range reps {
		if err := s.sameSetting("merge", first, r); err != nil {
			return nil, err
		}
		switch {
		case r.Seed != first.Seed:
			return nil, fmt.Errorf("merge %s: reports of seeds %d and %d", s.name, first.Seed, r.Seed)
		case r.Config != first.Config:
			return nil, fmt.Errorf("merge %s: reports of configurations %s and %s (another version of the program or of its settings)", s.name, first.Config, r.Config)
		case r.Merged > 0 || r.Shard == "":
			return nil, fmt.Errorf("merge %s: a report of a whole run (shard %q), not of a shard", s.name, r.Shard)
		}
		var sh Shard
		if err := sh.Set(r.Shard); err != nil {
			return nil, fmt.Errorf("merge %s: %w", s.name, err)
		}
		if n == 0 {
			n = sh.Count
		} else if sh.Count != n {
			return nil, fmt.Errorf("merge %s: shards of %d and of %d", s.name, n, sh.Count)
		}
		if byIndex[sh.Index] != nil {
			return nil, fmt.Errorf("merge %s: shard %s given twice", s.name, r.Shard)
		}
		byIndex[sh.Index] = r
	}
	var missing []string
	rows := make([]json.RawMessage, n)
	out := &Report{Format: FormatVersion, Suite: s.name, Profile: first.Profile, Seed: first.Seed, Data: first.Data,
		Config: first.Config, Merged: n, Build: first.Build}
	phases := &Phases{}
	for i := range n {
		r := byIndex[i]
		if r == nil {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
			continue
		}
		rows[i] = r.Rows
		out.Seconds += r.Seconds
		out.PeakRSSMiB = max(out.PeakRSSMiB, r.PeakRSSMiB)
		for _, p := range r.Phases {
			phases.Add(p.Name, p.Seconds)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("merge %s: missing shard %s", s.name, strings.Join(missing, ", "))
	}
	out.Phases = phases.List()
	merged, err := s.merge(rows)
	if err != nil {
		return nil, fmt.Errorf("merge %s: %w", s.name, err)
	}
	out.Rows = merged
	if out.Claims, err = s.DecideOne(out); err != nil {
		out.ClaimsError = err.Error() // as Run: the merged rows are kept
	}
	return out, nil
}

// sameSetting refuses, for verb, a report r of another suite than s or of
// another profile or data than first.
func (s *Suite) sameSetting(verb string, first, r *Report) error {
	switch {
	case r.Suite != s.name:
		return fmt.Errorf("%s %s: a report of suite %q", verb, s.name, r.Suite)
	case r.Profile != first.Profile:
		return fmt.Errorf("%s %s: reports of profiles %q and %q", verb, s.name, first.Profile, r.Profile)
	case r.Data != first.Data:
		return fmt.Errorf("%s %s: reports of data %q and %q", verb, s.name, first.Data, r.Data)
	}
	return nil
}

// Find returns the suite called name among suites.
func Find(suites []*Suite, name string) (*Suite, bool) {
	i := slices.IndexFunc(suites, func(s *Suite) bool { return s.name == name })
	if i < 0 {
		return nil, false
	}
	return suites[i], true
}
