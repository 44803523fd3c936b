// Package imitbench is the one-shot imitation suite (Duan et al. 2017;
// docs/imitation.md): it builds (or reuses) demonstration datasets, trains
// the policy variants — DAgger, behaviour cloning on the full
// demonstration, on snapshots, on the final state — and evaluates them
// beside the scripted expert on training and test tasks, printing the
// paper's tables. Its default section measures the block-stacking world
// itself: physics speed, the expert's success, demonstration throughput.
//
// # Profiles
//
//	default  the world: physics speed by number of blocks, the expert's
//	         success on every task with and without noise, demonstration
//	         generation on 1 and 2 workers (about 30 s).
//	smoke    3 training tasks (1 stage) and 2 test tasks, 8 demonstrations
//	         each, 2500 steps: the whole pipeline in about a minute (CI);
//	         the numbers only show that it runs.
//	quick    the 31 training tasks of 1-3 stages, 40 demonstrations each,
//	         12000 steps of 8 tasks × 16 pairs per variant (two variants
//	         train at a time); the 11 test tasks of 1-3 stages; 10 start
//	         configurations per task. At most 30 minutes on 2 cores.
//	medium   the 90 training tasks of 1-7 stages, 50 demonstrations each,
//	         24000 steps per variant; the 31 test tasks of 1-7 stages; 10
//	         start configurations per task; ensembles of 1 and 5. About 2
//	         hours on 2 cores (estimated from measured costs, not run whole).
//	full     every task (95 train, 33 test), 1000 demonstrations per
//	         training task, 100 start configurations per task: the paper's
//	         protocol, split into shards (--shard i/n) whose reports merge.
//
// smoke and quick train with Adamax at lr 3e-3 instead of the paper's 1e-3:
// with a few thousand steps, 1e-3 reached the same loss about 2.5× later.
// They also divide the rate by 5 for the last quarter of the steps. full
// uses the paper's constant 1e-3 and sizes (imitation.PaperArch).
//
// Everything is deterministic: the same profile and seed give the same
// datasets, models and tables (for a given binary and CPU).
package imitbench

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
)

// New returns the one-shot imitation suite.
func New() *suite.Suite { return suite.New(spec()) }

// spec declares the one-shot imitation suite.
func spec() suite.Spec[Profile, config, Rows] {
	return suite.Spec[Profile, config, Rows]{
		Name:        "imitation",
		Summary:     "one-shot imitation (Duan et al. 2017): block stacking from one demonstration",
		Profiles:    profiles(),
		Default:     "default",
		Config:      configOf,
		Run:         runSuite,
		Merge:       merge,
		Tables:      Tables,
		Plots:       Plots,
		Across:      across,
		AcrossPlots: acrossPlots,
		Claims:      Claims,
		Measure:     Measure,
		Prepare:     true,
		Commands:    Commands(),
	}
}

// config is what determines a run's results: the profile's scale and the
// seed (the shard does not: shards merge into the whole run).
type config struct {
	Profile Profile
	Seed    uint64
}

func configOf(o suite.Options, p Profile) (config, error) {
	if o.Data != "" {
		return config{}, cli.Usagef("imitation: --data: the suite generates its demonstrations; it reads no data")
	}
	return config{p, o.Seed}, nil
}

// TrainStat reports one variant's training.
type TrainStat struct {
	Variant       string  `json:"variant"`
	Dir           string  `json:"dir"` // relative to the cache directory
	Steps         int     `json:"steps"`
	Cached        bool    `json:"cached"`
	Samples       int     `json:"samples"`
	Seconds       float64 `json:"seconds"`
	SamplesPerSec float64 `json:"samples_per_sec"`
	FinalLoss     float64 `json:"final_loss"`
	DAggerPairs   int     `json:"dagger_pairs,omitempty"`
	ForkedAt      int     `json:"forked_at,omitempty"` // DAgger: forked from BC at this step (samples and seconds count from there)
}

// TaskRow is one model's success on one task of a set.
type TaskRow struct {
	Model     string `json:"model"`
	Set       string `json:"set"`
	Task      string `json:"task"`
	Stages    int    `json:"stages"`
	Episodes  int    `json:"episodes"`
	Successes int    `json:"successes"`
}

// taskRows counts a model's successes per task, in the order of res.
func taskRows(model, set string, res []imitation.EpisodeResult) []TaskRow {
	var out []TaskRow
	at := map[string]int{}
	for _, r := range res {
		i, ok := at[r.Task]
		if !ok {
			out = append(out, TaskRow{Model: model, Set: set, Task: r.Task, Stages: r.Stages})
			i = len(out) - 1
			at[r.Task] = i
		}
		out[i].Episodes++
		if r.Verdict == stack.Success {
			out[i].Successes++
		}
	}
	return out
}

// Trace is the attention along one rollout of a model on the set's task
// with the most stages (its first start configuration).
type Trace struct {
	Model string `json:"model"`
	Set   string `json:"set"`
	imitation.AttentionTrace
}

// EvalSpeed is the evaluation throughput at one worker count.
type EvalSpeed struct {
	Workers        int     `json:"workers"`
	Episodes       int     `json:"episodes"`
	Seconds        float64 `json:"seconds"`
	EpisodesPerSec float64 `json:"episodes_per_sec"`
}

// Rows are what a run measures: the success tables' rows, training and
// evaluation throughput, and the world section's tables.
type Rows struct {
	Profile     string            `json:"profile"`
	Rows        []imitation.Row   `json:"rows,omitempty"`        // models expert, DAgger, BC, snapshot, final; sets train, test
	Permutation []imitation.Row   `json:"permutation,omitempty"` // BC on relabelled training tasks (set "train-relabelled") and not
	Ensemble    []imitation.Row   `json:"ensemble,omitempty"`    // BC full with ensembles, model "K=n", test tasks and the training tasks with the most stages
	Training    []TrainStat       `json:"training,omitempty"`
	EvalSpeed   []EvalSpeed       `json:"eval_speed,omitempty"`
	Tasks       []TaskRow         `json:"task_rows,omitempty"`        // success per model, set and task: the claims' paired items
	Traces      []Trace           `json:"attention_traces,omitempty"` // one rollout's attention per full-demonstration model and set (shard 0)
	Data        map[string]string `json:"data,omitempty"`             // datasets, relative to the cache directory
	World       *WorldRows        `json:"world,omitempty"`
}

// WorldRows are the tables of the world section.
type WorldRows struct {
	Sim    []stackbench.SimRow    `json:"sim"`
	Expert []stackbench.ExpertRow `json:"expert"`
	Gen    []stackbench.GenRow    `json:"demos"`
}

// merge merges the rows of the shards of one run, in shard order, into
// the rows of the whole run. Training happens in every shard (from the
// cache after the first); the world section runs in shard 0.
func merge(shards []Rows) (Rows, error) {
	out := Rows{Profile: shards[0].Profile, Training: slices.Clone(shards[0].Training), EvalSpeed: shards[0].EvalSpeed, Data: shards[0].Data}
	for _, r := range shards {
		if out.Traces == nil {
			out.Traces = r.Traces
		}
	}
	var rows, perm, ens [][]imitation.Row
	for _, r := range shards {
		rows, perm, ens = append(rows, r.Rows), append(perm, r.Permutation), append(ens, r.Ensemble)
		out.Tasks = append(out.Tasks, r.Tasks...)
		// Prefer the training statistics of a shard that actually trained.
		for i, st := range r.Training {
			if i < len(out.Training) && out.Training[i].Cached && !st.Cached {
				out.Training[i] = st
			}
		}
		if out.World == nil {
			out.World = r.World
		}
	}
	out.Rows, out.Permutation, out.Ensemble = inRunOrder(imitation.Merge(rows...)), inRunOrder(imitation.Merge(perm...)), inRunOrder(imitation.Merge(ens...))
	// Task rows in one order whatever the number of shards.
	slices.SortStableFunc(out.Tasks, func(a, b TaskRow) int {
		return cmp.Or(strings.Compare(a.Model, b.Model), strings.Compare(a.Set, b.Set), cmp.Compare(a.Stages, b.Stages), strings.Compare(a.Task, b.Task))
	})
	return out, nil
}

// inRunOrder sorts rows as an unsharded run writes them: by set (train,
// relabelled train, test), then model (the table's columns, ensembles by
// size), then stages.
func inRunOrder(rows []imitation.Row) []imitation.Row {
	setRank := func(s string) int {
		switch s {
		case "train":
			return 0
		case "train-relabelled":
			return 1
		}
		return 2
	}
	modelRank := func(m string) int {
		if i := slices.Index(Columns, m); i >= 0 {
			return i
		}
		var k int
		if _, err := fmt.Sscanf(m, "K=%d", &k); err == nil {
			return len(Columns) + k
		}
		return 1 << 30
	}
	slices.SortStableFunc(rows, func(a, b imitation.Row) int {
		return cmp.Or(cmp.Compare(setRank(a.Set), setRank(b.Set)), cmp.Compare(modelRank(a.Model), modelRank(b.Model)), cmp.Compare(a.Stages, b.Stages))
	})
	return rows
}
