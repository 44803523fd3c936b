package molecules

import "strings"

// element is what the chemistry needs of one element, with RDKit's values
// (Code/RDGeneral/atomic_data.cpp): allowed valences (nil for metals,
// which RDKit gives no default valence), outer-shell electrons and the
// standard atomic weight (used only for isotope mass deltas in ECFP).
type element struct {
	sym      string
	valences []int
	outer    int
	weight   float64
}

// elements is indexed by atomic number; entry 0 is the wildcard '*'.
var elements = buildElements()

func buildElements() []element {
	syms := strings.Fields(`* H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr
Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg
Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr`)
	els := make([]element, len(syms))
	for z, s := range syms {
		els[z] = element{sym: s, outer: outerElectrons(z)}
	}
	val := map[string][]int{
		"H": {1}, "Li": {1}, "Be": {2}, "B": {3}, "C": {4}, "N": {3}, "O": {2}, "F": {1},
		"Na": {1}, "Mg": {2}, "Al": {3, 6}, "Si": {4}, "P": {3, 5, 7}, "S": {2, 4, 6}, "Cl": {1},
		"K": {1}, "Ca": {2}, "Ga": {3}, "Ge": {4}, "As": {3, 5, 7}, "Se": {2, 4, 6}, "Br": {1},
		"Rb": {1}, "Sr": {2}, "In": {3}, "Sn": {2, 4}, "Sb": {3, 5, 7}, "Te": {2, 4, 6}, "I": {1, 3, 5},
		"Cs": {1}, "Ba": {2}, "Tl": {1, 3}, "Pb": {2, 4}, "Bi": {3, 5}, "Po": {2, 4, 6}, "At": {1, 3, 5},
		"He": {0}, "Ne": {0}, "Ar": {0}, "Kr": {0}, "Xe": {0}, "Rn": {0},
	}
	weight := map[string]float64{
		"H": 1.008, "B": 10.812, "C": 12.011, "N": 14.007, "O": 15.999, "F": 18.998, "Na": 22.99,
		"Si": 28.086, "P": 30.974, "S": 32.067, "Cl": 35.453, "K": 39.098, "Br": 79.904, "I": 126.904,
		"Se": 78.971, "Fe": 55.845, "Co": 58.933, "Tc": 98, "Ga": 69.723, "In": 114.818, "Tl": 204.383,
	}
	for z := range els {
		els[z].valences = val[els[z].sym]
		if w, ok := weight[els[z].sym]; ok {
			els[z].weight = w
		} else {
			els[z].weight = float64(2 * z) // only compared with isotope masses, which are rare beyond this table
		}
	}
	return els
}

// outerElectrons returns the number of valence-shell electrons of element
// z by its main group (transition metals: their s electrons, as RDKit's
// table gives 2 for most of them).
func outerElectrons(z int) int {
	switch {
	case z == 0:
		return 0
	case z <= 2:
		return z
	case z <= 10:
		return z - 2
	case z <= 18:
		return z - 10
	case z <= 20:
		return z - 18
	case z <= 30:
		if z == 29 { // Cu
			return 1
		}
		return 2
	case z <= 36:
		return z - 28
	case z <= 38:
		return z - 36
	case z <= 48:
		return 2
	case z <= 54:
		return z - 46
	case z <= 56:
		return z - 54
	case z <= 80:
		return 2
	case z <= 86:
		return z - 78
	}
	return 2
}

// elementBySymbol maps a symbol to its atomic number.
var elementBySymbol = func() map[string]int {
	m := map[string]int{}
	for z, e := range elements {
		m[e.sym] = z
	}
	return m
}()

// defaultValence is the first allowed valence, or -1 for metals.
func defaultValence(z int) int {
	if z < 0 || z >= len(elements) || len(elements[z].valences) == 0 {
		return -1
	}
	return elements[z].valences[0]
}

// moreElectronegative is RDKit's PeriodicTable::moreElectroNegative: more
// outer electrons wins, then the lighter element.
func moreElectronegative(a, b int) bool {
	na, nb := elements[a].outer, elements[b].outer
	return na > nb || (na == nb && a < b)
}

// isotopeMass returns the exact mass of an isotope for the few that occur
// in screening libraries, and the mass number otherwise.
func isotopeMass(z, iso int) float64 {
	switch [2]int{z, iso} {
	case [2]int{1, 2}:
		return 2.0141017778
	case [2]int{1, 3}:
		return 3.0160492777
	case [2]int{6, 13}:
		return 13.0033548378
	case [2]int{6, 14}:
		return 14.003241989
	case [2]int{7, 15}:
		return 15.0001088982
	case [2]int{8, 18}:
		return 17.9991610
	case [2]int{9, 18}:
		return 18.000938
	case [2]int{53, 125}:
		return 124.9046302
	case [2]int{53, 131}:
		return 130.9061246
	}
	return float64(iso)
}

// organic is the OpenSMILES organic subset (written without brackets).
var organic = map[string]bool{"B": true, "C": true, "N": true, "O": true, "P": true, "S": true, "F": true, "Cl": true, "Br": true, "I": true}

// aromaticOK lists the elements that may be written in lower case.
var aromaticOK = map[string]bool{"b": true, "c": true, "n": true, "o": true, "p": true, "s": true, "se": true, "as": true, "te": true, "si": true}
