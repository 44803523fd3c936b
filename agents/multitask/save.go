package multitask

import (
	"encoding/json"
	"fmt"

	"github.com/metabench/metabench/nn/safetensors"
)

// netMeta is what a saved network records besides its weights.
type netMeta struct {
	Cfg   NetConfig `json:"config"`
	Bits  int       `json:"bits"`
	Tasks []string  `json:"tasks"`
}

// Save writes the network and its task names as a safetensors file
// (atomically), the configuration in the metadata.
func (n *Net) Save(path string, tasks []string) error {
	if len(tasks) != n.Tasks {
		return fmt.Errorf("save net: %d task names for %d tasks", len(tasks), n.Tasks)
	}
	meta, err := json.Marshal(netMeta{Cfg: n.Cfg, Bits: n.Bits, Tasks: tasks})
	if err != nil {
		return err
	}
	var ts []safetensors.Tensor
	for _, p := range n.Params() {
		ts = append(ts, safetensors.FromFloat32(p.Name, p.Shape, p.Value))
	}
	return safetensors.WriteFile(path, ts, map[string]string{"metabench.drug.net": string(meta)})
}

// LoadNet reads a network written by Save and returns it with its task
// names. Shapes are checked against the recorded configuration.
func LoadNet(path string) (*Net, []string, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load net: %w", err)
	}
	raw, ok := f.Metadata["metabench.drug.net"]
	if !ok {
		return nil, nil, fmt.Errorf("load net %s: not a drug-suite network (no metadata)", path)
	}
	var m netMeta
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, nil, fmt.Errorf("load net %s: metadata: %w", path, err)
	}
	if m.Bits < 1 || m.Bits > 1<<20 || len(m.Tasks) < 1 || len(m.Tasks) > 1<<16 {
		return nil, nil, fmt.Errorf("load net %s: %d bits, %d tasks", path, m.Bits, len(m.Tasks))
	}
	n, err := NewNet(m.Cfg, m.Bits, len(m.Tasks), 0)
	if err != nil {
		return nil, nil, fmt.Errorf("load net %s: %w", path, err)
	}
	var specs []safetensors.Spec
	for _, p := range n.Params() {
		specs = append(specs, safetensors.Spec{Name: p.Name, DType: safetensors.F32, Shape: p.Shape})
	}
	if err := f.Expect(specs); err != nil {
		return nil, nil, fmt.Errorf("load net %s: %w", path, err)
	}
	for _, p := range n.Params() {
		t, _ := f.Tensor(p.Name)
		v, err := t.Float32()
		if err != nil {
			return nil, nil, fmt.Errorf("load net %s: %w", path, err)
		}
		copy(p.Value, v)
	}
	return n, m.Tasks, nil
}
