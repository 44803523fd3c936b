package nmt

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/metabench/metabench/agents/nn"
)

// TestPassBytes checks the estimate that bounds training tapes' memory
// against the bytes one forward and backward pass really allocates on a
// fresh tape, for a synthetic-sized and a news-sized batch: the estimate
// must be within a factor of two, or the budget means nothing.
func TestPassBytes(t *testing.T) {
	for _, c := range []struct {
		d, heads, ff, vocab, batch, src, tgt int
	}{
		{64, 4, 128, 300, 32, 14, 12},
		{48, 4, 96, 1100, 24, 60, 55},
	} {
		t.Run(fmt.Sprintf("d%d-b%d-s%d", c.d, c.batch, c.src), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			toks := make([]string, c.vocab)
			for i := range toks {
				toks[i] = fmt.Sprint("w", i)
			}
			v := NewVocab(toks)
			emb := &Embeddings{Dim: 16, Vecs: make([]float64, v.Size()*16)}
			for i := range emb.Vecs {
				emb.Vecs[i] = r.NormFloat64()
			}
			cfg := Config{D: c.d, Heads: c.heads, FF: c.ff, EncLayers: 2, DecLayers: 2, Dropout: 0.1, ULR: true, Temp: 0.05, LabelSmoothing: 0.1, MaxLen: 64}
			m, err := NewModel[float32](r, cfg, v, emb)
			if err != nil {
				t.Fatal(err)
			}
			l, err := m.AddLanguage(r, "x", v, emb)
			if err != nil {
				t.Fatal(err)
			}
			var b Batch
			for range c.batch {
				src, tgt := make([]int, c.src), make([]int, c.tgt)
				for i := range src {
					src[i] = numSpecial + r.IntN(c.vocab)
				}
				for i := range tgt {
					tgt[i] = numSpecial + r.IntN(c.vocab)
				}
				b.Src, b.Tgt = append(b.Src, src), append(b.Tgt, tgt)
			}
			pass := func() {
				tp := nn.NewTape[float32]()
				if err := tp.Backward(m.Loss(tp, l, b, rand.New(rand.NewPCG(3, 4)).Float64)); err != nil {
					t.Fatal(err)
				}
			}
			pass() // parameter gradients are allocated once, outside tapes
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			pass()
			runtime.ReadMemStats(&after)
			got, est := int(after.TotalAlloc-before.TotalAlloc), m.passBytes(b)
			t.Logf("allocated %.1f MB, estimated %.1f MB", float64(got)/1e6, float64(est)/1e6)
			if est < got/2 || est > 2*got {
				t.Fatalf("estimate %d bytes, a pass allocates %d", est, got)
			}
		})
	}
}

// TestFineTunePatience: with patience 2, fine-tuning stops two epochs
// after the best dev score and keeps the best epoch; without patience it
// runs every epoch.
func TestFineTunePatience(t *testing.T) {
	m32, _, b := tinyModel[float32](t, true)
	var data []Example
	for i := range b.Src {
		data = append(data, Example{Src: b.Src[i], Tgt: b.Tgt[i]})
	}
	for _, c := range []struct {
		patience, calls, best int
	}{{2, 5, 2}, {0, 9, 2}} {
		scores := []float64{1, 2, 3, 2.5, 2.9, 1, 1, 1, 1} // epochs 0..8
		calls := 0
		dev := func(*Model[float32]) (float64, error) {
			calls++
			return scores[calls-1], nil
		}
		cfg := FineTuneConfig{Mode: FineTuneAll, Epochs: 8, Patience: c.patience, BatchSize: 2, LR: 1e-3, Seed: 1}
		_, best, score, err := FineTune(context.Background(), m32, "xx", data, cfg, dev)
		if err != nil {
			t.Fatal(err)
		}
		if calls != c.calls || best != c.best || score != 3 {
			t.Errorf("patience %d: %d dev calls (want %d), best epoch %d (want %d), score %v (want 3)", c.patience, calls, c.calls, best, c.best, score)
		}
	}
}
