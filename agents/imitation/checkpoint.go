package imitation

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/metabench/metabench/agents/nn"
	"github.com/metabench/metabench/agents/nn/safetensors"
)

// Checkpoint files in a model directory.
const (
	ConfigFile  = "config.json"       // CheckpointConfig
	WeightsFile = "model.safetensors" // the parameters
	OptimFile   = "optim.safetensors" // Adamax state, for resuming
	LossCSV     = "loss.csv"
	LossPNG     = "loss.png"
)

// FormatName names the checkpoint format in config.json.
const FormatName = "metabench-imitation"

// CheckpointConfig is config.json: the architecture and how far training got.
type CheckpointConfig struct {
	Format   string       `json:"format"`
	Version  int          `json:"version"`
	Arch     Arch         `json:"arch"`
	ArchHash string       `json:"arch_hash"`
	Params   int          `json:"params"`
	Step     int          `json:"step"`
	Train    TrainOptions `json:"train"`
}

// adamax is the paper's optimiser (the same update as optim.NewAdamax with
// β1 = 0.9, β2 = 0.999, ε = 1e-8) with its state exposed, so that a resumed run
// continues bit for bit.
type adamax struct {
	lr   float64
	step int
	m, u [][]float32
}

func newAdamax(ps []*nn.Param[f32], lr float64) *adamax {
	o := &adamax{lr: lr}
	for _, p := range ps {
		o.m = append(o.m, make([]float32, p.Size()))
		o.u = append(o.u, make([]float32, p.Size()))
	}
	return o
}

func (o *adamax) update(ps []*nn.Param[f32]) error {
	for _, p := range ps {
		if !allFinite(p.Grad) {
			return fmt.Errorf("imitation: non-finite gradient in %s: %w", p.Name, nn.ErrNonFinite)
		}
	}
	o.step++
	const b1, b2, eps = 0.9, 0.999, 1e-8
	stepSize := float32(o.lr / (1 - math.Pow(b1, float64(o.step))))
	for k, p := range ps {
		g := p.Grad
		m, u, v := o.m[k][:len(g)], o.u[k][:len(g)], p.Value[:len(g)]
		for i, gi := range g {
			mi := b1*m[i] + (1-b1)*gi
			ui := max(b2*u[i], abs32(gi)+eps)
			m[i], u[i] = mi, ui
			v[i] -= stepSize * mi / ui
		}
	}
	return nil
}

// allFinite reports whether x holds no NaN or Inf (exponent bits all ones).
func allFinite(x []float32) bool {
	const exp = 0x7f800000
	for _, v := range x {
		if math.Float32bits(v)&exp == exp {
			return false
		}
	}
	return true
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

func (m *Model) specs() []safetensors.Spec {
	var s []safetensors.Spec
	for _, p := range m.params {
		s = append(s, safetensors.Spec{Name: p.Name, DType: safetensors.F32, Shape: p.Shape})
	}
	return s
}

// Save writes the model's weights and config.json into dir.
func (m *Model) Save(dir string, cc CheckpointConfig) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var ts []safetensors.Tensor
	for _, p := range m.params {
		ts = append(ts, safetensors.FromFloat32(p.Name, p.Shape, p.Value))
	}
	meta := map[string]string{"arch": ArchName, "arch_hash": m.Arch.Hash(), "step": strconv.Itoa(cc.Step)}
	if err := safetensors.WriteFile(filepath.Join(dir, WeightsFile), ts, meta); err != nil {
		return err
	}
	cc.Format, cc.Version, cc.Arch, cc.ArchHash, cc.Params = FormatName, 1, m.Arch, m.Arch.Hash(), m.NumParams()
	b, err := json.MarshalIndent(cc, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ConfigFile), append(b, '\n'))
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadConfig reads a model directory's config.json.
func ReadConfig(dir string) (CheckpointConfig, error) {
	var cc CheckpointConfig
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return cc, fmt.Errorf("model %s: %w", dir, err)
	}
	if err := json.Unmarshal(b, &cc); err != nil {
		return cc, fmt.Errorf("model %s: %s: %v", dir, ConfigFile, err)
	}
	if cc.Format != FormatName || cc.Version != 1 {
		return cc, fmt.Errorf("model %s: %s is not a metabench imitation checkpoint (format %q version %d)", dir, ConfigFile, cc.Format, cc.Version)
	}
	if err := cc.Arch.Validate(); err != nil {
		return cc, fmt.Errorf("model %s: %w", dir, err)
	}
	return cc, nil
}

// ErrArchMismatch is wrapped by the error Load returns for a checkpoint of
// another architecture.
var ErrArchMismatch = errors.New("architecture mismatch")

// Load reads the model in dir. If want is not nil, a checkpoint of any other
// architecture is refused with an error wrapping ErrArchMismatch. A corrupt
// or mismatched weights file is refused with the safetensors error.
func Load(dir string, want *Arch) (*Model, CheckpointConfig, error) {
	cc, err := ReadConfig(dir)
	if err != nil {
		return nil, cc, err
	}
	if want != nil && !want.Equal(cc.Arch) {
		a, _ := json.Marshal(cc.Arch)
		b, _ := json.Marshal(*want)
		return nil, cc, fmt.Errorf("model %s: %w: checkpoint has %s, want %s", dir, ErrArchMismatch, a, b)
	}
	m, err := NewModel(cc.Arch, 0)
	if err != nil {
		return nil, cc, err
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, cc, fmt.Errorf("model %s: %w", dir, err)
	}
	if h := f.Metadata["arch_hash"]; h != cc.Arch.Hash() {
		return nil, cc, fmt.Errorf("model %s: %w: weights are for architecture %q, config.json describes %q", dir, ErrArchMismatch, h, cc.Arch.Hash())
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
		copy(p.Value, v)
	}
	return m, cc, nil
}

func (o *adamax) save(path string, ps []*nn.Param[f32]) error {
	var ts []safetensors.Tensor
	for k, p := range ps {
		ts = append(ts, safetensors.FromFloat32("m."+p.Name, p.Shape, o.m[k]), safetensors.FromFloat32("u."+p.Name, p.Shape, o.u[k]))
	}
	return safetensors.WriteFile(path, ts, map[string]string{"step": strconv.Itoa(o.step)})
}

func (o *adamax) load(path string, ps []*nn.Param[f32]) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	var specs []safetensors.Spec
	for _, p := range ps {
		specs = append(specs, safetensors.Spec{Name: "m." + p.Name, DType: safetensors.F32, Shape: p.Shape}, safetensors.Spec{Name: "u." + p.Name, DType: safetensors.F32, Shape: p.Shape})
	}
	if err := f.Expect(specs); err != nil {
		return err
	}
	o.step, err = strconv.Atoi(f.Metadata["step"])
	if err != nil {
		return fmt.Errorf("%s: bad step: %v", path, err)
	}
	for k, p := range ps {
		t, _ := f.Tensor("m." + p.Name)
		m, _ := t.Float32()
		t, _ = f.Tensor("u." + p.Name)
		u, _ := t.Float32()
		copy(o.m[k], m)
		copy(o.u[k], u)
	}
	return nil
}
