package bleu_test

import (
	"fmt"

	"github.com/metabench/metabench/benchmarks/bleu"
)

func Example() {
	var s bleu.Stats
	s.Add(bleu.Tokenize13a("The cat sat on the mat."), [][]string{bleu.Tokenize13a("The cat sat on a mat.")})
	fmt.Printf("sacreBLEU %.2f, multi-bleu %.2f\n", s.Sacre().Score, s.MultiBLEU().Score)
	// Output: sacreBLEU 48.89, multi-bleu 48.89
}
