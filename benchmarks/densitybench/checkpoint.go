package densitybench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/safetensors"
)

// Files of a model directory.
const (
	modelJSON    = "model.json"
	modelWeights = "model.safetensors"
)

// modelInfo is model.json: the architecture and how it was trained.
type modelInfo struct {
	Format int             `json:"format"`
	Config density.Config  `json:"config"`
	Train  TrainRow        `json:"train"`
	Source json.RawMessage `json:"source,omitempty"` // the task it was trained on
}

const modelFormat = 1

// Save writes a model directory: model.json and model.safetensors.
func Save(dir string, m *density.Model[float32], info TrainRow) error {
	return SaveWithSource(dir, m, info, nil)
}

// SaveWithSource is Save recording the task the model was trained on.
func SaveWithSource(dir string, m *density.Model[float32], info TrainRow, source any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("density: save model: %w", err)
	}
	var ts []safetensors.Tensor
	for _, p := range m.AllParams() {
		ts = append(ts, safetensors.FromFloat32(p.Name, p.Shape, p.Value))
	}
	if err := safetensors.WriteFile(filepath.Join(dir, modelWeights), ts, map[string]string{"kind": m.Cfg.Kind}); err != nil {
		return fmt.Errorf("density: save model: %w", err)
	}
	mi := modelInfo{Format: modelFormat, Config: m.Cfg, Train: info}
	if source != nil {
		raw, err := json.Marshal(source)
		if err != nil {
			return fmt.Errorf("density: save model: %w", err)
		}
		mi.Source = raw
	}
	b, err := json.MarshalIndent(mi, "", "  ")
	if err != nil {
		return fmt.Errorf("density: save model: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, modelJSON), append(b, '\n'), 0o644)
}

// Load reads a model directory written by Save.
func Load(dir string) (*density.Model[float32], TrainRow, error) {
	m, mi, err := loadInfo(dir)
	return m, mi.Train, err
}

func loadInfo(dir string) (*density.Model[float32], modelInfo, error) {
	path := filepath.Join(dir, modelJSON)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("density: model %s: %w", dir, err)
	}
	var mi modelInfo
	if err := json.Unmarshal(raw, &mi); err != nil {
		return nil, modelInfo{}, fmt.Errorf("density: %s: %v", path, err)
	}
	if mi.Format != modelFormat {
		return nil, modelInfo{}, fmt.Errorf("density: %s: format %d, want %d", path, mi.Format, modelFormat)
	}
	m, err := density.New(mi.Config, 0)
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("density: %s: %w", path, err)
	}
	wpath := filepath.Join(dir, modelWeights)
	f, err := safetensors.ReadFile(wpath)
	if err != nil {
		return nil, modelInfo{}, fmt.Errorf("density: %s: %w", wpath, err)
	}
	var specs []safetensors.Spec
	for _, p := range m.AllParams() {
		specs = append(specs, safetensors.Spec{Name: p.Name, DType: safetensors.F32, Shape: p.Shape})
	}
	if err := f.Expect(specs); err != nil {
		return nil, modelInfo{}, fmt.Errorf("density: %s: %w", wpath, err)
	}
	for _, p := range m.AllParams() {
		t, _ := f.Tensor(p.Name)
		v, err := t.Float32()
		if err != nil {
			return nil, modelInfo{}, fmt.Errorf("density: %s: %s: %w", wpath, p.Name, err)
		}
		copy(p.Value, v)
		if err := checkFinite(p); err != nil {
			return nil, modelInfo{}, fmt.Errorf("density: %s: %w", wpath, err)
		}
	}
	return m, mi, nil
}

func checkFinite(p *nn.Param[float32]) error {
	for i, v := range p.Value {
		if v != v || v > 3e38 || v < -3e38 {
			return fmt.Errorf("%s[%d] is %v", p.Name, i, v)
		}
	}
	return nil
}
