package molecules

import (
	"slices"
	"strconv"
	"strings"
)

// WriteSMILES writes m as a SMILES string: each fragment depth-first from
// its first atom, aromatic atoms in lower case, ring closures numbered
// from 1 (with %nn beyond 9) and reused once closed. Atoms whose hydrogen
// count, charge or isotope the organic subset cannot express are written
// in brackets with their hydrogen count. Chirality is not written.
func WriteSMILES(m *Mol) string {
	var sb strings.Builder
	n := len(m.Atoms)
	visited := make([]bool, n)
	// First pass: a DFS tree decides which bonds are ring closures, and
	// numbers the atoms in the order the second pass writes them (both go
	// depth first, children in adjacency order). The ring closures at an
	// atom are written in the order of their partners' positions, which is
	// the order a reader creates their bonds in, so that what is read back
	// is written the same way again.
	closure := make([]bool, len(m.Bonds))
	treeBond := make([]bool, len(m.Bonds))
	pos := make([]int, n)
	next := 0
	for s := range n {
		if visited[s] {
			continue
		}
		var dfs func(i int)
		dfs = func(i int) {
			visited[i] = true
			pos[i] = next
			next++
			for _, b := range m.Adj[i] {
				if treeBond[b] || closure[b] {
					continue
				}
				j := m.Bonds[b].Other(i)
				if visited[j] {
					closure[b] = true
					continue
				}
				treeBond[b] = true
				dfs(j)
			}
		}
		dfs(s)
	}
	// Second pass: write.
	clear(visited)
	inUse := map[int]bool{}
	openAt := map[int]int{} // closure bond -> ring number
	var rings []int         // the closure bonds at one atom
	first := true
	for s := range n {
		if visited[s] {
			continue
		}
		if !first {
			sb.WriteByte('.')
		}
		first = false
		var write func(i, from int)
		write = func(i, from int) {
			visited[i] = true
			writeAtom(&sb, m, i)
			rings = rings[:0]
			for _, b := range m.Adj[i] {
				if closure[b] {
					rings = append(rings, b)
				}
			}
			slices.SortFunc(rings, func(a, b int) int {
				return pos[m.Bonds[a].Other(i)] - pos[m.Bonds[b].Other(i)]
			})
			for _, b := range rings {
				if d, ok := openAt[b]; ok {
					writeBond(&sb, m, b)
					writeRingNumber(&sb, d)
					delete(inUse, d)
					delete(openAt, b)
					continue
				}
				d := 1
				for inUse[d] {
					d++
				}
				inUse[d] = true
				openAt[b] = d
				writeBond(&sb, m, b)
				writeRingNumber(&sb, d)
			}
			var kids []int
			for _, b := range m.Adj[i] {
				if treeBond[b] && b != from && !visited[m.Bonds[b].Other(i)] {
					kids = append(kids, b)
				}
			}
			for k, b := range kids {
				j := m.Bonds[b].Other(i)
				if k < len(kids)-1 {
					sb.WriteByte('(')
					writeBond(&sb, m, b)
					write(j, b)
					sb.WriteByte(')')
				} else {
					writeBond(&sb, m, b)
					write(j, b)
				}
			}
		}
		write(s, -1)
	}
	return sb.String()
}

func writeRingNumber(sb *strings.Builder, d int) {
	if d > 9 {
		sb.WriteByte('%')
		if d < 10 {
			sb.WriteByte('0')
		}
	}
	sb.WriteString(strconv.Itoa(d))
}

func writeBond(sb *strings.Builder, m *Mol, b int) {
	bd := m.Bonds[b]
	// Only atoms written in lower case make an unwritten bond aromatic;
	// an aromatic '*' does not.
	aromA := m.Atoms[bd.A].Aromatic && m.Atoms[bd.A].Z != 0
	aromB := m.Atoms[bd.B].Aromatic && m.Atoms[bd.B].Z != 0
	switch bd.Type {
	case Single:
		if aromA && aromB {
			sb.WriteByte('-')
		}
	case Double:
		sb.WriteByte('=')
	case Triple:
		sb.WriteByte('#')
	case Quadruple:
		sb.WriteByte('$')
	case Aromatic:
		// RDKit leaves the bond from an aromatic '*' to a lower-case atom
		// unwritten, which reads back as single and may lose the
		// ring's aromaticity; ':' keeps it.
		if !(aromA && aromB) {
			sb.WriteByte(':')
		}
	}
}

func writeAtom(sb *strings.Builder, m *Mol, i int) {
	a := m.Atoms[i]
	sym := a.Symbol()
	if a.Aromatic {
		sym = strings.ToLower(sym)
	}
	if a.Z != 0 && organic[a.Symbol()] && a.Charge == 0 && a.Isotope == 0 && a.Class == 0 {
		// Would a reader give it the same hydrogens without brackets?
		probe := *m
		probe.Atoms = append([]Atom(nil), m.Atoms...)
		probe.Atoms[i].Bracket = false
		probe.Atoms[i].ExplH = 0
		if probe.implicitHs(i) == a.Hs() && (!a.Aromatic || aromaticOK[sym]) {
			sb.WriteString(sym)
			return
		}
	}
	if a.Z == 0 && a.Hs() == 0 && a.Charge == 0 && a.Isotope == 0 && a.Class == 0 {
		sb.WriteByte('*')
		return
	}
	sb.WriteByte('[')
	if a.Isotope > 0 {
		sb.WriteString(strconv.Itoa(a.Isotope))
	}
	sb.WriteString(sym)
	if h := a.Hs(); h > 0 {
		sb.WriteByte('H')
		if h > 1 {
			sb.WriteString(strconv.Itoa(h))
		}
	}
	switch {
	case a.Charge == 1:
		sb.WriteByte('+')
	case a.Charge == -1:
		sb.WriteByte('-')
	case a.Charge > 1:
		sb.WriteString("+" + strconv.Itoa(a.Charge))
	case a.Charge < -1:
		sb.WriteString(strconv.Itoa(a.Charge))
	}
	if a.Class > 0 {
		sb.WriteString(":" + strconv.Itoa(a.Class))
	}
	sb.WriteByte(']')
}
