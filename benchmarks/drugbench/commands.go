package drugbench

import (
	"context"
	"fmt"

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
