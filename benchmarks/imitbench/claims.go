package imitbench

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/claims"
)

// The claims' IDs.
const (
	ClaimDAgger    = "dagger-ge-bc"
	ClaimSnapshot  = "full-ge-snapshot"
	ClaimFinal     = "snapshot-ge-final"
	ClaimGapGrows  = "final-gap-grows-with-stages"
	ClaimEnsembles = "ensembles-help"
	ClaimRelabel   = "relabelling-hurts-or-not"
	// The attention claims are measured only by profiles that measure the
	// share on the expert's states (Profile.ExpertStates).
	ClaimAttentionBC       = "bc-attention-follows-stage"
	ClaimAttentionMatching = "matching-attention-follows-stage"
)

// Claims are the paper's findings that the suite measures. Success
// differences are in percentage points, averaged over tasks: every model is
// evaluated on the same start configurations and conditioning
// demonstrations of a task, so a task's difference is paired.
var Claims = []claims.Claim{
	{ID: ClaimDAgger, Statement: "DAgger is at least as good as behaviour cloning (the paper finds them about equal).",
		Effect: "success DAgger − BC (full demonstration), mean over training and test tasks", Unit: "points", Direction: claims.Positive,
		Primary: true, Margin: 5,
		Budget: "equal gradient steps and batches; DAgger also gets the expert's labels of its own rollouts' states"},
	{ID: ClaimSnapshot, Statement: "Conditioning on the full demonstration beats conditioning on snapshots at the ends of the stages.",
		Effect: "success BC full − BC snapshot, mean over training and test tasks", Unit: "points", Direction: claims.Positive,
		Budget: "equal steps and demonstrations; the conditionings differ in the frames the network reads"},
	{ID: ClaimFinal, Statement: "Snapshots beat conditioning on the final state alone.",
		Effect: "success BC snapshot − BC final state, mean over training and test tasks", Unit: "points", Direction: claims.Positive,
		Budget: "equal steps and demonstrations"},
	{ID: ClaimGapGrows, Statement: "The advantage of the full demonstration over the final state grows with the number of stages.",
		Effect: "least-squares slope over stage counts of success (BC full − BC final), training and test episodes pooled", Unit: "points per stage", Direction: claims.Positive,
		Budget: "equal steps and demonstrations; needs at least two stage counts (not measured by the smoke profile)"},
	{ID: ClaimEnsembles, Statement: "Averaging the action distributions over an ensemble of demonstrations helps.",
		Effect: "success of the largest ensemble − a single demonstration (BC full), mean over the ensemble table's tasks", Unit: "points", Direction: claims.Positive,
		Budget: "the same model; the ensemble conditions each episode on K demonstrations instead of one"},
	{ID: ClaimRelabel, Statement: "The policy reads the task from the demonstration, not from the blocks' names: relabelling the blocks hurts success or leaves it unchanged (not shown is consistent with the paper; contradicted would mean relabelling helps).",
		Effect: "success BC relabelled − as named, mean over training tasks", Unit: "points", Direction: claims.Negative,
		Budget: "the same model and start configurations; the episodes' tasks are renamed by a random permutation"},
	{ID: ClaimAttentionBC, Statement: "The temporal attention over the demonstration follows the stage being executed (the paper's attention figure), with the paper's read-out.",
		Effect: "BC's attention share on the demonstration frames of the stage being executed − uniform attention's, on the expert's states, mean over sets and stage counts", Unit: "share", Direction: claims.Positive,
		Budget: "the BC model of the success table; the same expert states and conditioning demonstrations for every model"},
	{ID: ClaimAttentionMatching, Statement: "The temporal attention follows the stage being executed, with the matching query and the stage loss (the suite's read-out, not the paper's).",
		Effect: "the matching variant's attention share on the frames of the stage being executed − uniform attention's, on the expert's states, mean over sets and stage counts", Unit: "share", Direction: claims.Positive,
		Budget: "equal steps, batches and demonstrations to BC; an auxiliary loss on the number of stages done"},
}

// Measure computes the claims' effects from one run's rows. A claim whose
// rows the run lacks (the gap's slope with one stage count, ensembles not
// evaluated) is left out.
func Measure(r Rows) ([]claims.Measurement, error) {
	var out []claims.Measurement
	add := func(id string, a, b taskKeyFilter) error {
		m, ok, err := pairedTasks(r.Tasks, id, a, b)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, m)
		}
		return nil
	}
	learned := func(model string) taskKeyFilter {
		return taskKeyFilter{model: model, sets: []string{"train", "test"}}
	}
	if err := add(ClaimDAgger, learned("DAgger"), learned("BC")); err != nil {
		return nil, err
	}
	if err := add(ClaimSnapshot, learned("BC"), learned("snapshot")); err != nil {
		return nil, err
	}
	if err := add(ClaimFinal, learned("snapshot"), learned("final")); err != nil {
		return nil, err
	}
	if m, ok := gapSlope(r.Rows, "BC", "final"); ok {
		out = append(out, m)
	}
	if k1, kn, ok := ensembleSizes(r.Ensemble); ok {
		if err := add(ClaimEnsembles, taskKeyFilter{model: kn, sets: []string{"train", "test"}}, taskKeyFilter{model: k1, sets: []string{"train", "test"}}); err != nil {
			return nil, err
		}
	}
	// The permutation test's rows are BC's on both sets; the success table's
	// BC rows on "train" (same model, other episode count) are not used.
	relabelled := taskKeyFilter{model: "BC", sets: []string{"train-relabelled"}, asSet: "train", perm: true}
	named := taskKeyFilter{model: "BC", sets: []string{"train"}, perm: true}
	if err := add(ClaimRelabel, relabelled, named); err != nil {
		return nil, err
	}
	for _, c := range []struct{ id, model string }{{ClaimAttentionBC, "BC"}, {ClaimAttentionMatching, Matching.Name}} {
		if m, ok := expertShareAboveChance(r.Rows, c.id, c.model); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// expertShareAboveChance is the mean over a model's rows of the success
// table (training and test sets, each stage count) of its attention share
// on the expert's states minus chance, with the rows' differences as items.
// ok is false when no row has the share measured.
func expertShareAboveChance(rows []imitation.Row, id, model string) (claims.Measurement, bool) {
	m := claims.Measurement{Claim: id}
	for _, r := range rows {
		if r.Model != model || (r.Set != "train" && r.Set != "test") || r.ExpertStates.Steps == 0 {
			continue
		}
		sh, ch := r.ExpertStates.Mean()
		m.Items = append(m.Items, sh-ch)
	}
	if len(m.Items) == 0 {
		return claims.Measurement{}, false
	}
	for _, d := range m.Items {
		m.Value += d / float64(len(m.Items))
	}
	return m, true
}

// taskKeyFilter picks task rows of one model on some sets. asSet renames
// the set for pairing (the relabelled training set pairs with "train");
// perm picks the permutation test's rows, which a run stores apart (see
// permutationSet).
type taskKeyFilter struct {
	model string
	sets  []string
	asSet string
	perm  bool
}

type taskKey struct{ set, task string }

// pairedTasks returns the mean over tasks of the paired difference of
// success rates (points) between rows a and b, with the per-task
// differences as items, in (set, task) order. ok is false when no task has
// both.
func pairedTasks(rows []TaskRow, id string, a, b taskKeyFilter) (claims.Measurement, bool, error) {
	pick := func(f taskKeyFilter) (map[taskKey]TaskRow, error) {
		m := map[taskKey]TaskRow{}
		for _, r := range rows {
			if r.Model != f.model || !slices.Contains(f.sets, stripPerm(r.Set, f.perm)) || isPerm(r.Set) != f.perm {
				continue
			}
			set := stripPerm(r.Set, f.perm)
			if f.asSet != "" {
				set = f.asSet
			}
			k := taskKey{set, r.Task}
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("claim %s: model %s has two rows for task %q of set %s", id, r.Model, r.Task, r.Set)
			}
			if r.Episodes <= 0 {
				return nil, fmt.Errorf("claim %s: model %s, task %q of set %s: %d episodes", id, r.Model, r.Task, r.Set, r.Episodes)
			}
			m[k] = r
		}
		return m, nil
	}
	ra, err := pick(a)
	if err != nil {
		return claims.Measurement{}, false, err
	}
	rb, err := pick(b)
	if err != nil {
		return claims.Measurement{}, false, err
	}
	var keys []taskKey
	for k := range ra {
		if _, ok := rb[k]; ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return claims.Measurement{}, false, nil
	}
	slices.SortFunc(keys, func(x, y taskKey) int { return cmp.Or(strings.Compare(x.set, y.set), strings.Compare(x.task, y.task)) })
	m := claims.Measurement{Claim: id}
	for _, k := range keys {
		d := 100 * (rate(ra[k]) - rate(rb[k]))
		m.Items = append(m.Items, d)
		m.Value += d / float64(len(keys))
	}
	return m, true, nil
}

func rate(r TaskRow) float64 { return float64(r.Successes) / float64(r.Episodes) }

// The permutation test's task rows carry this prefix on their set, so that
// they do not mix with the success table's rows of the same model and set.
const permPrefix = "permutation:"

func isPerm(set string) bool { return strings.HasPrefix(set, permPrefix) }

func stripPerm(set string, perm bool) string {
	if perm {
		return strings.TrimPrefix(set, permPrefix)
	}
	return set
}

// gapSlope is the least-squares slope, over the stage counts present, of
// the success difference a − b (points), training and test episodes
// pooled. ok is false with fewer than two stage counts.
func gapSlope(rows []imitation.Row, a, b string) (claims.Measurement, bool) {
	type acc struct{ sa, na, sb, nb int }
	by := map[int]*acc{}
	for _, r := range rows {
		if (r.Set != "train" && r.Set != "test") || (r.Model != a && r.Model != b) {
			continue
		}
		x := by[r.Stages]
		if x == nil {
			x = &acc{}
			by[r.Stages] = x
		}
		if r.Model == a {
			x.sa, x.na = x.sa+r.Successes, x.na+r.Episodes
		} else {
			x.sb, x.nb = x.sb+r.Successes, x.nb+r.Episodes
		}
	}
	var xs, ys []float64
	for s := 1; s <= 64; s++ { // stage counts in order: never range over the map
		x, ok := by[s]
		if !ok || x.na == 0 || x.nb == 0 {
			continue
		}
		xs = append(xs, float64(s))
		ys = append(ys, 100*(float64(x.sa)/float64(x.na)-float64(x.sb)/float64(x.nb)))
	}
	if len(xs) < 2 {
		return claims.Measurement{}, false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i] / float64(len(xs))
		my += ys[i] / float64(len(xs))
	}
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	return claims.Measurement{Claim: ClaimGapGrows, Value: sxy / sxx}, true
}

// ensembleSizes returns the ensemble table's model names with the smallest
// and the largest K. ok is false with fewer than two sizes.
func ensembleSizes(rows []imitation.Row) (smallest, largest string, ok bool) {
	lo, hi := 0, 0
	for _, r := range rows {
		var k int
		if _, err := fmt.Sscanf(r.Model, "K=%d", &k); err != nil {
			continue
		}
		if lo == 0 || k < lo {
			lo = k
		}
		hi = max(hi, k)
	}
	if lo == 0 || lo == hi {
		return "", "", false
	}
	return fmt.Sprintf("K=%d", lo), fmt.Sprintf("K=%d", hi), true
}
