package molecules

import (
	"fmt"
	"slices"
	"strings"
)

// Scaffold returns m's Bemis–Murcko framework: its rings and the linkers
// between them, with the atoms double-bonded to those kept (as RDKit's
// MurckoScaffold does); side chains, including what hangs on those
// double-bonded atoms, are cut and their bonds become hydrogens. A molecule without rings has an empty scaffold (nil).
func Scaffold(m *Mol) *Mol {
	n := len(m.Atoms)
	keep := make([]bool, n)
	deg := make([]int, n)
	for i := range n {
		keep[i] = true
		deg[i] = m.Degree(i)
	}
	// Peel terminal atoms until only rings and linkers remain.
	changed := true
	for changed {
		changed = false
		for i := range n {
			if keep[i] && !m.InRing(i) && deg[i] <= 1 {
				keep[i] = false
				changed = true
				for _, b := range m.Adj[i] {
					if j := m.Bonds[b].Other(i); keep[j] {
						deg[j]--
					}
				}
			}
		}
	}
	anyRing := false
	for i := range n {
		anyRing = anyRing || (keep[i] && m.InRing(i))
	}
	if !anyRing {
		return nil
	}
	// Put back atoms double-bonded to the framework, whatever else they
	// carry (RDKit keeps the =C of an exocyclic alkene and the =N of an
	// oxime, and cuts what hangs on them).
	exo := make([]bool, n)
	for _, b := range m.Bonds {
		if b.Type == Double {
			if keep[b.A] && !keep[b.B] {
				exo[b.B] = true
			} else if keep[b.B] && !keep[b.A] {
				exo[b.A] = true
			}
		}
	}
	for i := range n {
		keep[i] = keep[i] || exo[i]
	}
	s := &Mol{}
	idx := make([]int, n)
	for i, a := range m.Atoms {
		idx[i] = -1
		if keep[i] {
			idx[i] = s.AddAtom(a)
		}
	}
	for _, b := range m.Bonds {
		switch {
		case keep[b.A] && keep[b.B]:
			s.AddBond(idx[b.A], idx[b.B], b.Type)
		case keep[b.A]:
			s.Atoms[idx[b.A]].ImplH += b.Type.order()
		case keep[b.B]:
			s.Atoms[idx[b.B]].ImplH += b.Type.order()
		}
	}
	s.findRings()
	return s
}

// ScaffoldKey returns a key that is equal for equal scaffolds whatever the
// atom order: the scaffold's atom count and its sorted Morgan
// identifiers of radius 3 (a Weisfeiler–Lehman hash). Acyclic molecules
// get "" (DeepChem groups them as one empty scaffold).
func ScaffoldKey(m *Mol) string {
	s := Scaffold(m)
	if s == nil {
		return ""
	}
	ids := Identifiers(s, 3)
	slices.Sort(ids)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d:", len(s.Atoms))
	for _, id := range ids {
		fmt.Fprintf(&sb, "%08x", id)
	}
	return sb.String()
}
