package lang

import (
	"hash/fnv"
	"math/rand/v2"
)

// Pair is a tokenised sentence pair: a source sentence and its English
// translation.
type Pair struct {
	Src, Tgt []string
}

// stream returns the random source of one named corpus of a language, so
// that corpora are independent of each other and of generation order.
func (w *World) stream(code, purpose string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(code + "\x00" + purpose))
	return rand.New(rand.NewPCG(w.Config.Seed, h.Sum64()))
}

// Parallel returns n sentence pairs of l and English from the named
// stream ("train", "dev", "test", …). Sentences of different streams come
// from independent draws of meanings.
func (w *World) Parallel(l *Language, purpose string, n int) []Pair {
	r := w.stream(l.Code, "parallel/"+purpose)
	out := make([]Pair, n)
	for i := range out {
		m := w.SampleMeaning(r)
		out[i] = Pair{Src: l.Realise(r, m), Tgt: English(m)}
	}
	return out
}

// Monolingual returns n sentences of l (or of English, for l == nil) drawn
// independently of every parallel corpus: the text that monolingual
// embeddings are trained on.
func (w *World) Monolingual(l *Language, n int) [][]string {
	code := "eng"
	if l != nil {
		code = l.Code
	}
	r := w.stream(code, "mono")
	out := make([][]string, n)
	for i := range out {
		m := w.SampleMeaning(r)
		if l == nil {
			out[i] = English(m)
		} else {
			out[i] = l.Realise(r, m)
		}
	}
	return out
}

// TargetTokens counts the English tokens of pairs.
func TargetTokens(pairs []Pair) int {
	n := 0
	for _, p := range pairs {
		n += len(p.Tgt)
	}
	return n
}

// Subsample draws pairs in random order until their English side holds at
// least tokens tokens (the paper's fine-tuning sets are sized by target
// tokens); 0 gives none, and all pairs if there are too few.
func Subsample(r *rand.Rand, pairs []Pair, tokens int) []Pair {
	if tokens <= 0 {
		return nil
	}
	idx := r.Perm(len(pairs))
	var out []Pair
	n := 0
	for _, i := range idx {
		if n >= tokens {
			break
		}
		out = append(out, pairs[i])
		n += len(pairs[i].Tgt)
	}
	return out
}
