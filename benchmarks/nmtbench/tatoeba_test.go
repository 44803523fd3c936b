package nmtbench

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/metabench/metabench/benchmarks/suite"
)

// TestTatoebaSplit: the shipped Tatoeba pairs load for the paper's 23
// languages (18 high, the 5 low-resource ones of the paper), and no
// English sentence is in two of train, dev and test — within a language
// or across languages (a sentence the decoder trained on in one language
// would be a leak in another's test set).
func TestTatoebaSplit(t *testing.T) {
	high, low, _, err := readReal("tatoeba")
	if err != nil {
		t.Fatal(err)
	}
	var lows []string
	for _, l := range low {
		lows = append(lows, l.code)
	}
	if len(high) != 18 || !slices.Equal(lows, []string{"ron", "lav", "fin", "tur", "kor"}) {
		t.Fatalf("%d high-resource languages, low-resource %v", len(high), lows)
	}
	where := map[string]string{}
	n := 0
	for _, l := range slices.Concat(high, low) {
		for _, set := range []struct {
			name  string
			pairs [][2]string
		}{{"train", l.train}, {"dev", l.dev}, {"test", l.test}} {
			for _, p := range set.pairs {
				n++
				if s, ok := where[p[0]]; ok && s != set.name {
					t.Fatalf("%q is in %s and in %s (%s)", p[0], s, set.name, l.code)
				}
				where[p[0]] = set.name
			}
		}
		if len(l.test) < len(l.train)/20 || len(l.dev) < len(l.train)/20 {
			t.Errorf("%s: %d train, %d dev, %d test pairs", l.code, len(l.train), len(l.dev), len(l.test))
		}
	}
	if n < 100000 || len(where) >= n {
		t.Errorf("%d pairs with %d distinct English sentences: the check saw no repeated sentence", n, len(where))
	}
	if _, err := New().ConfigKey(suite.Options{Profile: "smoke", Data: "tatoeba"}); err != nil {
		t.Errorf("--data tatoeba: %v", err)
	}
}

// TestTatoebaSmoke: bench nmt --data tatoeba runs end to end (smoke
// scale): meta and multitask fine-tuned on the five low-resource
// languages, scored with chrF beside sacreBLEU.
func TestTatoebaSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 23 vocabularies")
	}
	rep, err := New().Run(context.Background(), suite.Options{Profile: "smoke", Seed: 1, Data: "tatoeba", Workers: 2, Flags: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	var r Rows
	if err := json.Unmarshal(rep.Rows, &r); err != nil {
		t.Fatal(err)
	}
	if got := langsOf(r, "main"); !slices.Equal(got, []string{"ron", "lav", "fin", "tur", "kor"}) {
		t.Errorf("main table languages %v", got)
	}
	if h := tables(r)[0].Header; !slices.Contains(h, "chrF meta") {
		t.Errorf("main table header %v has no chrF", h)
	}
	for _, u := range r.Units {
		if u.ChrF <= 0 {
			t.Errorf("unit %d (%s %s %s) has chrF %v", u.Unit, u.Exp, u.Model, u.Lang, u.ChrF)
			break
		}
	}
}
