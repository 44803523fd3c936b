package molecules

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// Sanitize does what RDKit's MolFromSmiles does after reading a SMILES:
// plain hydrogen atoms become hydrogen counts on their neighbour, implicit
// hydrogens are added by the default valences (aromatic atoms by RDKit's
// rule for aromatic valence), the aromatic bonds get a Kekulé structure,
// valences are checked, rings are found (smallest set of smallest rings)
// and aromaticity is perceived with RDKit's default model.
func Sanitize(m *Mol) error {
	removePlainHs(m)
	m.cleanUp()
	m.aromaticBondsToAtoms()
	for i := range m.Atoms {
		m.Atoms[i].ImplH = m.implicitHs(i)
	}
	if err := m.kekulize(); err != nil {
		return err
	}
	for i := range m.Atoms {
		if err := m.checkValence(i); err != nil {
			return err
		}
	}
	m.assignRadicals()
	m.findRings()
	m.perceiveAromaticity()
	return nil
}

// removePlainHs turns [H] atoms bonded by one single bond to a heavy atom
// into that atom's explicit hydrogen count, as RDKit's removeHs does;
// isotopic, charged and unbonded hydrogens stay atoms.
func removePlainHs(m *Mol) {
	drop := make([]bool, len(m.Atoms))
	any := false
	for i, a := range m.Atoms {
		if a.Z != 1 || a.Isotope != 0 || a.Charge != 0 || a.ExplH != 0 || len(m.Adj[i]) != 1 {
			continue
		}
		b := m.Bonds[m.Adj[i][0]]
		j := b.Other(i)
		if b.Type != Single || m.Atoms[j].Z <= 1 {
			continue
		}
		drop[i] = true
		any = true
		m.Atoms[j].ExplH++
	}
	if any {
		m.removeAtoms(drop)
	}
}

// removeAtoms deletes the marked atoms and their bonds, keeping the order
// of the rest.
func (m *Mol) removeAtoms(drop []bool) {
	idx := make([]int, len(m.Atoms))
	var atoms []Atom
	for i, a := range m.Atoms {
		if drop[i] {
			idx[i] = -1
			continue
		}
		idx[i] = len(atoms)
		atoms = append(atoms, a)
	}
	old := m.Bonds
	m.Atoms, m.Bonds, m.Adj = atoms, nil, make([][]int, len(atoms))
	for _, b := range old {
		if idx[b.A] >= 0 && idx[b.B] >= 0 {
			m.AddBond(idx[b.A], idx[b.B], b.Type)
		}
	}
	m.rings, m.ringAtom, m.ringBond = nil, nil, nil
}

// aromaticBondsToAtoms settles aromatic bonds written (with ':') to atoms
// written in upper case, as RDKit's reader does: on a ring, the bond makes
// both atoms aromatic ("C1:C:C:C:C:C1" is benzene); off a ring, it is
// single ("c1ccccc1:C" is toluene).
func (m *Mol) aromaticBondsToAtoms() {
	any := false
	for _, b := range m.Bonds {
		if b.Type == Aromatic && (!m.Atoms[b.A].Aromatic || !m.Atoms[b.B].Aromatic) {
			any = true
			break
		}
	}
	if !any {
		return
	}
	bridge := m.bridges()
	for k, b := range m.Bonds {
		if b.Type != Aromatic || (m.Atoms[b.A].Aromatic && m.Atoms[b.B].Aromatic) {
			continue
		}
		if bridge[k] {
			m.Bonds[k].Type = Single
			continue
		}
		m.Atoms[b.A].Aromatic = true
		m.Atoms[b.B].Aromatic = true
	}
}

// hasEligibleBond says whether atom i has a bond that may become double.
func (m *Mol) hasEligibleBond(i int, eligible func(b int) bool) bool {
	for _, b := range m.Adj[i] {
		if eligible(b) {
			return true
		}
	}
	return false
}

// cleanUp is RDKit's MolOps::cleanUp for the hypervalent forms it
// rewrites: a neutral five-valent nitrogen with a double bond to a
// terminal oxygen becomes N⁺–O⁻ (nitro, N-oxides), and a neutral seven-
// valent Cl, Br or I bonded only to oxygens gives each double-bonded
// oxygen a single bond and a negative charge (chlorate, perchlorate).
func (m *Mol) cleanUp() {
	terminalO := func(i, b int) bool {
		j := m.Bonds[b].Other(i)
		return m.Bonds[b].Type == Double && m.Atoms[j].Z == 8 && m.Atoms[j].Charge == 0 && len(m.Adj[j]) == 1
	}
	for i, a := range m.Atoms {
		switch {
		case a.Z == 7 && a.Charge == 0 && !a.Aromatic && m.explicitValence(i) == 5:
			for _, b := range m.Adj[i] {
				if terminalO(i, b) {
					m.Bonds[b].Type = Single
					m.Atoms[i].Charge = 1
					m.Atoms[m.Bonds[b].Other(i)].Charge = -1
					break
				}
			}
		case (a.Z == 17 || a.Z == 35 || a.Z == 53) && a.Charge == 0 && a.ExplH == 0 && slices.Contains([]int{3, 5, 7}, m.explicitValence(i)):
			allO := true
			for _, b := range m.Adj[i] {
				allO = allO && m.Atoms[m.Bonds[b].Other(i)].Z == 8
			}
			if !allO {
				continue
			}
			for _, b := range m.Adj[i] {
				if terminalO(i, b) {
					m.Bonds[b].Type = Single
					m.Atoms[m.Bonds[b].Other(i)].Charge = -1
					m.Atoms[i].Charge++
				}
			}
		}
	}
}

// chargeAdjust returns the shift of allowed valences by an atom's charge,
// as RDKit does: N+ is 4-valent like C, O- 1-valent; boron-like (early)
// atoms and carbon go the other way (B- 4, C+ and C- both 3).
func chargeAdjust(z, charge int) int {
	if charge == 0 {
		return 0
	}
	o := elements[z].outer
	switch {
	case z == 6 || o == 4:
		return -abs(charge)
	case o < 4:
		return -charge
	}
	return charge
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// implicitHs is RDKit's Atom::calcImplicitValence for an atom as read:
// zero for bracket atoms and metals; for aromatic atoms the default
// valence minus the bond orders with aromatic bonds at 1.5 (an excess
// within 1.5 of an allowed valence is taken as that valence); otherwise
// the smallest allowed valence not below the explicit valence.
func (m *Mol) implicitHs(i int) int {
	a := m.Atoms[i]
	if a.Bracket || a.Z == 0 {
		return 0
	}
	vals := elements[a.Z].valences
	if len(vals) == 0 || vals[0] <= 0 {
		return 0
	}
	adj := chargeAdjust(a.Z, a.Charge)
	half := 2 * a.ExplH
	for _, b := range m.Adj[i] {
		half += m.Bonds[b].Type.halfOrder()
	}
	dv := vals[0] + adj
	if a.Aromatic {
		if ev := m.aromaticValence(i); ev <= dv {
			return dv - ev
		}
		return 0
	}
	ev := (half + 1) / 2
	for _, v := range vals {
		if v+adj >= ev {
			return v + adj - ev
		}
	}
	return 0
}

// aromaticValence is RDKit's explicit valence of an atom that may have
// aromatic bonds (counted 1.5): an aromatic atom whose sum exceeds its
// default valence takes the largest allowed valence not above the sum if
// that is within 1.5; the result is rounded after adding 0.1.
func (m *Mol) aromaticValence(i int) int {
	a := m.Atoms[i]
	half := 2 * a.ExplH
	for _, b := range m.Adj[i] {
		half += m.Bonds[b].Type.halfOrder()
	}
	acc := float64(half) / 2
	vals := elements[a.Z].valences
	if a.Aromatic && len(vals) > 0 && vals[0] > 0 {
		adj := chargeAdjust(a.Z, a.Charge)
		if dv := vals[0] + adj; acc > float64(dv) {
			pval := dv
			for _, v := range vals {
				if float64(v+adj) > acc {
					break
				}
				pval = v + adj
			}
			if acc-float64(pval) <= 1.5 {
				acc = float64(pval)
			}
		}
	}
	return int(acc + 0.1 + 0.5)
}

// checkValence refuses atoms of the organic subset (B C N O P S F Cl Br
// I) with more bonds than any allowed valence, like RDKit's strict
// property cache; other elements are not checked (RDKit accepts
// hypervalent metal and metalloid complexes such as [SiH-] with five
// bonds).
func (m *Mol) checkValence(i int) error {
	a := m.Atoms[i]
	vals := elements[a.Z].valences
	if a.Z == 0 || len(vals) == 0 || vals[0] <= 0 || !organic[a.Symbol()] {
		return nil
	}
	ev := m.explicitValence(i) + a.ImplH
	maxV := vals[len(vals)-1] + chargeAdjust(a.Z, a.Charge)
	if ev > maxV {
		return fmt.Errorf("explicit valence %d of atom %d (%s) is more than allowed (%d)", ev, i+1, a.Symbol(), maxV)
	}
	return nil
}

// assignRadicals is RDKit's assignRadicals for atoms without implicit
// hydrogens (bracket atoms) of the main groups.
func (m *Mol) assignRadicals() {
	for i, a := range m.Atoms {
		m.Atoms[i].Radicals = 0
		vals := elements[a.Z].valences
		if !a.Bracket || a.Z == 0 || len(vals) == 0 || vals[0] < 0 {
			continue
		}
		tv := m.explicitValence(i)
		outer := elements[a.Z].outer
		base := 8
		if a.Z <= 2 {
			base = 2
		}
		n := base - outer - tv + a.Charge
		if n < 0 {
			n = 0
			if len(vals) > 1 {
				for _, v := range vals {
					if v-tv+a.Charge >= 0 {
						n = v - tv + a.Charge
						break
					}
				}
			}
		}
		if n2 := outer - tv - a.Charge; n2 >= 0 {
			n = min(n, n2)
		}
		m.Atoms[i].Radicals = n
	}
}

// errKekulize is returned for aromatic systems without a Kekulé structure.
var errKekulize = errors.New("cannot kekulize the aromatic system")

// kekulize replaces aromatic bonds with single and double bonds so that
// every aromatic atom that lacks one bond order gets exactly one double
// bond (RDKit's candidate rule), and clears the aromatic flags.
func (m *Mol) kekulize() error {
	n := len(m.Atoms)
	cand := make([]bool, n)
	var cands []int
	optional, dummyBond := m.ringDummies()
	// eligible says whether bond b may become double.
	eligible := func(b int) bool {
		return m.Bonds[b].Type == Aromatic || (dummyBond != nil && dummyBond[b])
	}
	for i, a := range m.Atoms {
		if optional != nil && optional[i] {
			cand[i] = true
			cands = append(cands, i)
			continue
		}
		if !a.Aromatic || !m.hasEligibleBond(i, eligible) {
			continue // an aromatic atom without aromatic bonds just loses its flag, as in RDKit
		}
		vals := elements[a.Z].valences
		if a.Z == 0 || len(vals) == 0 || vals[0] <= 0 {
			continue
		}
		sbo := a.Hs() + a.Radicals
		for _, b := range m.Adj[i] {
			t := m.Bonds[b].Type
			if t == Aromatic {
				sbo++
			} else {
				sbo += int(t)
			}
		}
		adj := chargeAdjust(a.Z, a.Charge)
		dv := vals[0] + adj
		tbo := m.aromaticValence(i) + a.ImplH
		for k := 1; tbo > dv && k < len(vals); k++ {
			dv = vals[k] + adj
		}
		if sbo < dv {
			cand[i] = true
			cands = append(cands, i)
		}
	}
	match := make([]int, n) // partner atom of the double bond, or -1
	for i := range match {
		match[i] = -1
	}
	// budget bounds the search of one group (RDKit bounds its backtracking
	// per fused system), so that a hard group does not leave an easy one
	// elsewhere in the molecule without a budget.
	const searchBudget = 200000
	budget := searchBudget
	// The candidates fall into groups joined by aromatic bonds (a ring
	// system each); a group's double bonds do not depend on another's, so
	// each is solved on its own: the search scans one group, not every
	// candidate of a long molecule, at each step.
	var cur []int
	var solve func() bool
	solve = func() bool {
		// The unmatched candidate with the fewest free partners goes first.
		best, bestN := -1, 1<<30
		for _, i := range cur {
			if match[i] >= 0 || !cand[i] {
				continue
			}
			k := 0
			for _, b := range m.Adj[i] {
				j := m.Bonds[b].Other(i)
				if eligible(b) && cand[j] && match[j] < 0 {
					k++
				}
			}
			if k < bestN {
				best, bestN = i, k
			}
		}
		if best < 0 {
			return true
		}
		if bestN == 0 {
			return false
		}
		for _, b := range m.Adj[best] {
			j := m.Bonds[b].Other(best)
			if !eligible(b) || !cand[j] || match[j] >= 0 {
				continue
			}
			if budget--; budget < 0 {
				return false
			}
			match[best], match[j] = j, best
			if solve() {
				return true
			}
			match[best], match[j] = -1, -1
		}
		return false
	}
	group := make([]bool, n)
	ok := true
	for _, c := range cands {
		if group[c] {
			continue
		}
		group[c] = true
		cur = append(cur[:0], c)
		for q := 0; q < len(cur); q++ {
			i := cur[q]
			for _, b := range m.Adj[i] {
				if j := m.Bonds[b].Other(i); eligible(b) && cand[j] && !group[j] {
					group[j] = true
					cur = append(cur, j)
				}
			}
		}
		// In the order of cands, which breaks ties between equals.
		slices.Sort(cur)
		budget = searchBudget
		if solve() {
			continue
		}
		// Dummies need not take a double bond: as RDKit does, drop them
		// from the candidates by the subsets of mask 1, 2, 3, … (the
		// first 12; then all of them) until a structure is found.
		var qs []int
		for _, i := range cur {
			if optional != nil && optional[i] {
				qs = append(qs, i)
			}
		}
		solved := false
		budget = searchBudget // one more for all the subsets together
		last := 1<<min(len(qs), 12) - 1
		for mask := 1; !solved && mask <= last; mask++ {
			for k, i := range qs {
				cand[i] = k >= 12 && mask < last || k < 12 && mask&(1<<k) == 0
			}
			for _, i := range cur {
				match[i] = -1
			}
			solved = solve()
		}
		if !solved {
			ok = false
			break
		}
	}
	if !ok {
		var bad []int
		for _, i := range cands {
			bad = append(bad, i+1)
		}
		return fmt.Errorf("%w (atoms %v)", errKekulize, bad)
	}
	for k, b := range m.Bonds {
		if !eligible(k) {
			continue
		}
		if match[b.A] == b.B {
			m.Bonds[k].Type = Double
		} else {
			m.Bonds[k].Type = Single
		}
	}
	for i := range m.Atoms {
		m.Atoms[i].Aromatic = false
	}
	return nil
}

// ringDummies finds the dummy atoms ('*') that RDKit's kekulization may
// give a double bond, by its rules: a ring (of the smallest set) is a
// candidate if one of its aromatic atoms lies on no other ring; a dummy is
// one if it lies on a candidate ring and has fewer neighbours that are
// neither aromatic nor dummies (on rings) than rings. It returns them and
// their single or aromatic ring bonds, which may become double; nil, nil
// when the molecule has none (the common case, kept cheap).
func (m *Mol) ringDummies() (optional, dummyBond []bool) {
	inPlay := func(i int) bool { return m.Atoms[i].Aromatic || m.Atoms[i].Z == 0 }
	any := false
	for _, b := range m.Bonds {
		if (m.Atoms[b.A].Z == 0 || m.Atoms[b.B].Z == 0) && inPlay(b.A) && inPlay(b.B) {
			any = true
			break
		}
	}
	if !any {
		return nil, nil
	}
	// The rings of the graph as written; Sanitize finds them again once
	// the bonds have their Kekulé orders.
	m.findRings()
	// Rings sharing a bond (two atoms) form a fused system, which RDKit
	// kekulizes as a whole; a spiro atom does not join two systems.
	sys := make([]int, len(m.rings))
	for k := range sys {
		sys[k] = k
	}
	find := func(k int) int {
		for sys[k] != k {
			sys[k] = sys[sys[k]]
			k = sys[k]
		}
		return k
	}
	ringOf := make([][]int, len(m.Atoms)) // the rings through each atom
	for k, r := range m.rings {
		for _, i := range r {
			ringOf[i] = append(ringOf[i], k)
		}
	}
	for k, r := range m.rings {
		for l, q := range m.rings[:k] {
			shared := 0
			for _, i := range r {
				if slices.Contains(q, i) {
					shared++
				}
			}
			if shared >= 2 {
				sys[find(k)] = find(l)
			}
		}
	}
	candRing := make([]bool, len(m.rings))
	candSys := make([]bool, len(m.rings))
	for k, r := range m.rings {
		for _, i := range r {
			candRing[k] = candRing[k] || m.Atoms[i].Aromatic && len(ringOf[i]) == 1
		}
		candSys[find(k)] = candSys[find(k)] || candRing[k]
	}
	// inCandSys says whether atoms i and j share a ring of a fused system
	// with a candidate ring.
	inCandSys := func(i, j int) bool {
		for _, k := range ringOf[i] {
			if candSys[find(k)] && slices.Contains(m.rings[k], j) {
				return true
			}
		}
		return false
	}
	optional = make([]bool, len(m.Atoms))
	dummyBond = make([]bool, len(m.Bonds))
	found := false
	for i, a := range m.Atoms {
		if a.Z != 0 || len(ringOf[i]) == 0 {
			continue
		}
		cands, plain := 0, 0 // candidate rings; neighbours neither aromatic nor dummies
		for _, k := range ringOf[i] {
			if candRing[k] {
				cands++
			}
		}
		for _, b := range m.Adj[i] {
			j := m.Bonds[b].Other(i)
			if m.Atoms[j].Z != 0 && !m.Atoms[j].Aromatic && inCandSys(i, j) {
				plain++
			}
		}
		if cands == 0 || plain >= len(ringOf[i]) {
			continue
		}
		optional[i], found = true, true
		for _, b := range m.Adj[i] {
			if t := m.Bonds[b].Type; inCandSys(i, m.Bonds[b].Other(i)) && (t == Single || t == Aromatic) {
				dummyBond[b] = true
			}
		}
	}
	if !found {
		return nil, nil
	}
	return optional, dummyBond
}

// findRings computes the smallest set of smallest rings (a minimum cycle
// basis from Horton's candidate cycles) and ring membership.
//
// Every cycle lies within one ring system (a connected component of the
// bonds that are not bridges), so each system is searched on its own, with
// bond sets indexed within it: a molecule of many small ring systems (a
// long chain with rings along it) costs time linear in its atoms, where one
// search over the whole molecule from every ring atom cost their square. A
// system that is a single cycle (a macrocycle) is searched from one root
// only. The rings, and their order (by size, then by the root and bond
// that first produced them), are those of the search over the whole
// molecule.
func (m *Mol) findRings() {
	n := len(m.Atoms)
	m.rings = nil
	m.ringAtom = make([]bool, n)
	m.ringBond = make([]bool, len(m.Bonds))
	comp := m.components()
	ncomp := 0
	for _, c := range comp {
		ncomp = max(ncomp, c+1)
	}
	if len(m.Bonds)-n+ncomp <= 0 {
		return
	}
	// Bridges are not in rings; only atoms with ≥2 non-bridge bonds matter.
	bridge := m.bridges()
	for k := range m.Bonds {
		m.ringBond[k] = !bridge[k]
		if !bridge[k] {
			m.ringAtom[m.Bonds[k].A] = true
			m.ringAtom[m.Bonds[k].B] = true
		}
	}
	// The ring systems, each with its atoms and bonds in ascending order.
	sys := make([]int, n)
	for i := range sys {
		sys[i] = -1
	}
	var sysAtoms [][]int
	var stack []int
	for r := range n {
		if !m.ringAtom[r] || sys[r] >= 0 {
			continue
		}
		id := len(sysAtoms)
		sys[r] = id
		members := []int{r}
		stack = append(stack[:0], r)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, b := range m.Adj[i] {
				if j := m.Bonds[b].Other(i); !bridge[b] && sys[j] < 0 {
					sys[j] = id
					members = append(members, j)
					stack = append(stack, j)
				}
			}
		}
		slices.Sort(members)
		sysAtoms = append(sysAtoms, members)
	}
	sysBonds := make([][]int, len(sysAtoms))
	local := make([]int, len(m.Bonds)) // a bond's index within its system
	for k, b := range m.Bonds {
		if !bridge[k] {
			s := sys[b.A]
			local[k] = len(sysBonds[s])
			sysBonds[s] = append(sysBonds[s], k)
		}
	}
	type ring struct {
		atoms []int
		size  int
		r, k  int // the root and bond that produced it first
	}
	var all []ring
	parent := make([]int, n) // bond to parent
	dist := make([]int, n)
	for i := range dist {
		dist[i] = -1
	}
	for s, atoms := range sysAtoms {
		bonds := sysBonds[s]
		need := len(bonds) - len(atoms) + 1
		roots := atoms
		if need == 1 {
			roots = atoms[:1] // the system is its only cycle
		}
		type cycle struct {
			atoms []int
			bonds []int
			r, k  int
		}
		var cycles []cycle
		seen := map[string]bool{}
		for _, r := range roots {
			for _, i := range atoms {
				dist[i], parent[i] = -1, -1
			}
			dist[r] = 0
			queue := []int{r}
			for q := 0; q < len(queue); q++ {
				i := queue[q]
				for _, b := range m.Adj[i] {
					if bridge[b] {
						continue
					}
					j := m.Bonds[b].Other(i)
					if dist[j] < 0 {
						dist[j] = dist[i] + 1
						parent[j] = b
						queue = append(queue, j)
					}
				}
			}
			pathTo := func(i int) (atoms, bonds []int) {
				for i != r {
					atoms = append(atoms, i)
					b := parent[i]
					bonds = append(bonds, b)
					i = m.Bonds[b].Other(i)
				}
				return append(atoms, r), bonds
			}
			for _, k := range bonds {
				b := m.Bonds[k]
				if dist[b.A] < 0 || parent[b.A] == k || parent[b.B] == k {
					continue
				}
				pa, ba := pathTo(b.A)
				pb, bb := pathTo(b.B)
				// The two paths must meet only at r.
				inA := map[int]bool{}
				for _, x := range pa[:len(pa)-1] {
					inA[x] = true
				}
				ok := true
				for _, x := range pb[:len(pb)-1] {
					if inA[x] {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				ratoms := append(slices.Clone(pa[:len(pa)-1]), r)
				for x := len(pb) - 2; x >= 0; x-- {
					ratoms = append(ratoms, pb[x])
				}
				rbonds := append(append(slices.Clone(ba), bb...), k)
				key := make([]byte, 0, 4*len(rbonds))
				sorted := slices.Sorted(slices.Values(rbonds))
				for _, x := range sorted {
					key = binary.LittleEndian.AppendUint32(key, uint32(x))
				}
				if seen[string(key)] {
					continue
				}
				seen[string(key)] = true
				cycles = append(cycles, cycle{ratoms, rbonds, r, k})
			}
		}
		slices.SortStableFunc(cycles, func(a, b cycle) int { return len(a.bonds) - len(b.bonds) })
		// Greedy independent set over GF(2) (Gaussian elimination on bond
		// sets, indexed within the system).
		words := (len(bonds) + 63) / 64
		var basis [][]uint64
		var pivots []int
		for _, c := range cycles {
			if len(basis) == need {
				break
			}
			v := make([]uint64, words)
			for _, b := range c.bonds {
				lb := local[b]
				v[lb/64] |= 1 << (lb % 64)
			}
			for k, row := range basis {
				p := pivots[k]
				if v[p/64]>>(p%64)&1 == 1 {
					for w := range v {
						v[w] ^= row[w]
					}
				}
			}
			p := -1
			for w := range v {
				if v[w] != 0 {
					p = w*64 + bits.TrailingZeros64(v[w])
					break
				}
			}
			if p < 0 {
				continue
			}
			// Keep the basis reduced so that pivots stay unique.
			for k, row := range basis {
				if row[p/64]>>(p%64)&1 == 1 {
					for w := range row {
						basis[k][w] ^= v[w]
					}
				}
			}
			basis = append(basis, v)
			pivots = append(pivots, p)
			all = append(all, ring{c.atoms, len(c.bonds), c.r, c.k})
		}
	}
	slices.SortStableFunc(all, func(a, b ring) int {
		if a.size != b.size {
			return a.size - b.size
		}
		if a.r != b.r {
			return a.r - b.r
		}
		return a.k - b.k
	})
	for _, r := range all {
		m.rings = append(m.rings, r.atoms)
	}
}

// bridges marks the bonds whose removal disconnects the graph (Tarjan).
func (m *Mol) bridges() []bool {
	n := len(m.Atoms)
	br := make([]bool, len(m.Bonds))
	disc := make([]int, n)
	low := make([]int, n)
	for i := range disc {
		disc[i] = -1
	}
	t := 0
	type frame struct{ v, pb, k int }
	for s := range n {
		if disc[s] >= 0 {
			continue
		}
		stack := []frame{{s, -1, 0}}
		disc[s], low[s] = t, t
		t++
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.k < len(m.Adj[f.v]) {
				b := m.Adj[f.v][f.k]
				f.k++
				if b == f.pb {
					continue
				}
				w := m.Bonds[b].Other(f.v)
				if disc[w] < 0 {
					disc[w], low[w] = t, t
					t++
					stack = append(stack, frame{w, b, 0})
				} else {
					low[f.v] = min(low[f.v], disc[w])
				}
				continue
			}
			v, pb := f.v, f.pb
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				u := stack[len(stack)-1].v
				low[u] = min(low[u], low[v])
				if low[v] > disc[u] {
					br[pb] = true
				}
			}
		}
	}
	return br
}
