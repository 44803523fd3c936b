package lang

import "strings"

// The English lexicon, the shared target of every language. Words are
// regular (plural +s, third person +s, past +ed) so that English
// morphology is learnable from little data; the source languages carry the
// interesting morphology.
var (
	englishNouns = []string{
		"dog", "cat", "bird", "horse", "cow", "fish", "wolf", "bear", "frog", "snake",
		"farmer", "teacher", "doctor", "baker", "soldier", "king", "girl", "boy", "friend", "brother",
		"sister", "mother", "father", "child", "river", "tree", "stone", "house", "boat", "road",
		"book", "letter", "song", "apple", "bread", "cake", "door", "window", "garden", "field",
		"city", "village", "market", "ship", "flower", "hill", "lake", "table",
	}
	// Transitive verbs take an object; the rest do not.
	englishVerbs = []struct {
		base       string
		transitive bool
	}{
		{"see", true}, {"help", true}, {"push", true}, {"pull", true}, {"call", true},
		{"watch", true}, {"clean", true}, {"paint", true}, {"visit", true}, {"follow", true},
		{"kick", true}, {"touch", true}, {"like", true}, {"love", true}, {"want", true},
		{"need", true}, {"open", true}, {"cook", true}, {"wash", true}, {"carry", true},
		{"jump", false}, {"walk", false}, {"laugh", false}, {"dance", false}, {"shout", false},
		{"work", false}, {"play", false}, {"rest", false},
	}
	englishAdjs = []string{
		"big", "small", "old", "young", "red", "green", "happy", "sad", "tall", "short",
		"quick", "slow", "rich", "poor", "clever", "quiet", "loud", "brave", "kind", "cold",
	}
	englishOwners = []string{"my", "your", "his", "her", "our", "their"}
)

func plural(n string) string {
	switch {
	case strings.HasSuffix(n, "ch"), strings.HasSuffix(n, "sh"), strings.HasSuffix(n, "s"), strings.HasSuffix(n, "x"):
		return n + "es"
	case strings.HasSuffix(n, "y") && !strings.ContainsRune("aeiou", rune(n[len(n)-2])):
		return n[:len(n)-1] + "ies"
	case n == "child":
		return "children"
	case n == "wolf":
		return "wolves"
	case n == "fish":
		return "fish"
	}
	return n + "s"
}

func thirdPerson(v string) string { return plural(v) }

func past(v string) string {
	switch {
	case v == "see":
		return "saw"
	case strings.HasSuffix(v, "e"):
		return v + "d"
	case strings.HasSuffix(v, "y") && !strings.ContainsRune("aeiou", rune(v[len(v)-2])):
		return v[:len(v)-1] + "ied"
	}
	return v + "ed"
}

// English realises a meaning as English tokens.
func English(m Meaning) []string {
	var out []string
	for i, c := range m.Clauses {
		if i > 0 {
			out = append(out, "and")
		}
		out = append(out, englishClause(c)...)
	}
	return out
}

func englishNP(e Entity) []string {
	var out []string
	if e.Owner >= 0 {
		out = append(out, englishOwners[e.Owner])
	} else {
		out = append(out, "the")
	}
	if e.Adj >= 0 {
		out = append(out, englishAdjs[e.Adj])
	}
	n := englishNouns[e.Noun]
	if e.Plural {
		n = plural(n)
	}
	return append(out, n)
}

func englishClause(c Clause) []string {
	out := englishNP(c.Subj)
	v := englishVerbs[c.Verb].base
	switch c.Tense {
	case Present:
		if !c.Subj.Plural {
			v = thirdPerson(v)
		}
		out = append(out, v)
	case Past:
		out = append(out, past(v))
	case Future:
		out = append(out, "will", v)
	}
	if c.Obj != nil {
		out = append(out, englishNP(*c.Obj)...)
	}
	return out
}

// LexiconSizes returns the numbers of nouns, verbs and adjectives, the
// concepts of seed dictionaries.
func LexiconSizes() (nouns, verbs, adjs int) {
	return len(englishNouns), len(englishVerbs), len(englishAdjs)
}

// EnglishNoun returns the English base word of noun i.
func EnglishNoun(i int) string { return englishNouns[i] }

// EnglishVerb returns the base form of verb i.
func EnglishVerb(i int) string { return englishVerbs[i].base }

// EnglishAdj returns adjective i.
func EnglishAdj(i int) string { return englishAdjs[i] }
