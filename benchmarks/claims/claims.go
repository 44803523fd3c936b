// Package claims declares a paper's claims as data and decides them over
// seeds. A suite lists its claims (Claim) next to its tables and computes,
// from the rows of one run, each claim's effect (Measurement); the harness
// gathers the measurements of runs that differ only in seed and gives every
// claim a verdict: holds, not shown, contradicted or equivalent.
//
// The unit of a verdict is the seed: one run is an example, never a
// verdict, whatever its within-run interval says.
package claims

// Direction is the sign of the effect that the paper claims.
type Direction int

const (
	// Positive: the paper says the effect is above zero (A beats B when
	// the effect is A − B and larger is better).
	Positive Direction = +1
	// Negative: the paper says the effect is below zero (for example
	// nats/dim attention − conditional, where lower is better).
	Negative Direction = -1
)

// Claim is one of a paper's claims, stated as an effect measured on a
// suite's rows.
type Claim struct {
	// ID is short, stable and unique within the suite: "dagger-ge-bc".
	ID string `json:"id"`
	// Statement is the paper's claim in one sentence.
	Statement string `json:"statement"`
	// Effect says what is measured, as a difference with its sign:
	// "success DAgger − BC, test tasks, 3 stages".
	Effect string `json:"effect"`
	// Unit of the effect: "BLEU", "nats/dim", "points", "ROC AUC".
	Unit string `json:"unit"`
	// Direction is the sign the paper claims.
	Direction Direction `json:"direction"`
	// Primary marks the comparison fixed in advance as the suite's main
	// endpoint. A primary claim with a Margin can also be found equivalent.
	Primary bool `json:"primary,omitempty"`
	// Margin is the equivalence margin (in Unit) of a primary claim: the
	// claim is "equivalent" when the 90% interval of the effect lies within
	// ±Margin. Zero: no equivalence test.
	Margin float64 `json:"margin,omitempty"`
	// Budget says how the compared arms are budgeted: "equal steps and
	// examples", or which budget differs and why.
	Budget string `json:"budget"`
}

// Measurement is one run's value of a claim's effect.
type Measurement struct {
	// Claim is the Claim.ID measured.
	Claim string `json:"claim"`
	// Value is the effect in the claim's unit.
	Value float64 `json:"value"`
	// Items are the per-test-item paired differences whose mean is Value,
	// when the effect is such a mean; the harness bootstraps them for the
	// within-run interval. Optional.
	Items []float64 `json:"items,omitempty"`
	// Low and High are a within-run 95% interval the suite computed itself
	// (for an effect that is not a mean of items, such as corpus BLEU,
	// bootstrapped over test sentences). Both zero: none.
	Low  float64 `json:"low,omitempty"`
	High float64 `json:"high,omitempty"`
}
