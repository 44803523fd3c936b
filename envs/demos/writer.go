package demos

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/metabench/metabench/internal/dirlock"
)

// Config describes a dataset to generate.
type Config struct {
	Kind     string          // what the episodes are of, e.g. "stack" (a-z, 0-9, '-', '_')
	Source   string          // source of the generated episodes; SourceExpert if empty
	Settings json.RawMessage // generator settings (seeds, noise, simulator...), stored verbatim in the manifest
	Tasks    []TaskPlan      // in the order the dataset lists them
}

// TaskPlan says how many episodes to generate for a task.
//
// Attempts are numbered 0, 1, ... Attempts-1. The task is complete when the
// attempts 0..k-1 are all recorded and hold Episodes successes (k is then the
// smallest such number), or when all Attempts are recorded. The successes
// among the attempts 0..k-1 are stored in index order; the failures are
// counted by outcome and dropped. Which episodes a task ends up with thus
// depends only on the episodes, not on the order they arrive in.
type TaskPlan struct {
	Task     string
	Episodes int // successful episodes wanted
	Attempts int // attempt indices available, at least Episodes; 0 means Episodes (keep the successes of exactly that many attempts)
}

// Unit is one attempt to generate: an episode of Task from attempt Index.
type Unit struct {
	Task  string
	Index int
}

// Progress counts the work of a Writer.
type Progress struct {
	Tasks, CompleteTasks int
	Wanted               int // sum of the tasks' Episodes
	Kept                 int // successful episodes recorded so far
	Discarded            int // failed attempts recorded so far
	// Short lists the complete tasks that kept fewer episodes than wanted:
	// every attempt allowed was used up.
	Short []Shortfall
	// Repaired says, one line per file, which data files Create found
	// damaged and whose tasks it therefore generates again.
	Repaired []string
}

// Shortfall is a complete task that kept fewer episodes than wanted.
type Shortfall struct {
	Task             string
	Kept, Wanted     int
	Attempts         int // the attempts allowed, all used
	DiscardedByCause map[string]int
}

// Writer generates a dataset: several goroutines run attempts and hand the
// episodes to Add, in any order. Every finished episode is durable when Add
// returns; a Writer created again on the same directory after a crash or a
// kill resumes where the last one stopped. A Writer holds an exclusive lock
// on the directory until Close.
type Writer struct {
	dir    string
	source string
	unlock func()
	enc    *zstd.Encoder
	dec    *zstd.Decoder

	mmu sync.Mutex // serialises manifest writes; taken before mu

	mu      sync.Mutex
	man     *Manifest
	tasks   []*taskState // the planned tasks, as man.Tasks[:len(tasks)]
	byName  map[string]int
	changed chan struct{} // closed and replaced whenever an attempt is recorded or released
	closed  bool
	// repaired lists the damaged data files found by Create.
	repaired []string
	err      error // sticky: a failed compaction stops the writer
	// finished: opened without the lock, on a finished dataset another
	// process holds (openFinished); it hands out no work and adds nothing.
	finished bool
}

type taskState struct {
	// files is held shared while an attempt's pending file is written and
	// exclusively while the pending directory is removed.
	files sync.RWMutex

	status     map[int]attempt // recorded attempts of an incomplete task
	inflight   map[int]bool    // attempts handed out by Next and not yet recorded
	compacting bool
	complete   bool
}

type attempt struct {
	kept    bool
	outcome string
	steps   int
}

// Create opens the dataset in dir for generation, creating it if needed. If
// dir already holds a dataset, its kind, source, settings and plan must be
// those of cfg (tasks added since by Append may follow the planned ones); the
// recorded attempts are then kept and only the missing ones remain to do.
func Create(dir string, cfg Config) (*Writer, error) {
	if cfg.Source == "" {
		cfg.Source = SourceExpert
	}
	settings, err := cfg.check()
	if err != nil {
		return nil, fmt.Errorf("demos: create %s: %w", dir, err)
	}
	if err := mkdirSynced(dir); err != nil {
		return nil, fmt.Errorf("demos: create %s: %w", dir, err)
	}
	unlock, err := dirlock.Lock(dir, "dataset")
	if errors.Is(err, dirlock.ErrBusy) {
		// Another process holds the dataset: a generator, which this run
		// must not disturb, or another run reading a finished dataset,
		// which this run may read too.
		if w, ferr := openFinished(dir, cfg, settings); ferr == nil {
			return w, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("demos: %w", err)
	}
	w := &Writer{dir: dir, source: cfg.Source, unlock: unlock, byName: map[string]int{}, changed: make(chan struct{})}
	if err := w.open(cfg, settings); err != nil {
		w.release()
		return nil, err
	}
	return w, nil
}

// openFinished returns a Writer with nothing to do, holding no lock, for a
// dataset whose manifest says every planned task of cfg is complete; an
// error if it is not so. It writes nothing: the manifest is the commit
// point of every change, so a finished dataset can be read beside its
// lock holder.
func openFinished(dir string, cfg Config, settings json.RawMessage) (*Writer, error) {
	man, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	if err := sameConfig(man, cfg, settings); err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, source: cfg.Source, man: man, byName: map[string]int{}, changed: make(chan struct{}), finished: true}
	for i, p := range cfg.Tasks {
		if !man.Tasks[i].Complete {
			return nil, fmt.Errorf("task %q is unfinished", p.Task)
		}
		w.byName[p.Task] = i
		w.tasks = append(w.tasks, &taskState{complete: true, status: map[int]attempt{}, inflight: map[int]bool{}})
	}
	return w, nil
}

// check validates a config and returns its settings in compact form.
func (cfg *Config) check() (json.RawMessage, error) {
	if err := checkWord("kind", cfg.Kind); err != nil {
		return nil, err
	}
	if err := checkWord("source", cfg.Source); err != nil {
		return nil, err
	}
	var settings json.RawMessage
	if len(cfg.Settings) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, cfg.Settings); err != nil {
			return nil, fmt.Errorf("settings are not valid JSON: %w", err)
		}
		settings = buf.Bytes()
	}
	seen := map[string]bool{}
	for i := range cfg.Tasks {
		p := &cfg.Tasks[i]
		if err := checkTask(p.Task); err != nil {
			return nil, err
		}
		if seen[p.Task] {
			return nil, fmt.Errorf("task %q planned twice", p.Task)
		}
		seen[p.Task] = true
		if p.Attempts == 0 {
			p.Attempts = p.Episodes
		}
		if p.Episodes < 0 || p.Attempts < p.Episodes || p.Attempts > math32 {
			return nil, fmt.Errorf("task %q: want 0 <= episodes (%d) <= attempts (%d) <= %d", p.Task, p.Episodes, p.Attempts, math32)
		}
	}
	return settings, nil
}

func (w *Writer) release() {
	if w.enc != nil {
		w.enc.Close()
	}
	if w.dec != nil {
		w.dec.Close()
	}
	if w.unlock != nil {
		w.unlock()
		w.unlock = nil
	}
}

// open loads or creates the manifest, cleans up after a crash, reads the
// pending attempts and finishes any task they complete.
func (w *Writer) open(cfg Config, settings json.RawMessage) error {
	var err error
	if w.enc, err = newEncoder(); err != nil {
		return fmt.Errorf("demos: %w", err)
	}
	if w.dec, err = newDecoder(); err != nil {
		return fmt.Errorf("demos: %w", err)
	}
	man, err := readManifest(w.dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := checkEmpty(w.dir); err != nil {
			return err
		}
		man = &Manifest{Format: manifestFormat, Version: formatVersion, Kind: cfg.Kind, Source: cfg.Source, Settings: settings}
		for _, p := range cfg.Tasks {
			man.Tasks = append(man.Tasks, TaskEntry{Task: p.Task, Episodes: p.Episodes, Attempts: p.Attempts})
		}
		if err := w.writeManifestLocked(man); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := sameConfig(man, cfg, settings); err != nil {
			return fmt.Errorf("demos: %s: %w", w.dir, err)
		}
		if err := w.verify(man, len(cfg.Tasks)); err != nil {
			return err
		}
	}
	w.man = man
	if err := cleanup(w.dir, man); err != nil {
		return fmt.Errorf("demos: clean up %s: %w", w.dir, err)
	}
	for i, p := range cfg.Tasks {
		w.byName[p.Task] = i
		ts := &taskState{status: map[int]attempt{}, inflight: map[int]bool{}}
		w.tasks = append(w.tasks, ts)
		e := &man.Tasks[i]
		if e.Complete {
			ts.complete = true
			if err := os.RemoveAll(w.pendingDir(i)); err != nil {
				return fmt.Errorf("demos: %w", err)
			}
			continue
		}
		if err := w.scanPending(i, ts); err != nil {
			return err
		}
	}
	for i, ts := range w.tasks {
		if ts.complete {
			continue
		}
		if k, done := w.completion(i); done {
			ts.compacting = true
			if err := w.compact(i, k); err != nil {
				return err
			}
		}
	}
	w.removePendingIfDone()
	return nil
}

// verify checks every data file the manifest lists (size, header and
// SHA-256) before a run resumes on it, so that a rerun never reports success
// over damage. A damaged or missing file of the generated source, of one of
// the planned tasks, is dropped from the manifest and its task marked
// incomplete: the run generates it again, byte for byte as before. A damaged
// file of another source (appended human recordings, say) cannot be made
// again: that is an error naming the file.
func (w *Writer) verify(man *Manifest, planned int) error {
	changed := false
	for i := range man.Tasks {
		e := &man.Tasks[i]
		for j := 0; j < len(e.Files); j++ {
			f := e.Files[j]
			err := checkDataFile(w.dir, e.Task, f)
			if err == nil {
				continue
			}
			if f.Source != w.source || i >= planned {
				return fmt.Errorf("demos: %w; it holds %s episodes this run cannot generate again: restore the file or start a new dataset", err, f.Source)
			}
			w.repaired = append(w.repaired, fmt.Sprintf("task %q: %s; generating the task again", e.Task, damage(err)))
			e.Files = slices.Delete(e.Files, j, j+1)
			j--
			delete(e.Sources, w.source)
			if len(e.Sources) == 0 {
				e.Sources = nil
			}
			e.Complete = false
			changed = true
		}
	}
	if !changed {
		return nil
	}
	// Commit the reset before anything is generated: the damaged file is no
	// longer listed, and the cleanup that follows removes it.
	return w.writeManifestLocked(man)
}

// damage words a file's problem for a repair note: the file and what is
// wrong with it, without the package prefix of a *FileError.
func damage(err error) string {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Path + ": " + fe.Err.Error()
	}
	return err.Error()
}

// sameConfig reports how an existing manifest differs from a config.
func sameConfig(m *Manifest, cfg Config, settings json.RawMessage) error {
	if m.Kind != cfg.Kind {
		return fmt.Errorf("dataset kind is %q, not %q; use a new directory", m.Kind, cfg.Kind)
	}
	if m.Source != cfg.Source {
		return fmt.Errorf("dataset source is %q, not %q; use a new directory", m.Source, cfg.Source)
	}
	var have bytes.Buffer
	if len(m.Settings) > 0 {
		json.Compact(&have, m.Settings) // valid: checked by parseManifest
	}
	if !bytes.Equal(have.Bytes(), settings) {
		return fmt.Errorf("dataset settings differ (have %s, want %s); use a new directory", have.Bytes(), settings)
	}
	if len(m.Tasks) < len(cfg.Tasks) {
		return fmt.Errorf("dataset plans %d tasks, not %d; use a new directory", len(m.Tasks), len(cfg.Tasks))
	}
	for i, p := range cfg.Tasks {
		e := m.Tasks[i]
		if e.Task != p.Task || e.Episodes != p.Episodes || e.Attempts != p.Attempts {
			return fmt.Errorf("dataset task %d is %q with %d episodes in %d attempts, not %q with %d in %d; use a new directory",
				i, e.Task, e.Episodes, e.Attempts, p.Task, p.Episodes, p.Attempts)
		}
	}
	for _, e := range m.Tasks[len(cfg.Tasks):] {
		if e.Attempts != 0 {
			return fmt.Errorf("dataset plans task %q that the config does not; use a new directory", e.Task)
		}
	}
	return nil
}

// checkEmpty refuses to turn a directory with foreign content into a dataset.
func checkEmpty(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("demos: %w", err)
	}
	for _, e := range ents {
		if !isTemp(e.Name()) {
			return fmt.Errorf("demos: %s is not empty and has no %s; use a new directory", dir, ManifestName)
		}
	}
	return nil
}

// cleanup removes temporary files and data files the manifest does not list
// (left by a crash before the manifest was committed).
func cleanup(dir string, m *Manifest) error {
	if err := removeTemps(dir); err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, p := range m.files() {
		listed[p] = true
	}
	ents, err := os.ReadDir(filepath.Join(dir, shardDir))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || listed[shardDir+"/"+name] {
			continue
		}
		if isTemp(name) || strings.HasSuffix(name, ".shard") {
			if err := os.Remove(filepath.Join(dir, shardDir, name)); err != nil {
				return err
			}
		}
	}
	pents, err := os.ReadDir(filepath.Join(dir, pendingDir))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range pents {
		if e.IsDir() {
			if err := removeTemps(filepath.Join(dir, pendingDir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *Writer) pendingDir(task int) string {
	return filepath.Join(w.dir, pendingDir, fmt.Sprintf("t%04d", task))
}

func (w *Writer) pendingFile(task, index int) string {
	return filepath.Join(w.pendingDir(task), fmt.Sprintf("%08d.ep", index))
}

// scanPending reads the recorded attempts of an incomplete task.
func (w *Writer) scanPending(task int, ts *taskState) error {
	dir := w.pendingDir(task)
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("demos: %w", err)
	}
	plan := w.man.Tasks[task]
	for _, e := range ents {
		path := filepath.Join(dir, e.Name())
		num, ok := strings.CutSuffix(e.Name(), ".ep")
		idx, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 8 || e.IsDir() {
			return &FileError{path, errors.New("unexpected file in the pending directory")}
		}
		if idx >= plan.Attempts {
			return &FileError{path, fmt.Errorf("attempt %d beyond the %d planned", idx, plan.Attempts)}
		}
		ep, discarded, _, err := w.readPending(path, plan.Task)
		if err == nil && ep.Index != idx {
			err = &FileError{path, corruptf("holds attempt %d", ep.Index)}
		}
		var fe *FileError
		if errors.As(err, &fe) {
			// Pending files are written atomically, so a damaged one was
			// damaged since; it is one attempt: remove it and run it again.
			if rerr := os.Remove(path); rerr != nil {
				return fmt.Errorf("demos: %w (and cannot remove it: %v)", err, rerr)
			}
			w.repaired = append(w.repaired, fmt.Sprintf("task %q: %s; running the attempt again", plan.Task, damage(err)))
			continue
		}
		if err != nil {
			return err
		}
		ts.status[idx] = attempt{kept: !discarded, outcome: ep.Outcome, steps: ep.Steps()}
	}
	return nil
}

// readPending reads a pending file: its episode (decoded) and its framed record.
func (w *Writer) readPending(path, task string) (*Episode, bool, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, nil, fmt.Errorf("demos: %w", err)
	}
	sr, err := newShardReader(bytes.NewReader(data))
	if err != nil {
		return nil, false, nil, &FileError{path, err}
	}
	if sr.hdr.Task != task || sr.hdr.Source != w.source || sr.hdr.Count != 1 {
		return nil, false, nil, &FileError{path, corruptf("holds %d %s episodes of task %q, want one %s episode of %q", sr.hdr.Count, sr.hdr.Source, sr.hdr.Task, w.source, task)}
	}
	start := int(sr.size) - sr.r.Buffered()
	comp, rawLen, err := sr.nextRecord()
	if err == nil {
		_, _, err = sr.nextRecord()
		if err == io.EOF {
			err = nil
		}
	}
	if err != nil {
		return nil, false, nil, &FileError{path, err}
	}
	ep, discarded, err := decodeRecord(w.dec, comp, rawLen)
	if err != nil {
		return nil, false, nil, &FileError{path, corruptf("%v", err)}
	}
	ep.Task, ep.Source = sr.hdr.Task, sr.hdr.Source
	return ep, discarded, data[start:], nil
}

// completion reports whether task i is complete and how many attempts count.
func (w *Writer) completion(i int) (k int, done bool) {
	plan := w.man.Tasks[i]
	ts := w.tasks[i]
	if plan.Episodes == 0 {
		return 0, true
	}
	succ := 0
	for k := 0; k < plan.Attempts; k++ {
		a, ok := ts.status[k]
		if !ok {
			return 0, false
		}
		if a.kept {
			succ++
			if succ == plan.Episodes {
				return k + 1, true
			}
		}
	}
	return plan.Attempts, true
}

// Add records a finished attempt. A successful episode (Outcome ==
// OutcomeSuccess) is kept; any other is counted by outcome and dropped.
// When the episode completes its task, Add compacts the task into its shard
// and commits it to the manifest before returning. Attempts of a task that
// is already complete are ignored. Add is safe for concurrent use.
func (w *Writer) Add(ep *Episode) error {
	if err := ep.validate(); err != nil {
		return fmt.Errorf("demos: add %q #%d: %w", ep.Task, ep.Index, err)
	}
	w.mu.Lock()
	i, ok := w.byName[ep.Task]
	switch {
	case w.closed:
		w.mu.Unlock()
		return errors.New("demos: add: writer is closed")
	case w.finished:
		w.mu.Unlock()
		return fmt.Errorf("demos: add %q #%d: the dataset is finished and another process holds it", ep.Task, ep.Index)
	case w.err != nil:
		w.mu.Unlock()
		return w.err
	case !ok:
		w.mu.Unlock()
		return fmt.Errorf("demos: add: task %q is not in the plan", ep.Task)
	case ep.Source != w.source:
		w.mu.Unlock()
		return fmt.Errorf("demos: add %q #%d: source %q, this dataset generates %q", ep.Task, ep.Index, ep.Source, w.source)
	case ep.Index >= w.man.Tasks[i].Attempts:
		w.mu.Unlock()
		return fmt.Errorf("demos: add %q #%d: only %d attempts are planned", ep.Task, ep.Index, w.man.Tasks[i].Attempts)
	}
	ts := w.tasks[i]
	w.mu.Unlock()

	ts.files.RLock()
	done, k, err := w.addFile(i, ts, ep)
	ts.files.RUnlock()
	if err != nil || !done {
		return err
	}
	if err := w.compact(i, k); err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.broadcastLocked()
		w.mu.Unlock()
		return err
	}
	return nil
}

// addFile writes the pending file of an attempt and records it; it reports
// whether the task is now complete, with the attempts that count.
func (w *Writer) addFile(i int, ts *taskState, ep *Episode) (done bool, k int, err error) {
	w.mu.Lock()
	if ts.complete || ts.compacting {
		delete(ts.inflight, ep.Index)
		w.broadcastLocked()
		w.mu.Unlock()
		return false, 0, nil
	}
	if _, dup := ts.status[ep.Index]; dup {
		w.mu.Unlock()
		return false, 0, fmt.Errorf("demos: add %q #%d: attempt already recorded", ep.Task, ep.Index)
	}
	w.mu.Unlock()

	discarded := ep.Outcome != OutcomeSuccess
	var file []byte
	file = appendShardHeader(file, shardHeader{Task: ep.Task, Source: ep.Source, Count: 1})
	file = append(file, encodeRecord(w.enc, ep, discarded)...)
	if err := mkdirSynced(w.pendingDir(i)); err != nil {
		return false, 0, fmt.Errorf("demos: add: %w", err)
	}
	if err := writeFileAtomic(w.pendingFile(i, ep.Index), file); err != nil {
		return false, 0, fmt.Errorf("demos: add: %w", err)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	delete(ts.inflight, ep.Index)
	w.broadcastLocked()
	if ts.complete || ts.compacting {
		// Completed meanwhile by other attempts; the compaction removes the file.
		return false, 0, nil
	}
	ts.status[ep.Index] = attempt{kept: !discarded, outcome: ep.Outcome, steps: ep.Steps()}
	k, done = w.completion(i)
	if done {
		ts.compacting = true
	}
	return done, k, nil
}

func (w *Writer) broadcastLocked() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// compact writes the shard of task i from its first k attempts, commits it
// to the manifest and removes the task's pending files.
func (w *Writer) compact(i, k int) error {
	w.mu.Lock()
	plan := w.man.Tasks[i]
	status := make([]attempt, k)
	for j := range k {
		status[j] = w.tasks[i].status[j]
	}
	w.mu.Unlock()

	counts := &Counts{}
	for _, a := range status {
		if !a.kept {
			if counts.Discarded == nil {
				counts.Discarded = map[string]int{}
			}
			counts.Discarded[a.outcome]++
			continue
		}
		counts.Episodes++
		counts.Steps += int64(a.steps)
	}
	var file *FileEntry
	if counts.Episodes > 0 {
		counts.Outcomes = map[string]int{OutcomeSuccess: counts.Episodes}
		hdr := appendShardHeader(nil, shardHeader{Task: plan.Task, Source: w.source, Count: counts.Episodes})
		// The kept episodes are read from their pending files one at a
		// time, so that compaction holds one episode in memory, not the
		// task's whole shard.
		records := func(emit func([]byte) error) error {
			if err := emit(hdr); err != nil {
				return err
			}
			for j, a := range status {
				if !a.kept {
					continue
				}
				_, _, rec, err := w.readPending(w.pendingFile(i, j), plan.Task)
				if err != nil {
					return err
				}
				if err := emit(rec); err != nil {
					return err
				}
			}
			return nil
		}
		f, err := writeShard(w.dir, i, w.source, counts, records)
		if err != nil {
			return err
		}
		file = &f
	}

	w.mmu.Lock()
	w.mu.Lock()
	e := &w.man.Tasks[i]
	e.Complete = true
	if counts.Episodes > 0 || len(counts.Discarded) > 0 {
		if e.Sources == nil {
			e.Sources = map[string]*Counts{}
		}
		e.Sources[w.source] = counts
	}
	if file != nil {
		e.Files = append([]FileEntry{*file}, e.Files...)
	}
	ts := w.tasks[i]
	ts.complete, ts.compacting = true, false
	ts.status, ts.inflight = nil, nil
	data, err := w.man.marshal()
	w.mu.Unlock()
	if err == nil {
		err = writeFileAtomic(filepath.Join(w.dir, ManifestName), data)
	}
	w.mmu.Unlock()
	if err != nil {
		return fmt.Errorf("demos: commit task %q: %w", plan.Task, err)
	}
	ts.files.Lock()
	err = os.RemoveAll(w.pendingDir(i))
	ts.files.Unlock()
	if err != nil {
		return fmt.Errorf("demos: %w", err)
	}
	w.removePendingIfDone()
	return nil
}

// writeShard writes a data file of task number task, named after its
// content, and returns its manifest entry. The content is what chunks
// emits, in order; chunks runs twice, once for the name (the content's
// hash) and once to write, and must emit the same bytes both times.
func writeShard(dir string, task int, source string, c *Counts, chunks func(emit func([]byte) error) error) (FileEntry, error) {
	h := sha256.New()
	var size int64
	if err := chunks(func(b []byte) error {
		h.Write(b)
		size += int64(len(b))
		return nil
	}); err != nil {
		return FileEntry{}, err
	}
	hexsum := hex.EncodeToString(h.Sum(nil))
	rel := fmt.Sprintf("%s/t%04d-%s-%s.shard", shardDir, task, source, hexsum[:16])
	if err := mkdirSynced(filepath.Join(dir, shardDir)); err != nil {
		return FileEntry{}, fmt.Errorf("demos: %w", err)
	}
	err := writeAtomic(filepath.Join(dir, filepath.FromSlash(rel)), func(out io.Writer) error {
		bw := bufio.NewWriterSize(out, 1<<16)
		again := sha256.New()
		if err := chunks(func(b []byte) error {
			again.Write(b)
			_, err := bw.Write(b)
			return err
		}); err != nil {
			return err
		}
		if got := hex.EncodeToString(again.Sum(nil)); got != hexsum {
			return fmt.Errorf("content changed between hashing (%s) and writing (%s)", hexsum[:16], got[:16])
		}
		return bw.Flush()
	})
	if err != nil {
		return FileEntry{}, fmt.Errorf("demos: write %s: %w", rel, err)
	}
	return FileEntry{Path: rel, Source: source, Episodes: c.Episodes, Steps: c.Steps, Size: size, SHA256: hexsum}, nil
}

// writeManifestLocked writes m (the caller holds mmu or is alone).
func (w *Writer) writeManifestLocked(m *Manifest) error {
	data, err := m.marshal()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(w.dir, ManifestName), data); err != nil {
		return fmt.Errorf("demos: write manifest: %w", err)
	}
	return nil
}

// removePendingIfDone removes the pending directory once every task is complete.
func (w *Writer) removePendingIfDone() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ts := range w.tasks {
		if !ts.complete {
			return
		}
	}
	if os.Remove(filepath.Join(w.dir, pendingDir)) == nil {
		syncDir(w.dir)
	}
}

// Next hands out the next attempt to run, in task order, or reports false
// when every task is complete, the writer is closed or failed, or ctx is
// done. It blocks while the attempts in flight might complete every
// unfinished task. Run each Unit it returns and pass the episode to Add (or
// the Unit to Release if it could not be run).
func (w *Writer) Next(ctx context.Context) (Unit, bool) {
	for {
		// Checked before handing out work, not only while waiting for it: a
		// busy generator must stop within one attempt of an interrupt.
		if ctx.Err() != nil {
			return Unit{}, false
		}
		w.mu.Lock()
		if w.closed || w.err != nil {
			w.mu.Unlock()
			return Unit{}, false
		}
		pending := false
		for i, ts := range w.tasks {
			if ts.complete || ts.compacting {
				continue
			}
			pending = true
			if idx, ok := w.issuable(i); ok {
				ts.inflight[idx] = true
				w.mu.Unlock()
				return Unit{Task: w.man.Tasks[i].Task, Index: idx}, true
			}
		}
		ch := w.changed
		w.mu.Unlock()
		if !pending {
			return Unit{}, false
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Unit{}, false
		}
	}
}

// issuable returns the smallest attempt of task i that is neither recorded
// nor in flight, if the successes recorded or possible before it are fewer
// than wanted.
func (w *Writer) issuable(i int) (int, bool) {
	plan := w.man.Tasks[i]
	ts := w.tasks[i]
	possible := 0
	for k := 0; k < plan.Attempts; k++ {
		if possible >= plan.Episodes {
			return 0, false
		}
		if ts.inflight[k] {
			possible++
			continue
		}
		a, ok := ts.status[k]
		if !ok {
			return k, true
		}
		if a.kept {
			possible++
		}
	}
	return 0, false
}

// Release gives back an attempt from Next that will not be added.
func (w *Writer) Release(u Unit) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if i, ok := w.byName[u.Task]; ok && w.tasks[i].inflight != nil {
		delete(w.tasks[i].inflight, u.Index)
		w.broadcastLocked()
	}
}

// Done returns the attempt indices of task that need no running, in
// increasing order: those recorded (kept or discarded), and for a complete
// task every planned index. A generator that schedules its own work skips
// these, and can stop early once Complete(task) is true.
func (w *Writer) Done(task string) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	i, ok := w.byName[task]
	if !ok {
		return nil
	}
	ts := w.tasks[i]
	var idx []int
	for k := range w.man.Tasks[i].Attempts {
		if _, ok := ts.status[k]; ok || ts.complete {
			idx = append(idx, k)
		}
	}
	return idx
}

// Complete reports whether task is complete (stored in its shard).
func (w *Writer) Complete(task string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	i, ok := w.byName[task]
	return ok && w.tasks[i].complete
}

// Progress returns the work done so far, including what earlier runs did.
func (w *Writer) Progress() Progress {
	w.mu.Lock()
	defer w.mu.Unlock()
	var p Progress
	for i, ts := range w.tasks {
		e := &w.man.Tasks[i]
		p.Tasks++
		p.Wanted += e.Episodes
		if ts.complete {
			p.CompleteTasks++
			kept := 0
			var discarded map[string]int
			if c := e.Sources[w.source]; c != nil {
				kept, discarded = c.Episodes, c.Discarded
				p.Kept += c.Episodes
				for _, k := range sortedKeys(c.Discarded) {
					p.Discarded += c.Discarded[k]
				}
			}
			if kept < e.Episodes {
				p.Short = append(p.Short, Shortfall{Task: e.Task, Kept: kept, Wanted: e.Episodes, Attempts: e.Attempts, DiscardedByCause: discarded})
			}
			continue
		}
		for _, a := range ts.status {
			if a.kept {
				p.Kept++
			} else {
				p.Discarded++
			}
		}
	}
	p.Repaired = slices.Clone(w.repaired)
	return p
}

// Close releases the directory lock. Call it after every Add has returned;
// attempts recorded but not yet compacted stay pending for the next run.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.broadcastLocked()
	err := w.err
	w.mu.Unlock()
	w.release()
	return err
}
