package nmt_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/metabench/metabench/agents/nmt"
)

// Example meta-trains a tiny model with ULR on one synthetic task (copying
// "x_i" to "w_i"), then fine-tunes it on a second language with the
// decoder frozen.
func Example() {
	r := rand.New(rand.NewPCG(1, 1))
	words := []string{"w0", "w1", "w2", "w3", "w4", "w5"}
	eng := nmt.NewVocab(words)
	src := nmt.NewVocab([]string{"x0", "x1", "x2", "x3", "x4", "x5"})
	// Monolingual embeddings: here the source words are given exactly the
	// vectors of their English translations (perfectly aligned).
	emb := &nmt.Embeddings{Dim: 6, Vecs: make([]float64, eng.Size()*6)}
	for i := range words {
		emb.Vecs[(4+i)*6+i] = 1
	}
	cfg := nmt.Config{D: 16, Heads: 2, FF: 32, EncLayers: 1, DecLayers: 1, ULR: true, Temp: 0.05, MaxLen: 8}
	m, _ := nmt.NewModel[float32](r, cfg, eng, emb)
	m.AddLanguage(r, "xx", src, emb)
	m.AddLanguage(r, "yy", src, emb)
	var data []nmt.Example
	for range 64 {
		s := []int{4 + r.IntN(6), 4 + r.IntN(6), 4 + r.IntN(6)}
		data = append(data, nmt.Example{Src: s, Tgt: s})
	}
	tasks := []nmt.Task{{Lang: "xx", Data: data}}
	res, err := nmt.Train(context.Background(), m, tasks, nmt.TrainConfig{Method: nmt.Meta, Steps: 400, BatchSize: 16, LR: 3e-3, Warmup: 20, InnerLR: 1e-3, Seed: 1}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("meta-training loss fell: %v\n", res.Losses[len(res.Losses)-1] < res.Losses[0]/2)
	ft, _, _, err := nmt.FineTune(context.Background(), m, "yy", data[:16], nmt.FineTuneConfig{Mode: nmt.FineTuneEmbEnc, Epochs: 2, BatchSize: 8, LR: 1e-3, Seed: 1}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	l, _ := ft.Lang("yy")
	fmt.Println(ft.Tgt.Words(ft.Greedy(l, [][]int{{4, 5, 6}}, 5)[0]))
	// Output:
	// meta-training loss fell: true
	// [w0 w1 w2]
}
