package nmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/nn/optim"
	"github.com/metabench/metabench/nn/safetensors"
)

// Files of a saved model directory.
const (
	ConfigFile  = "model.json"
	WeightsFile = "weights.safetensors"
)

// savedConfig is model.json: the configuration, the vocabularies and
// anything the caller needs to use the model (Extra, such as tokenisers).
type savedConfig struct {
	Format  int             `json:"format"`
	Config  Config          `json:"config"`
	Target  []string        `json:"target_vocab"`
	EmbDim  int             `json:"emb_dim,omitempty"`
	Sources []savedLang     `json:"sources"`
	Extra   json.RawMessage `json:"extra,omitempty"`
}

type savedLang struct {
	Code  string   `json:"code"`
	Vocab []string `json:"vocab"`
}

const saveFormat = 1

// Save writes m into dir (model.json and weights.safetensors), with extra
// encoded as JSON into model.json.
func Save(dir string, m *Model[float32], extra any) error {
	sc := savedConfig{Format: saveFormat, Config: m.Cfg, Target: m.Tgt.Tokens[numSpecial:]}
	if m.A != nil {
		sc.EmbDim = m.A.Shape[0]
	}
	for _, l := range m.langs {
		sc.Sources = append(sc.Sources, savedLang{l.Code, l.Vocab.Tokens[numSpecial:]})
	}
	if extra != nil {
		b, err := json.Marshal(extra)
		if err != nil {
			return fmt.Errorf("nmt: save: %w", err)
		}
		sc.Extra = b
	}
	var ts []safetensors.Tensor
	for _, p := range m.AllParams() {
		ts = append(ts, safetensors.FromFloat32(p.Name, p.Shape, p.Value))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("nmt: save: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, WeightsFile), 0o644, func(w io.Writer) error {
		return safetensors.Write(w, ts, map[string]string{"format": "metabench-nmt"})
	}); err != nil {
		return fmt.Errorf("nmt: save: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, ConfigFile), 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(sc)
	})
}

// WriteTrace writes the trace of a training run (TrainResult.Trace) into
// the model directory dir as optim.TraceFile; a run without one writes
// nothing.
func WriteTrace(dir string, res TrainResult) error {
	if res.Trace == nil {
		return nil
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, optim.TraceFile), res.Trace, 0o644); err != nil {
		return fmt.Errorf("nmt: %w", err)
	}
	return nil
}

// Load reads a model saved by Save, and unmarshals its extra JSON into
// extra (if not nil).
func Load(dir string, extra any) (*Model[float32], error) {
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("nmt: load: %w", err)
	}
	var sc savedConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("nmt: load %s: %w", filepath.Join(dir, ConfigFile), err)
	}
	if sc.Format != saveFormat {
		return nil, fmt.Errorf("nmt: load %s: format %d, want %d", dir, sc.Format, saveFormat)
	}
	if extra != nil && len(sc.Extra) > 0 {
		if err := json.Unmarshal(sc.Extra, extra); err != nil {
			return nil, fmt.Errorf("nmt: load %s: extra: %w", dir, err)
		}
	}
	tgt := NewVocab(sc.Target)
	var keys *Embeddings
	if sc.Config.ULR {
		if sc.EmbDim < 1 || sc.EmbDim > 4096 {
			return nil, fmt.Errorf("nmt: load %s: embedding dimension %d", dir, sc.EmbDim)
		}
		keys = &Embeddings{Dim: sc.EmbDim, Vecs: make([]float64, tgt.Size()*sc.EmbDim)}
	}
	r := rand.New(rand.NewPCG(0, 0)) // values are overwritten below
	m, err := NewModel[float32](r, sc.Config, tgt, keys)
	if err != nil {
		return nil, fmt.Errorf("nmt: load %s: %w", dir, err)
	}
	for _, sl := range sc.Sources {
		v := NewVocab(sl.Vocab)
		var eq *Embeddings
		if sc.Config.ULR {
			eq = &Embeddings{Dim: sc.EmbDim, Vecs: make([]float64, v.Size()*sc.EmbDim)}
		}
		if _, err := m.AddLanguage(r, sl.Code, v, eq); err != nil {
			return nil, fmt.Errorf("nmt: load %s: %w", dir, err)
		}
	}
	f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("nmt: load: %w", err)
	}
	for _, p := range m.AllParams() {
		t, ok := f.Tensor(p.Name)
		if !ok {
			return nil, fmt.Errorf("nmt: load %s: no tensor %q", dir, p.Name)
		}
		vals, err := t.Float32()
		if err != nil || len(vals) != len(p.Value) {
			return nil, fmt.Errorf("nmt: load %s: tensor %q: %d values for shape %v (%v)", dir, p.Name, len(vals), p.Shape, err)
		}
		copy(p.Value, vals)
	}
	return m, nil
}
