package bleu

import (
	"math"
	"strings"
	"testing"
)

// fixture is a small corpus: hyps[i] with references refs[i][k].
type fixture struct {
	name string
	hyps []string
	refs [][]string
	// Golden values computed once: NLTK 3.8 corpus_bleu (no smoothing,
	// uniform weights; 0-1 scale) and moses multi-bleu.perl (0-100 scale;
	// its printf widened to 12 decimals) on the same whitespace-split text.
	nltk, multi float64
}

var fixtures = []fixture{
	{"several references",
		[]string{"the cat sat on the mat today", "there is a big dog in the garden", "he read the book quickly and left", "it is raining heavily in the north"},
		[][]string{{"the cat sat on the mat", "a cat was sitting on the mat today", "the cat is on the mat today"},
			{"a big dog is in the garden", "there is a large dog in the garden", "the garden has a big dog"},
			{"he quickly read the book and left", "he read the book fast and went away", "quickly he read the book and left"},
			{"it rains heavily in the north", "heavy rain is falling in the north", "in the north it is raining heavily"}},
		0.745719009960947, 74.571900996095},
	{"no 4-gram matches",
		[]string{"a b c d e f", "g h i j"},
		[][]string{{"a b c x d e f", "a b x c d x e f"}, {"g h x i j", "g x h i x j"}},
		7.59795816200984e-78, 0},
	{"zero matches",
		[]string{"foo bar baz qux", "lorem ipsum dolor sit amet"},
		[][]string{{"the cat sat on the mat", "a cat"}, {"the dog ran", "dogs run fast today"}},
		0, 0},
	{"short hypotheses",
		[]string{"the cat", "a dog ran", "yes", "the cat sat on the mat today and then left"},
		[][]string{{"the cat sat", "the cat"}, {"a dog ran away", "the dog ran"}, {"yes", "yes indeed"},
			{"the cat sat on the mat today and then it left", "the cat sat on the mat and left"}},
		0.7322865646357931, 85.878534887605},
	{"empty lines",
		[]string{"the cat sat on the mat", "", "a dog ran in the park today", ""},
		[][]string{{"the cat sat on the mat", "a cat sat on a mat"}, {"something here", ""},
			{"a dog ran in the park", "the dog ran in the park today"}, {"", "x"}},
		0.8265168183793802, 100},
	{"length ties",
		[]string{"one two three four five", "alpha beta gamma delta epsilon zeta"},
		[][]string{{"one two three four", "one two three four five six"},
			{"alpha beta gamma delta epsilon zeta eta theta", "alpha beta gamma delta"}},
		1, 100},
}

func (f fixture) stats() Stats {
	hyps := make([][]string, len(f.hyps))
	refs := make([][][]string, len(f.refs[0]))
	for i, h := range f.hyps {
		hyps[i] = None(h)
		for k, r := range f.refs[i] {
			refs[k] = append(refs[k], None(r))
		}
	}
	return Corpus(hyps, refs)
}

func TestBLEUMatchesNLTKAndMultiBLEU(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			s := f.stats()
			if got := s.NLTK().Score / 100; math.Abs(got-f.nltk) > 1e-12*f.nltk {
				t.Errorf("NLTK: got %.17g, want %.17g", got, f.nltk)
			}
			if got := s.MultiBLEU().Score; math.Abs(got-f.multi) > 1e-9 {
				t.Errorf("multi-bleu: got %.15f, want %.12f", got, f.multi)
			}
		})
	}
}

func TestStatsMergeEqualsWhole(t *testing.T) {
	f := fixtures[0]
	whole := f.stats()
	var merged Stats
	for i := range f.hyps {
		part := fixture{hyps: f.hyps[i : i+1], refs: f.refs[i : i+1]}.stats()
		merged.Merge(part)
	}
	if merged != whole {
		t.Fatalf("merged %+v, whole %+v", merged, whole)
	}
}

func TestSacreSmoothing(t *testing.T) {
	// One hypothesis, "a b c d e" against "a b c x e": unigrams 4/5,
	// bigrams 2/4, trigrams 1/3, 4-grams 0/2 → exp smoothing gives the
	// 4-gram precision 1/(2·2); BP = 1.
	var s Stats
	s.Add(None("a b c d e"), [][]string{None("a b c x e")})
	r := s.Sacre()
	want := 100 * math.Pow(0.8*0.5*(1.0/3)*0.25, 0.25)
	if math.Abs(r.Score-want) > 1e-9 {
		t.Fatalf("sacre score %v, want %v (precisions %v)", r.Score, want, r.Precisions)
	}
	if r.Precisions[3] != 25 {
		t.Fatalf("smoothed 4-gram precision %v, want 25", r.Precisions[3])
	}
}

// TestTokenize13a: expected outputs worked out by hand from the four rules
// of sacreBLEU's tokenizer_13a.py (and checked against a transcription of
// them in Python's re).
func TestTokenize13a(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello, world!", "Hello , world !"},
		{"It costs $3.50, or 3,000 yen.", "It costs $ 3.50 , or 3,000 yen ."},
		{`He said "no"... then left.`, `He said " no " . . . then left .`},
		{"e-mail co-operate 1990-2000 pre-1990", "e-mail co-operate 1990 - 2000 pre-1990"},
		{"U.S.A. is big.", "U . S . A . is big ."},
		{"AT&amp;T &lt;b&gt; &quot;x&quot;", `AT & T < b > " x "`},
		{"don't won't 'quoted'", "don't won't 'quoted'"},
		{"a/b (c) [d] {e} #1 @you 50% x+y=z ~ ^ _ ` | \\", "a / b ( c ) [ d ] { e } # 1 @ you 50 % x + y = z ~ ^ _ ` | \\"},
		{"<skipped> word", "word"},
		{"end.", "end ."},
		{"3.14. 2,5,", "3.14 . 2,5 ,"},
		{"...and..", ". . . and . ."},
		{"Mr.Smith,Jr.", "Mr . Smith , Jr ."},
		{"x\x1cy", "x y"},
		{"line-\nbreak", "linebreak"},
		{"", ""},
	}
	for _, c := range cases {
		if got := strings.Join(Tokenize13a(c.in), " "); got != c.want {
			t.Errorf("Tokenize13a(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestChrF(t *testing.T) {
	// "ab" vs "abc": orders 1 and 2 have n-grams on both sides.
	// n=1: P = 2/2, R = 2/3; n=2: P = 1/1, R = 1/2. Averages P = 1,
	// R = 7/12; F2 = 5·P·R/(4P+R) = (35/12)/(55/12) = 7/11.
	var s ChrFStats
	s.Add("a b", "abc")
	if got, want := s.Score(), 100*7.0/11; math.Abs(got-want) > 1e-9 {
		t.Fatalf("chrF %v, want %v", got, want)
	}
	var same ChrFStats
	same.Add("the cat", "the cat")
	if same.Score() != 100 {
		t.Fatalf("chrF of identical text %v, want 100", same.Score())
	}
}
