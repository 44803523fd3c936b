package demos

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/metabench/metabench/internal/dirlock"
)

// Init makes dir an empty dataset of the given kind if it holds none yet, so
// that Append can add to it. An existing dataset is left as it is, provided
// it is of the same kind.
func Init(dir, kind string, settings json.RawMessage) error {
	m, err := readManifest(dir)
	switch {
	case err == nil:
		if m.Kind != kind {
			return fmt.Errorf("demos: %s holds a dataset of kind %q, not %q", dir, m.Kind, kind)
		}
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	w, err := Create(dir, Config{Kind: kind, Settings: settings})
	if err != nil {
		return err
	}
	return w.Close()
}

// Append adds one episode, such as a human recording, to the existing
// dataset in dir, whatever its outcome, and returns the index it was given
// (one more than the largest index of the task's episodes from the same
// source, 0 for the first). The change is atomic: after a crash the dataset
// holds the episode or not, never a part of it. Appending generated-source
// episodes to a task whose generation is unfinished is refused.
func Append(dir string, ep *Episode) (int, error) {
	e := *ep
	e.Index = 0
	if err := e.validate(); err != nil {
		return 0, fmt.Errorf("demos: append to %s: %w", dir, err)
	}
	unlock, err := dirlock.Lock(dir, "dataset")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("demos: append: no dataset at %s (create it with Init): %w", dir, err)
		}
		return 0, fmt.Errorf("demos: %w", err)
	}
	defer unlock()
	m, err := readManifest(dir)
	if err != nil {
		return 0, err
	}
	if err := cleanup(dir, m); err != nil {
		return 0, fmt.Errorf("demos: clean up %s: %w", dir, err)
	}
	ti := slices.IndexFunc(m.Tasks, func(t TaskEntry) bool { return t.Task == e.Task })
	if ti < 0 {
		m.Tasks = append(m.Tasks, TaskEntry{Task: e.Task, Complete: true})
		ti = len(m.Tasks) - 1
	}
	t := &m.Tasks[ti]
	if e.Source == m.Source && !t.Complete {
		return 0, fmt.Errorf("demos: append to %s: task %q is still being generated", dir, e.Task)
	}

	enc, err := newEncoder()
	if err != nil {
		return 0, fmt.Errorf("demos: %w", err)
	}
	defer enc.Close()
	dec, err := newDecoder()
	if err != nil {
		return 0, fmt.Errorf("demos: %w", err)
	}
	defer dec.Close()

	// The records already stored for this task and source, checked.
	fi := slices.IndexFunc(t.Files, func(f FileEntry) bool { return f.Source == e.Source })
	var old []byte
	if fi >= 0 {
		f := t.Files[fi]
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		data, err := os.ReadFile(path)
		if err != nil {
			return 0, &FileError{path, err}
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); int64(len(data)) != f.Size || got != f.SHA256 {
			return 0, &FileError{path, corruptf("size %d and SHA-256 %s, manifest says %d and %s", len(data), got[:16], f.Size, f.SHA256[:16])}
		}
		hdr, eps, err := decodeShardBytes(dec, data)
		if err == nil {
			err = checkShardHeader(hdr, t.Task, f)
		}
		if err != nil {
			return 0, &FileError{path, err}
		}
		for _, p := range eps {
			e.Index = max(e.Index, p.Index+1)
		}
		old = data[len(appendShardHeader(nil, hdr)):]
	}

	c := t.Sources[e.Source]
	if c == nil {
		c = &Counts{}
	} else {
		cc := *c
		cc.Outcomes = copyCounts(c.Outcomes)
		c = &cc
	}
	c.Episodes++
	c.Steps += int64(e.Steps())
	if c.Outcomes == nil {
		c.Outcomes = map[string]int{}
	}
	c.Outcomes[e.Outcome]++

	data := appendShardHeader(nil, shardHeader{Task: t.Task, Source: e.Source, Count: c.Episodes})
	data = append(data, old...)
	data = append(data, encodeRecord(enc, &e, false)...)
	f, err := writeShard(dir, ti, e.Source, c, func(emit func([]byte) error) error { return emit(data) })
	if err != nil {
		return 0, err
	}
	var oldPath string
	if fi >= 0 {
		oldPath = t.Files[fi].Path
		t.Files[fi] = f
	} else {
		t.Files = append(t.Files, f)
		sortFiles(t.Files, m.Source)
	}
	if t.Sources == nil {
		t.Sources = map[string]*Counts{}
	}
	t.Sources[e.Source] = c
	mdata, err := m.marshal()
	if err != nil {
		return 0, err
	}
	if err := writeFileAtomic(filepath.Join(dir, ManifestName), mdata); err != nil {
		return 0, fmt.Errorf("demos: append: write manifest: %w", err)
	}
	if oldPath != "" && oldPath != f.Path {
		os.Remove(filepath.Join(dir, filepath.FromSlash(oldPath))) // unlisted now; a leftover is cleaned up later
	}
	return e.Index, nil
}

// sortFiles orders a task's files: the generated source first, then the
// others by source name.
func sortFiles(fs []FileEntry, generated string) {
	slices.SortStableFunc(fs, func(a, b FileEntry) int {
		switch {
		case a.Source == b.Source:
			return 0
		case a.Source == generated:
			return -1
		case b.Source == generated:
			return 1
		}
		return strings.Compare(a.Source, b.Source)
	})
}

func copyCounts(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	c := make(map[string]int, len(m))
	for _, k := range sortedKeys(m) {
		c[k] = m[k]
	}
	return c
}
