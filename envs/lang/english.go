package lang

import "strings"

// The English lexicon, the shared target of every language. Words are
// regular (plural +s, third person +s, past +ed) so that English
// morphology is learnable from little data; the source languages carry the
// interesting morphology.
var (
	// Nouns, most frequent first (they are drawn with Zipf weights by
	// rank): a lexicon large enough that a few thousand target tokens
	// cannot cover it, as a real low-resource corpus cannot.
	englishNouns = strings.Fields(`
		dog cat bird horse cow fish wolf bear frog snake
		farmer teacher doctor baker soldier king girl boy friend brother
		sister mother father child river tree stone house boat road
		book letter song apple bread cake door window garden field
		city village market ship flower hill lake table
		goat pig duck rabbit lion tiger monkey donkey camel eagle
		owl spider bee ant whale shark fox rat lamb chicken
		crow turtle parrot zebra elephant giraffe pilot nurse singer painter
		driver writer dancer student judge priest queen prince princess nephew
		niece uncle aunt cousin neighbour stranger guest hunter sailor merchant
		tailor servant miner builder poet lawyer clerk banker captain knight
		waiter visitor traveller shepherd gardener carpenter musician scientist engineer actor
		chair bed lamp clock cup plate bowl bottle basket box
		bag coat shirt hat shoe boot ring key coin map
		picture mirror candle blanket pillow carpet ladder rope hammer nail
		wheel cart wagon bicycle car truck bus bridge tower castle
		church school farm forest mountain island beach valley desert cave
		fence wall roof kitchen room street harbour station shop bank
		office temple palace orange lemon cherry carrot onion egg cheese
		soup sword shield drum violin guitar flag tent pot jar`)
	// Transitive verbs take an object; the rest do not.
	englishVerbs = verbs(`
		see+ help+ push+ pull+ call+ watch+ clean+ paint+ visit+ follow+
		kick+ touch+ like+ love+ want+ need+ open+ cook+ wash+ carry+
		jump walk laugh dance shout work play rest
		ask+ answer+ thank+ greet+ kiss+ count+ fill+ lift+ climb+ cross+
		enter+ join+ hunt+ save+ warn+ miss+ notice+ offer+ borrow+ deliver+
		collect+ destroy+ repair+ bake+ boil+ burn+ chase+ attack+ defend+ protect+
		trust+ hate+ fear+ admire+ praise+ blame+ obey+ serve+ invite+ marry+
		rescue+ search+ explore+ measure+ fold+ polish+ pack+ load+ close+ lock+
		cry smile wait listen travel arrive yawn sneeze cough whistle
		pray shiver wander hurry complain relax knock float sail agree`)
	englishAdjs = strings.Fields(`
		big small old young red green happy sad tall short
		quick slow rich poor clever quiet loud brave kind cold
		new strong weak heavy light dark bright warm hot wet
		dry dirty empty full soft hard sweet bitter fresh strange
		famous honest gentle angry proud lazy busy calm wild wise
		foolish curious polite rude lucky hungry tired blue yellow white`)
	englishOwners = []string{"my", "your", "his", "her", "our", "their"}
)

type verb struct {
	base       string
	transitive bool
}

// verbs reads base forms, a trailing "+" marking a transitive verb.
func verbs(s string) []verb {
	var out []verb
	for _, f := range strings.Fields(s) {
		b, tr := strings.CutSuffix(f, "+")
		out = append(out, verb{b, tr})
	}
	return out
}

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
