package collect

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
)

// TestGenerateStopsSoonAfterCancel: an interrupt stops a busy generator
// within about one attempt per worker, keeps what is finished, and the rerun
// completes the same dataset as an uninterrupted run.
func TestGenerateStopsSoonAfterCancel(t *testing.T) {
	// About 300 attempts of 10-30 ms each: many seconds of work, so a
	// generator that does not look at the context runs far past the limit.
	tasks := []stack.Task{stack.MustParse("abcd efg"), stack.MustParse("abcdefghij")}
	opt := GenOptions{Dir: filepath.Join(t.TempDir(), "d"), Tasks: tasks, Episodes: 150, Seed: 5, Noise: policies.DefaultNoise, Workers: 2}
	ctx, cancel := context.WithCancel(context.Background())
	var stopped time.Duration
	done := make(chan struct{})
	var p demos.Progress
	var err error
	go func() {
		defer close(done)
		p, err = Generate(ctx, opt)
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	t0 := time.Now()
	<-done
	stopped = time.Since(t0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
	if stopped > 1500*time.Millisecond {
		t.Fatalf("generation went on for %v after the cancel", stopped)
	}
	if p.Kept >= p.Wanted {
		t.Fatalf("progress %+v: everything was generated despite the cancel", p)
	}
	// What was finished is kept: pending attempts are on disk.
	pending, _ := filepath.Glob(filepath.Join(opt.Dir, "pending", "*", "*.ep"))
	if len(pending) == 0 && p.CompleteTasks == 0 {
		t.Fatalf("nothing kept after the cancel (progress %+v)", p)
	}
}

// damage functions for TestGenerateRepairsDamage.
var damages = []struct {
	name string
	do   func(path string) error
}{
	{"truncated", func(p string) error { return os.Truncate(p, 5000) }},
	{"flipped", func(p string) error {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		data[len(data)/2] ^= 0x10
		return os.WriteFile(p, data, 0o644)
	}},
	{"removed", os.Remove},
	{"emptied", func(p string) error { return os.WriteFile(p, nil, 0o644) }},
}

// TestGenerateRepairsDamage: rerunning generation on a dataset with a
// damaged shard verifies it, regenerates the damaged task and ends with the
// same bytes as the undamaged dataset.
func TestGenerateRepairsDamage(t *testing.T) {
	tasks := []stack.Task{stack.MustParse("ab"), stack.MustParse("abc"), stack.MustParse("ab cd")}
	opt := GenOptions{Tasks: tasks, Episodes: 8, Seed: 2, Noise: policies.DefaultNoise, Workers: 2}
	opt.Dir = filepath.Join(t.TempDir(), "whole")
	if _, err := Generate(context.Background(), opt); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, opt.Dir)
	for _, dmg := range damages {
		t.Run(dmg.name, func(t *testing.T) {
			opt.Dir = filepath.Join(t.TempDir(), "d")
			copyTree(t, want, opt.Dir)
			shards, _ := filepath.Glob(filepath.Join(opt.Dir, "shards", "t0001-*"))
			if len(shards) != 1 {
				t.Fatalf("shards of task 1: %v", shards)
			}
			if err := dmg.do(shards[0]); err != nil {
				t.Fatal(err)
			}
			p, err := Generate(context.Background(), opt)
			if err != nil {
				t.Fatalf("rerun on a damaged dataset: %v", err)
			}
			if len(p.Repaired) != 1 || !strings.Contains(p.Repaired[0], filepath.Base(shards[0])) {
				t.Fatalf("repairs %q, want one naming %s", p.Repaired, filepath.Base(shards[0]))
			}
			got := readTree(t, opt.Dir)
			if len(got) != len(want) {
				t.Fatalf("%d files after the repair, want %d", len(got), len(want))
			}
			for name, data := range want {
				if !bytes.Equal(got[name], data) {
					t.Fatalf("file %s differs after the repair", name)
				}
			}
			d, err := demos.Open(opt.Dir)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := d.Verify(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestGenerateRefusesDamageItCannotRepair: a damaged file of appended
// episodes (here a human recording) cannot be generated again: the rerun
// fails naming the file, and changes nothing.
func TestGenerateRefusesDamageItCannotRepair(t *testing.T) {
	opt := GenOptions{Dir: filepath.Join(t.TempDir(), "d"), Tasks: []stack.Task{stack.MustParse("ab")}, Episodes: 2, Seed: 2, Workers: 1}
	if _, err := Generate(context.Background(), opt); err != nil {
		t.Fatal(err)
	}
	ep, err := Expert(stack.MustParse("ab"), sim.DefaultConfig(), 99, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	ep.Source = demos.SourceHuman
	if _, err := demos.Append(opt.Dir, ep); err != nil {
		t.Fatal(err)
	}
	human, _ := filepath.Glob(filepath.Join(opt.Dir, "shards", "*-human-*"))
	if len(human) != 1 {
		t.Fatalf("human shards: %v", human)
	}
	if err := os.Truncate(human[0], 100); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, opt.Dir)
	_, err = Generate(context.Background(), opt)
	if err == nil || !strings.Contains(err.Error(), filepath.Base(human[0])) {
		t.Fatalf("rerun with a damaged human shard: %v, want an error naming %s", err, filepath.Base(human[0]))
	}
	after := readTree(t, opt.Dir)
	for name, data := range before {
		if !bytes.Equal(after[name], data) {
			t.Fatalf("the refused run changed %s", name)
		}
	}
}

// TestGenerateShortfall: a task whose attempts run out before its episodes
// are kept is an error with the counts and the cap, every time it is run,
// and the dataset says it is incomplete.
func TestGenerateShortfall(t *testing.T) {
	opt := GenOptions{Dir: filepath.Join(t.TempDir(), "d"), Tasks: []stack.Task{stack.MustParse("ab"), stack.MustParse("abcd")},
		Episodes: 3, Attempts: 6, Seed: 1, Noise: 1.0, Workers: 2}
	for run := range 2 {
		p, err := Generate(context.Background(), opt)
		var short *ShortfallError
		if !errors.As(err, &short) {
			t.Fatalf("run %d: %v (progress %+v), want a shortfall", run, err, p)
		}
		s := short.Short[0]
		if s.Task != "abcd" || s.Kept >= 3 || s.Wanted != 3 || s.Attempts != 6 {
			t.Fatalf("run %d: shortfall %+v", run, s)
		}
		for _, w := range []string{`task "abcd" kept`, "of 3 episodes", "all 6 attempts"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("run %d: %q does not say %q", run, err, w)
			}
		}
	}
	d, err := demos.Open(opt.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	info := d.Info()
	if info.Status != demos.StatusIncomplete || info.ShortTasks != 1 || info.PerTask[1].Status != demos.StatusIncomplete || info.PerTask[0].Status != demos.StatusComplete {
		t.Fatalf("info status %q, short %d, per task %+v", info.Status, info.ShortTasks, info.PerTask)
	}
}

func copyTree(t *testing.T, files map[string][]byte, dir string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
