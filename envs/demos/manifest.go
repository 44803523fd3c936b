package demos

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// ManifestName is the name of the manifest file in a dataset directory.
const ManifestName = "manifest.json"

// manifestFormat identifies the manifest of a demonstrations dataset.
const manifestFormat = "metabench-demos"

// Manifest describes a dataset: what produced it and what it holds. It is
// the commit point of every change: a data file counts only once the
// manifest lists it with its size and SHA-256.
type Manifest struct {
	Format   string          `json:"format"`             // always "metabench-demos"
	Version  int             `json:"version"`            // format version, 1
	Kind     string          `json:"kind"`               // what the episodes are of, e.g. "stack"
	Source   string          `json:"source"`             // source of the generated episodes, e.g. "expert"
	Settings json.RawMessage `json:"settings,omitempty"` // generator settings, verbatim from the caller
	Tasks    []TaskEntry     `json:"tasks"`              // in generation order
}

// TaskEntry is one task of a dataset.
type TaskEntry struct {
	Task     string             `json:"task"`
	Episodes int                `json:"episodes"` // generated episodes wanted (kept successes)
	Attempts int                `json:"attempts"` // attempt indices available to reach them
	Complete bool               `json:"complete"` // generation of this task is finished
	Sources  map[string]*Counts `json:"sources,omitempty"`
	Files    []FileEntry        `json:"files,omitempty"` // episodes in this order: the generated shard, then appended sources by name
}

// Counts are the stored episodes and discarded attempts of one source.
type Counts struct {
	Episodes  int            `json:"episodes"`            // stored episodes
	Steps     int64          `json:"steps"`               // their actions
	Outcomes  map[string]int `json:"outcomes,omitempty"`  // stored episodes by outcome
	Discarded map[string]int `json:"discarded,omitempty"` // attempts dropped (not successful), by outcome
}

// FileEntry is one data file.
type FileEntry struct {
	Path     string `json:"path"` // slash-separated, relative to the dataset directory
	Source   string `json:"source"`
	Episodes int    `json:"episodes"`
	Steps    int64  `json:"steps"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
}

// marshal returns the manifest's canonical bytes: indented JSON, map keys
// sorted, a final newline.
func (m *Manifest) marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// parseManifest decodes and validates a manifest. It never panics.
func parseManifest(data []byte) (*Manifest, error) {
	var probe struct {
		Format  *string `json:"format"`
		Version *int    `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil || probe.Format == nil || *probe.Format != manifestFormat {
		if err != nil {
			return nil, fmt.Errorf("%w (not JSON: %v)", ErrForeign, err)
		}
		return nil, fmt.Errorf("%w (format field is not %q)", ErrForeign, manifestFormat)
	}
	if probe.Version == nil || *probe.Version != formatVersion {
		v := "missing"
		if probe.Version != nil {
			v = fmt.Sprint(*probe.Version)
		}
		return nil, fmt.Errorf("%w %s (this program reads version %d)", ErrVersion, v, formatVersion)
	}
	m := new(Manifest)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return nil, corruptf("manifest: %v", err)
	}
	if dec.More() {
		return nil, corruptf("manifest: data after the JSON object")
	}
	if err := m.validate(); err != nil {
		return nil, corruptf("manifest: %v", err)
	}
	return m, nil
}

// validate checks the internal consistency of a manifest.
func (m *Manifest) validate() error {
	if m.Kind != "" {
		if err := checkWord("kind", m.Kind); err != nil {
			return err
		}
	}
	if err := checkWord("source", m.Source); err != nil {
		return err
	}
	if len(m.Settings) > 0 && !json.Valid(m.Settings) {
		return fmt.Errorf("settings are not valid JSON")
	}
	seenTask := map[string]bool{}
	seenPath := map[string]bool{}
	for i := range m.Tasks {
		t := &m.Tasks[i]
		if err := checkTask(t.Task); err != nil {
			return fmt.Errorf("task %d: %v", i, err)
		}
		if seenTask[t.Task] {
			return fmt.Errorf("task %q listed twice", t.Task)
		}
		seenTask[t.Task] = true
		if t.Episodes < 0 || t.Attempts < t.Episodes || t.Attempts > math32 {
			return fmt.Errorf("task %q: want 0 <= episodes (%d) <= attempts (%d) <= %d", t.Task, t.Episodes, t.Attempts, math32)
		}
		sums := map[string]*Counts{}
		for j, f := range t.Files {
			if err := checkDataPath(f.Path); err != nil {
				return fmt.Errorf("task %q file %d: %v", t.Task, j, err)
			}
			if seenPath[f.Path] {
				return fmt.Errorf("file %s listed twice", f.Path)
			}
			seenPath[f.Path] = true
			if err := checkWord("source", f.Source); err != nil {
				return fmt.Errorf("file %s: %v", f.Path, err)
			}
			if f.Episodes < 0 || f.Steps < 0 || f.Size < int64(fixedHeader) {
				return fmt.Errorf("file %s: bad counts or size", f.Path)
			}
			if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != 32 || strings.ToLower(f.SHA256) != f.SHA256 {
				return fmt.Errorf("file %s: bad sha256 %q", f.Path, f.SHA256)
			}
			c := sums[f.Source]
			if c == nil {
				c = &Counts{}
				sums[f.Source] = c
			}
			c.Episodes += f.Episodes
			c.Steps += f.Steps
		}
		for _, s := range sortedKeys(t.Sources) {
			c := t.Sources[s]
			if err := checkWord("source", s); err != nil {
				return fmt.Errorf("task %q: %v", t.Task, err)
			}
			if c == nil {
				return fmt.Errorf("task %q: source %s has no counts", t.Task, s)
			}
			got := sums[s]
			if got == nil {
				got = &Counts{}
			}
			if c.Episodes != got.Episodes || c.Steps != got.Steps {
				return fmt.Errorf("task %q: source %s counts %d episodes/%d steps, its files hold %d/%d", t.Task, s, c.Episodes, c.Steps, got.Episodes, got.Steps)
			}
			n := 0
			for _, o := range sortedKeys(c.Outcomes) {
				if err := checkWord("outcome", o); err != nil || c.Outcomes[o] < 0 {
					return fmt.Errorf("task %q: source %s: bad outcome count %q", t.Task, s, o)
				}
				n += c.Outcomes[o]
			}
			if n != c.Episodes {
				return fmt.Errorf("task %q: source %s: outcomes add up to %d, not %d episodes", t.Task, s, n, c.Episodes)
			}
			for _, o := range sortedKeys(c.Discarded) {
				if err := checkWord("outcome", o); err != nil || c.Discarded[o] < 0 {
					return fmt.Errorf("task %q: source %s: bad discarded count %q", t.Task, s, o)
				}
			}
			delete(sums, s)
		}
		if len(sums) > 0 {
			return fmt.Errorf("task %q: files of source %s have no counts", t.Task, sortedKeys(sums)[0])
		}
		if !t.Complete && t.Sources[m.Source] != nil && t.Sources[m.Source].Episodes > 0 {
			return fmt.Errorf("task %q: generated episodes stored before the task is complete", t.Task)
		}
	}
	return nil
}

// checkDataPath accepts "shards/NAME" with a plain file name.
func checkDataPath(p string) error {
	dir, name := path.Split(p)
	if dir != shardDir+"/" || name == "" || name != path.Clean(name) || strings.HasPrefix(name, ".") || strings.ContainsAny(name, "\\:") {
		return fmt.Errorf("bad file path %q: want %s/NAME", p, shardDir)
	}
	return nil
}

// task returns the entry of a task, or nil.
func (m *Manifest) task(spec string) *TaskEntry {
	for i := range m.Tasks {
		if m.Tasks[i].Task == spec {
			return &m.Tasks[i]
		}
	}
	return nil
}

// files returns all data file paths, sorted.
func (m *Manifest) files() []string {
	var ps []string
	for _, t := range m.Tasks {
		for _, f := range t.Files {
			ps = append(ps, f.Path)
		}
	}
	sort.Strings(ps)
	return ps
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
