package nmtbench

import (
	"fmt"
	"math"
	"slices"

	"github.com/metabench/metabench/benchmarks/claims"
)

// Claim IDs of the nmt suite.
const (
	claimMetaBeatsMultitask = "meta-gt-multitask"
	claimGapShrinks         = "gap-shrinks-with-data"
	claimEmbEncBest         = "emb-enc-best-mode"
	claimMoreLanguages      = "more-meta-languages-help"
	claimULRZeroShot        = "ulr-zero-shot"
)

const budgetEqualSteps = "both shared models trained for the same number of steps on the same languages, without early stopping on one support set; fine-tuning identical"

// paperClaims are Gu et al. (2018)'s findings as effects on the suite's
// rows. The primary endpoint is fixed in advance: meta − multitask at the
// smallest non-zero fine-tuning size, where the paper's gap is largest.
var paperClaims = []claims.Claim{
	{ID: claimMetaBeatsMultitask, Primary: true, Margin: 1, Direction: claims.Positive, Unit: "BLEU",
		Statement: "Meta-learning (FOMAML) beats multitask learning on every low-resource language when fine-tuned on the same small support set.",
		Effect:    "BLEU meta − multitask, mean over low-resource languages and support sets, at the smallest non-zero fine-tuning size",
		Budget:    budgetEqualSteps},
	{ID: claimGapShrinks, Direction: claims.Positive, Unit: "BLEU",
		Statement: "The advantage of meta-learning is largest with the least data and shrinks as the fine-tuning set grows.",
		Effect:    "(meta − multitask) at the smallest non-zero size − (meta − multitask) at the largest size, mean over languages and support sets",
		Budget:    budgetEqualSteps},
	{ID: claimEmbEncBest, Direction: claims.Positive, Unit: "BLEU",
		Statement: "Fine-tuning the embeddings and the encoder (the decoder frozen) is the best fine-tuning mode for the meta-learned model.",
		Effect:    "BLEU of the meta model fine-tuned emb+enc − the better of all and emb, mean over languages and support sets, at the modes size",
		Budget:    "the same support sets, epochs and rate for every mode"},
	{ID: claimMoreLanguages, Direction: claims.Positive, Unit: "BLEU",
		Statement: "Meta-training on more high-resource languages helps.",
		Effect:    "BLEU meta on all meta-training languages − meta on the fewest, mean over languages and support sets",
		Budget:    "the same meta steps for every number of languages"},
	{ID: claimULRZeroShot, Direction: claims.Positive, Unit: "BLEU",
		Statement: "Zero-shot translation works through the universal lexical representation, and not with plain embeddings.",
		Effect:    "zero-shot BLEU meta with ULR − meta with plain embeddings, mean over languages",
		Budget:    "the same meta steps with and without ULR"},
}

// cellKey names one fine-tuning result for pairing: a language and a
// support set (the same support set for every model).
type cellKey struct {
	lang string
	set  int
}

// scores returns the BLEU of the units keep selects, by language and
// support set; a cell seen twice is an error (rows of two runs mixed).
func scores(r Rows, keep func(Row) bool) (map[cellKey]float64, error) {
	out := map[cellKey]float64{}
	for _, u := range r.Units {
		if !keep(u) {
			continue
		}
		k := cellKey{u.Lang, u.Set}
		if _, ok := out[k]; ok {
			return nil, fmt.Errorf("nmt claims: two rows of %s %s %s size %d set %d", u.Exp, u.Model, u.Lang, u.Size, u.Set)
		}
		out[k] = u.BLEU
	}
	return out, nil
}

// paired returns a − b for every cell both have, in a fixed order
// (language, then set), and whether every cell of either has its pair.
func paired(a, b map[cellKey]float64) ([]float64, bool) {
	var keys []cellKey
	for k := range a {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y cellKey) int {
		if x.lang != y.lang {
			if x.lang < y.lang {
				return -1
			}
			return 1
		}
		return x.set - y.set
	})
	var out []float64
	for _, k := range keys {
		if v, ok := b[k]; ok {
			out = append(out, a[k]-v)
		}
	}
	return out, len(out) == len(a) && len(out) == len(b)
}

// mean is the mean of xs summed in order (not gonum's stat.Mean, whose
// SIMD sum differs in the last bit: the claims' effects would move).
func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// measure computes the claims the rows can give: a claim whose
// experiment the profile did not run is left out.
func measure(r Rows) ([]claims.Measurement, error) {
	var out []claims.Measurement
	pair := func(id string, ka, kb func(Row) bool) ([]float64, error) {
		a, err := scores(r, ka)
		if err != nil {
			return nil, err
		}
		b, err := scores(r, kb)
		if err != nil {
			return nil, err
		}
		d, ok := paired(a, b)
		if !ok {
			return nil, fmt.Errorf("nmt claims: %s: %d and %d cells do not pair", id, len(a), len(b))
		}
		return d, nil
	}
	main := func(model string, size int) func(Row) bool {
		return func(u Row) bool { return u.Exp == "main" && u.Model == model && u.Size == size }
	}
	var sizes []int
	for _, s := range sizesOf(r, "main") {
		if s > 0 {
			sizes = append(sizes, s)
		}
	}
	if len(sizes) > 0 {
		small, large := sizes[0], sizes[len(sizes)-1]
		gapSmall, err := pair(claimMetaBeatsMultitask, main("meta", small), main("multitask", small))
		if err != nil {
			return nil, err
		}
		if len(gapSmall) > 0 {
			out = append(out, claims.Measurement{Claim: claimMetaBeatsMultitask, Value: mean(gapSmall), Items: gapSmall})
		}
		if large > small && len(gapSmall) > 0 {
			gapLarge, err := pair(claimGapShrinks, main("meta", large), main("multitask", large))
			if err != nil {
				return nil, err
			}
			if len(gapLarge) != len(gapSmall) {
				return nil, fmt.Errorf("nmt claims: %d cells at %d tokens, %d at %d", len(gapSmall), small, len(gapLarge), large)
			}
			items := make([]float64, len(gapSmall))
			for i := range items {
				items[i] = gapSmall[i] - gapLarge[i]
			}
			out = append(out, claims.Measurement{Claim: claimGapShrinks, Value: mean(items), Items: items})
		}
	}
	if ms := sizesOf(r, "modes"); len(ms) > 0 {
		size := ms[0]
		mode := func(m string) func(Row) bool {
			return func(u Row) bool {
				return (u.Exp == "modes" || u.Exp == "main") && u.Model == "meta" && u.Size == size && u.Mode == m
			}
		}
		best := math.Inf(-1)
		var embEnc float64
		for _, m := range []string{"emb+enc", "all", "emb"} {
			s, err := scores(r, mode(m))
			if err != nil {
				return nil, err
			}
			if len(s) == 0 {
				return nil, fmt.Errorf("nmt claims: no meta rows of mode %s at %d tokens", m, size)
			}
			var xs []float64
			for _, v := range s {
				xs = append(xs, v)
			}
			if m == "emb+enc" {
				embEnc = mean(xs)
			} else {
				best = max(best, mean(xs))
			}
		}
		out = append(out, claims.Measurement{Claim: claimEmbEncBest, Value: embEnc - best})
	}
	if langs := langsOf(r, "langs"); len(langs) > 0 {
		fewest, n := "", math.MaxInt
		size := sizesOf(r, "langs")[0]
		for _, u := range r.Units {
			var k int
			if u.Exp == "langs" {
				if _, err := fmt.Sscanf(u.Model, "meta-%d", &k); err != nil {
					return nil, fmt.Errorf("nmt claims: model %q: %w", u.Model, err)
				}
				if k < n {
					fewest, n = u.Model, k
				}
			}
		}
		if slices.ContainsFunc(r.Units, main("meta", size)) { // else the main table lacks the size
			d, err := pair(claimMoreLanguages, main("meta", size), func(u Row) bool { return u.Exp == "langs" && u.Model == fewest })
			if err != nil {
				return nil, err
			}
			out = append(out, claims.Measurement{Claim: claimMoreLanguages, Value: mean(d), Items: d})
		}
	}
	zs := func(model string) func(Row) bool {
		return func(u Row) bool { return u.Exp == "zeroshot" && u.Model == model }
	}
	if slices.ContainsFunc(r.Units, zs("meta-noULR")) {
		d, err := pair(claimULRZeroShot, zs("meta"), zs("meta-noULR"))
		if err != nil {
			return nil, err
		}
		out = append(out, claims.Measurement{Claim: claimULRZeroShot, Value: mean(d), Items: d})
	}
	return out, nil
}
