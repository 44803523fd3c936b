// Package drugbench is the drug suite of metabench: Ramsundar et al.
// (2015), "Massively multitask networks for drug discovery", at reduced
// scale. It featurises molecules (synthetic assay collections shaped like
// PCBA, MUV, Tox21 and DUD-E, or a MoleculeNet CSV such as the shipped
// Tox21) as ECFP4 fingerprints, trains logistic regression, random
// forests and single-task and multitask networks, and reports the paper's
// experiments as tables and plots: models against baselines per dataset
// group, tasks added to held-in tasks, more tasks against more examples,
// pretraining then training on a held-out task, and the multitask gain
// against the active-occurrence rate. Facts and choices: docs/drug.md.
package drugbench

import (
	"fmt"
	"slices"

	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/molecules"
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
