package lang

import "testing"

// TestEnglishFormsDistinct: every English surface form (a noun in the
// singular or plural, a verb in any tense, an adjective) belongs to one
// concept, so that a translation is scored against one meaning and the
// seed dictionary pairs each root with one English word.
func TestEnglishFormsDistinct(t *testing.T) {
	owner := map[string]string{}
	add := func(form, concept string) {
		if o, ok := owner[form]; ok && o != concept {
			t.Errorf("English form %q belongs to %s and %s", form, o, concept)
		}
		owner[form] = concept
	}
	for _, n := range englishNouns {
		add(n, "noun "+n)
		add(plural(n), "noun "+n)
	}
	for _, v := range englishVerbs {
		for _, f := range []string{v.base, thirdPerson(v.base), past(v.base)} {
			add(f, "verb "+v.base)
		}
	}
	for _, a := range englishAdjs {
		add(a, "adjective "+a)
	}
	for _, w := range append(englishOwners, "the", "and", "will") {
		add(w, "function word "+w)
	}
	nn, nv, na := LexiconSizes()
	if nn < 150 || nv < 80 || na < 50 {
		t.Errorf("lexicon of %d nouns, %d verbs, %d adjectives: too small to leave words unseen in 4k tokens", nn, nv, na)
	}
}
