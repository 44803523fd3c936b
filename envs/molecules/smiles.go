package molecules

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxSMILESAtoms bounds the atoms of one SMILES: a screening library's
// molecules have at most a few hundred.
const MaxSMILESAtoms = 10000

// Parse reads a SMILES string and sanitises the molecule (hydrogens,
// Kekulé structure, rings, aromaticity), as RDKit's MolFromSmiles does.
func Parse(s string) (*Mol, error) {
	m, err := ParseRaw(s)
	if err != nil {
		return nil, err
	}
	if err := Sanitize(m); err != nil {
		return nil, &ParseError{SMILES: s, Pos: len(s) - 1, Msg: err.Error()}
	}
	return m, nil
}

type ringOpen struct {
	atom int
	bond BondType // 0: none given
	set  bool
	dir  bool
	pos  int
}

// ParseRaw reads a SMILES string into a graph without sanitising it: atoms
// keep the case they were written in and bonds between aromatic atoms are
// aromatic. Chirality is read and ignored.
func ParseRaw(s string) (*Mol, error) {
	p := &parser{s: s, m: &Mol{}, prev: -1}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.m, nil
}

type parser struct {
	s     string
	i     int
	m     *Mol
	prev  int // previous atom, -1 at the start or after '.'
	bond  BondType
	bset  bool
	dir   bool // the bond symbol was '/' or '\': single, or aromatic between aromatic atoms (as RDKit)
	bpos  int
	stack []int
	rings map[int]ringOpen
}

func (p *parser) fail(pos int, msg string, a ...any) error {
	return &ParseError{SMILES: p.s, Pos: pos, Msg: sprintf(msg, a...)}
}

func (p *parser) parse() error {
	if strings.TrimSpace(p.s) == "" {
		return p.fail(0, "empty SMILES")
	}
	p.rings = map[int]ringOpen{}
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '(':
			if p.prev < 0 {
				return p.fail(p.i, "branch '(' before any atom")
			}
			if p.bset {
				return p.fail(p.i, "bond symbol before '('")
			}
			p.stack = append(p.stack, p.prev)
			p.i++
			if p.i < len(p.s) && p.s[p.i] == ')' {
				return p.fail(p.i, "empty branch '()'")
			}
		case c == ')':
			if len(p.stack) == 0 {
				return p.fail(p.i, "unmatched ')'")
			}
			if p.bset {
				return p.fail(p.bpos, "bond symbol with no atom after it")
			}
			p.prev = p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
			p.i++
		case c == '.':
			if p.bset {
				return p.fail(p.bpos, "bond symbol before '.'")
			}
			if len(p.stack) > 0 {
				return p.fail(p.i, "'.' inside a branch")
			}
			if p.prev < 0 {
				return p.fail(p.i, "'.' with no atom before it")
			}
			p.prev = -1
			p.i++
		case strings.IndexByte("-=#$:/\\", c) >= 0:
			if p.bset && (c == '/' || c == '\\') && p.s[p.i-1] == c {
				p.i++ // a doubled direction mark (RDKit reads "\\\\" as one)
				continue
			}
			if p.bset {
				return p.fail(p.i, "two bond symbols in a row")
			}
			if p.prev < 0 {
				return p.fail(p.i, "bond symbol %q with no atom before it", c)
			}
			p.bond, p.bset, p.bpos = bondSymbol(c), true, p.i
			p.dir = c == '/' || c == '\\'
			p.i++
		case c >= '0' && c <= '9' || c == '%':
			if err := p.ringBond(); err != nil {
				return err
			}
		default:
			if err := p.atom(); err != nil {
				return err
			}
		}
	}
	switch {
	case p.bset:
		return p.fail(p.bpos, "bond symbol at the end")
	case len(p.stack) > 0:
		return p.fail(len(p.s)-1, "unclosed branch '('")
	}
	for _, d := range sortedKeys(p.rings) {
		return p.fail(p.rings[d].pos, "ring bond %d is never closed", d)
	}
	if len(p.m.Atoms) == 0 {
		return p.fail(0, "no atoms")
	}
	return nil
}

func bondSymbol(c byte) BondType {
	switch c {
	case '=':
		return Double
	case '#':
		return Triple
	case '$':
		return Quadruple
	case ':':
		return Aromatic
	}
	return Single // '-', '/', '\'
}

func (p *parser) ringBond() error {
	start := p.i
	if p.prev < 0 {
		return p.fail(p.i, "ring bond number with no atom before it")
	}
	var d int
	if p.s[p.i] == '%' {
		if p.i+2 >= len(p.s) || !isDigit(p.s[p.i+1]) || !isDigit(p.s[p.i+2]) {
			return p.fail(p.i, "'%%' must be followed by two digits")
		}
		d = int(p.s[p.i+1]-'0')*10 + int(p.s[p.i+2]-'0')
		p.i += 3
	} else {
		d = int(p.s[p.i] - '0')
		p.i++
	}
	if o, ok := p.rings[d]; ok {
		delete(p.rings, d)
		if o.atom == p.prev {
			return p.fail(start, "ring bond %d closes on its own atom", d)
		}
		if p.m.BondBetween(o.atom, p.prev) >= 0 {
			return p.fail(start, "ring bond %d duplicates a bond", d)
		}
		t := o.bond
		switch {
		case o.set && p.bset && o.bond != p.bond && !(o.bond == Single && p.bond == Single):
			return p.fail(start, "ring bond %d has conflicting bond symbols", d)
		case p.bset && !p.dir:
			t = p.bond
		case !o.set || o.dir || p.dir:
			t = p.implicitBond(o.atom, p.prev)
		}
		p.m.AddBond(o.atom, p.prev, t)
	} else {
		p.rings[d] = ringOpen{atom: p.prev, bond: p.bond, set: p.bset, dir: p.bset && p.dir, pos: start}
	}
	p.bset = false
	return nil
}

func (p *parser) implicitBond(i, j int) BondType {
	if p.m.Atoms[i].Aromatic && p.m.Atoms[j].Aromatic {
		return Aromatic
	}
	return Single
}

func (p *parser) atom() error {
	start := p.i
	var a Atom
	var err error
	if p.s[p.i] == '[' {
		a, err = p.bracketAtom()
	} else {
		a, err = p.organicAtom()
	}
	if err != nil {
		return err
	}
	if len(p.m.Atoms) >= MaxSMILESAtoms {
		return p.fail(start, "more than %d atoms", MaxSMILESAtoms)
	}
	k := p.m.AddAtom(a)
	if p.prev >= 0 {
		t := p.bond
		if !p.bset || p.dir {
			t = p.implicitBond(p.prev, k)
		}
		p.m.AddBond(p.prev, k, t)
	}
	p.prev, p.bset = k, false
	return nil
}

func (p *parser) organicAtom() (Atom, error) {
	s := p.s[p.i:]
	for _, sym := range []string{"Cl", "Br", "B", "C", "N", "O", "P", "S", "F", "I"} {
		if strings.HasPrefix(s, sym) {
			p.i += len(sym)
			return Atom{Z: elementBySymbol[sym]}, nil
		}
	}
	for _, sym := range []string{"b", "c", "n", "o", "p", "s"} {
		if strings.HasPrefix(s, sym) {
			p.i++
			return Atom{Z: elementBySymbol[strings.ToUpper(sym)], Aromatic: true}, nil
		}
	}
	if s[0] == '*' {
		p.i++
		return Atom{Z: 0}, nil
	}
	return Atom{}, p.fail(p.i, "unexpected character %s (an element outside the organic subset needs brackets)", charAt(s, 0))
}

func (p *parser) bracketAtom() (Atom, error) {
	start := p.i
	end := strings.IndexByte(p.s[p.i:], ']')
	if end < 0 {
		return Atom{}, p.fail(start, "unclosed '['")
	}
	body := p.s[p.i+1 : p.i+end]
	p.i += end + 1
	a := Atom{Bracket: true}
	j := 0
	pos := func() int { return start + 1 + j }
	// isotope
	for j < len(body) && isDigit(body[j]) {
		a.Isotope = a.Isotope*10 + int(body[j]-'0')
		if a.Isotope > 999 {
			return a, p.fail(pos(), "isotope too large")
		}
		j++
	}
	// element symbol
	if j >= len(body) {
		return a, p.fail(pos(), "bracket atom without an element")
	}
	switch {
	case body[j] == '*':
		a.Z = 0
		j++
	case body[j] >= 'a' && body[j] <= 'z':
		sym := ""
		if j+1 < len(body) && aromaticOK[body[j:j+2]] {
			sym = body[j : j+2]
		} else if aromaticOK[body[j:j+1]] {
			sym = body[j : j+1]
		} else {
			return a, p.fail(pos(), "%q cannot be aromatic", body[j:j+1])
		}
		a.Z = elementBySymbol[strings.ToUpper(sym[:1])+sym[1:]]
		a.Aromatic = true
		j += len(sym)
	case body[j] >= 'A' && body[j] <= 'Z':
		sym := body[j : j+1]
		if j+1 < len(body) && body[j+1] >= 'a' && body[j+1] <= 'z' {
			if _, ok := elementBySymbol[body[j:j+2]]; ok {
				sym = body[j : j+2]
			}
		}
		z, ok := elementBySymbol[sym]
		if !ok || z == 0 {
			return a, p.fail(pos(), "unknown element %q", sym)
		}
		a.Z = z
		j += len(sym)
	default:
		return a, p.fail(pos(), "unexpected %s where an element was expected", charAt(body, j))
	}
	// chirality (read and ignored)
	if j < len(body) && body[j] == '@' {
		a.Chiral = true
		j++
		if j < len(body) && body[j] == '@' {
			j++
		} else if j+1 < len(body) && (body[j:j+2] == "TH" || body[j:j+2] == "AL" || body[j:j+2] == "SP" || body[j:j+2] == "TB" || body[j:j+2] == "OH") {
			j += 2
			for j < len(body) && isDigit(body[j]) {
				j++
			}
		}
	}
	// hydrogens
	if j < len(body) && body[j] == 'H' {
		j++
		a.ExplH = 1
		if j < len(body) && isDigit(body[j]) {
			a.ExplH = int(body[j] - '0')
			j++
		}
	}
	// charge
	if j < len(body) && (body[j] == '+' || body[j] == '-') {
		sign := 1
		if body[j] == '-' {
			sign = -1
		}
		c := body[j]
		j++
		n := 1
		if j < len(body) && isDigit(body[j]) {
			n = 0
			for j < len(body) && isDigit(body[j]) {
				n = n*10 + int(body[j]-'0')
				j++
				if n > maxCharge {
					return a, p.fail(pos(), "charge out of range (at most %d)", maxCharge)
				}
			}
		} else {
			// "+++" is +3: bounded like "+3", not left for the valence
			// check to refuse in other words.
			for j < len(body) && body[j] == c {
				n++
				j++
				if n > maxCharge {
					return a, p.fail(pos(), "charge out of range (at most %d)", maxCharge)
				}
			}
		}
		a.Charge = sign * n
	}
	// atom class
	if j < len(body) && body[j] == ':' {
		j++
		if j >= len(body) || !isDigit(body[j]) {
			return a, p.fail(pos(), "':' must be followed by an atom class number")
		}
		for j < len(body) && isDigit(body[j]) {
			a.Class = a.Class*10 + int(body[j]-'0')
			if a.Class > 1<<20 {
				return a, p.fail(pos(), "atom class too large")
			}
			j++
		}
	}
	if j != len(body) {
		return a, p.fail(pos(), "unexpected %s in bracket atom", charAt(body, j))
	}
	return a, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// maxCharge bounds a bracket atom's charge, written "+15" or as 15 signs.
const maxCharge = 15

// charAt quotes the character starting at byte i of s for an error: the
// whole UTF-8 character ('☃', not its first byte 'â'), or the byte in hex
// where s is not UTF-8.
func charAt(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02x (not UTF-8)", s[i])
	}
	return strconv.QuoteRune(r)
}
