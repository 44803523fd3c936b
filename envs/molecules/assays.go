package molecules

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// GroupSpec shapes one group of synthetic assays after a real collection
// (PCBA, MUV, Tox21, DUD-E): how many assays, which share of the
// molecules each measured, and the share of measured molecules that are
// active.
type GroupSpec struct {
	Name       string  `json:"name"`
	Tasks      int     `json:"tasks"`
	Coverage   float64 `json:"coverage"`
	ActiveRate float64 `json:"active_rate"`
}

// AssayConfig configures a synthetic screening collection.
type AssayConfig struct {
	Molecules int         `json:"molecules"`
	Groups    []GroupSpec `json:"groups"`
	// Families of targets: the assays of a family respond to the same
	// substructure motifs, so their actives overlap.
	Families int     `json:"families"`
	Noise    float64 `json:"noise"` // per-molecule, per-assay noise of the activity score
}

// Task describes one synthetic assay.
type Task struct {
	Name   string  `json:"name"`
	Group  string  `json:"group"`
	Family int     `json:"family"`
	Shared float64 `json:"shared"` // weight of the family's motifs in the score (the rest is the assay's own motif)
	Own    int     `json:"own"`    // the assay's own motif (fragment kind)
}

// Collection is a generated screening collection: molecules, assays and
// labels (-1 where an assay did not measure a molecule).
type Collection struct {
	SMILES    []string
	Fragments [][]int
	Tasks     []Task
	Labels    [][]int8 // [molecule][task]
	Motifs    [][]int  // per family, its motif fragment kinds
}

// Limits of a synthetic collection.
const (
	MaxSynthMolecules = 1_000_000
	MaxSynthTasks     = 4096
)

// Generate builds a collection from seed. The same seed and config give
// the same molecules, assays and labels.
//
// The activity model follows the structure the paper's findings rest on:
// each assay belongs to a target family whose motifs (three fragment
// kinds) drive a shared score, plus a motif of its own and noise; an assay
// calls active the top ActiveRate of the molecules by score, so actives
// are rare (1-2%) and assays of one family share many actives, the more
// so the larger their Shared weight. Each assay measured a random
// Coverage share of the molecules.
func Generate(cfg AssayConfig, seed uint64) (*Collection, error) {
	nt := 0
	for _, g := range cfg.Groups {
		if g.Tasks < 1 || g.Coverage <= 0 || g.Coverage > 1 || g.ActiveRate <= 0 || g.ActiveRate >= 0.5 {
			return nil, fmt.Errorf("synthetic group %q: want tasks ≥ 1, coverage in (0,1], active rate in (0,0.5)", g.Name)
		}
		nt += g.Tasks
	}
	switch {
	case cfg.Molecules < 10 || cfg.Molecules > MaxSynthMolecules:
		return nil, fmt.Errorf("synthetic collection: %d molecules, want 10..%d", cfg.Molecules, MaxSynthMolecules)
	case nt == 0 || nt > MaxSynthTasks:
		return nil, fmt.Errorf("synthetic collection: %d assays, want 1..%d", nt, MaxSynthTasks)
	case cfg.Families < 1 || cfg.Families > nt:
		return nil, fmt.Errorf("synthetic collection: %d families for %d assays", cfg.Families, nt)
	case !(cfg.Noise >= 0) || math.IsInf(cfg.Noise, 0):
		return nil, fmt.Errorf("synthetic collection: noise %v", cfg.Noise)
	}
	rm := rand.New(rand.NewPCG(seed, 0x6d6f6c73))
	c := &Collection{}
	for len(c.SMILES) < cfg.Molecules {
		sm, err := GenerateMolecule(rm)
		if err != nil {
			return nil, err
		}
		c.SMILES = append(c.SMILES, sm.SMILES)
		c.Fragments = append(c.Fragments, sm.Fragments)
	}
	ra := rand.New(rand.NewPCG(seed, 0x61737379))
	nf := NumFragments()
	// Motifs: fragments present in 3-30% of molecules, so that an assay's
	// top 1-2% is a matter of combining motifs.
	freq := make([]float64, nf)
	for _, fr := range c.Fragments {
		for _, k := range slices.Compact(slices.Clone(fr)) {
			freq[k]++
		}
	}
	var pool []int
	for k := range nf {
		if f := freq[k] / float64(cfg.Molecules); f >= 0.01 && f <= 0.35 {
			pool = append(pool, k)
		}
	}
	if len(pool) < 4 {
		for k := range nf {
			pool = append(pool, k)
		}
	}
	c.Motifs = make([][]int, cfg.Families)
	for f := range c.Motifs {
		perm := ra.Perm(len(pool))
		for _, p := range perm[:3] {
			c.Motifs[f] = append(c.Motifs[f], pool[p])
		}
	}
	for _, g := range cfg.Groups {
		for k := range g.Tasks {
			c.Tasks = append(c.Tasks, Task{
				Name: fmt.Sprintf("%s-%02d", g.Name, k+1), Group: g.Name,
				Family: ra.IntN(cfg.Families), Shared: 0.15 + 0.85*ra.Float64(), Own: pool[ra.IntN(len(pool))],
			})
		}
	}
	n := cfg.Molecules
	c.Labels = make([][]int8, n)
	for i := range c.Labels {
		c.Labels[i] = make([]int8, len(c.Tasks))
	}
	score := make([]float64, n)
	ti := 0
	for _, g := range cfg.Groups {
		for range g.Tasks {
			t := c.Tasks[ti]
			rt := rand.New(rand.NewPCG(seed, uint64(ti)+1<<32))
			fw := []float64{1.0, 0.8, 0.6}
			for i, fr := range c.Fragments {
				has := func(k int) float64 {
					if slices.Contains(fr, k) {
						return 1
					}
					return 0
				}
				fam := 0.0
				present := 0.0
				for j, k := range c.Motifs[t.Family] {
					fam += fw[j] * has(k)
					present += has(k)
				}
				if present >= 2 { // motifs act together (a pharmacophore)
					fam += 1
				}
				score[i] = t.Shared*fam + (1-t.Shared)*2.4*has(t.Own) + cfg.Noise*rt.NormFloat64()
			}
			// Measured molecules, then the top ActiveRate of them by score.
			var meas []int
			for i := range n {
				if rt.Float64() < g.Coverage {
					meas = append(meas, i)
				} else {
					c.Labels[i][ti] = -1
				}
			}
			slices.SortStableFunc(meas, func(a, b int) int {
				switch {
				case score[a] > score[b]:
					return -1
				case score[a] < score[b]:
					return 1
				}
				return a - b
			})
			nAct := max(1, int(math.Round(g.ActiveRate*float64(len(meas)))))
			for r, i := range meas {
				if r < nAct {
					c.Labels[i][ti] = 1
				}
			}
			ti++
		}
	}
	return c, nil
}

// Table returns the collection as a Table (the form real CSVs are read
// into), so synthetic and real data take the same path.
func (c *Collection) Table(name string) *Table {
	t := &Table{Name: name}
	for _, task := range c.Tasks {
		t.Tasks = append(t.Tasks, task.Name)
	}
	for i, s := range c.SMILES {
		t.SMILES = append(t.SMILES, s)
		t.Line = append(t.Line, i+2)
		t.Labels = append(t.Labels, slices.Clone(c.Labels[i]))
	}
	return t
}
