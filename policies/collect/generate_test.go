package collect

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// readTree returns every file under dir with its contents.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGenerateIsDeterministicAcrossWorkers(t *testing.T) {
	tasks := []stack.Task{stack.MustParse("ab"), stack.MustParse("ab cd"), stack.MustParse("abc")}
	var trees []map[string][]byte
	for _, workers := range []int{1, 2, 3} {
		dir := filepath.Join(t.TempDir(), "demos")
		p, err := Generate(context.Background(), GenOptions{Dir: dir, Tasks: tasks, Episodes: 3, Seed: 7, Noise: 0.2, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if p.Kept != 9 || p.CompleteTasks != 3 {
			t.Fatalf("workers %d: progress %+v, want 9 episodes of 3 tasks", workers, p)
		}
		trees = append(trees, readTree(t, dir))
	}
	for i := 1; i < len(trees); i++ {
		if len(trees[i]) != len(trees[0]) {
			t.Fatalf("run %d wrote %d files, run 0 wrote %d", i, len(trees[i]), len(trees[0]))
		}
		for name, data := range trees[0] {
			if !bytes.Equal(trees[i][name], data) {
				t.Fatalf("file %s differs between 1 and %d workers", name, i+1)
			}
		}
	}
}

func TestGenerateResumesAfterCancel(t *testing.T) {
	tasks := []stack.Task{stack.MustParse("ab"), stack.MustParse("abc"), stack.MustParse("ab cd")}
	opt := GenOptions{Tasks: tasks, Episodes: 4, Seed: 3, Noise: 0.2, Workers: 2}

	opt.Dir = filepath.Join(t.TempDir(), "whole")
	if _, err := Generate(context.Background(), opt); err != nil {
		t.Fatal(err)
	}
	whole := readTree(t, opt.Dir)

	opt.Dir = filepath.Join(t.TempDir(), "resumed")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop before any work: the directory is created, nothing more
	if _, err := Generate(ctx, opt); err == nil {
		t.Fatal("a cancelled run reported success")
	}
	p, err := Generate(context.Background(), opt)
	if err != nil || p.Kept != 12 {
		t.Fatalf("resumed run: %+v, %v", p, err)
	}
	resumed := readTree(t, opt.Dir)
	for name, data := range whole {
		if !bytes.Equal(resumed[name], data) {
			t.Fatalf("file %s differs after resuming", name)
		}
	}

	d, err := demos.Open(opt.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := 0
	for ep, err := range d.All() {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Replay(ep, sim.DefaultConfig()); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 12 {
		t.Fatalf("replayed %d episodes, want 12", n)
	}
}

// BenchmarkGenerate measures demonstration generation on 1 and 2 workers
// in the same run; compare the episodes/s metrics for the speed-up.
func BenchmarkGenerate(b *testing.B) {
	tasks := []stack.Task{stack.MustParse("abc de"), stack.MustParse("abcd efg"), stack.MustParse("abcdefghij")}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			episodes := 0
			for b.Loop() {
				dir := b.TempDir()
				p, err := Generate(context.Background(), GenOptions{Dir: dir, Tasks: tasks, Episodes: 4, Seed: 1, Noise: 0.2, Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				episodes += p.Kept
			}
			b.ReportMetric(float64(episodes)/b.Elapsed().Seconds(), "episodes/s")
		})
	}
}
