package bleu

import (
	"math"
	"strings"
	"testing"
)

func TestSignature(t *testing.T) {
	tests := []struct {
		sig  Signature
		want string
	}{
		{SignatureOf("13a", 1), "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:" + ImplVersion},
		{SignatureOf("none", 2), "nrefs:2|case:mixed|eff:no|tok:none|smooth:none|version:" + ImplVersion},
		{Signature{NRefs: 1, Tok: "13a", Smooth: "exp", Resamples: 1000, Seed: 12345},
			"nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:" + ImplVersion},
	}
	for _, tc := range tests {
		if got := tc.sig.String(); got != tc.want {
			t.Errorf("signature %q, want %q", got, tc.want)
		}
	}
}

// TestPairedP checks sacreBLEU's p-value on hand-made resampled scores.
func TestPairedP(t *testing.T) {
	tests := []struct {
		name    string
		bl, sys []float64
		real    float64
		want    float64
	}{
		// |d| = 1, 1, 1, 5: mean 2, centred −1, −1, −1, 3; one exceeds 2.
		{"one exceeds", []float64{10, 10, 10, 10}, []float64{11, 9, 11, 15}, 2, 2.0 / 5},
		// None exceeds 3 (3 > 3 is false): p = 1/(n+1).
		{"strict", []float64{10, 10, 10, 10}, []float64{11, 9, 11, 15}, 3, 1.0 / 5},
		// Identical systems: every difference 0, none exceeds 0.
		{"identical", []float64{20, 21, 22}, []float64{20, 21, 22}, 0, 1.0 / 4},
		// |d| = 1, 2: centred −0.5, 0.5; one exceeds 0.
		{"zero real", []float64{0, 0}, []float64{1, 2}, 0, 2.0 / 3},
	}
	for _, tc := range tests {
		if got := pairedP(tc.bl, tc.sys, tc.real); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%s: p %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMeanCI(t *testing.T) {
	// 80 scores 0..79: ⌊80/40⌋ = 2, so the 2nd and the 77th (0-based)
	// sorted values, 2 and 77: half-width 37.5; mean 39.5.
	s := make([]float64, 80)
	for i := range s {
		s[i] = float64(79 - i)
	}
	m, ci := meanCI(s)
	if m != 39.5 || ci != 37.5 {
		t.Errorf("mean %v ± %v, want 39.5 ± 37.5", m, ci)
	}
	if s[0] != 79 {
		t.Error("meanCI sorted its input")
	}
}

// corpus makes a small test set: refs, a good system (a word changed in
// some sentences) and a bad one (most words changed).
func corpus(n int) (refs, good, bad []string) {
	words := strings.Fields("the cat sat on a mat while dogs ran past the old red house near green fields today")
	for i := range n {
		var r []string
		for k := range 8 + i%5 {
			r = append(r, words[(i*7+k*3)%len(words)])
		}
		g := append([]string(nil), r...)
		if i%3 == 0 {
			g[1] = "zebra"
		}
		b := append([]string(nil), r...)
		for k := range b {
			if k%2 == 0 {
				b[k] = "zebra"
			}
		}
		refs = append(refs, strings.Join(r, " "))
		good = append(good, strings.Join(g, " "))
		bad = append(bad, strings.Join(b, " "))
	}
	return
}

func TestPairedBootstrap(t *testing.T) {
	refs, good, bad := corpus(60)
	R := [][]string{refs}
	g := SentenceStats(good, R, Tokenize13a)
	b := SentenceStats(bad, R, Tokenize13a)

	p, err := PairedBootstrap(b, g, Stats.Sacre, 1000, DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	if p.System.Score <= p.Baseline.Score+20 {
		t.Fatalf("fixture: good %.2f vs bad %.2f", p.System.Score, p.Baseline.Score)
	}
	if p.P != 1.0/1001 {
		t.Errorf("a far better system: p %v, want 1/1001", p.P)
	}
	if math.Abs(p.SystemMean-p.System.Score) > 3 || p.SystemCI <= 0 || p.BaselineCI <= 0 {
		t.Errorf("resampled system %.2f ± %.2f for a score of %.2f", p.SystemMean, p.SystemCI, p.System.Score)
	}
	// Whole-set scores are those of the corpus statistics.
	if want := Corpus(tokAll(good), [][][]string{tokAll(refs)}).Sacre().Score; p.System.Score != want {
		t.Errorf("system score %v, corpus BLEU %v", p.System.Score, want)
	}

	again, _ := PairedBootstrap(b, g, Stats.Sacre, 1000, DefaultSeed)
	if again != p {
		t.Error("same seed, different result")
	}
	other, _ := PairedBootstrap(b, g, Stats.Sacre, 1000, 7)
	if other.SystemMean == p.SystemMean {
		t.Error("another seed drew the same resamples")
	}

	// A system against a copy of itself with one sentence changed: no
	// significant difference.
	near := append([]string(nil), good...)
	near[0] = refs[0]
	q, err := PairedBootstrap(g, SentenceStats(near, R, Tokenize13a), Stats.Sacre, 1000, DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	if q.P < 0.05 {
		t.Errorf("one sentence of 60 changed: p %v, want ≥ 0.05", q.P)
	}

	for _, bad := range []struct {
		name      string
		base, sys []Stats
		n         int
		want      string
	}{
		{"lengths", b, g[:10], 1000, "60 baseline sentences but 10"},
		{"empty", nil, nil, 1000, "no sentences"},
		{"no resamples", b, g, 0, "0 resamples"},
	} {
		if _, err := PairedBootstrap(bad.base, bad.sys, Stats.Sacre, bad.n, 1); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err %v, want %q", bad.name, err, bad.want)
		}
	}
}

func tokAll(lines []string) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = Tokenize13a(l)
	}
	return out
}

// BenchmarkPairedBootstrap: sacreBLEU's default test (1,000 resamples) on
// a 3,000-sentence test set, the size of a WMT newstest.
func BenchmarkPairedBootstrap(b *testing.B) {
	refs, good, bad := corpus(3000)
	R := [][]string{refs}
	g := SentenceStats(good, R, Tokenize13a)
	s := SentenceStats(bad, R, Tokenize13a)
	b.ResetTimer()
	for range b.N {
		if _, err := PairedBootstrap(s, g, Stats.Sacre, DefaultResamples, DefaultSeed); err != nil {
			b.Fatal(err)
		}
	}
}
