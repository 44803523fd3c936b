package demos

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"

	"github.com/metabench/metabench/internal/infile"
)

// readManifest reads and validates the manifest of dir. A missing manifest
// gives an error that matches os.ErrNotExist.
func readManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestName)
	// Only a regular file, and refused by its size before it is read.
	data, err := infile.ReadFileMax(path, 1<<28)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &FileError{path, fmt.Errorf("no dataset here: %w", os.ErrNotExist)}
		}
		return nil, &FileError{path, err}
	}
	m, err := parseManifest(data)
	if err != nil {
		return nil, &FileError{path, err}
	}
	return m, nil
}

// Dataset is an open dataset, for reading.
type Dataset struct {
	dir string
	man *Manifest
	dec *zstd.Decoder
}

// Open opens the dataset in dir and verifies it: the manifest, and the size
// and SHA-256 of every data file. Reading episodes checks every record's
// CRC-32C and, at the end of each file, its SHA-256 again, so a file that
// changes while open is still caught. The first problem found is returned as
// a *FileError naming the file.
func Open(dir string) (*Dataset, error) {
	d, err := open(dir)
	if err != nil {
		return nil, err
	}
	for _, t := range d.man.Tasks {
		for _, f := range t.Files {
			if err := d.checkFile(t.Task, f); err != nil {
				d.Close()
				return nil, err
			}
		}
	}
	return d, nil
}

func open(dir string) (*Dataset, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	dec, err := newDecoder()
	if err != nil {
		return nil, fmt.Errorf("demos: %w", err)
	}
	return &Dataset{dir: dir, man: m, dec: dec}, nil
}

// checkFile verifies a data file's header, size and SHA-256 without decoding it.
func (d *Dataset) checkFile(task string, f FileEntry) error {
	return checkDataFile(d.dir, task, f)
}

// checkDataFile verifies the data file f of task in the dataset dir: its
// header, size and SHA-256, without decoding it.
func checkDataFile(dir, task string, f FileEntry) error {
	path := filepath.Join(dir, filepath.FromSlash(f.Path))
	fh, err := os.Open(path)
	if err != nil {
		return &FileError{path, err}
	}
	defer fh.Close()
	sr, err := newShardReader(fh)
	if err != nil {
		return &FileError{path, err}
	}
	if fi, err := fh.Stat(); err != nil {
		return &FileError{path, err}
	} else if fi.Size() != f.Size {
		return &FileError{path, corruptf("size %d, manifest says %d (truncated or replaced)", fi.Size(), f.Size)}
	}
	if err := checkShardHeader(sr.hdr, task, f); err != nil {
		return &FileError{path, err}
	}
	if _, err := io.Copy(io.Discard, sr.r); err != nil {
		return &FileError{path, err}
	}
	if got := hex.EncodeToString(sr.sha.Sum(nil)); got != f.SHA256 {
		return &FileError{path, corruptf("checksum mismatch: SHA-256 %s..., manifest says %s...", got[:16], f.SHA256[:16])}
	}
	return nil
}

func checkShardHeader(h shardHeader, task string, f FileEntry) error {
	if h.Task != task || h.Source != f.Source || h.Count != f.Episodes {
		return corruptf("holds %d %s episodes of task %q, manifest says %d %s episodes of %q", h.Count, h.Source, h.Task, f.Episodes, f.Source, task)
	}
	return nil
}

// Close releases the decoder.
func (d *Dataset) Close() error {
	d.dec.Close()
	return nil
}

// Dir returns the dataset directory.
func (d *Dataset) Dir() string { return d.dir }

// Manifest returns the manifest. It is shared: do not modify it.
func (d *Dataset) Manifest() *Manifest { return d.man }

// Tasks returns the task specs in dataset order.
func (d *Dataset) Tasks() []string {
	ts := make([]string, len(d.man.Tasks))
	for i, t := range d.man.Tasks {
		ts[i] = t.Task
	}
	return ts
}

// Episodes iterates over the stored episodes of task in order (the generated
// ones by attempt index, then appended ones by source and index), decoding
// one at a time. On an error it yields (nil, err) and stops.
func (d *Dataset) Episodes(task string) iter.Seq2[*Episode, error] {
	return func(yield func(*Episode, error) bool) {
		t := d.man.task(task)
		if t == nil {
			yield(nil, fmt.Errorf("demos: %s: no task %q", d.dir, task))
			return
		}
		for _, f := range t.Files {
			if !d.readFile(t.Task, f, yield) {
				return
			}
		}
	}
}

// All iterates over every stored episode, task by task in dataset order.
func (d *Dataset) All() iter.Seq2[*Episode, error] {
	return func(yield func(*Episode, error) bool) {
		for _, t := range d.man.Tasks {
			for _, f := range t.Files {
				if !d.readFile(t.Task, f, yield) {
					return
				}
			}
		}
	}
}

// readFile yields the episodes of one data file; it reports whether to go on.
func (d *Dataset) readFile(task string, f FileEntry, yield func(*Episode, error) bool) bool {
	path := filepath.Join(d.dir, filepath.FromSlash(f.Path))
	fail := func(err error) bool {
		yield(nil, &FileError{path, err})
		return false
	}
	fh, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer fh.Close()
	sr, err := newShardReader(fh)
	if err != nil {
		return fail(err)
	}
	if err := checkShardHeader(sr.hdr, task, f); err != nil {
		return fail(err)
	}
	var steps int64
	for {
		comp, rawLen, err := sr.nextRecord()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		ep, discarded, err := decodeRecord(d.dec, comp, rawLen)
		if err == nil && discarded {
			err = errors.New("discarded attempt in a data file")
		}
		if err != nil {
			return fail(corruptf("record %d of %d: %v", sr.next, sr.hdr.Count, err))
		}
		ep.Task, ep.Source = sr.hdr.Task, sr.hdr.Source
		steps += int64(ep.Steps())
		if sr.next == sr.hdr.Count {
			// Check the whole file before handing out its last episode.
			if _, _, err := sr.nextRecord(); err != io.EOF {
				if err == nil {
					err = corruptf("extra record")
				}
				return fail(err)
			}
			if err := d.checkSum(sr, f, steps); err != nil {
				return fail(err)
			}
		}
		if !yield(ep, nil) {
			return false
		}
	}
	if sr.hdr.Count == 0 {
		if err := d.checkSum(sr, f, 0); err != nil {
			return fail(err)
		}
	}
	return true
}

func (d *Dataset) checkSum(sr *shardReader, f FileEntry, steps int64) error {
	if got := hex.EncodeToString(sr.sha.Sum(nil)); got != f.SHA256 || sr.size != f.Size {
		return corruptf("checksum mismatch: SHA-256 %s..., manifest says %s... (changed since opened)", got[:16], f.SHA256[:16])
	}
	if steps != f.Steps {
		return corruptf("holds %d steps, manifest says %d", steps, f.Steps)
	}
	return nil
}

// Verify decodes every episode of the dataset, checking every record and
// checksum; it returns the first problem found.
func (d *Dataset) Verify() error {
	for _, err := range d.All() {
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeShardBytes decodes a whole shard held in memory (fuzzing, tests).
func decodeShardBytes(dec *zstd.Decoder, data []byte) (shardHeader, []*Episode, error) {
	return readShard(dec, bytes.NewReader(data))
}
