package molecules

import "slices"

// Electron donor types of RDKit's aromaticity model (Aromaticity.cpp).
type donor uint8

const (
	vacantDonor donor = iota
	oneDonor
	twoDonor
	oneOrTwoDonor
	anyDonor
	noDonor
)

// maxFusedAromaticRingSize: larger rings take no part in fused systems
// (RDKit: a bit bigger than a porphyrin's outer ring).
const maxFusedAromaticRingSize = 24

// maxFusedRings bounds the rings combined in one Hückel test (RDKit's
// default model).
const maxFusedRings = 6

func (m *Mol) totalValence(i int) int { return m.explicitValence(i) + m.Atoms[i].ImplH }

// countAtomElec is RDKit's MolOps::countAtomElec: the electrons atom i can
// give to a π system, or -1.
func (m *Mol) countAtomElec(i int) int {
	a := m.Atoms[i]
	dv := defaultValence(a.Z)
	if dv <= 1 {
		return -1
	}
	degree := m.Degree(i) + a.Hs()
	if degree > 3 {
		return -1
	}
	nlp := max(elements[a.Z].outer-dv-a.Charge, 0)
	res := dv - degree + nlp - a.Radicals
	if res > 1 && m.explicitValence(i)-m.Degree(i) > 1 {
		res = 1
	}
	return res
}

// nonRingMultiple returns the other atom of a multiple bond of i that is
// in no ring, or -1.
func (m *Mol) nonRingMultiple(i int) int {
	for _, b := range m.Adj[i] {
		if !m.ringBond[b] && m.Bonds[b].Type.order() >= 2 {
			return m.Bonds[b].Other(i)
		}
	}
	return -1
}

func (m *Mol) ringMultiple(i int) bool {
	for _, b := range m.Adj[i] {
		if m.ringBond[b] && m.Bonds[b].Type.order() >= 2 {
			return true
		}
	}
	return false
}

func (m *Mol) donorType(i int) donor {
	a := m.Atoms[i]
	if a.Z == 0 {
		if m.ringMultiple(i) {
			return oneDonor
		}
		return anyDonor
	}
	nelec := m.countAtomElec(i)
	switch {
	case nelec < 0:
		return noDonor
	case nelec == 0:
		if m.nonRingMultiple(i) >= 0 {
			return vacantDonor
		}
		if m.ringMultiple(i) {
			return oneDonor
		}
		return noDonor
	case nelec == 1:
		if who := m.nonRingMultiple(i); who >= 0 {
			if moreElectronegative(m.Atoms[who].Z, a.Z) {
				return vacantDonor
			}
			return oneDonor
		}
		if m.explicitValence(i) != m.Degree(i)+a.ExplH {
			return oneDonor
		}
		if a.Charge == 1 {
			return vacantDonor
		}
		return noDonor
	}
	if who := m.nonRingMultiple(i); who >= 0 && moreElectronegative(m.Atoms[who].Z, a.Z) {
		nelec--
	}
	if nelec%2 == 1 {
		return oneDonor
	}
	return twoDonor
}

// aromCandidate is RDKit's isAtomCandForArom with the default model's
// settings.
func (m *Mol) aromCandidate(i int, d donor) bool {
	a := m.Atoms[i]
	if a.Z > 18 && a.Z != 34 && a.Z != 52 {
		return false
	}
	if d == noDonor {
		return false
	}
	if dv := defaultValence(a.Z); dv > 0 {
		z2 := a.Z - a.Charge
		if z2 >= 0 && z2 < len(elements) && m.totalValence(i) > defaultValence(z2) {
			return false
		}
	}
	if a.Radicals > 0 && (a.Z != 6 || a.Charge != 0) {
		return false
	}
	if m.explicitValence(i)-m.Degree(i) > 1 {
		mult := 0
		for _, b := range m.Adj[i] {
			if t := m.Bonds[b].Type; t == Double || t == Triple {
				mult++
			}
		}
		if mult > 1 {
			return false
		}
	}
	return true
}

// perceiveAromaticity applies RDKit's default aromaticity model to a
// Kekulé structure: rings whose atoms are all candidates, grouped into
// fused systems, are tested by the 4n+2 rule alone and in connected
// combinations of up to six rings.
func (m *Mol) perceiveAromaticity() {
	n := len(m.Atoms)
	seen := make([]bool, n)
	cand := make([]bool, n)
	edon := make([]donor, n)
	var cRings [][]int
	for _, ring := range m.rings {
		all, allDummy := true, true
		for _, i := range ring {
			if m.Atoms[i].Z != 0 {
				allDummy = false
			}
			if seen[i] {
				if !cand[i] {
					all = false
				}
				continue
			}
			seen[i] = true
			edon[i] = m.donorType(i)
			cand[i] = m.aromCandidate(i, edon[i])
			if !cand[i] {
				all = false
			}
		}
		if all && !allDummy {
			cRings = append(cRings, ring)
		}
	}
	if len(cRings) == 0 {
		return
	}
	bRings := make([][]int, len(cRings))
	for r, ring := range cRings {
		for k := range ring {
			bRings[r] = append(bRings[r], m.BondBetween(ring[k], ring[(k+1)%len(ring)]))
		}
	}
	// Rings sharing a bond are neighbours; found through each bond's rings
	// rather than by testing every pair of rings, which costs the square
	// of their number in a long molecule. Each list ascends.
	ringsOf := map[int][]int{}
	for r := range cRings {
		if len(bRings[r]) > maxFusedAromaticRingSize {
			continue
		}
		for _, b := range bRings[r] {
			ringsOf[b] = append(ringsOf[b], r)
		}
	}
	neigh := make([][]int, len(cRings))
	for r := range cRings {
		if len(bRings[r]) > maxFusedAromaticRingSize {
			continue
		}
		for _, b := range bRings[r] {
			for _, s := range ringsOf[b] {
				if s != r {
					neigh[r] = append(neigh[r], s)
				}
			}
		}
		slices.Sort(neigh[r])
		neigh[r] = slices.Compact(neigh[r])
	}
	done := make([]bool, len(cRings))
	for start := range cRings {
		if done[start] {
			continue
		}
		var fused []int
		var pick func(r int)
		pick = func(r int) {
			done[r] = true
			fused = append(fused, r)
			for _, s := range neigh[r] {
				if !done[s] {
					pick(s)
				}
			}
		}
		pick(start)
		m.huckelFused(cRings, bRings, fused, edon, neigh)
	}
}

// huckelFused is RDKit's applyHuckelToFused: combinations of 1, 2, …
// rings of one fused system are tested until every ring bond of the
// system is aromatic; an atom counts towards a combination's electrons
// only if it is in one or two of its rings (RDKit issue #2895).
func (m *Mol) huckelFused(cRings, bRings [][]int, fused []int, edon []donor, neigh [][]int) {
	ringBonds := map[int]bool{}
	for _, r := range fused {
		for _, b := range bRings[r] {
			ringBonds[b] = true
		}
	}
	doneBonds := map[int]bool{}
	nr := len(fused)
	for size := 1; size <= min(nr, maxFusedRings); size++ {
		if len(doneBonds) >= len(ringBonds) {
			return
		}
		comb := make([]int, size)
		for i := range comb {
			comb[i] = i
		}
		for {
			cur := make([]int, size)
			for i, c := range comb {
				cur[i] = fused[c]
			}
			if size == 1 || connectedRings(cur, neigh) {
				count := map[int]int{}
				var list []int
				for _, r := range cur {
					for _, i := range cRings[r] {
						if count[i] == 0 {
							list = append(list, i)
						}
						count[i]++
					}
				}
				var atoms []int
				for _, i := range list {
					if count[i] <= 2 {
						atoms = append(atoms, i)
					}
				}
				if huckel(atoms, edon) {
					m.markAromatic(cRings, bRings, cur, doneBonds)
				}
			}
			if !nextComb(comb, nr) {
				break
			}
		}
	}
}

// connectedRings reports whether the rings rs form one fused system.
func connectedRings(rs []int, neigh [][]int) bool {
	in := map[int]bool{}
	for _, r := range rs {
		in[r] = true
	}
	reached := map[int]bool{rs[0]: true}
	stack := []int{rs[0]}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, s := range neigh[r] {
			if in[s] && !reached[s] {
				reached[s] = true
				stack = append(stack, s)
			}
		}
	}
	return len(reached) == len(rs)
}

func nextComb(c []int, n int) bool {
	k := len(c)
	for i := k - 1; i >= 0; i-- {
		if c[i] < n-k+i {
			c[i]++
			for j := i + 1; j < k; j++ {
				c[j] = c[j-1] + 1
			}
			return true
		}
	}
	return false
}

func huckel(atoms []int, edon []donor) bool {
	lo, hi, nAny := 0, 0, 0
	for _, i := range atoms {
		switch edon[i] {
		case anyDonor:
			if nAny++; nAny > 1 {
				return false
			}
			lo++
			hi += 2
		case oneOrTwoDonor:
			lo++
			hi += 2
		case oneDonor:
			lo++
			hi++
		case twoDonor:
			lo += 2
			hi += 2
		}
	}
	if hi >= 6 {
		for e := lo; e <= hi; e++ {
			if (e-2)%4 == 0 {
				return true
			}
		}
		return false
	}
	return hi == 2
}

// markAromatic marks the atoms of rings rs aromatic, and the bonds that
// occur in only one of them (not the fusion bonds of this combination).
func (m *Mol) markAromatic(cRings, bRings [][]int, rs []int, doneBonds map[int]bool) {
	count := map[int]int{}
	var order []int
	for _, r := range rs {
		for _, i := range cRings[r] {
			m.Atoms[i].Aromatic = true
		}
		for _, b := range bRings[r] {
			if count[b] == 0 {
				order = append(order, b)
			}
			count[b]++
		}
	}
	for _, b := range order {
		if count[b] == 1 {
			doneBonds[b] = true
			if t := m.Bonds[b].Type; t == Single || t == Double {
				m.Bonds[b].Type = Aromatic
			}
		}
	}
}
