package drugbench

import (
	"context"
	"fmt"
	"strings"

	"github.com/metabench/metabench/agents/multitask"
	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/molecules"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/npy"
)

// Commands returns the suite's verbs: train and eval (dispatched as
// `metabench train drug`), and `metabench drug featurize`.
func Commands() []cli.Command {
	return append(TrainCommands(), cli.Command{Name: "drug", Summary: "drug-suite tools: featurize a MoleculeNet CSV into ECFP fingerprints (drug featurize -h)", Run: runDrug})
}

func runDrug(ctx context.Context, e cli.Env, args []string) error {
	return cli.Dispatch(ctx, e, "metabench drug", []cli.Command{
		{Name: "featurize", Summary: "SMILES CSV → fingerprints as .npz (X, y, smiles, line, tasks) for numpy", Run: runFeaturize},
	}, args)
}

func runFeaturize(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("drug featurize")
	data := fs.String("data", "", "MoleculeNet CSV (.csv or .csv.gz) with a smiles column, or tox21 (shipped)")
	out := fs.String("out", "", "output .npz")
	radius := fs.Int("radius", 2, "Morgan radius (2 = ECFP4)")
	bits := fs.Int("bits", 1024, "fingerprint length")
	counts := fs.Bool("counts", false, "count vectors (uint8, saturating) instead of bits")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if err := cli.NewCheck("drug featurize").Required("data", *data).Required("out", *out).
		Int("radius", *radius, 0, 8).Int("bits", *bits, 8, 1<<20).Err(); err != nil {
		return err
	}
	tab, err := LoadTable(*data)
	if err != nil {
		return err
	}
	ecfp := molecules.ECFP{Radius: *radius, Bits: *bits}
	var x []byte
	var y []int8
	var smiles []string
	var lines []int
	var bad []molecules.Bad
	for i, s := range tab.SMILES {
		// A molecule takes microseconds: looking at the context every 256
		// costs nothing and stops a large file within milliseconds.
		if i%256 == 0 && ctx.Err() != nil {
			return fmt.Errorf("drug featurize: interrupted after %d of %d molecules; %s not written: %w", i, len(tab.SMILES), *out, ctx.Err())
		}
		m, err := molecules.Parse(s)
		if err != nil {
			bad = append(bad, molecules.Bad{Line: tab.Line[i], Err: err.Error()})
			continue
		}
		row := make([]byte, *bits)
		if *counts {
			for b, c := range ecfp.Counts(m) {
				row[b] = byte(min(c, 255))
			}
		} else {
			for _, b := range ecfp.OnBits(m) {
				row[b] = 1
			}
		}
		x = append(x, row...)
		y = append(y, tab.Labels[i]...)
		smiles = append(smiles, s)
		lines = append(lines, tab.Line[i])
	}
	for k, b := range bad {
		if k == 20 {
			fmt.Fprintf(e.Stderr, "drug featurize: … and %d more\n", len(bad)-20)
			break
		}
		fmt.Fprintf(e.Stderr, "drug featurize: %s:%d: skipped: %s\n", tab.Name, b.Line, b.Err)
	}
	n, T := len(smiles), len(tab.Tasks)
	if n == 0 {
		return fmt.Errorf("drug featurize: %s: no SMILES parsed (%d failed)", tab.Name, len(bad))
	}
	if err := writeNPZ(*out, namedArray{"X", npy.Uint8(x, n, *bits)}, namedArray{"y", npy.Int8(y, n, T)},
		namedArray{"smiles", npy.Strings(smiles)}, namedArray{"line", npy.Int64(int64s(lines))}, namedArray{"tasks", npy.Strings(tab.Tasks)}); err != nil {
		return fmt.Errorf("drug featurize: %w", err)
	}
	fmt.Fprintf(e.Stdout, "%s: %d molecules × %d bits (%s), %d tasks (y: 1, 0, -1 missing); %d unparsable SMILES skipped → %s\n",
		tab.Name, n, *bits, map[bool]string{true: "counts", false: "bits"}[*counts], T, len(bad), *out)
	return nil
}

// TrainCommands are the suite's `metabench train drug` and `metabench
// eval drug`.
func TrainCommands() []cli.Command {
	return []cli.Command{
		{Name: "train", Summary: "train a multitask network on a MoleculeNet CSV and save it (train drug -h)", Run: runTrain},
		{Name: "eval", Summary: "score a saved multitask network on a MoleculeNet CSV (eval drug -h)", Run: runEval},
	}
}

func runTrain(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("train drug")
	data := fs.String("data", "tox21", "MoleculeNet CSV (.csv, .csv.gz) or tox21 (shipped)")
	model := fs.String("model", ModelPMTNN, "network: PMTNN (2000, 100) or MTNN (1200)")
	out := fs.String("out", "", "where to save the network (.safetensors)")
	how := fs.String("split", "random", "random or scaffold 80/10/10; trains on 80%, reports valid and test ROC AUC and PRC AUC")
	seed := cli.Seed(fs, "the split and the network")
	epochs := fs.Int("epochs", trainNet.Epochs, "training epochs")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	m := strings.ToUpper(*model)
	chk := cli.NewCheck("train drug").Required("out", *out).Int("epochs", *epochs, 1, 1000)
	if err := chk.Err(); err != nil {
		return err
	}
	if m != ModelPMTNN && m != ModelMTNN {
		return cli.Usagef("train drug: --model %q: want PMTNN or MTNN", *model)
	}
	if *how != "random" && *how != "scaffold" {
		return cli.Usagef("train drug: --split %q: want random or scaffold", *how)
	}
	p := quick
	p.Net.Epochs = *epochs
	tab, err := LoadTable(*data)
	if err != nil {
		return err
	}
	d, err := loadDataset(ctx, *data, tab, Profile{}, *seed)
	if err != nil {
		return err
	}
	if len(d.Bad) > 0 {
		fmt.Fprintf(e.Stderr, "train drug: %d unparsable SMILES skipped (first: line %d)\n", len(d.Bad), d.Bad[0].Line)
	}
	var part []int
	if *how == "scaffold" {
		part = molecules.ScaffoldSplit(d.Scaff, [3]float64{0.8, 0.1, 0.1})
	} else {
		part = molecules.RandomSplit(d.Data.Rows(), [3]float64{0.8, 0.1, 0.1}, *seed)
	}
	idx := [3][]int{}
	for i, k := range part {
		idx[k] = append(idx[k], i)
	}
	n, err := multitask.NewNet(p.netConfig(m), d.Data.Bits, d.Data.Tasks(), *seed)
	if err != nil {
		return err
	}
	if err := n.Train(ctx, d.Data.Subset(idx[0]), *seed); err != nil {
		return err
	}
	if err := n.Save(*out, d.Tasks); err != nil {
		return err
	}
	t := report.Table{Title: fmt.Sprintf("%s on %s (%s split; %d/%d/%d molecules)", m, d.Name, *how, len(idx[0]), len(idx[1]), len(idx[2])),
		Header: []string{"part", "tasks scored", "mean ROC AUC", "median", "mean PRC AUC (AP)"}}
	for k, name := range []string{"train", "valid", "test"} {
		sub := d.Data.Subset(idx[k])
		pr := n.Predict(sub)
		all := make([]int, d.Data.Tasks())
		for i := range all {
			all[i] = i
		}
		sc := scoreTasks(sub, all, func(j int) []float64 { return multitask.Column(pr, j) })
		t.Rows = append(t.Rows, []string{name, fmt.Sprint(len(sc.tasks)), f3(claims.Mean(sc.auc)), f3(Median(sc.auc)), f3(claims.Mean(sc.prc))})
	}
	if err := report.Print(e.Stdout, t); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "saved %s\n", *out)
	return nil
}

func runEval(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("eval drug")
	model := fs.String("model", "", "network saved by train drug")
	data := fs.String("data", "tox21", "MoleculeNet CSV with label columns named as the network's tasks")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if err := cli.NewCheck("eval drug").Required("model", *model).Err(); err != nil {
		return err
	}
	n, tasks, err := multitask.LoadNet(*model)
	if err != nil {
		return err
	}
	tab, err := LoadTable(*data)
	if err != nil {
		return err
	}
	f, err := molecules.FeaturizeContext(ctx, tab, molecules.ECFP{Radius: 2, Bits: n.Bits})
	if err != nil {
		return err
	}
	if len(f.Bad) > 0 {
		fmt.Fprintf(e.Stderr, "eval drug: %d unparsable SMILES skipped (first: line %d)\n", len(f.Bad), f.Bad[0].Line)
	}
	d := multitask.Data{X: f.X, Bits: f.Bits, Y: f.Labels}
	pr := n.Predict(d)
	t := report.Table{Title: fmt.Sprintf("%s on %s: %d molecules", *model, tab.Name, d.Rows()), Header: []string{"task", "labelled", "ROC AUC"}}
	var aucs []float64
	for k, name := range tasks {
		col := -1
		for j, tn := range f.Tasks {
			if tn == name {
				col = j
			}
		}
		if col < 0 {
			continue
		}
		y := make([]int8, d.Rows())
		lab := 0
		for i := range y {
			y[i] = d.Y[i][col]
			if y[i] >= 0 {
				lab++
			}
		}
		a, ok := multitask.AUC(multitask.Column(pr, k), y)
		cell := "one class"
		if ok {
			cell = f3(a)
			aucs = append(aucs, a)
		}
		t.Rows = append(t.Rows, []string{name, fmt.Sprint(lab), cell})
	}
	if len(t.Rows) == 0 {
		return fmt.Errorf("eval drug: %s has none of the network's tasks (%s)", tab.Name, strings.Join(tasks, ", "))
	}
	t.Rows = append(t.Rows, []string{"mean", "", f3(claims.Mean(aucs))})
	return report.Print(e.Stdout, t)
}
