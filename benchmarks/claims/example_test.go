package claims_test

import (
	"fmt"

	"github.com/metabench/metabench/benchmarks/claims"
)

// A suite declares a claim; three runs that differ only in seed each
// measure its effect; Decide gives the verdict.
func Example() {
	c := claims.Claim{
		ID: "meta-gt-multitask", Statement: "Meta-learning beats multitask learning.",
		Effect: "BLEU meta − multitask", Unit: "BLEU", Direction: claims.Positive,
		Primary: true, Margin: 1, Budget: "equal steps and examples",
	}
	seeds := []uint64{1, 2, 3}
	ms := []*claims.Measurement{
		{Claim: c.ID, Value: 2.9},
		{Claim: c.ID, Value: 3.4},
		{Claim: c.ID, Value: 3.1},
	}
	r, err := claims.Decide(c, seeds, ms)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: mean %+.2f, 95%% CI [%+.2f, %+.2f], n %d: %s\n", c.ID, *r.Mean, *r.Low, *r.High, r.N, r.Verdict)
	// Output:
	// meta-gt-multitask: mean +3.13, 95% CI [+2.51, +3.76], n 3: holds
}
