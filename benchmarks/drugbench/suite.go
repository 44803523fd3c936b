package drugbench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/molecules"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/cli"
)

// Rows are what a run of the suite measured.
type Rows struct {
	Data    DataInfo `json:"data"`
	Results []Result `json:"results"`
	Speed   *Speed   `json:"speed,omitempty"`
}

// DataInfo describes the dataset a run used.
type DataInfo struct {
	Name       string          `json:"name"`
	Split      string          `json:"split"`
	Read       int             `json:"read"`      // molecules in the file (or generated)
	Molecules  int             `json:"molecules"` // parsed and used
	Unparsable int             `json:"unparsable"`
	BadRows    []molecules.Bad `json:"bad_rows,omitempty"` // the first few unparsable rows
	Tasks      []string        `json:"tasks"`
	Groups     []string        `json:"groups"` // per task
	Labelled   []int           `json:"labelled"`
	Actives    []int           `json:"actives"`
	Occurrence []float64       `json:"occurrence"` // per task: share of its actives active elsewhere
}

// config is what determines a run's results (hashed into the report).
type config struct {
	Profile Profile `json:"profile"`
	Data    string  `json:"data"`
	Split   string  `json:"split"`
	Seed    uint64  `json:"seed"`
	ECFP    molecules.ECFP
	Version int `json:"version"`
	// table is what Data names, read once by configOf (nil for the
	// synthetic data); not part of the key.
	table *molecules.Table
}

// version changes when the suite's results change for the same config
// (2: average precision beside ROC AUC; DeepChem's exact scaffold split).
const version = 2

// New returns the drug suite.
func New() *suite.Suite { return suite.New(spec()) }

// spec declares the drug suite.
func spec() suite.Spec[Profile, config, Rows] {
	return suite.Spec[Profile, config, Rows]{
		Name:     "drug",
		Summary:  "massively multitask networks for drug discovery (Ramsundar et al. 2015): ECFP4, multitask nets vs LR/RF/single-task",
		Profiles: profiles,
		Default:  "default",
		Config:   configOf,
		Run:      run,
		Merge:    merge,
		Tables:   tables,
		Plots:    plots,
		Claims:   suiteClaims,
		Measure:  measure,
		Flags: []suite.Flag{
			{Name: "split", Default: "random", Usage: "random (synthetic data: stratified k-fold; real data: DeepChem's random 80/10/10) or scaffold (DeepChem's scaffold 80/10/10, one fold); the test part is scored"},
			{Name: "rdkit", Usage: "python with RDKit: also measure RDKit's SMILES → ECFP4 molecules/s in the same run"},
			{Name: "sklearn", Usage: "python with scikit-learn: also time RandomForestClassifier on the same fingerprints and labels"},
		},
		Commands: Commands(),
	}
}

// configOf checks --split and reads --data (once: run uses the table).
func configOf(o suite.Options, p Profile) (config, error) {
	how := o.Flags["split"]
	if how == "" {
		how = "random"
	}
	if how != "random" && how != "scaffold" {
		return config{}, cli.Usagef("bench drug: --split %q: want random or scaffold", how)
	}
	c := config{Profile: p, Data: o.Data, Split: how, Seed: o.Seed, ECFP: molecules.DefaultECFP, Version: version}
	if o.Data != "" {
		var err error
		if c.table, err = LoadTable(o.Data); err != nil {
			return config{}, err
		}
	}
	return c, nil
}

func run(ctx context.Context, s suite.Setup[config]) (Rows, error) {
	o, p, how := s.Options, s.Config.Profile, s.Config.Split
	stop := o.Phases.Start("data")
	d, err := loadDataset(ctx, o.Data, s.Config.table, p, o.Seed)
	stop()
	if err != nil {
		return Rows{}, err
	}
	rows := Rows{Data: describe(d, how)}
	if len(d.Bad) > 0 {
		o.Logf("drug: %d of %d SMILES did not parse and were skipped (first: line %d: %s)", len(d.Bad), d.Source, d.Bad[0].Line, d.Bad[0].Err)
	}
	units := plan(p, d, how)
	o.Logf("drug: %s, %d molecules × %d tasks, %d units", d.Name, d.Data.Rows(), d.Data.Tasks(), len(units))
	cache := unitCache{dir: filepath.Join(o.CacheDir, "drug", "units", s.Key)}
	for i, u := range units {
		if !o.Shard.Has(i) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		stop := o.Phases.Start(u.Exp)
		t0 := time.Now()
		if u.Exp == ExpSpeed {
			sp, err := measureSpeed(ctx, o, p)
			stop()
			if err != nil {
				return rows, err
			}
			rows.Speed = sp
			continue
		}
		r, ok := cache.load(i)
		if !ok {
			r, err = runUnit(ctx, o, p, d, u, i, how)
			if err != nil {
				stop()
				return rows, fmt.Errorf("drug %s %s fold %d: %w", u.Exp, u.Model, u.Fold, err)
			}
			if err := cache.store(i, r); err != nil {
				o.Logf("drug: cannot cache unit %d: %v", i, err)
			}
		}
		stop()
		o.Logf("drug: unit %d/%d %s %s fold %d k %d: mean AUC %.3f (%.1fs)", i+1, len(units), u.Exp, u.Model, u.Fold, r.K, Mean(r.AUC), time.Since(t0).Seconds())
		rows.Results = append(rows.Results, r)
	}
	return rows, nil
}

func describe(d *dataset, how string) DataInfo {
	info := DataInfo{Name: d.Name, Read: d.Source, Molecules: d.Data.Rows(), Unparsable: len(d.Bad),
		Tasks: d.Tasks, Groups: d.Group, Occurrence: d.occurrence(), Split: "stratified k-fold"}
	if !d.Synth || how == "scaffold" {
		info.Split = how + " 80/10/10"
	}
	info.BadRows = d.Bad[:min(len(d.Bad), 20)]
	T := d.Data.Tasks()
	info.Labelled, info.Actives = make([]int, T), make([]int, T)
	for _, row := range d.Data.Y {
		for t, v := range row {
			if v >= 0 {
				info.Labelled[t]++
			}
			if v == 1 {
				info.Actives[t]++
			}
		}
	}
	return info
}

// merge combines shard rows: every shard describes the same data; results
// are put back in unit order.
func merge(shards []Rows) (Rows, error) {
	if len(shards) == 0 {
		return Rows{}, fmt.Errorf("no shards")
	}
	out := Rows{Data: shards[0].Data}
	for _, s := range shards {
		if s.Data.Name != out.Data.Name || s.Data.Molecules != out.Data.Molecules {
			return Rows{}, fmt.Errorf("shards of different data (%s, %d molecules vs %s, %d)", s.Data.Name, s.Data.Molecules, out.Data.Name, out.Data.Molecules)
		}
		out.Results = append(out.Results, s.Results...)
		if s.Speed != nil {
			out.Speed = s.Speed
		}
	}
	slices.SortStableFunc(out.Results, func(a, b Result) int { return a.Unit - b.Unit })
	for i := 1; i < len(out.Results); i++ {
		if out.Results[i].Unit == out.Results[i-1].Unit {
			return Rows{}, fmt.Errorf("unit %d appears in two shards", out.Results[i].Unit)
		}
	}
	return out, nil
}

// unitCache keeps each finished unit's result under the cache directory,
// keyed by the run's configuration, so that a rerun (after an interrupt or
// a failure) resumes instead of starting over. Speed is never cached.
type unitCache struct{ dir string }

func (c unitCache) path(i int) string { return filepath.Join(c.dir, fmt.Sprintf("unit-%04d.json", i)) }

func (c unitCache) load(i int) (Result, bool) {
	b, err := os.ReadFile(c.path(i))
	if err != nil {
		return Result{}, false
	}
	var r Result
	if json.Unmarshal(b, &r) != nil || r.Unit != i || len(r.AUC) != len(r.Tasks) || len(r.PRC) != len(r.Tasks) {
		return Result{}, false
	}
	return r, true
}

func (c unitCache) store(i int, r Result) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(c.path(i), b, 0o644)
}
