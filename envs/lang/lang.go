// Package lang generates synthetic languages for low-resource translation
// experiments, and reads real parallel text through the same pipeline.
//
// A World holds meanings (entities with number, attributes and owners,
// actions with tense, clauses joined by "and"), their English realisation
// (the shared target) and source languages grouped into families. Every
// family has a proto-lexicon of pronounceable roots, a word order (SVO,
// SOV or VSO), an adjective position and a morphology type: isolating
// (particles), agglutinative (suffix chains with vowel harmony, as Turkish
// "ev-ler-im-i" = "my houses" as an object) or fusional (one ending for
// number and case, one for tense and number). The languages of a family
// inherit its roots under regular sound changes, with some words replaced,
// so related languages resemble each other as real ones do (docs/nmt.md).
// Languages also have synonyms and homonyms.
//
// Source sentences are sequences of morpheme tokens: a bound suffix is a
// token starting with "-" (Text joins it to its host word); English
// sentences are word tokens. Everything is a pure function of the seeds.
package lang

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Tense of a clause.
type Tense int

// Tenses.
const (
	Present Tense = iota
	Past
	Future
	numTenses
)

// Entity is a noun phrase: a noun, singular or plural, optionally with an
// attribute (adjective) and an owner (a person 0-5: my, your, his, her,
// our, their). Adj and Owner are -1 when absent.
type Entity struct {
	Noun, Adj, Owner int
	Plural           bool
}

// Clause is an action by a subject, on an object for transitive verbs.
type Clause struct {
	Subj  Entity
	Verb  int
	Obj   *Entity
	Tense Tense
}

// Meaning is what a sentence says: one or two clauses.
type Meaning struct {
	Clauses []Clause
}

// WordOrder is the order of subject, verb and object.
type WordOrder int

// Word orders.
const (
	SVO WordOrder = iota
	SOV
	VSO
)

func (o WordOrder) String() string { return [...]string{"SVO", "SOV", "VSO"}[o] }

// Morphology is how grammatical meaning is expressed.
type Morphology int

// Morphology types.
const (
	Isolating Morphology = iota
	Agglutinative
	Fusional
)

func (m Morphology) String() string {
	return [...]string{"isolating", "agglutinative", "fusional"}[m]
}

// Concept ids index a language's lexicon: nouns, verbs, adjectives,
// owners, then the conjunction.
var (
	nNouns, nVerbs, nAdjs, nOwners = len(englishNouns), len(englishVerbs), len(englishAdjs), len(englishOwners)
	verbBase                       = nNouns
	adjBase                        = verbBase + nVerbs
	ownerBase                      = adjBase + nAdjs
	conjConcept                    = ownerBase + nOwners
	numConcepts                    = conjConcept + 1
)

// Grammatical morphemes (suffixes or particles), indexed into
// Language.gram.
const (
	gPlural   = iota // isolating particle / agglutinative suffix
	gAcc             // agglutinative object suffix
	gPast            // tense particle / suffix
	gFuture          //
	gAgrPl           // agglutinative plural-subject agreement suffix
	gPoss            // 6 possessive suffixes (agglutinative)
	gFusedN   = gPoss + 6
	gFusedV   = gFusedN + 4 // fusional noun endings [plural][acc]
	numGram   = gFusedV + 6 // fusional verb endings [tense][plural]
	harmonyV  = 'A'         // suffix vowel resolved by vowel harmony
	suffixTag = "-"
)

// Language is one synthetic source language.
type Language struct {
	Code     string
	Family   string
	Order    WordOrder
	Morph    Morphology
	AdjAfter bool
	// Forms of each concept: the first is the main form, later ones are
	// synonyms chosen at random in sentences.
	lex     [][]string
	gram    []string
	harmony bool
}

// Family describes related languages.
type Family struct {
	Name     string
	Order    WordOrder
	Morph    Morphology
	AdjAfter bool
	Langs    []*Language
}

// Config sets the size of a world.
type Config struct {
	Seed uint64
	// Families lists, per family, how many languages it has.
	Families []int
	// SoundChange is the probability that a phoneme of the proto-language
	// changes in a daughter; Replace the probability that a root is
	// replaced by an unrelated word.
	SoundChange, Replace float64
	// Synonyms and Homonyms are the fractions of content words with a
	// second form, and of nouns sharing another noun's form.
	Synonyms, Homonyms float64
}

// DefaultConfig is four families of four languages.
func DefaultConfig(seed uint64) Config {
	return Config{Seed: seed, Families: []int{4, 4, 4, 4}, SoundChange: 0.25, Replace: 0.12, Synonyms: 0.12, Homonyms: 0.04}
}

// World is the set of synthetic languages of a configuration.
type World struct {
	Config   Config
	Families []*Family
	byCode   map[string]*Language
	sem      semantics
}

// familyTypes are the typological profiles families cycle through:
// Romance-like, Turkic-like, Celtic-like and Finnic/Korean-like.
var familyTypes = []struct {
	order    WordOrder
	morph    Morphology
	adjAfter bool
}{
	{SVO, Fusional, true},
	{SOV, Agglutinative, false},
	{VSO, Isolating, true},
	{SVO, Agglutinative, false},
	{SOV, Isolating, false},
	{VSO, Fusional, true},
}

// MaxLanguages bounds the languages of a world.
const MaxLanguages = 200

// NewWorld generates the languages of cfg.
func NewWorld(cfg Config) (*World, error) {
	total := 0
	for _, n := range cfg.Families {
		if n < 1 {
			return nil, fmt.Errorf("lang: a family needs at least one language, got %d", n)
		}
		total += n
	}
	if total == 0 || total > MaxLanguages {
		return nil, fmt.Errorf("lang: %d languages, want 1..%d", total, MaxLanguages)
	}
	for _, p := range []float64{cfg.SoundChange, cfg.Replace, cfg.Synonyms, cfg.Homonyms} {
		if !(p >= 0 && p <= 1) {
			return nil, fmt.Errorf("lang: probability %v out of [0, 1]", p)
		}
	}
	w := &World{Config: cfg, byCode: map[string]*Language{}, sem: newSemantics(cfg.Seed)}
	for fi, n := range cfg.Families {
		r := rand.New(rand.NewPCG(cfg.Seed, uint64(1000+fi)))
		t := familyTypes[fi%len(familyTypes)]
		ph := newPhonology(r)
		f := &Family{Name: string(rune('a' + fi%26)), Order: t.order, Morph: t.morph, AdjAfter: t.adjAfter}
		if fi >= 26 {
			f.Name += fmt.Sprint(fi / 26)
		}
		proto := make([]string, numConcepts)
		for c := range proto {
			proto[c] = ph.word(r, 1+r.IntN(2)+boolInt(c < adjBase && r.Float64() < 0.3))
		}
		gram := make([]string, numGram)
		for g := range gram {
			gram[g] = ph.affix(r, t.morph == Agglutinative)
		}
		gram = distinct(gram, func() string { return ph.affix(r, t.morph == Agglutinative) })
		for li := range n {
			lr := rand.New(rand.NewPCG(cfg.Seed, uint64(100000+fi*1000+li)))
			f.Langs = append(f.Langs, daughter(lr, cfg, f, ph, proto, gram, fmt.Sprintf("%s%d", f.Name, li+1)))
		}
		for _, l := range f.Langs {
			w.byCode[l.Code] = l
		}
		w.Families = append(w.Families, f)
	}
	return w, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// distinct regenerates duplicates so that grammatical morphemes differ.
func distinct(xs []string, gen func() string) []string {
	seen := map[string]bool{}
	for i := range xs {
		for tries := 0; seen[xs[i]] && tries < 100; tries++ {
			xs[i] = gen()
		}
		seen[xs[i]] = true
	}
	return xs
}

// Languages returns every language, family by family.
func (w *World) Languages() []*Language {
	var out []*Language
	for _, f := range w.Families {
		out = append(out, f.Langs...)
	}
	return out
}

// Language returns the language with the given code, or an error naming
// the known codes.
func (w *World) Language(code string) (*Language, error) {
	if l, ok := w.byCode[code]; ok {
		return l, nil
	}
	var codes []string
	for _, l := range w.Languages() {
		codes = append(codes, l.Code)
	}
	return nil, fmt.Errorf("lang: unknown language code %q (known: %s)", code, strings.Join(codes, " "))
}

// phonology is a family's sound inventory.
type phonology struct {
	cons, vowels []byte
	closed       float64 // probability of a closed (CVC) syllable
}

func newPhonology(r *rand.Rand) phonology {
	cons := []byte("ptkbdgmnlrsvzhfj")
	r.Shuffle(len(cons), func(i, j int) { cons[i], cons[j] = cons[j], cons[i] })
	vow := []byte("aeiou")
	r.Shuffle(len(vow), func(i, j int) { vow[i], vow[j] = vow[j], vow[i] })
	return phonology{cons: cons[:9+r.IntN(5)], vowels: vow[:4+r.IntN(2)], closed: 0.15 + 0.35*r.Float64()}
}

func (p phonology) syllable(r *rand.Rand) string {
	s := []byte{p.cons[r.IntN(len(p.cons))], p.vowels[r.IntN(len(p.vowels))]}
	if r.Float64() < p.closed {
		s = append(s, p.cons[r.IntN(len(p.cons))])
	}
	return string(s)
}

func (p phonology) word(r *rand.Rand, syl int) string {
	var b strings.Builder
	for range syl {
		b.WriteString(p.syllable(r))
	}
	return b.String()
}

// affix returns a short grammatical morpheme; with harmony its vowel is
// the placeholder resolved against the host word.
func (p phonology) affix(r *rand.Rand, harmony bool) string {
	v := p.vowels[r.IntN(len(p.vowels))]
	if harmony {
		v = harmonyV
	}
	c := p.cons[r.IntN(len(p.cons))]
	if r.Float64() < 0.5 {
		return string([]byte{v, c})
	}
	return string([]byte{c, v, p.cons[r.IntN(len(p.cons))]})
}

// daughter derives a language from its family's proto-language.
func daughter(r *rand.Rand, cfg Config, f *Family, ph phonology, proto, gram []string, code string) *Language {
	change := map[byte]byte{}
	for _, c := range ph.cons {
		if r.Float64() < cfg.SoundChange {
			change[c] = ph.cons[r.IntN(len(ph.cons))]
		}
	}
	for _, v := range ph.vowels {
		if r.Float64() < cfg.SoundChange {
			change[v] = ph.vowels[r.IntN(len(ph.vowels))]
		}
	}
	apply := func(w string) string {
		b := []byte(w)
		for i, c := range b {
			if d, ok := change[c]; ok {
				b[i] = d
			}
		}
		return string(b)
	}
	l := &Language{Code: code, Family: f.Name, Order: f.Order, Morph: f.Morph, AdjAfter: f.AdjAfter,
		harmony: f.Morph == Agglutinative}
	l.lex = make([][]string, numConcepts)
	used := map[string]bool{}
	fresh := func() string {
		for {
			w := ph.word(r, 2)
			if !used[w] {
				return w
			}
		}
	}
	for c, w := range proto {
		form := apply(w)
		if r.Float64() < cfg.Replace || used[form] {
			form = fresh()
		}
		used[form] = true
		l.lex[c] = []string{form}
	}
	for c := range adjBase + nAdjs { // content words get synonyms
		if r.Float64() < cfg.Synonyms {
			s := fresh()
			used[s] = true
			l.lex[c] = append(l.lex[c], s)
		}
	}
	for c := range nNouns { // homonyms: a noun takes another noun's form
		if r.Float64() < cfg.Homonyms {
			o := r.IntN(nNouns)
			if o != c {
				l.lex[c] = []string{l.lex[o][0]}
			}
		}
	}
	l.gram = make([]string, len(gram))
	for i, g := range gram {
		l.gram[i] = apply(g)
	}
	l.gram = distinct(l.gram, func() string { return ph.affix(r, l.harmony) })
	return l
}

// Root returns the main form of a content concept: noun i, verb i or
// adjective i as kind "noun", "verb" or "adj" (for seed dictionaries).
func (l *Language) Root(kind string, i int) string {
	switch kind {
	case "noun":
		return l.lex[i][0]
	case "verb":
		return l.lex[verbBase+i][0]
	default:
		return l.lex[adjBase+i][0]
	}
}

func (l *Language) form(r *rand.Rand, c int) string {
	fs := l.lex[c]
	if len(fs) == 1 {
		return fs[0]
	}
	return fs[r.IntN(len(fs))]
}

// suffix returns a bound morpheme token for host, resolving vowel harmony:
// front host vowels (e, i) take e, the others a.
func (l *Language) suffix(host, g string) string {
	if l.harmony && strings.ContainsRune(g, harmonyV) {
		v := "a"
		if i := strings.LastIndexAny(host, "aeiou"); i >= 0 && (host[i] == 'e' || host[i] == 'i') {
			v = "e"
		}
		g = strings.ReplaceAll(g, string(harmonyV), v)
	}
	return suffixTag + g
}

func (l *Language) np(r *rand.Rand, e Entity, object bool) []string {
	noun := l.form(r, e.Noun)
	var head []string
	switch l.Morph {
	case Isolating:
		head = []string{noun}
		if e.Plural {
			head = append(head, l.gram[gPlural])
		}
	case Agglutinative:
		head = []string{noun}
		if e.Plural {
			head = append(head, l.suffix(noun, l.gram[gPlural]))
		}
		if e.Owner >= 0 {
			head = append(head, l.suffix(noun, l.gram[gPoss+e.Owner]))
		}
		if object {
			head = append(head, l.suffix(noun, l.gram[gAcc]))
		}
	case Fusional:
		head = []string{noun, l.suffix(noun, l.gram[gFusedN+2*boolInt(e.Plural)+boolInt(object)])}
	}
	var out []string
	if e.Owner >= 0 && l.Morph != Agglutinative {
		out = append(out, l.form(r, ownerBase+e.Owner))
	}
	if e.Adj < 0 {
		return append(out, head...)
	}
	adj := l.form(r, adjBase+e.Adj)
	if l.AdjAfter {
		return append(append(out, head...), adj)
	}
	return append(append(out, adj), head...)
}

func (l *Language) verb(r *rand.Rand, c Clause) []string {
	v := l.form(r, verbBase+c.Verb)
	switch l.Morph {
	case Isolating:
		switch c.Tense {
		case Past:
			return []string{l.gram[gPast], v}
		case Future:
			return []string{l.gram[gFuture], v}
		}
		return []string{v}
	case Agglutinative:
		out := []string{v}
		if c.Tense != Present {
			out = append(out, l.suffix(v, l.gram[gPast+int(c.Tense)-1]))
		}
		if c.Subj.Plural {
			out = append(out, l.suffix(v, l.gram[gAgrPl]))
		}
		return out
	}
	return []string{v, l.suffix(v, l.gram[gFusedV+2*int(c.Tense)+boolInt(c.Subj.Plural)])}
}

// Realise returns the tokens of m in l; r chooses among synonyms.
func (l *Language) Realise(r *rand.Rand, m Meaning) []string {
	var out []string
	for i, c := range m.Clauses {
		if i > 0 {
			out = append(out, l.form(r, conjConcept))
		}
		s, v := l.np(r, c.Subj, false), l.verb(r, c)
		var o []string
		if c.Obj != nil {
			o = l.np(r, *c.Obj, true)
		}
		switch l.Order {
		case SVO:
			out = slices.Concat(out, s, v, o)
		case SOV:
			out = slices.Concat(out, s, o, v)
		case VSO:
			out = slices.Concat(out, v, s, o)
		}
	}
	return out
}

// Text joins tokens into text, attaching suffix tokens to their host.
func Text(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if rest, ok := strings.CutPrefix(t, suffixTag); ok && i > 0 {
			b.WriteString(rest)
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// zipf holds cumulative Zipf weights, so that some nouns are frequent and
// many are rare, as in real text.
type zipf []float64

func newZipf(n int, s float64) zipf {
	z := make(zipf, n)
	var sum float64
	for i := range n {
		sum += 1 / math.Pow(float64(i+1), s)
		z[i] = sum
	}
	for i := range z {
		z[i] /= sum
	}
	return z
}

func (z zipf) draw(r *rand.Rand) int {
	i, _ := slices.BinarySearch(z, r.Float64())
	return min(i, len(z)-1)
}

var (
	nounZipf = newZipf(nNouns, 1)
	verbZipf = newZipf(nVerbs, 1)
	adjZipf  = newZipf(nAdjs, 1)
)

// semantics holds the selectional preferences of the world's concepts:
// which nouns a verb takes as subject and object, which adjectives a noun
// takes. Real words are known by the company they keep (the
// distributional hypothesis); without such preferences, monolingual
// embeddings could tell words apart only by frequency and could not be
// aligned across languages.
type semantics struct {
	subj, obj [][]int // per verb, preferred nouns
	adj       [][]int // per noun, preferred adjectives
}

// Preference strength: the probability that a slot is filled from the
// preferred set rather than from the whole lexicon.
const preferP = 0.8

// Preferred sets are drawn by the words' Zipf weights (without
// replacement), so that frequent words are preferred by many verbs and
// nouns, rare words by few, and word frequencies stay Zipfian.
func newSemantics(seed uint64) semantics {
	r := rand.New(rand.NewPCG(seed, 0x73656d))
	pick := func(z zipf, k int) []int {
		var out []int
		for len(out) < k {
			if i := z.draw(r); !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
		return out
	}
	var s semantics
	for range nVerbs {
		s.subj = append(s.subj, pick(nounZipf, 8))
		s.obj = append(s.obj, pick(nounZipf, 8))
	}
	for range nNouns {
		s.adj = append(s.adj, pick(adjZipf, 3))
	}
	return s
}

func (s semantics) entity(r *rand.Rand, prefer []int) Entity {
	e := Entity{Noun: nounZipf.draw(r), Adj: -1, Owner: -1, Plural: r.Float64() < 0.3}
	if r.Float64() < preferP {
		e.Noun = prefer[r.IntN(len(prefer))]
	}
	if r.Float64() < 0.4 {
		e.Adj = adjZipf.draw(r)
		if r.Float64() < preferP {
			e.Adj = s.adj[e.Noun][r.IntN(len(s.adj[e.Noun]))]
		}
	}
	if r.Float64() < 0.3 {
		e.Owner = r.IntN(nOwners)
	}
	return e
}

// SampleMeaning draws a meaning of the world: one clause, or two with
// probability 1/4; verbs by frequency, their arguments and attributes
// mostly by selectional preference.
func (w *World) SampleMeaning(r *rand.Rand) Meaning {
	n := 1
	if r.Float64() < 0.25 {
		n = 2
	}
	m := Meaning{Clauses: make([]Clause, n)}
	for i := range m.Clauses {
		v := verbZipf.draw(r)
		c := Clause{Subj: w.sem.entity(r, w.sem.subj[v]), Verb: v, Tense: Tense(r.IntN(int(numTenses)))}
		if englishVerbs[v].transitive {
			o := w.sem.entity(r, w.sem.obj[v])
			c.Obj = &o
		}
		m.Clauses[i] = c
	}
	return m
}
