package densitybench

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/dirlock"
	"github.com/metabench/metabench/internal/plot"
)

// source is how a saved model's task is rebuilt for eval.
type source struct {
	Task Task   `json:"task"`
	Seed uint64 `json:"seed"`
	Data string `json:"data,omitempty"`
}

func (b *bench) commands() []cli.Command {
	return []cli.Command{
		{Name: "train", Summary: "train one density model on one task and save it (train density -h)", Run: b.trainCmd},
		{Name: "eval", Summary: "nats/dim of a saved density model by support size (eval density -h)", Run: b.evalCmd},
		{Name: "sample", Summary: "sample images from a saved density model given support PNGs", Run: b.sampleCmd},
	}
}

// taskFor returns the task called name of profile, whose scale is p
// (omniglot when data is set).
func taskFor(profile string, p Profile, name, data string) (Task, Arch, error) {
	if data != "" {
		t := p.Omniglot
		t.Name = parseData(data).taskName()
		if name != "" && name != t.Name && name != "omniglot" {
			return Task{}, Arch{}, cli.Usagef("--data gives Omniglot; --task %s does not read it", name)
		}
		return t, p.Arch, nil
	}
	if name == "" {
		name = "characters"
	}
	var names []string
	last := p.Tasks[len(p.Tasks)-1]
	all := append(slices.Clone(p.Tasks), Task{Name: "objects", Side: 26, Objects: images.DefaultObjects(), Supports: []int{1, 2, 4, 8},
		TrainK: []int{1, 2, 4, 8}, Steps: last.Steps, InnerLR: last.InnerLR, InnerSteps: last.InnerSteps,
		Batch: last.Batch, LR: last.LR, Episodes: last.Episodes})
	for _, t := range all {
		if t.Name == name {
			return t, p.Arch, nil
		}
		names = append(names, t.Name)
	}
	return Task{}, Arch{}, cli.Usagef("profile %s has no task %q (want %s, or --data for omniglot)", profile, name, strings.Join(names, ", "))
}

func (b *bench) trainCmd(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("train density")
	profile := fs.String("profile", "default", "scale of the network and training: smoke, default, quick or full")
	task := fs.String("task", "", "task: flip, characters or objects (default characters; omniglot with --data)")
	data := fs.String("data", "", "real data: omniglot (shipped, paper protocol), omniglot-maxpool (shipped, max-pooled), an Omniglot .npz, a directory of them or of PNGs (prefix maxpool: to max-pool)")
	kind := fs.String("model", density.Conditional, "model: "+strings.Join(density.Kinds(), ", "))
	steps := fs.Int("steps", 0, "training steps (0: the profile's)")
	seed := cli.Seed(fs, "data, weights and training")
	out := fs.String("out", "", "model directory to write (required)")
	workers := cli.Workers(fs)
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if err := cli.NewCheck("train density").Required("out", *out).Int("steps", *steps, 0, 10_000_000).
		Workers(*workers).Err(); err != nil {
		return err
	}
	if !slices.Contains(density.Kinds(), *kind) {
		return cli.Usagef("train density: --model %q, want one of %s", *kind, strings.Join(density.Kinds(), ", "))
	}
	p, err := b.spec().Scale(*profile)
	if err != nil {
		return err
	}
	t, arch, err := taskFor(*profile, p, *task, *data)
	if err != nil {
		return err
	}
	var omni *images.Set
	if *data != "" {
		if omni, err = b.loadOmniglot(*data); err != nil {
			return err
		}
	}
	src, err := taskSource(t, *seed, omni)
	if err != nil {
		return err
	}
	maxK := min(slices.Max(append(slices.Clone(t.Supports), t.TrainK...)), src.Support())
	m, err := density.New(arch.config(*kind, t, maxK), trainSeed(*seed, 0, *kind))
	if err != nil {
		return err
	}
	n := t.Steps
	if *steps > 0 {
		n = *steps
	}
	// Locked from before training to after saving: a second trainer on the
	// same --out is refused at once, not after its training.
	unlock, err := dirlock.MkdirLock(*out, "--out")
	if err != nil {
		return fmt.Errorf("train density: %w", err)
	}
	defer unlock()
	// What a killed save into this --out left behind.
	if err := atomicfile.RemoveTemps(*out, modelWeights, modelJSON); err != nil {
		return fmt.Errorf("train density: %w", err)
	}
	tc := density.TrainConfig{Steps: n, Batch: t.Batch, LR: t.LR, Supports: t.TrainK, Seed: trainSeed(*seed, 0, *kind), Chunks: t.chunks(), Workers: *workers}
	cpu0 := cpuSeconds()
	st, err := density.Train(ctx, m, src, tc, func(step int, loss float64) {
		if (step+1)%max(1, n/10) == 0 {
			fmt.Fprintf(e.Stderr, "step %d/%d: loss %.4f nats/dim\n", step+1, n, loss)
		}
	})
	if err != nil {
		return err
	}
	cpu := cpuSeconds() - cpu0
	info := TrainRow{Task: t.Name, Model: *kind, Steps: st.Steps, Episodes: st.Steps * t.Batch, Budget: "own steps", FinalLoss: st.FinalLoss,
		ImagesPerSec: st.ImagesPerSec, Seconds: st.Seconds, CPUSeconds: cpu}
	for _, p := range m.AllParams() {
		info.Params += p.Size()
	}
	if err := SaveWithSource(*out, m, info, source{Task: t, Seed: *seed, Data: *data}); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "trained %s on %s: %d steps in %.1f s wall, %.1f s CPU (%.0f images/s), final loss %.4f nats/dim; saved %s\n",
		*kind, t.Name, st.Steps, st.Seconds, cpu, st.ImagesPerSec, st.FinalLoss, *out)
	return nil
}

// parseInts parses "1,2,4".
func parseInts(flag, s string, lo, hi int) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < lo || v > hi {
			return nil, cli.Usagef("--%s %q: want comma-separated integers in %d..%d", flag, s, lo, hi)
		}
		out = append(out, v)
	}
	return out, nil
}

func (b *bench) evalCmd(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("eval density")
	dir := fs.String("model", "", "model directory written by train density (required)")
	supports := fs.String("support", "1,2,4,8", "support sizes to evaluate")
	episodes := fs.Int("episodes", 200, "test episodes per support size")
	seed := cli.Seed(fs, "the test episodes")
	workers := cli.Workers(fs)
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if err := cli.NewCheck("eval density").Required("model", *dir).Int("episodes", *episodes, 1, 1_000_000).
		Workers(*workers).Err(); err != nil {
		return err
	}
	ks, err := parseInts("support", *supports, 1, 1000)
	if err != nil {
		return err
	}
	m, mi, err := loadInfo(*dir)
	if err != nil {
		return err
	}
	var s source
	if len(mi.Source) == 0 || json.Unmarshal(mi.Source, &s) != nil {
		return fmt.Errorf("eval density: %s/%s records no task to evaluate on", *dir, modelJSON)
	}
	var omni *images.Set
	if s.Data != "" {
		if omni, err = b.loadOmniglot(s.Data); err != nil {
			return err
		}
	}
	src, err := taskSource(s.Task, s.Seed, omni)
	if err != nil {
		return err
	}
	var rows Rows
	for _, k := range ks {
		if k > m.Cfg.MaxSupport || k > src.Support() {
			return cli.Usagef("eval density: support size %d: the model takes 1..%d and %s gives 1..%d", k, m.Cfg.MaxSupport, src.Label(), src.Support())
		}
		nats, err := density.Evaluate(ctx, m, src, images.TestSplit, k, evalSeed(*seed), 0, *episodes, 4, *workers)
		if err != nil {
			return err
		}
		mean, se := meanStdErr(nats)
		rows.Results = append(rows.Results, Result{Task: s.Task.Name, Model: m.Cfg.Kind, K: k, Episodes: len(nats), NatsPerDim: mean, StdErr: se})
	}
	if m.Cfg.Kind == density.Meta || m.Cfg.Kind == density.AttentionMeta {
		k := slices.Max(ks)
		sp, err := density.MeasureSpecificity(ctx, m, src, k, evalSeed(*seed), max(*episodes, 2), *workers)
		if err != nil {
			return err
		}
		rows.Specificity = append(rows.Specificity, SpecRow{Task: s.Task.Name, Model: m.Cfg.Kind, Specificity: sp})
	}
	for _, t := range Tables(rows) {
		if err := printTable(e, t); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) sampleCmd(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("sample")
	dir := fs.String("model", "", "model directory written by train density (required)")
	var supports cli.StringList
	fs.Var(&supports, "support", "support image (PNG, H×W of the model, or 105×105 Omniglot for 26×26 models; dark = ink); repeatable")
	out := fs.String("out", "", "PNG grid to write: the support images, then the samples (required)")
	n := fs.Int("n", 8, "samples to draw")
	seed := cli.Seed(fs, "the samples")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if err := cli.NewCheck("sample").Required("model", *dir).Required("out", *out).Int("n", *n, 1, 1024).Err(); err != nil {
		return err
	}
	m, _, err := Load(*dir)
	if err != nil {
		return err
	}
	k := len(supports)
	if m.Cfg.Kind != density.Unconditional && (k < 1 || k > m.Cfg.MaxSupport) {
		return cli.Usagef("sample: %d support images; the %s model at %s takes 1..%d", k, m.Cfg.Kind, *dir, m.Cfg.MaxSupport)
	}
	h, w := m.Cfg.H, m.Cfg.W
	var sup []float32
	var shown [][]float32
	for _, p := range supports {
		im, err := images.ReadSupportPNG(p, h, w)
		if err != nil {
			return fmt.Errorf("sample: %w", err)
		}
		shown = append(shown, im)
		sup = append(sup, im...)
	}
	kk := max(k, 1)
	if k == 0 {
		sup = make([]float32, h*w)
	}
	rep := make([]float32, 0, *n*len(sup))
	for range *n {
		rep = append(rep, sup...)
	}
	samples, err := m.Sample(rep, *n, kk, density.SampleOpts{Seed: *seed})
	if err != nil {
		return err
	}
	cols := max(k, min(*n, 8))
	var cells [][]float32
	blank := make([]float32, h*w)
	for i := range blank {
		blank[i] = 1
	}
	for _, im := range shown {
		cells = append(cells, invert(im))
	}
	for len(cells)%cols != 0 {
		cells = append(cells, blank)
	}
	for i := range *n {
		cells = append(cells, invert(samples[i*h*w:(i+1)*h*w]))
	}
	for len(cells)%cols != 0 {
		cells = append(cells, blank)
	}
	if err := plot.ImageGrid(*out, cells, h, w, len(cells)/cols, cols, 4); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "wrote %s: %d support images, %d samples from the %s model\n", *out, k, *n, m.Cfg.Kind)
	return nil
}

func invert(im []float32) []float32 {
	out := make([]float32, len(im))
	for i, v := range im {
		out[i] = 1 - v
	}
	return out
}

func printTable(e cli.Env, t report.Table) error { return report.Print(e.Stdout, t) }
