package molecules

import "fmt"

// BondType is a bond's order, numbered as RDKit's Bond::BondType so that
// fingerprint hashes use the same values.
type BondType uint8

// Bond types.
const (
	Single    BondType = 1
	Double    BondType = 2
	Triple    BondType = 3
	Quadruple BondType = 4
	Aromatic  BondType = 12
)

// order is the bond's contribution to an atom's valence (aromatic: 1.5,
// returned as 3 half-units by halfOrder).
func (t BondType) order() int {
	if t == Aromatic {
		return 1
	}
	return int(t)
}

func (t BondType) halfOrder() int {
	if t == Aromatic {
		return 3
	}
	return 2 * int(t)
}

// Atom is one atom of a molecule.
type Atom struct {
	Z        int  // atomic number; 0 for the wildcard '*'
	Charge   int  // formal charge
	Isotope  int  // mass number; 0 when not given
	Aromatic bool // after Sanitize: RDKit's aromaticity model
	Bracket  bool // written in brackets: no implicit hydrogens
	Class    int  // atom class (:n in brackets)
	ExplH    int  // hydrogens given explicitly (bracket H count, or removed [H] atoms)
	ImplH    int  // implicit hydrogens (set by Sanitize)
	Radicals int  // radical electrons (set by Sanitize)
	Chiral   bool // a chirality mark was read (ignored by the chemistry)
}

// Hs returns the atom's total hydrogen count.
func (a Atom) Hs() int { return a.ExplH + a.ImplH }

// Symbol returns the element symbol.
func (a Atom) Symbol() string { return elements[a.Z].sym }

// Bond joins atoms A and B.
type Bond struct {
	A, B int
	Type BondType
}

// Other returns the atom at the other end from i.
func (b Bond) Other(i int) int {
	if b.A == i {
		return b.B
	}
	return b.A
}

// Mol is a molecular graph: atoms, bonds and, per atom, the indices of its
// bonds in the order they were made. Rings are filled in by Sanitize.
type Mol struct {
	Atoms []Atom
	Bonds []Bond
	Adj   [][]int // bond indices per atom

	rings    [][]int // SSSR as atom lists
	ringBond []bool  // bond is in a ring
	ringAtom []bool  // atom is in a ring
}

// AddAtom appends an atom and returns its index.
func (m *Mol) AddAtom(a Atom) int {
	m.Atoms = append(m.Atoms, a)
	m.Adj = append(m.Adj, nil)
	return len(m.Atoms) - 1
}

// AddBond joins atoms i and j and returns the bond's index.
func (m *Mol) AddBond(i, j int, t BondType) int {
	m.Bonds = append(m.Bonds, Bond{i, j, t})
	k := len(m.Bonds) - 1
	m.Adj[i] = append(m.Adj[i], k)
	m.Adj[j] = append(m.Adj[j], k)
	return k
}

// BondBetween returns the index of the bond joining i and j, or -1.
func (m *Mol) BondBetween(i, j int) int {
	for _, b := range m.Adj[i] {
		if m.Bonds[b].Other(i) == j {
			return b
		}
	}
	return -1
}

// Degree is the number of explicit neighbours of atom i.
func (m *Mol) Degree(i int) int { return len(m.Adj[i]) }

// InRing reports whether atom i is in a ring (after Sanitize).
func (m *Mol) InRing(i int) bool { return m.ringAtom != nil && m.ringAtom[i] }

// BondInRing reports whether bond b is in a ring (after Sanitize).
func (m *Mol) BondInRing(b int) bool { return m.ringBond != nil && m.ringBond[b] }

// Rings returns the smallest set of smallest rings as atom lists (after
// Sanitize).
func (m *Mol) Rings() [][]int { return m.rings }

// explicitValence is the sum of bond orders plus explicit hydrogens (on
// a Kekulé structure; aromatic bonds count 1 here).
func (m *Mol) explicitValence(i int) int {
	v := m.Atoms[i].ExplH
	for _, b := range m.Adj[i] {
		v += m.Bonds[b].Type.order()
	}
	return v
}

// Clone returns a deep copy of m.
func (m *Mol) Clone() *Mol {
	c := &Mol{Atoms: append([]Atom(nil), m.Atoms...), Bonds: append([]Bond(nil), m.Bonds...)}
	c.Adj = make([][]int, len(m.Adj))
	for i, a := range m.Adj {
		c.Adj[i] = append([]int(nil), a...)
	}
	for _, r := range m.rings {
		c.rings = append(c.rings, append([]int(nil), r...))
	}
	c.ringAtom = append([]bool(nil), m.ringAtom...)
	c.ringBond = append([]bool(nil), m.ringBond...)
	return c
}

// Fragments returns the number of connected components.
func (m *Mol) Fragments() int {
	comp := m.components()
	n := 0
	for _, c := range comp {
		n = max(n, c+1)
	}
	return n
}

func (m *Mol) components() []int {
	comp := make([]int, len(m.Atoms))
	for i := range comp {
		comp[i] = -1
	}
	n := 0
	var stack []int
	for s := range m.Atoms {
		if comp[s] >= 0 {
			continue
		}
		comp[s] = n
		stack = append(stack[:0], s)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, b := range m.Adj[i] {
				j := m.Bonds[b].Other(i)
				if comp[j] < 0 {
					comp[j] = n
					stack = append(stack, j)
				}
			}
		}
		n++
	}
	return comp
}

// String returns the molecule's SMILES.
func (m *Mol) String() string { return WriteSMILES(m) }

// ParseError is a SMILES that cannot be read: the position (0-based byte
// offset) and the problem.
type ParseError struct {
	SMILES string
	Pos    int
	Msg    string
}

func (e *ParseError) Error() string {
	s := e.SMILES
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return fmt.Sprintf("SMILES %q: position %d: %s", s, e.Pos+1, e.Msg)
}
