package drugbench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/metabench/metabench/agents/multitask"
	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/molecules"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/internal/seeds"
	"github.com/metabench/metabench/nn/optim"
)

// Experiment names.
const (
	ExpModels   = "models"   // (1) models against baselines
	ExpAdded    = "added"    // (2) tasks added to held-in tasks
	ExpExamples = "examples" // (3) more tasks against more examples
	ExpPretrain = "pretrain" // (4) pretrain on many tasks, train on a held-out one
	ExpSpeed    = "speed"
)

// unit is one independent piece of work: what shards split.
type unit struct {
	Exp   string
	Fold  int
	Model string
	K     int
	Frac  float64
}

// Result is what one unit measured: per-task test ROC AUCs and PRC AUCs
// (average precision, AveragePrecision).
type Result struct {
	Unit    int       `json:"unit"`
	Exp     string    `json:"exp"`
	Model   string    `json:"model,omitempty"`
	Fold    int       `json:"fold"`
	K       int       `json:"k,omitempty"`
	Frac    float64   `json:"frac,omitempty"`
	Tasks   []int     `json:"tasks"`              // tasks with both classes in the test rows
	AUC     []float64 `json:"auc"`                // per task of Tasks
	PRC     []float64 `json:"prc"`                // per task of Tasks: average precision
	Base    []float64 `json:"base,omitempty"`     // pretrain: the same tasks trained from scratch
	BasePRC []float64 `json:"base_prc,omitempty"` // pretrain: Base's average precision
	Skipped int       `json:"skipped"`            // tasks with one class in the test rows
	// trace is the weights' trace (optim.Trace) of the unit's multitask
	// network, if it trains one; the unit cache keeps it beside the result.
	trace []byte
}

// plan lists the units of a run, in a fixed order. An 80/10/10 split
// (real data, or --split scaffold) has one test part, so one fold.
func plan(p Profile, d *dataset, how string) []unit {
	var us []unit
	folds := p.RunFolds
	if !d.Synth || how == "scaffold" {
		folds = 1
	}
	for f := range folds {
		for _, m := range p.Models {
			us = append(us, unit{Exp: ExpModels, Fold: f, Model: m})
		}
	}
	if d.Synth && p.HeldIn > 0 && p.HeldIn < d.Data.Tasks() {
		for _, k := range p.TasksAdded {
			us = append(us, unit{Exp: ExpAdded, Model: ModelPMTNN, K: k})
		}
		for _, n := range p.TaskSets {
			for _, fr := range p.Fractions {
				us = append(us, unit{Exp: ExpExamples, Model: ModelPMTNN, K: n, Frac: fr})
			}
		}
	}
	if d.Synth && p.HeldOut > 0 && p.HeldOut < d.Data.Tasks() {
		us = append(us, unit{Exp: ExpPretrain, Model: ModelPMTNN})
	}
	if p.Speed {
		us = append(us, unit{Exp: ExpSpeed})
	}
	return us
}

// split returns the train and test rows of fold f: with --split scaffold
// DeepChem's scaffold split 80/10/10 (synthetic or real data); else
// synthetic data by the stratified k-fold split and real data by
// DeepChem's random 80/10/10. The valid part is not used; the test part is
// scored.
func split(p Profile, d *dataset, f int, how string, seed uint64) (train, test []int) {
	if d.Synth && how != "scaffold" {
		folds := molecules.KFold(d.Data.Rows(), p.Folds, d.anyActive(), seed)
		for i, k := range folds {
			if k == f {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		return
	}
	var part []int
	if how == "scaffold" {
		part = molecules.ScaffoldSplit(d.Scaff, [3]float64{0.8, 0.1, 0.1})
	} else {
		part = molecules.RandomSplit(d.Data.Rows(), [3]float64{0.8, 0.1, 0.1}, seed)
	}
	for i, k := range part {
		switch k {
		case 0:
			train = append(train, i)
		case 2:
			test = append(test, i)
		}
	}
	return
}

// taskOrder is a seeded permutation of the tasks: the first HeldIn are the
// held-in tasks of experiments 2 and 3, the last HeldOut the held-out
// tasks of experiment 4, the rest are added in this order.
func taskOrder(T int, seed uint64) []int {
	return rand.New(rand.NewPCG(seed, 0x7461736b73)).Perm(T)
}

// unitSeed is unit u's seed; the +1 keeps the results of the runs made
// before seeds.Sub existed.
func unitSeed(seed uint64, u int) uint64 { return seeds.Sub(seed, uint64(u)) + 1 }

// scored is the test metrics of the tasks that have both classes.
type scored struct {
	tasks    []int
	auc, prc []float64
	skipped  int
}

// scoreTasks computes the test ROC AUC and average precision of each task
// in tasks from predict; AUC and AP are defined on the same tasks (both
// classes present).
func scoreTasks(test multitask.Data, tasks []int, predict func(k int) []float64) scored {
	var sc scored
	for k, t := range tasks {
		col := make([]int8, test.Rows())
		for i := range col {
			col[i] = test.Y[i][t]
		}
		p := predict(k)
		a, good := multitask.AUC(p, col)
		if !good {
			sc.skipped++
			continue
		}
		ap, _ := multitask.AveragePrecision(p, col)
		sc.tasks = append(sc.tasks, t)
		sc.auc = append(sc.auc, a)
		sc.prc = append(sc.prc, ap)
	}
	return sc
}

func (r *Result) set(sc scored) {
	r.Tasks, r.AUC, r.PRC, r.Skipped = sc.tasks, sc.auc, sc.prc, sc.skipped
}

func (p Profile) netConfig(model string) multitask.NetConfig {
	c := p.Net
	switch model {
	case ModelSTNN, ModelMTNN:
		c.Hidden = p.Wide
	default:
		c.Hidden = p.Pyramid
	}
	return c
}

// singleTask trains one model per task of tasks (in parallel over tasks)
// and returns each task's test predictions.
func singleTask(ctx context.Context, o suite.Options, p Profile, model string, train, test multitask.Data, tasks []int, seed uint64) ([][]float64, error) {
	preds := make([][]float64, len(tasks))
	workers := o.WorkerCount()
	if model == ModelRF {
		workers = 1 // the forest is parallel over its trees
	}
	err := parallel.For(ctx, len(tasks), workers, func(k int) error {
		t := tasks[k]
		x, y := train.Task(t)
		if len(y) == 0 {
			preds[k] = make([]float64, test.Rows())
			return nil
		}
		s := seed + uint64(t)*104729
		switch model {
		case ModelLR:
			m, err := multitask.TrainLogistic(x, y, p.LR, s)
			if err != nil {
				return err
			}
			preds[k] = m.Predict(test)
		case ModelRF:
			fc := p.Forest
			fc.Workers = o.WorkerCount()
			m, err := multitask.TrainForest(ctx, x, y, fc, s)
			if err != nil {
				return err
			}
			preds[k] = m.Predict(test)
		default:
			x.Y = make([][]int8, len(y))
			for i := range y {
				x.Y[i] = []int8{y[i]}
			}
			n, err := multitask.NewNet(p.netConfig(model), x.Bits, 1, s)
			if err != nil {
				return err
			}
			if err := n.Train(ctx, x, s); err != nil {
				return err
			}
			preds[k] = multitask.Column(n.Predict(test), 0)
		}
		return nil
	})
	return preds, err
}

// multiTask trains one network on the tasks cols of train and returns its
// test predictions per task of cols, and its weights' trace.
func multiTask(ctx context.Context, p Profile, model string, train, test multitask.Data, cols []int, seed uint64) ([][]float64, *multitask.Net, []byte, error) {
	tr := columns(train, cols)
	n, err := multitask.NewNet(p.netConfig(model), tr.Bits, len(cols), seed)
	if err != nil {
		return nil, nil, nil, err
	}
	trace, err := n.TrainTraced(ctx, tr, seed)
	if err != nil {
		return nil, nil, nil, err
	}
	pr := n.Predict(test)
	out := make([][]float64, len(cols))
	for k := range cols {
		out[k] = multitask.Column(pr, k)
	}
	return out, n, trace, nil
}

// runUnit measures one unit.
func runUnit(ctx context.Context, o suite.Options, p Profile, d *dataset, u unit, idx int, how string) (Result, error) {
	res := Result{Unit: idx, Exp: u.Exp, Model: u.Model, Fold: u.Fold, K: u.K, Frac: u.Frac}
	seed := unitSeed(o.Seed, idx)
	T := d.Data.Tasks()
	all := make([]int, T)
	for t := range all {
		all[t] = t
	}
	order := taskOrder(T, o.Seed)
	trainIdx, testIdx := split(p, d, u.Fold, how, o.Seed)
	train, test := d.Data.Subset(trainIdx), d.Data.Subset(testIdx)
	switch u.Exp {
	case ExpModels:
		var preds [][]float64
		var err error
		if u.Model == ModelMTNN || u.Model == ModelPMTNN {
			preds, _, res.trace, err = multiTask(ctx, p, u.Model, train, test, all, seed)
		} else {
			preds, err = singleTask(ctx, o, p, u.Model, train, test, all, seed)
		}
		if err != nil {
			return res, err
		}
		res.set(scoreTasks(test, all, func(k int) []float64 { return preds[k] }))
	case ExpAdded, ExpExamples:
		heldIn := order[:p.HeldIn]
		n := u.K
		if u.Exp == ExpExamples {
			n = max(u.K-p.HeldIn, 0)
		}
		cols := append(slices.Clone(heldIn), order[p.HeldIn:min(p.HeldIn+n, T)]...)
		if u.Exp == ExpExamples && u.Frac < 1 {
			r := rand.New(rand.NewPCG(o.Seed, 0x66726163))
			perm := r.Perm(len(trainIdx))
			keep := perm[:max(1, int(u.Frac*float64(len(trainIdx))))]
			slices.Sort(keep)
			sub := make([]int, len(keep))
			for k, j := range keep {
				sub[k] = trainIdx[j]
			}
			train = d.Data.Subset(sub)
		}
		preds, _, trace, err := multiTask(ctx, p, u.Model, train, test, cols, seed)
		if err != nil {
			return res, err
		}
		res.trace = trace
		res.K = len(cols) - p.HeldIn
		if u.Exp == ExpExamples {
			res.K = len(cols)
		}
		res.set(scoreTasks(test, heldIn, func(k int) []float64 { return preds[k] }))
	case ExpPretrain:
		heldOut := order[T-p.HeldOut:]
		pre := slices.Clone(order[:T-p.HeldOut])
		_, net, trace, err := multiTask(ctx, p, u.Model, train, test, pre, seed)
		if err != nil {
			return res, err
		}
		res.trace = trace
		fine := make([][]float64, len(heldOut))
		for k, t := range heldOut {
			m, err := net.WithNewHead(1, seed+uint64(k))
			if err != nil {
				return res, err
			}
			x, y := train.Task(t)
			x.Y = make([][]int8, len(y))
			for i := range y {
				x.Y[i] = []int8{y[i]}
			}
			if err := m.Train(ctx, x, seed+uint64(k)); err != nil {
				return res, err
			}
			fine[k] = multitask.Column(m.Predict(test), 0)
		}
		scratch, err := singleTask(ctx, o, p, ModelPSTNN, train, test, heldOut, seed)
		if err != nil {
			return res, err
		}
		// Keep tasks where both are defined (the same test rows: same set).
		res.set(scoreTasks(test, heldOut, func(k int) []float64 { return fine[k] }))
		base := scoreTasks(test, heldOut, func(k int) []float64 { return scratch[k] })
		res.Base, res.BasePRC = base.auc, base.prc
	default:
		return res, fmt.Errorf("drug: unknown experiment %q", u.Exp)
	}
	return res, nil
}

func run(ctx context.Context, s suite.Setup[config]) (Rows, error) {
	o, p, how := s.Options, s.Config.Profile, s.Config.Split
	stop := o.Phases.Start("data")
	d, err := loadDataset(ctx, o.Data, s.Config.table, p, o.Seed)
	stop()
	if err != nil {
		return Rows{}, err
	}
	rows := Rows{Data: describe(d, how)}
	if len(d.Bad) > 0 {
		o.Logf("drug: %d of %d SMILES did not parse and were skipped (first: line %d: %s)", len(d.Bad), d.Source, d.Bad[0].Line, d.Bad[0].Err)
	}
	units := plan(p, d, how)
	o.Logf("drug: %s, %d molecules × %d tasks, %d units", d.Name, d.Data.Rows(), d.Data.Tasks(), len(units))
	cache := unitCache{dir: filepath.Join(o.CacheDir, "drug", "units", s.Key)}
	for i, u := range units {
		if !o.Shard.Has(i) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		stop := o.Phases.Start(u.Exp)
		t0 := time.Now()
		if u.Exp == ExpSpeed {
			sp, err := measureSpeed(ctx, o, p)
			stop()
			if err != nil {
				return rows, err
			}
			rows.Speed = sp
			continue
		}
		r, ok := cache.load(i)
		if !ok {
			r, err = runUnit(ctx, o, p, d, u, i, how)
			if err != nil {
				stop()
				return rows, fmt.Errorf("drug %s %s fold %d: %w", u.Exp, u.Model, u.Fold, err)
			}
			if err := cache.store(i, r); err != nil {
				o.Logf("drug: cannot cache unit %d: %v", i, err)
			}
		}
		stop()
		o.Logf("drug: unit %d/%d %s %s fold %d k %d: mean AUC %.3f (%.1fs)", i+1, len(units), u.Exp, u.Model, u.Fold, r.K, claims.Mean(r.AUC), time.Since(t0).Seconds())
		rows.Results = append(rows.Results, r)
	}
	return rows, nil
}

// unitCache keeps each finished unit's result under the cache directory,
// keyed by the run's configuration, so that a rerun (after an interrupt or
// a failure) resumes instead of starting over. Speed is never cached.
type unitCache struct{ dir string }

func (c unitCache) path(i int) string { return filepath.Join(c.dir, fmt.Sprintf("unit-%04d.json", i)) }

func (c unitCache) load(i int) (Result, bool) {
	b, err := os.ReadFile(c.path(i))
	if err != nil {
		return Result{}, false
	}
	var r Result
	if json.Unmarshal(b, &r) != nil || r.Unit != i || len(r.AUC) != len(r.Tasks) || len(r.PRC) != len(r.Tasks) {
		return Result{}, false
	}
	return r, true
}

func (c unitCache) store(i int, r Result) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	// Before the result: a cached unit always has its network's trace.
	if r.trace != nil {
		if err := atomicfile.WriteFile(filepath.Join(c.dir, fmt.Sprintf("unit-%04d-%s", i, optim.TraceFile)), r.trace, 0o644); err != nil {
			return err
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(c.path(i), b, 0o644)
}
