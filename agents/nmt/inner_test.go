package nmt

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

func tinyData(b Batch) []Example {
	var data []Example
	for i := range b.Src {
		data = append(data, Example{Src: b.Src[i], Tgt: b.Tgt[i]})
	}
	return data
}

// TestInnerStepAsConfigured: each meta step's support and query batches
// hold InnerTokens target tokens (at most one sentence more), the inner
// rate is InnerLR, and E_lang moves in the inner step: a fresh Adam's
// first step moves every coordinate with a gradient by the rate, so the
// largest move of E_lang is the rate for one inner step and more for two.
func TestInnerStepAsConfigured(t *testing.T) {
	for _, tc := range []struct {
		name             string
		tokens, steps    int
		lr               float64
		mode             Mode
		minMove, maxMove float64 // in units of lr
	}{
		{"1k-like batch, 1 step", 20, 1, 1e-3, FineTuneEmbEnc, 0.999, 1.001},
		{"larger rate", 20, 1, 3e-2, FineTuneEmbEnc, 0.999, 1.001},
		{"2 inner steps", 12, 2, 1e-3, FineTuneEmb, 1.001, 2.001},
		{"every parameter", 40, 1, 1e-2, FineTuneAll, 0.999, 1.001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, b := tinyModel[float32](t, true)
			var seen []InnerStep
			cfg := TrainConfig{Method: Meta, Steps: 4, BatchSize: 1, LR: 1e-2, Warmup: 1, InnerLR: tc.lr,
				InnerTokens: tc.tokens, InnerSteps: tc.steps, InnerMode: tc.mode, Seed: 3,
				OnInner: func(s InnerStep) { seen = append(seen, s) }}
			if _, err := Train(context.Background(), m, []Task{{Lang: "xx", Data: tinyData(b)}}, cfg, nil); err != nil {
				t.Fatal(err)
			}
			if len(seen) != cfg.Steps {
				t.Fatalf("%d inner steps seen, want %d", len(seen), cfg.Steps)
			}
			const longest = 4 // the longest target sentence with EOS
			for _, s := range seen {
				for _, n := range []int{s.SupportTokens, s.QueryTokens} {
					if n < tc.tokens || n >= tc.tokens+longest {
						t.Errorf("step %d: a batch of %d target tokens, want %d to %d", s.Step, n, tc.tokens, tc.tokens+longest-1)
					}
				}
				if s.LR != tc.lr {
					t.Errorf("step %d: inner rate %v, want %v", s.Step, s.LR, tc.lr)
				}
				if r := s.ELangMoved / tc.lr; r < tc.minMove || r > tc.maxMove {
					t.Errorf("step %d: E_lang moved %.3g = %.4f·lr in the inner step, want %.3f to %.3f", s.Step, s.ELangMoved, r, tc.minMove, tc.maxMove)
				}
			}
		})
	}
}

// TestInnerStepSentenceBatches: without InnerTokens the inner batches are
// BatchSize sentences, as before.
func TestInnerStepSentenceBatches(t *testing.T) {
	m, _, b := tinyModel[float32](t, true)
	var tokens []int
	cfg := TrainConfig{Method: Meta, Steps: 3, BatchSize: 2, LR: 1e-2, Warmup: 1, InnerLR: 1e-3, Seed: 1,
		OnInner: func(s InnerStep) { tokens = append(tokens, s.SupportTokens) }}
	if _, err := Train(context.Background(), m, []Task{{Lang: "xx", Data: tinyData(b)}}, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range tokens { // 2 sentences of 3 or 4 target tokens with EOS
		if n < 6 || n > 8 {
			t.Errorf("a 2-sentence support batch of %d target tokens", n)
		}
	}
}

// TestTokenLangEmb: with the authors' language embedding one table serves
// every language by token id; multitask training trains it and never
// resets it, so a new language starts from trained rows (ours starts from
// zero); FOMAML still resets it; saving, loading and cloning keep it one
// table.
func TestTokenLangEmb(t *testing.T) {
	build := func(rows int) (*Model[float32], []Example) {
		base, _, b := tinyModel[float32](t, true)
		cfg := base.Cfg
		cfg.TokenLangEmb = rows
		r := rand.New(rand.NewPCG(1, 2))
		keys := &Embeddings{Dim: 3, Vecs: make([]float64, base.Tgt.Size()*3)}
		for i := range keys.Vecs {
			keys.Vecs[i] = r.NormFloat64()
		}
		m, err := NewModel[float32](r, cfg, base.Tgt, keys)
		if err != nil {
			t.Fatal(err)
		}
		src := base.Langs()[0].Vocab
		eq := &Embeddings{Dim: 3, Vecs: make([]float64, src.Size()*3)}
		for i := range eq.Vecs {
			eq.Vecs[i] = r.NormFloat64()
		}
		for _, code := range []string{"aa", "bb"} {
			if _, err := m.AddLanguage(r, code, src, eq); err != nil {
				t.Fatal(err)
			}
		}
		return m, tinyData(b)
	}
	nonzero := func(m *Model[float32]) int {
		l, err := m.Lang("new")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range l.E.Value {
			if v != 0 {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		name    string
		rows    int
		method  Method
		trained bool // does a new language start from non-zero rows
	}{
		{"ours multitask", 0, Multitask, false},
		{"token id multitask", 10, Multitask, true},
		{"token id meta", 10, Meta, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, data := build(tc.rows)
			cfg := TrainConfig{Method: tc.method, Steps: 5, BatchSize: 2, LR: 1e-2, Warmup: 1, InnerLR: 1e-2, Seed: 1}
			if _, err := Train(context.Background(), m, []Task{{Lang: "aa", Data: data}, {Lang: "bb", Data: data}}, cfg, nil); err != nil {
				t.Fatal(err)
			}
			c := m.Clone()
			r := rand.New(rand.NewPCG(3, 4))
			src := m.Langs()[0].Vocab
			eq := &Embeddings{Dim: 3, Vecs: make([]float64, src.Size()*3)}
			if _, err := c.AddLanguage(r, "new", src, eq); err != nil {
				t.Fatal(err)
			}
			if got := nonzero(c) > 0; got != tc.trained {
				t.Errorf("a new language's embedding has %d non-zero entries; want trained = %v", nonzero(c), tc.trained)
			}
			if tc.rows == 0 {
				return
			}
			shared := c.Langs()[0].E
			for _, l := range c.Langs() {
				if l.E != shared {
					t.Errorf("language %s has its own embedding in a clone", l.Code)
				}
			}
			names := map[string]int{}
			for _, p := range c.AllParams() {
				names[p.Name]++
				if names[p.Name] > 1 {
					t.Errorf("parameter %s listed twice", p.Name)
				}
			}
			dir := t.TempDir()
			if err := Save(dir, c, nil); err != nil {
				t.Fatal(err)
			}
			c2, err := Load(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c2.Langs()[0].E.Value, shared.Value) || c2.Langs()[2].E != c2.Langs()[0].E {
				t.Error("the shared language embedding does not survive saving and loading as one table")
			}
		})
	}
	big := NewVocab([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"})
	m, _ := build(10)
	eq := &Embeddings{Dim: 3, Vecs: make([]float64, big.Size()*3)}
	if _, err := m.AddLanguage(rand.New(rand.NewPCG(1, 1)), "big", big, eq); err == nil {
		t.Error("a vocabulary larger than the shared table was accepted")
	}
}

// TestFineTuneSteps: the fixed-K fine-tuning sees the model after exactly
// the asked steps, in order, starting with K = 0 (the model unchanged);
// after n steps of one batch each it equals n one-batch epochs of
// FineTune without a dev set; the model it was given stays unchanged.
func TestFineTuneSteps(t *testing.T) {
	m, l, b := tinyModel[float32](t, true)
	data := tinyData(b)
	before := slices.Clone(l.E.Value)
	cfg := FineTuneConfig{Mode: FineTuneEmbEnc, BatchSize: len(data), LR: 1e-2, Seed: 4}
	var got []int
	snap := map[int][]float32{}
	err := FineTuneSteps(context.Background(), m, "xx", data, cfg, []int{0, 1, 3}, func(k int, c *Model[float32]) error {
		got = append(got, k)
		cl, err := c.Lang("xx")
		if err != nil {
			return err
		}
		snap[k] = slices.Clone(cl.E.Value)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int{0, 1, 3}) {
		t.Fatalf("called at %v, want [0 1 3]", got)
	}
	if !slices.Equal(snap[0], before) || slices.Equal(snap[1], before) || !slices.Equal(l.E.Value, before) {
		t.Error("K = 0 is not the model before fine-tuning, K = 1 did not move E_lang, or the given model changed")
	}
	cfg.Epochs = 3
	ft, _, _, err := FineTune(context.Background(), m, "xx", data, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	fl, _ := ft.Lang("xx")
	if !slices.Equal(fl.E.Value, snap[3]) {
		t.Error("3 fixed-K steps differ from 3 one-batch epochs of FineTune")
	}
	for _, tc := range []struct {
		name string
		data []Example
		ks   []int
	}{{"negative K", data, []int{-1}}, {"no data", nil, []int{2}}} {
		if err := FineTuneSteps(context.Background(), m, "xx", tc.data, cfg, tc.ks, func(int, *Model[float32]) error { return nil }); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestRefinedProcrustes: from 10 seed pairs in 16 dimensions Procrustes
// alone cannot recover a rotation (noisy vectors); self-learning on
// mutual nearest neighbours does.
func TestRefinedProcrustes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 1))
	n, d := 300, 16
	eng := &Embeddings{Dim: d, Vecs: make([]float64, n*d)}
	for i := numSpecial * d; i < len(eng.Vecs); i++ {
		eng.Vecs[i] = r.NormFloat64()
	}
	// A random orthogonal map: Procrustes between eng and a random copy.
	other := &Embeddings{Dim: d, Vecs: make([]float64, n*d)}
	for i := numSpecial * d; i < len(other.Vecs); i++ {
		other.Vecs[i] = r.NormFloat64()
	}
	var all [][2]int
	for i := numSpecial; i < n; i++ {
		all = append(all, [2]int{i, i})
	}
	rot, err := Procrustes(eng, other, all)
	if err != nil {
		t.Fatal(err)
	}
	src := eng.Map(rot)
	for i := numSpecial * d; i < len(src.Vecs); i++ {
		src.Vecs[i] += 0.2 * r.NormFloat64()
	}
	seed, held := all[:10], all[10:]
	w0, err := Procrustes(src, eng, seed)
	if err != nil {
		t.Fatal(err)
	}
	w, err := RefinedProcrustes(src, eng, seed, 5, n)
	if err != nil {
		t.Fatal(err)
	}
	p0, p := PrecisionAt1(src.Map(w0), eng, held), PrecisionAt1(src.Map(w), eng, held)
	if p0 > 0.5 || p < 0.95 {
		t.Fatalf("P@1 %.2f from the seed alone (want ≤ 0.5), %.2f refined (want ≥ 0.95)", p0, p)
	}
	if testing.Verbose() {
		t.Logf("P@1 %.2f from the seed alone, %.2f refined", p0, p)
	}
}
