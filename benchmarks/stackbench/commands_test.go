package stackbench

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
)

func runCommand(ctx context.Context, name string, args ...string) (string, error) {
	c, ok := cli.Find(Commands(), name)
	if !ok {
		panic("no command " + name)
	}
	var out bytes.Buffer
	err := c.Run(ctx, cli.Env{Stdout: &out, Stderr: &out}, args)
	return out.String(), err
}

// TestCommandsInterrupted: each benchmark stops within a second or so of
// its context's cancellation and says so in words.
func TestCommandsInterrupted(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"sim", []string{"--budget", "10s"}},
		{"demos", []string{"--episodes", "1000", "--repeats", "1"}},
		{"expert", []string{"--task", "abcdefghij", "--episodes", "100000", "--workers", "2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			time.AfterFunc(300*time.Millisecond, cancel)
			t0 := time.Now()
			_, err := runCommand(ctx, tc.name, tc.args...)
			if err == nil || !strings.Contains(err.Error(), "interrupted before it finished") || strings.Contains(err.Error(), "context") {
				t.Errorf("error %v, want one saying it was interrupted", err)
			}
			if late := time.Since(t0) - 300*time.Millisecond; late > 1500*time.Millisecond {
				t.Errorf("went on for %v after the interrupt", late)
			}
		})
	}
}

// TestCommandsRefuseBadFlags: the usage errors of the benchmarks' flags.
func TestCommandsRefuseBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"expert", []string{"--episodes", "9000000000000000000"}, "--episodes 9000000000000000000 is out of range [1, 1000000]"},
		{"expert", []string{"--noise", "NaN"}, "--noise NaN is not a finite number"},
		{"expert", []string{"--workers", "-1"}, "--workers -1 is out of range"},
		{"expert", []string{"--task", "ab", "--task", "ab"}, `--task "ab" is given twice`},
		{"expert", []string{"--task", "aba"}, "appears more than once"},
		{"expert", []string{"--split", "train", "--task", "ab"}, "not both"},
		{"demos", []string{"--episodes", "0"}, "--episodes 0 is out of range"},
		{"sim", []string{"--budget", "-1s"}, "--budget -1s is out of range"},
		{"sim", []string{"--repeats", "1000000000000"}, "--repeats 1000000000000 is out of range"},
	}
	for _, tc := range tests {
		_, err := runCommand(context.Background(), tc.name, tc.args...)
		if !cli.IsUsage(err) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("bench %s %v: %v, want a usage error with %q", tc.name, tc.args, err, tc.msg)
		}
	}
}

// TestExpertMemoryIsFlat: bench expert with a million episodes per task
// holds counters, not episodes: what it allocates before it is interrupted
// does not grow with the episodes asked for.
func TestExpertMemoryIsFlat(t *testing.T) {
	alloc := func(episodes int) uint64 {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(200*time.Millisecond, cancel)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Expert(ctx, ExpertOptions{
			Sets:     []TaskSet{{Label: "custom", Tasks: []stack.Task{stack.MustParse("abcdefghij"), stack.MustParse("ab")}}},
			Episodes: episodes, Noise: []float64{0, 0.2}, Seed: 1, Workers: 2,
		})
		if err == nil {
			t.Fatal("not interrupted")
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(10_000), alloc(MaxExpertEpisodes)
	t.Logf("allocated %d MB with 10 000 episodes per task, %d MB with %d", small>>20, large>>20, MaxExpertEpisodes)
	if large > 2*small+32<<20 {
		t.Errorf("allocated %d MB for %d episodes per task against %d MB for 10 000: memory grows with the episodes", large>>20, MaxExpertEpisodes, small>>20)
	}
}

// TestExpertJSON: the rows as JSON, one per stage count.
func TestExpertJSON(t *testing.T) {
	out, err := runCommand(context.Background(), "expert", "--task", "ab", "--task", "abc", "--episodes", "2", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []ExpertRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rows) != 4 || rows[0].Episodes != 2 || rows[0].Set != "custom" {
		t.Fatalf("rows %+v, want 4 rows of 2 episodes", rows)
	}
}
