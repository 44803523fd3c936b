package drugbench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/metabench/metabench/agents/multitask"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/molecules"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/npy"
)

// Speed is what the speed unit measured (same-run ratios only).
type Speed struct {
	FPMolecules  int     `json:"fp_molecules"`
	FPPerSecond  float64 `json:"fp_per_second"`              // SMILES → ECFP4/1024, one goroutine
	RDKitPerSec  float64 `json:"rdkit_per_second,omitempty"` // the same loop in RDKit (--rdkit)
	ForestTask   string  `json:"forest_task"`
	ForestRows   int     `json:"forest_rows"`
	ForestTrees  int     `json:"forest_trees"`
	ForestCores  int     `json:"forest_cores"`
	ForestSec    float64 `json:"forest_seconds"`
	ForestAUC    float64 `json:"forest_auc"`
	SklearnSec   float64 `json:"sklearn_seconds,omitempty"` // RandomForestClassifier.fit (--sklearn)
	SklearnAUC   float64 `json:"sklearn_auc,omitempty"`
	SklearnTrees int     `json:"sklearn_trees,omitempty"`
}

const rdkitScript = `
import sys, time
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem
RDLogger.DisableLog('rdApp.*')
smiles = open(sys.argv[1]).read().split('\n')
smiles = [s for s in smiles if s]
best = None
for rep in range(3):
    t0 = time.perf_counter()
    n = 0
    for s in smiles:
        m = Chem.MolFromSmiles(s)
        if m is not None:
            AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=1024)
            n += 1
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
print(len(smiles) / best)
`

const sklearnScript = `
import sys, time, os
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
d = np.load(sys.argv[1])
trees, jobs = int(sys.argv[2]), int(sys.argv[3])
clf = RandomForestClassifier(n_estimators=trees, max_features='sqrt', n_jobs=jobs, random_state=0)
t0 = time.perf_counter()
clf.fit(d['xtrain'], d['ytrain'][:, 0])
dt = time.perf_counter() - t0
p = clf.predict_proba(d['xtest'])[:, 1]
print(dt, roc_auc_score(d['ytest'][:, 0], p))
`

// measureSpeed times fingerprinting of the shipped Tox21 SMILES and the
// training of a random forest on one of its tasks, with RDKit and
// scikit-learn on the same inputs when their python is given.
func measureSpeed(ctx context.Context, o suite.Options, p Profile) (*Speed, error) {
	tab, err := LoadTable("tox21")
	if err != nil {
		return nil, err
	}
	sp := &Speed{FPMolecules: len(tab.SMILES)}
	// Best of three passes, one goroutine.
	best := time.Duration(1 << 62)
	for range 3 {
		t0 := time.Now()
		for _, s := range tab.SMILES {
			if m, err := molecules.Parse(s); err == nil {
				_ = molecules.DefaultECFP.OnBits(m)
			}
		}
		best = min(best, time.Since(t0))
	}
	sp.FPPerSecond = float64(len(tab.SMILES)) / best.Seconds()
	dir := filepath.Join(o.CacheDir, "drug")
	if o.Flags["rdkit"] != "" || o.Flags["sklearn"] != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("speed: %w", err)
		}
	}
	if py := o.Flags["rdkit"]; py != "" {
		path := filepath.Join(dir, "tox21-smiles.txt")
		if err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
			_, err := io.WriteString(w, strings.Join(tab.SMILES, "\n")+"\n")
			return err
		}); err != nil {
			return nil, err
		}
		out, err := python(ctx, py, rdkitScript, path)
		if err != nil {
			return nil, fmt.Errorf("--rdkit: %w", err)
		}
		if sp.RDKitPerSec, err = strconv.ParseFloat(strings.TrimSpace(out), 64); err != nil {
			return nil, fmt.Errorf("--rdkit: unexpected output %q", out)
		}
	}
	// Forest: the Tox21 task with most actives, 80/20 split.
	f := molecules.Featurize(tab, molecules.DefaultECFP)
	data := multitask.Data{X: f.X, Bits: f.Bits, Y: f.Labels}
	bestT, bestN := 0, -1
	for t := range f.Tasks {
		n := 0
		for _, row := range f.Labels {
			if row[t] == 1 {
				n++
			}
		}
		if n > bestN {
			bestT, bestN = t, n
		}
	}
	x, y := data.Task(bestT)
	r := rand.New(rand.NewPCG(o.Seed, 0x7370656564))
	perm := r.Perm(len(y))
	nTrain := len(y) * 8 / 10
	xtr, xte := x.Subset(perm[:nTrain]), x.Subset(perm[nTrain:])
	ytr, yte := make([]int8, nTrain), make([]int8, len(y)-nTrain)
	for k, i := range perm {
		if k < nTrain {
			ytr[k] = y[i]
		} else {
			yte[k-nTrain] = y[i]
		}
	}
	fc := p.Forest
	fc.Workers = o.WorkerCount()
	sp.ForestTask, sp.ForestRows, sp.ForestTrees, sp.ForestCores = f.Tasks[bestT], nTrain, fc.Trees, fc.Workers
	t0 := time.Now()
	forest, err := multitask.TrainForest(ctx, xtr, ytr, fc, o.Seed)
	if err != nil {
		return nil, err
	}
	sp.ForestSec = time.Since(t0).Seconds()
	sp.ForestAUC, _ = multitask.AUC(forest.Predict(xte), yte)
	if py := o.Flags["sklearn"]; py != "" {
		path := filepath.Join(dir, "forest-speed.npz")
		dense := func(d multitask.Data) []byte {
			b := make([]byte, d.Rows()*d.Bits)
			for i, row := range d.X {
				for _, bit := range row {
					b[i*d.Bits+int(bit)] = 1
				}
			}
			return b
		}
		if err := writeNPZ(path,
			namedArray{"xtrain", npy.Uint8(dense(xtr), xtr.Rows(), xtr.Bits)}, namedArray{"ytrain", npy.Int8(ytr, len(ytr), 1)},
			namedArray{"xtest", npy.Uint8(dense(xte), xte.Rows(), xte.Bits)}, namedArray{"ytest", npy.Int8(yte, len(yte), 1)}); err != nil {
			return nil, err
		}
		out, err := python(ctx, py, sklearnScript, path, strconv.Itoa(fc.Trees), strconv.Itoa(fc.Workers))
		if err != nil {
			return nil, fmt.Errorf("--sklearn: %w", err)
		}
		fs := strings.Fields(out)
		if len(fs) != 2 {
			return nil, fmt.Errorf("--sklearn: unexpected output %q", out)
		}
		sp.SklearnSec, _ = strconv.ParseFloat(fs[0], 64)
		sp.SklearnAUC, _ = strconv.ParseFloat(fs[1], 64)
		sp.SklearnTrees = fc.Trees
	}
	return sp, nil
}

func python(ctx context.Context, py, script string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, py, append([]string{"-c", script}, args...)...)
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return "", fmt.Errorf("%s: %v: %s", py, err, msg)
	}
	return out.String(), nil
}

func speedTable(s Speed) report.Table {
	t := report.Table{Title: "Speed (same run; molecules/s on one goroutine; forest on " + fmt.Sprint(s.ForestCores) + " cores)", Header: []string{"measure", "metabench", "reference", "ratio"}}
	ref, ratio := "–", "–"
	if s.RDKitPerSec > 0 {
		ref, ratio = fmt.Sprintf("%.0f (RDKit)", s.RDKitPerSec), fmt.Sprintf("%.2f×", s.FPPerSecond/s.RDKitPerSec)
	}
	t.Rows = append(t.Rows, []string{fmt.Sprintf("SMILES → ECFP4/1024, %d Tox21 molecules", s.FPMolecules), fmt.Sprintf("%.0f /s", s.FPPerSecond), ref, ratio})
	ref, ratio = "–", "–"
	if s.SklearnSec > 0 {
		ref, ratio = fmt.Sprintf("%.2f s (scikit-learn)", s.SklearnSec), fmt.Sprintf("%.2f× faster", s.SklearnSec/s.ForestSec)
	}
	t.Rows = append(t.Rows, []string{fmt.Sprintf("random forest fit, %d trees, %d rows of %s", s.ForestTrees, s.ForestRows, s.ForestTask), fmt.Sprintf("%.2f s", s.ForestSec), ref, ratio})
	ref = "–"
	if s.SklearnSec > 0 {
		ref = f3(s.SklearnAUC)
	}
	t.Rows = append(t.Rows, []string{"random forest test ROC AUC", f3(s.ForestAUC), ref, ""})
	return t
}
