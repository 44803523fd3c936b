package nnbench

import (
	"fmt"
	"math/rand/v2"

	"github.com/metabench/metabench/agents/nmt"
	"github.com/metabench/metabench/nn"
)

// newTransformer is the nmt suite's quick-profile model (docs/nmt.md): a
// pre-norm Transformer encoder-decoder, d = 64, 4 heads, FFN 128 (GELU),
// 2+2 layers, final layer norms, plain source embeddings, target
// embedding tied to the output layer, on a batch of 32 sentence pairs of
// 12 source and 10 target tokens, label smoothing 0.1, no dropout; Adam.
// The vocabularies, 400 source and 760 English tokens, are the quick
// profile's (a synthetic source language has about 410 morpheme types in
// 100k monolingual sentences, English 763 word forms); its sentences
// average 9 source and 7.5 English tokens before end markers, and a batch
// pads to its longest.
func newTransformer(r *rand.Rand) (*trainer, error) {
	const batch, srcLen, tgtLen, srcV, tgtV = 32, 12, 10, 400, 760
	words := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("w%d", i)
		}
		return out
	}
	// Vocabularies hold 4 special tokens besides the words: sizes 400 and
	// 760 in total, as in the reference script.
	tv := nmt.NewVocab(words(tgtV - 4))
	cfg := nmt.Config{D: 64, Heads: 4, FF: 128, EncLayers: 2, DecLayers: 2, LabelSmoothing: 0.1, MaxLen: 16}
	m, err := nmt.NewModel[float32](r, cfg, tv, nil)
	if err != nil {
		return nil, err
	}
	l, err := m.AddLanguage(r, "src", nmt.NewVocab(words(srcV-4)), nil)
	if err != nil {
		return nil, err
	}
	var b nmt.Batch
	for range batch {
		s, t := make([]int, srcLen-1), make([]int, tgtLen-1) // EOS and BOS complete them
		for i := range s {
			s[i] = 4 + r.IntN(srcV-4)
		}
		for i := range t {
			t[i] = 4 + r.IntN(tgtV-4)
		}
		b.Src, b.Tgt = append(b.Src, s), append(b.Tgt, t)
	}
	return newTrainer(ModelTransformer, "Transformer enc-dec d=64 4 heads FFN 128 2+2 layers, B=32, 12→10 tokens, V 400/760",
		m.AllParams(), func(tp *nn.Tape[float32]) *nn.Tensor[float32] { return m.Loss(tp, l, b, nil) }), nil
}
