package imitation

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/infile"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/optim"
	"github.com/metabench/metabench/nn/safetensors"
)

// A model directory holds its newest checkpoint as one subdirectory,
// ckpt-<step>, with every file of that step in it: config.json,
// model.safetensors, optim.safetensors, the DAgger pool, the loss curve and
// the weights' trace.
// A checkpoint is written whole into a temporary directory and published by
// one rename, so a run killed at any moment leaves the previous checkpoint
// or the new one, never a mix of steps. loss.csv and loss.png beside the
// checkpoints are for people and are not read back.
const (
	ConfigFile  = "config.json"       // CheckpointConfig
	WeightsFile = "model.safetensors" // the parameters
	OptimFile   = "optim.safetensors" // the optimiser's state (optim.Optimizer.SaveState)
	PoolFile    = "dagger.gob"        // DAgger's labelled states
	LossCSV     = "loss.csv"
	TraceFile   = optim.TraceFile // the weights' fingerprints along training (optim.Trace)
	LossPNG     = "loss.png"

	checkpointPrefix = "ckpt-"
)

// FormatName names the checkpoint format in config.json.
const FormatName = "metabench-imitation"

// formatVersion 2: step directories, optimiser state by package optim, the
// weights' checksum and the demonstration noise in config.json.
const formatVersion = 2

// CheckpointConfig is config.json: the architecture, how it was trained and
// how far, and the checksum of the weights.
type CheckpointConfig struct {
	Format        string       `json:"format"`
	Version       int          `json:"version"`
	Arch          Arch         `json:"arch"`
	ArchHash      string       `json:"arch_hash"`
	Params        int          `json:"params"`
	Step          int          `json:"step"`
	Train         TrainOptions `json:"train"`
	WeightsSHA256 string       `json:"weights_sha256"`
	// The losses of the steps after the last point of the loss curve (see
	// Trainer.lossSum); absent in checkpoints taken on a curve point.
	LossSum   float64 `json:"loss_sum,omitempty"`
	LossSteps int     `json:"loss_steps,omitempty"`
}

func (m *Model) specs() []safetensors.Spec {
	var s []safetensors.Spec
	for _, p := range m.params {
		s = append(s, safetensors.Spec{Name: p.Name, DType: safetensors.F32, Shape: p.Shape})
	}
	return s
}

// checkpointDir returns the name of the checkpoint directory of a step.
func checkpointDir(step int) string { return fmt.Sprintf("%s%09d", checkpointPrefix, step) }

// LatestCheckpoint returns the newest checkpoint directory in the model
// directory dir, or "" if there is none.
func LatestCheckpoint(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("model %s: %w", dir, err)
	}
	best, bestStep := "", -1
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, checkpointPrefix) {
			continue
		}
		step, err := strconv.Atoi(strings.TrimPrefix(name, checkpointPrefix))
		if err != nil || step < 0 {
			continue
		}
		if step > bestStep {
			best, bestStep = name, step
		}
	}
	if best == "" {
		return "", nil
	}
	return filepath.Join(dir, best), nil
}

// writeCheckpoint writes the checkpoint of step into dir: fill writes the
// files into a fresh temporary directory, which is then published by one
// rename; older checkpoints are removed after.
func writeCheckpoint(dir string, step int, fill func(tmp string) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	name := checkpointDir(step)
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("checkpoint %s: %w", name, err)
	}
	if err := atomicfile.ReplaceDir(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	// Older checkpoints and the leftovers of killed writes.
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	for _, e := range ents {
		n := e.Name()
		old := strings.HasPrefix(n, checkpointPrefix) && n != name
		stale := strings.HasPrefix(n, "."+checkpointPrefix) && strings.HasSuffix(n, ".tmp")
		if e.IsDir() && (old || stale) {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				return fmt.Errorf("checkpoint: %w", err)
			}
		}
	}
	return nil
}

// saveWeights writes the weights and config.json into the checkpoint
// directory ck.
func (m *Model) saveWeights(ck string, cc CheckpointConfig) error {
	var ts []safetensors.Tensor
	for _, p := range m.params {
		ts = append(ts, safetensors.FromFloat32(p.Name, p.Shape, p.Value))
	}
	meta := map[string]string{"arch": ArchName, "arch_hash": m.Arch.Hash(), "step": strconv.Itoa(cc.Step)}
	path := filepath.Join(ck, WeightsFile)
	if err := safetensors.WriteFile(path, ts, meta); err != nil {
		return err
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return err
	}
	cc.Format, cc.Version, cc.Arch, cc.ArchHash, cc.Params, cc.WeightsSHA256 = FormatName, formatVersion, m.Arch, m.Arch.Hash(), m.NumParams(), sum
	b, err := json.MarshalIndent(cc, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(ck, ConfigFile), append(b, '\n'), 0o644)
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// ReadConfig reads the config.json of a model directory's newest
// checkpoint.
func ReadConfig(dir string) (CheckpointConfig, error) {
	ck, err := LatestCheckpoint(dir)
	if err != nil {
		return CheckpointConfig{}, err
	}
	if ck == "" {
		if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
			return CheckpointConfig{}, fmt.Errorf("model %s: written by an older metabench (checkpoint format 1); train it again", dir)
		}
		return CheckpointConfig{}, fmt.Errorf("model %s: no checkpoint (want a directory written by 'metabench train imitation')", dir)
	}
	return readCheckpointConfig(ck)
}

func readCheckpointConfig(ck string) (CheckpointConfig, error) {
	var cc CheckpointConfig
	b, err := infile.ReadFileMax(filepath.Join(ck, ConfigFile), 1<<20)
	if err != nil {
		return cc, fmt.Errorf("model %s: %w", ck, err)
	}
	if err := json.Unmarshal(b, &cc); err != nil {
		return cc, fmt.Errorf("model %s: %s: %v", ck, ConfigFile, err)
	}
	if cc.Format != FormatName || cc.Version != formatVersion {
		return cc, fmt.Errorf("model %s: %s is not a metabench imitation checkpoint of format %d (format %q version %d)", ck, ConfigFile, formatVersion, cc.Format, cc.Version)
	}
	// Validate bounds every size before anything is allocated.
	if err := cc.Arch.Validate(); err != nil {
		return cc, fmt.Errorf("model %s: %s: %w", ck, ConfigFile, err)
	}
	return cc, nil
}

// ErrArchMismatch is wrapped by the error Load returns for a checkpoint of
// another architecture.
var ErrArchMismatch = errors.New("architecture mismatch")

// Load reads the newest checkpoint of the model in dir. If want is not nil,
// a checkpoint of any other architecture is refused with an error wrapping
// ErrArchMismatch. Weights whose checksum differs from config.json's, of
// other shapes, or holding NaN or infinity are refused.
func Load(dir string, want *Arch) (*Model, CheckpointConfig, error) {
	cc, err := ReadConfig(dir)
	if err != nil {
		return nil, cc, err
	}
	ck, _ := LatestCheckpoint(dir)
	if want != nil && !want.Equal(cc.Arch) {
		a, _ := json.Marshal(cc.Arch)
		b, _ := json.Marshal(*want)
		return nil, cc, fmt.Errorf("model %s: %w: checkpoint has %s, want %s", dir, ErrArchMismatch, a, b)
	}
	path := filepath.Join(ck, WeightsFile)
	raw, err := infile.ReadFile(path)
	if err != nil {
		return nil, cc, fmt.Errorf("model %s: %w", dir, err)
	}
	if h := sha256.Sum256(raw); hex.EncodeToString(h[:]) != cc.WeightsSHA256 {
		return nil, cc, fmt.Errorf("model %s: %s does not match the checksum in %s (damaged or replaced)", dir, WeightsFile, ConfigFile)
	}
	f, err := safetensors.Parse(raw)
	if err != nil {
		return nil, cc, fmt.Errorf("model %s: %w", dir, err)
	}
	if h := f.Metadata["arch_hash"]; h != cc.Arch.Hash() {
		return nil, cc, fmt.Errorf("model %s: %w: weights are for architecture %q, config.json describes %q", dir, ErrArchMismatch, h, cc.Arch.Hash())
	}
	m, err := NewModel(cc.Arch, 0)
	if err != nil {
		return nil, cc, err
	}
	if err := f.Expect(m.specs()); err != nil {
		return nil, cc, fmt.Errorf("model %s: %w: %w", dir, ErrArchMismatch, err)
	}
	for _, p := range m.params {
		t, _ := f.Tensor(p.Name)
		v, err := t.Float32()
		if err != nil {
			return nil, cc, fmt.Errorf("model %s: %s: %w", dir, p.Name, err)
		}
		if !nn.AllFinite(v) {
			return nil, cc, fmt.Errorf("model %s: parameter %s holds NaN or infinity", dir, p.Name)
		}
		copy(p.Value, v)
	}
	return m, cc, nil
}

// CheckOutDir refuses, before any work, a directory that training must not
// write into: one that is not empty and holds no imitation checkpoint (a
// dataset, say, or another program's files), or one that cannot be
// written.
func CheckOutDir(dir string) error {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("--out %s: %w", dir, err)
	default:
		ours := func(e fs.DirEntry) bool {
			n := e.Name()
			return strings.HasPrefix(n, checkpointPrefix) || strings.HasPrefix(n, "."+checkpointPrefix) || n == LossCSV || n == LossPNG || isTemp(n)
		}
		if len(ents) > 0 && !slices.ContainsFunc(ents, func(e fs.DirEntry) bool { return strings.HasPrefix(e.Name(), checkpointPrefix) }) {
			return fmt.Errorf("--out %s: not empty and holds no imitation checkpoint; give a new or empty directory", dir)
		}
		for _, e := range ents {
			if !ours(e) {
				return fmt.Errorf("--out %s: holds %s, which is not part of an imitation model; give a new or empty directory", dir, e.Name())
			}
		}
	}
	if err := atomicfile.CheckWritable(dir); err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	return nil
}

// isTemp reports whether a name in a model directory is a temporary file
// that a killed write of the directory's own files left behind.
func isTemp(name string) bool {
	return atomicfile.IsTemp(name, LossCSV) || atomicfile.IsTemp(name, LossPNG) || atomicfile.IsTemp(name, atomicfile.ProbeName)
}

// removeTemps removes the temporary files of killed writes from a model
// directory (whose lock the caller holds); the checkpoints' own are removed
// by writeCheckpoint.
func removeTemps(dir string) error {
	return atomicfile.RemoveTemps(dir, LossCSV, LossPNG, atomicfile.ProbeName)
}
