package demos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPlan is a small plan: tasks of 2, 3 and 5 blocks.
func testPlan() Config {
	return Config{
		Kind:     "stack",
		Settings: json.RawMessage(`{"seed": 7, "noise": 0.2, "sim": {"substeps": 4}}`),
		Tasks: []TaskPlan{
			{Task: "ab", Episodes: 5, Attempts: 9},
			{Task: "abc", Episodes: 4, Attempts: 6},
			{Task: "ab cde", Episodes: 3},
		},
	}
}

// blocksOf counts the letters of a task spec.
func blocksOf(task string) int { return len(strings.ReplaceAll(task, " ", "")) }

// seedOf derives an attempt's seed, like the generator does.
func seedOf(task string, index int) uint64 {
	h := sha256.Sum256([]byte(task))
	return uint64(h[0])<<40 ^ uint64(h[1])<<32 ^ uint64(index)*0x9e3779b97f4a7c15
}

// runAttempt generates the synthetic episode of an attempt; about one in
// four fails with a deterministic outcome.
func runAttempt(task string, index int) *Episode {
	seed := seedOf(task, index)
	b := blocksOf(task)
	cfg := defaultSynth(b, 1+int(seed%uint64(b)))
	cfg.MaxSteps = 150
	ep := synthEpisode(task, index, seed, cfg)
	switch {
	case seed%4 == 1:
		ep.Outcome = OutcomeManipulationFailure
	case seed%8 == 3:
		ep.Outcome = OutcomeWrongMove
	default:
		ep.Outcome = OutcomeSuccess
	}
	return ep
}

// generate runs a whole plan with n workers through Next and Add. jitter
// makes the workers finish in a scrambled order.
func generate(t testing.TB, dir string, cfg Config, workers int, jitter bool) {
	t.Helper()
	w, err := Create(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				u, ok := w.Next(context.Background())
				if !ok {
					return
				}
				ep := runAttempt(u.Task, u.Index)
				if jitter {
					time.Sleep(time.Duration((u.Index*7+k*3)%5) * time.Millisecond)
				}
				if err := w.Add(ep); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, p := range cfg.Tasks {
		if !w.Complete(p.Task) {
			t.Fatalf("task %q not complete after generation", p.Task)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// snapshot maps every file under dir (relative path) to its SHA-256.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if rel != "." {
				files[rel+"/"] = "dir"
			}
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := sha256.Sum256(data)
		files[rel] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameSnapshot(t *testing.T, want, got map[string]string) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if want[n] != got[n] {
			t.Errorf("%s: want %q, got %q", n, want[n], got[n])
		}
	}
}

// sameEpisode compares two episodes bit for bit.
func sameEpisode(t *testing.T, want, got *Episode) {
	t.Helper()
	if want.Task != got.Task || want.Index != got.Index || want.Seed != got.Seed || want.Source != got.Source ||
		want.Outcome != got.Outcome || want.ObsDim != got.ObsDim || want.ActDim != got.ActDim {
		t.Fatalf("header: want %+v, got %+v", header(want), header(got))
	}
	for _, a := range []struct {
		name      string
		want, got []float32
	}{{"obs", want.Obs, got.Obs}, {"actions", want.Actions, got.Actions}, {"expert", want.ExpertActions, got.ExpertActions}} {
		if (a.want == nil) != (a.got == nil) || len(a.want) != len(a.got) {
			t.Fatalf("%s: want %d values (nil %v), got %d (nil %v)", a.name, len(a.want), a.want == nil, len(a.got), a.got == nil)
		}
		for i := range a.want {
			if math.Float32bits(a.want[i]) != math.Float32bits(a.got[i]) {
				t.Fatalf("%s[%d]: want %v, got %v", a.name, i, a.want[i], a.got[i])
			}
		}
	}
	if len(want.States) != len(got.States) {
		t.Fatalf("want %d states, got %d", len(want.States), len(got.States))
	}
	for i := range want.States {
		if want.States[i].Step != got.States[i].Step || string(want.States[i].Data) != string(got.States[i].Data) {
			t.Fatalf("state %d differs", i)
		}
	}
}

func header(e *Episode) Episode {
	h := *e
	h.Obs, h.Actions, h.ExpertActions, h.States = nil, nil, nil, nil
	return h
}
