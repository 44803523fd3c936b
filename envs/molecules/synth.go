package molecules

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// fragment is a building block of synthetic molecules, written as SMILES.
type fragment struct {
	name   string
	smiles string
	ring   bool
}

// Fragments of drug-like molecules: rings, linkers and functional groups.
// Motifs of the synthetic assays are drawn from the ring systems and
// functional groups (fragment indices into this list).
var synthFragments = []fragment{
	{"benzene", "c1ccccc1", true}, {"pyridine", "c1ccncc1", true}, {"pyrimidine", "c1cncnc1", true},
	{"thiophene", "c1ccsc1", true}, {"furan", "c1ccoc1", true}, {"pyrrole", "c1cc[nH]c1", true},
	{"imidazole", "c1c[nH]cn1", true}, {"thiazole", "c1cscn1", true}, {"oxazole", "c1cocn1", true},
	{"naphthalene", "c1ccc2ccccc2c1", true}, {"indole", "c1ccc2[nH]ccc2c1", true}, {"quinoline", "c1ccc2ncccc2c1", true},
	{"benzimidazole", "c1ccc2[nH]cnc2c1", true}, {"cyclohexane", "C1CCCCC1", true}, {"cyclopentane", "C1CCCC1", true},
	{"piperidine", "C1CCNCC1", true}, {"piperazine", "C1CNCCN1", true}, {"morpholine", "C1COCCN1", true},
	{"pyrrolidine", "C1CCNC1", true}, {"tetrahydrofuran", "C1CCOC1", true}, {"pyridone", "O=c1cccc[nH]1", true},
	{"coumarin", "O=c1ccc2ccccc2o1", true}, {"cyclopropane", "C1CC1", true}, {"dioxolane", "C1OCOC1", true},
	// functional groups (attach at their first atom)
	{"fluoro", "F", false}, {"chloro", "Cl", false}, {"bromo", "Br", false}, {"hydroxyl", "O", false},
	{"amine", "N", false}, {"methyl", "C", false}, {"ethyl", "CC", false}, {"isopropyl", "C(C)C", false},
	{"methoxy", "OC", false}, {"carboxyl", "C(=O)O", false}, {"ester", "C(=O)OC", false}, {"amide", "C(=O)N", false},
	{"nitrile", "C#N", false}, {"trifluoromethyl", "C(F)(F)F", false}, {"sulfonamide", "S(=O)(=O)N", false},
	{"acetyl", "C(=O)C", false}, {"dimethylamino", "N(C)C", false}, {"thiol", "S", false}, {"urea", "NC(=O)N", false},
	{"nitro", "[N+](=O)[O-]", false}, {"methylthio", "SC", false}, {"vinyl", "C=C", false},
}

// synthLinkers join ring systems (attach at both ends).
var synthLinkers = []string{"", "C", "CC", "CCC", "O", "N", "S", "C(=O)N", "NC(=O)", "C(=O)", "OC", "CN", "C=C", "NS(=O)(=O)", "CO"}

// NumFragments is the number of fragment kinds a synthetic molecule is
// built from (the vocabulary of assay motifs).
func NumFragments() int { return len(synthFragments) }

// FragmentName names fragment kind k.
func FragmentName(k int) string { return synthFragments[k].name }

// IsRingFragment reports whether fragment kind k is a ring system.
func IsRingFragment(k int) bool { return synthFragments[k].ring }

var fragmentMols = func() []*Mol {
	ms := make([]*Mol, len(synthFragments))
	for i, f := range synthFragments {
		m, err := Parse(f.smiles)
		if err != nil {
			panic(fmt.Sprintf("molecules: fragment %s: %v", f.name, err))
		}
		ms[i] = m
	}
	return ms
}()

var linkerMols = func() []*Mol {
	ms := make([]*Mol, len(synthLinkers))
	for i, s := range synthLinkers {
		if s == "" {
			continue
		}
		m, err := Parse(s)
		if err != nil {
			panic(fmt.Sprintf("molecules: linker %s: %v", s, err))
		}
		ms[i] = m
	}
	return ms
}()

// SynthMol is a generated molecule: its SMILES and the fragment kinds it
// contains (with multiplicity).
type SynthMol struct {
	SMILES    string
	Fragments []int
}

// builder assembles fragments into one graph.
type builder struct {
	m *Mol
	r *rand.Rand
}

// add copies f into the molecule and returns the index offset.
func (b *builder) add(f *Mol) int {
	off := len(b.m.Atoms)
	for _, a := range f.Atoms {
		b.m.AddAtom(a)
	}
	for _, bd := range f.Bonds {
		b.m.AddBond(bd.A+off, bd.B+off, bd.Type)
	}
	return off
}

// sites returns atoms of the range [lo, hi) that can take a substituent:
// an implicit hydrogen on a non-bracket atom.
func (b *builder) sites(lo, hi int) []int {
	var s []int
	for i := lo; i < hi; i++ {
		if a := b.m.Atoms[i]; a.ImplH > 0 && !a.Bracket {
			s = append(s, i)
		}
	}
	return s
}

func (b *builder) join(i, j int) {
	b.m.Atoms[i].ImplH--
	b.m.Atoms[j].ImplH--
	b.m.AddBond(i, j, Single)
}

// GenerateMolecule builds one drug-like molecule: 1-4 ring systems joined
// by linkers, then 0-4 functional groups on free positions. Every
// fragment obeys valence, and joins replace hydrogens, so the molecule
// does too; the result is written as SMILES and read back.
func GenerateMolecule(r *rand.Rand) (SynthMol, error) {
	b := &builder{m: &Mol{}, r: r}
	var frags []int
	var rings []int
	for k, f := range synthFragments {
		if f.ring {
			rings = append(rings, k)
		}
	}
	nRings := 1 + r.IntN(3)
	if r.Float64() < 0.15 {
		nRings++
	}
	for n := range nRings {
		k := rings[zipf(r, len(rings), 0.9)]
		lo := len(b.m.Atoms)
		if n > 0 {
			// Link a free site of the molecule so far to the new ring.
			prev := b.sites(0, lo)
			if len(prev) == 0 {
				break
			}
			at := prev[r.IntN(len(prev))]
			li := r.IntN(len(synthLinkers))
			if linkerMols[li] != nil {
				off := b.add(linkerMols[li])
				b.join(at, off)
				end := off + len(linkerMols[li].Atoms) - 1
				if b.m.Atoms[end].ImplH == 0 {
					end = off
				}
				if b.m.Atoms[end].ImplH == 0 {
					return SynthMol{}, fmt.Errorf("linker %s has no free end", synthLinkers[li])
				}
				at = end
			}
			off := b.add(fragmentMols[k])
			s := b.sites(off, len(b.m.Atoms))
			b.join(at, s[r.IntN(len(s))])
		} else {
			b.add(fragmentMols[k])
		}
		frags = append(frags, k)
	}
	nGroups := r.IntN(5)
	for range nGroups {
		s := b.sites(0, len(b.m.Atoms))
		if len(s) == 0 {
			break
		}
		k := len(rings) + zipf(r, len(synthFragments)-len(rings), 0.7)
		at := s[r.IntN(len(s))]
		off := b.add(fragmentMols[k])
		b.join(at, off)
		frags = append(frags, k)
	}
	smi := WriteSMILES(b.m)
	if _, err := Parse(smi); err != nil {
		return SynthMol{}, fmt.Errorf("generated %s: %w", smi, err)
	}
	slices.Sort(frags)
	return SynthMol{SMILES: smi, Fragments: frags}, nil
}

// zipf draws an index in [0, n) with probability ∝ 1/(i+1)^s, so some
// fragments are common and others rare, as in screening libraries.
func zipf(r *rand.Rand, n int, s float64) int {
	var total float64
	for i := range n {
		total += 1 / math.Pow(float64(i+1), s)
	}
	u := r.Float64() * total
	for i := range n {
		u -= 1 / math.Pow(float64(i+1), s)
		if u <= 0 {
			return i
		}
	}
	return n - 1
}
