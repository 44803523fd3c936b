package nmt

import (
	"math/rand/v2"
	"testing"

	"github.com/metabench/metabench/nn"
)

// benchSetup is a model of the quick profile's size (D 64, 2+2 layers, 4
// heads, FF 128) with ULR over a 300-word English vocabulary, and a batch
// of 32 sentence pairs of 10-14 tokens, as in the synthetic suite.
func benchSetup(b testing.TB, ulr bool) (*Model[float32], *SrcLang[float32], Batch) {
	r := rand.New(rand.NewPCG(1, 2))
	var words []string
	for i := range 300 {
		words = append(words, "w"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	tgt := NewVocab(words)
	keys := &Embeddings{Dim: 32, Vecs: make([]float64, tgt.Size()*32)}
	for i := range keys.Vecs {
		keys.Vecs[i] = r.NormFloat64()
	}
	cfg := Config{D: 64, Heads: 4, FF: 128, EncLayers: 2, DecLayers: 2, Dropout: 0.1, ULR: ulr, Temp: 0.05, LabelSmoothing: 0.1, MaxLen: 40}
	m, err := NewModel[float32](r, cfg, tgt, keys)
	if err != nil {
		b.Fatal(err)
	}
	src := NewVocab(words[:150])
	eq := &Embeddings{Dim: 32, Vecs: make([]float64, src.Size()*32)}
	for i := range eq.Vecs {
		eq.Vecs[i] = r.NormFloat64()
	}
	l, err := m.AddLanguage(r, "xx", src, eq)
	if err != nil {
		b.Fatal(err)
	}
	var bt Batch
	for range 32 {
		s := make([]int, 10+r.IntN(5))
		t := make([]int, 8+r.IntN(5))
		for i := range s {
			s[i] = numSpecial + r.IntN(150)
		}
		for i := range t {
			t[i] = numSpecial + r.IntN(300)
		}
		bt.Src = append(bt.Src, s)
		bt.Tgt = append(bt.Tgt, t)
	}
	return m, l, bt
}

// BenchmarkTrainStep is one forward and backward pass of a batch (no
// optimiser step): the unit of training cost.
func BenchmarkTrainStep(b *testing.B) {
	m, l, bt := benchSetup(b, true)
	tp := nn.NewTape[float32]()
	rnd := rand.New(rand.NewPCG(3, 4)).Float64
	tokens := 0
	for _, t := range bt.Tgt {
		tokens += len(t) + 1
	}
	b.ResetTimer()
	for b.Loop() {
		tp.Reset()
		if err := tp.Backward(m.Loss(tp, l, bt, rnd)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tgt_tokens/s")
}

// BenchmarkBeam4 decodes one sentence with beam 4 (an untrained model
// runs to the length limit, the worst case).
func BenchmarkBeam4(b *testing.B) {
	m, l, bt := benchSetup(b, true)
	for b.Loop() {
		m.Beam(l, bt.Src[0], 4, 20, 1)
	}
}

// BenchmarkGreedy32 decodes 32 sentences together, greedily.
func BenchmarkGreedy32(b *testing.B) {
	m, l, bt := benchSetup(b, true)
	for b.Loop() {
		m.Greedy(l, bt.Src, 20)
	}
	b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkValidateThenTest is the decoding of a fine-tuning unit in
// miniature: a batch of validation sentences decoded greedily, then test
// sentences one by one with beam 4, in turn.
func BenchmarkValidateThenTest(b *testing.B) {
	m, l, bt := benchSetup(b, true)
	for b.Loop() {
		m.Greedy(l, bt.Src, 20)
		for _, s := range bt.Src[:20] {
			m.Beam(l, s, 4, 20, 1)
		}
	}
}

// BenchmarkGreedy64Long decodes 64 sentences together to a length limit
// of 40, as the suite scores a validation batch: an untrained model runs
// every sentence to the limit, the largest decoding pass the suite makes.
func BenchmarkGreedy64Long(b *testing.B) {
	m, l, bt := benchSetup(b, true)
	src := append(bt.Src[:len(bt.Src):len(bt.Src)], bt.Src...)
	for b.Loop() {
		m.Greedy(l, src, 40)
	}
	b.ReportMetric(float64(len(src)*b.N)/b.Elapsed().Seconds(), "sentences/s")
}
