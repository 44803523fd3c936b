package drugbench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/metabench/metabench/agents/multitask"
	"github.com/metabench/metabench/assets/drug"
	"github.com/metabench/metabench/envs/molecules"
	"github.com/metabench/metabench/internal/cli"
)

// dataset is what the experiments run on: fingerprints, labels, the
// group of each task and each molecule's scaffold.
type dataset struct {
	Name   string
	Data   multitask.Data
	Tasks  []string
	Group  []string // per task
	Scaff  []string
	Bad    []molecules.Bad
	Synth  bool
	Source int // molecules read
}

// LoadTable reads the data a --data value names: "tox21" is the shipped
// Tox21, anything else a MoleculeNet CSV path (.csv or .csv.gz).
func LoadTable(data string) (*molecules.Table, error) {
	if data == "tox21" {
		return molecules.ReadCSV(bytes.NewReader(drug.Tox21), "tox21.csv.gz")
	}
	if _, err := os.Stat(data); err != nil {
		return nil, cli.Usagef("--data %q: not a file and not a built-in dataset (tox21)", data)
	}
	return molecules.ReadCSVFile(data)
}

// loadDataset builds the dataset of a run: the profile's synthetic
// collection when data is "", else tab, the table --data named (LoadTable),
// subsampled to the profile's MaxReal.
func loadDataset(ctx context.Context, data string, tab *molecules.Table, p Profile, seed uint64) (*dataset, error) {
	d := &dataset{}
	if data == "" {
		cfg := molecules.AssayConfig{Molecules: p.Molecules, Groups: p.Groups, Families: p.Families, Noise: p.Noise}
		c, err := molecules.Generate(cfg, seed)
		if err != nil {
			return nil, err
		}
		tab = c.Table("synthetic")
		for _, t := range c.Tasks {
			d.Group = append(d.Group, t.Group)
		}
		d.Name, d.Synth = "synthetic", true
	} else {
		if tab == nil {
			return nil, fmt.Errorf("drug: --data %s: the table was not read", data)
		}
		if p.MaxReal > 0 && len(tab.SMILES) > p.MaxReal {
			r := rand.New(rand.NewPCG(seed, 0x7375627365))
			keep := r.Perm(len(tab.SMILES))[:p.MaxReal]
			slices.Sort(keep)
			sub := &molecules.Table{Name: tab.Name, Tasks: tab.Tasks}
			for _, i := range keep {
				sub.SMILES = append(sub.SMILES, tab.SMILES[i])
				sub.Line = append(sub.Line, tab.Line[i])
				sub.Labels = append(sub.Labels, tab.Labels[i])
			}
			tab = sub
		}
		name := data
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		name = strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".csv")
		for range tab.Tasks {
			d.Group = append(d.Group, name)
		}
		d.Name = name
	}
	f, err := molecules.FeaturizeContext(ctx, tab, molecules.DefaultECFP)
	if err != nil {
		return nil, err
	}
	if len(f.X) < 10 {
		return nil, fmt.Errorf("%s: only %d molecules parsed (%d did not)", d.Name, len(f.X), len(f.Bad))
	}
	d.Data = multitask.Data{X: f.X, Bits: f.Bits, Y: f.Labels}
	d.Tasks, d.Scaff, d.Bad, d.Source = f.Tasks, f.Scaff, f.Bad, len(tab.SMILES)
	return d, nil
}

// anyActive is 1 for molecules active in some task (the strata of the
// k-fold split).
func (d *dataset) anyActive() []int {
	s := make([]int, d.Data.Rows())
	for i, row := range d.Data.Y {
		if slices.Contains(row, 1) {
			s[i] = 1
		}
	}
	return s
}

// occurrence returns, per task, the share of its actives that are active
// in at least one other task: the paper's active-occurrence rate.
func (d *dataset) occurrence() []float64 {
	T := d.Data.Tasks()
	out := make([]float64, T)
	for t := range T {
		var act, shared float64
		for _, row := range d.Data.Y {
			if row[t] != 1 {
				continue
			}
			act++
			for u, v := range row {
				if u != t && v == 1 {
					shared++
					break
				}
			}
		}
		if act > 0 {
			out[t] = shared / act
		}
	}
	return out
}

// columns returns d's data restricted to the tasks cols.
func columns(x multitask.Data, cols []int) multitask.Data {
	out := multitask.Data{X: x.X, Bits: x.Bits, Y: make([][]int8, len(x.Y))}
	for i, row := range x.Y {
		r := make([]int8, len(cols))
		for k, c := range cols {
			r[k] = row[c]
		}
		out.Y[i] = r
	}
	return out
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
