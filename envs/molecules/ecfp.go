package molecules

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// ECFP configures extended-connectivity (Morgan) fingerprints. The zero
// value is not useful; DefaultECFP is ECFP4 folded to 1024 bits, RDKit's
// GetMorganFingerprintAsBitVect(mol, 2, nBits=1024).
type ECFP struct {
	Radius int // 2 for ECFP4
	Bits   int // folded length
}

// DefaultECFP is ECFP4 folded to 1024 bits (the paper's featurisation).
var DefaultECFP = ECFP{Radius: 2, Bits: 1024}

// hashCombine is boost's hash_combine on 32-bit seeds, as RDKit's gboost
// (RDGeneral/hash/hash.hpp) uses for portable hashes.
func hashCombine(seed, v uint32) uint32 {
	return seed ^ (v + 0x9e3779b9 + (seed << 6) + (seed >> 2))
}

// AtomInvariants returns RDKit's connectivity invariants
// (getConnectivityInvariants): a hash of atomic number, total degree,
// total hydrogens (bonded hydrogen atoms included), formal charge, isotope mass delta and ring membership.
func AtomInvariants(m *Mol) []uint32 {
	inv := make([]uint32, len(m.Atoms))
	for i, a := range m.Atoms {
		// RDKit counts hydrogen atoms kept in the graph (such as [2H]) among
		// the hydrogens (getTotalNumHs(true)); the degree already has them.
		hs := a.Hs()
		nbrH := 0
		for _, b := range m.Adj[i] {
			if m.Atoms[m.Bonds[b].Other(i)].Z == 1 {
				nbrH++
			}
		}
		comps := []uint32{uint32(a.Z), uint32(m.Degree(i) + hs), uint32(hs + nbrH), uint32(int32(a.Charge))}
		delta := 0
		if a.Isotope > 0 {
			delta = int(isotopeMass(a.Z, a.Isotope) - elements[a.Z].weight)
		}
		comps = append(comps, uint32(int32(delta)))
		if m.InRing(i) {
			comps = append(comps, 1)
		}
		var h uint32
		for _, c := range comps {
			h = hashCombine(h, c)
		}
		inv[i] = h
	}
	return inv
}

// Identifiers returns the Morgan environment identifiers of m up to
// radius, in the order RDKit adds them (round 0 by atom, then each round's
// new environments sorted), with duplicate environments dropped as RDKit
// does. Folding an identifier modulo the length gives its bit.
func Identifiers(m *Mol, radius int) []uint32 {
	n := len(m.Atoms)
	inv := AtomInvariants(m)
	ids := slices.Clone(inv)
	// An environment's bonds are a sorted list of bond indices, not a
	// bitset over all bonds: an environment of radius r holds a few bonds
	// whatever the molecule's size, so a round costs O(n), where bitsets
	// (and a linear search of the environments seen) cost O(n²) and more.
	atomNb := make([][]int32, n)
	seen := map[string]bool{}
	dead := make([]bool, n)
	type acc struct {
		nbhd []int32
		inv  uint32
		atom int
	}
	type pair struct {
		bt  int32
		inv uint32
	}
	var buf []int32
	for layer := 0; layer < radius; layer++ {
		round := make([]uint32, n)
		roundNb := slices.Clone(atomNb)
		var this []acc
		for i := 0; i < n; i++ {
			if dead[i] || len(m.Adj[i]) == 0 {
				continue
			}
			var nbrs []pair
			buf = append(buf[:0], atomNb[i]...)
			for _, b := range m.Adj[i] {
				o := m.Bonds[b].Other(i)
				buf = append(buf, int32(b))
				buf = append(buf, atomNb[o]...)
				nbrs = append(nbrs, pair{int32(m.Bonds[b].Type), inv[o]})
			}
			slices.Sort(buf)
			roundNb[i] = slices.Clip(slices.Clone(slices.Compact(buf)))
			slices.SortFunc(nbrs, func(x, y pair) int {
				if x.bt != y.bt {
					return int(x.bt) - int(y.bt)
				}
				switch {
				case x.inv < y.inv:
					return -1
				case x.inv > y.inv:
					return 1
				}
				return 0
			})
			h := hashCombine(uint32(layer), inv[i])
			for _, p := range nbrs {
				ph := hashCombine(hashCombine(0, uint32(p.bt)), p.inv)
				h = hashCombine(h, ph)
			}
			round[i] = h
			this = append(this, acc{roundNb[i], h, i})
			if seen[bondKey(roundNb[i])] {
				dead[i] = true
			}
		}
		slices.SortFunc(this, func(x, y acc) int {
			if c := compareBondSets(x.nbhd, y.nbhd); c != 0 {
				return c
			}
			switch {
			case x.inv < y.inv:
				return -1
			case x.inv > y.inv:
				return 1
			}
			return x.atom - y.atom
		})
		for _, t := range this {
			if k := bondKey(t.nbhd); !seen[k] {
				ids = append(ids, t.inv)
				seen[k] = true
			} else {
				dead[t.atom] = true
			}
		}
		inv = round
		atomNb = roundNb
	}
	return ids
}

// bondKey is a sorted bond list as a map key.
func bondKey(bonds []int32) string {
	b := make([]byte, 4*len(bonds))
	for i, v := range bonds {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return string(b)
}

// compareBondSets orders sets of bonds (sorted lists) as RDKit orders them
// as boost::dynamic_bitset values (operator<): as numbers, most significant
// bit first. From the largest bond down, the first bond in one set and not
// the other makes that set the larger.
func compareBondSets(a, b []int32) int {
	i, j := len(a)-1, len(b)-1
	for ; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if a[i] != b[j] {
			if a[i] < b[j] {
				return -1
			}
			return 1
		}
	}
	switch {
	case i >= 0:
		return 1
	case j >= 0:
		return -1
	}
	return 0
}

// OnBits returns the sorted set bits of m's folded fingerprint.
func (e ECFP) OnBits(m *Mol) []int {
	var out []int
	for _, id := range Identifiers(m, e.Radius) {
		out = append(out, int(id%uint32(e.Bits)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// BitVector returns the folded fingerprint as packed 64-bit words.
func (e ECFP) BitVector(m *Mol) []uint64 {
	v := make([]uint64, (e.Bits+63)/64)
	for _, id := range Identifiers(m, e.Radius) {
		b := int(id % uint32(e.Bits))
		v[b/64] |= 1 << (b % 64)
	}
	return v
}

// Counts returns the folded count vector: how many environments hash to
// each bit (RDKit's GetHashedMorganFingerprint).
func (e ECFP) Counts(m *Mol) []uint16 {
	v := make([]uint16, e.Bits)
	for _, id := range Identifiers(m, e.Radius) {
		b := id % uint32(e.Bits)
		if v[b] < 1<<16-1 {
			v[b]++
		}
	}
	return v
}

// Dense writes m's folded bits into dst (length e.Bits) as 0/1 values.
func (e ECFP) Dense(m *Mol, dst []float32) {
	clear(dst)
	for _, id := range Identifiers(m, e.Radius) {
		dst[id%uint32(e.Bits)] = 1
	}
}

// PopCount returns the number of set bits of a packed vector.
func PopCount(v []uint64) int {
	n := 0
	for _, w := range v {
		n += bits.OnesCount64(w)
	}
	return n
}
