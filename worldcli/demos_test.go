package worldcli

import (
	"bytes"
	"context"
	"github.com/metabench/metabench/internal/clitest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metabench/metabench/internal/cli"
)

// runCtx runs one command line of the world's tools with ctx as the
// metabench binary does (errors one line, prefixed "metabench: ") and
// returns its exit code, stdout and stderr.
func runCtx(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	err := cli.Dispatch(ctx, cli.Env{Stdout: &out, Stderr: &errOut}, "metabench", Commands(), args)
	code := cli.ExitCode(&errOut, "metabench", err)
	return code, out.String(), errOut.String()
}

// runCLI is runCtx without a deadline or a cancellation.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCtx(context.Background(), args...)
}

// TestWorldLimits: every count of the world's tools is bounded, every
// float flag finite and in range, --workers non-negative and a task given
// once: usage errors (exit 2) in one line naming the flag, before any work.
func TestWorldLimits(t *testing.T) {
	out := filepath.Join(t.TempDir(), "never")
	huge, big := "9000000000000000000", "1000000000000"
	clitest.CheckRefusals(t, runCLI, []clitest.Refusal{
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--episodes", huge}, 2, "--episodes 9000000000000000000 is out of range [1, 100000]"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--episodes", big}, 2, "--episodes 1000000000000 is out of range"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--episodes", "0"}, 2, "--episodes 0 is out of range"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--episodes", "10", "--attempts", "5"}, 2, "--attempts 5 is out of range [10,"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--attempts", huge}, 2, "--attempts 9000000000000000000 is out of range"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--noise", "NaN"}, 2, "--noise NaN is not a finite number"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--noise", "Inf"}, 2, "--noise +Inf is not a finite number"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--noise", "-0.5"}, 2, "--noise -0.5 is out of range [0, 10]"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--noise", "1e300"}, 2, "--noise 1e+300 is out of range"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--workers", "-1"}, 2, "--workers -1 is out of range"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--workers", big}, 2, "--workers 1000000000000 is out of range"},
		{[]string{"demos", "gen", "--out", out, "--task", "ab", "--task", "ab"}, 2, `--task "ab" is given twice`},
		{[]string{"demos", "gen", "--out", out, "--task", "ab c", "--task", "ab  c"}, 2, `--task "ab c" is given twice`},
		{[]string{"demos", "replay", "--workers", "-1", out}, 2, "--workers -1 is out of range"},
		{[]string{"render", "--task", "ab", "--png", out, "--noise", "NaN"}, 2, "--noise NaN is not a finite number"},
		{[]string{"render", "--task", "ab", "--png", out, "--noise", "-1"}, 2, "--noise -1 is out of range"},
		{[]string{"render", "--task", "ab", "--gif", out, "--speed", "NaN"}, 2, "--speed NaN is not a finite number"},
		{[]string{"render", "--task", "ab", "--gif", out, "--speed", "Inf"}, 2, "--speed +Inf is not a finite number"},
		{[]string{"render", "--task", "ab", "--gif", out, "--speed", "1e9"}, 2, "--speed 1e+09 is out of range"},
		{[]string{"render", "--task", "ab", "--gif", out, "--speed", "0"}, 2, "--speed 0 is out of range"},
		{[]string{"render", "--task", "ab", "--gif", out, "--width", huge}, 2, "--width 9000000000000000000 is out of range"},
	})
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command created %s", out)
	}
}

// TestDemosHelp: `demos -h` lists the subcommands.
func TestDemosHelp(t *testing.T) {
	for _, h := range []string{"-h", "--help", "help"} {
		code, stdout, stderr := runCtx(context.Background(), "demos", h)
		if code != 0 || stderr != "" {
			t.Errorf("demos %s: exit %d, stderr %q", h, code, stderr)
		}
		for _, sub := range []string{"gen", "replay", "info", "export"} {
			if !strings.Contains(stdout, "  "+sub+" ") {
				t.Errorf("demos %s does not list %s:\n%s", h, sub, stdout)
			}
		}
	}
}

// TestInterrupts: a cancelled context (what Ctrl-C and SIGTERM do to the
// root's) stops each long command within a second or so, keeps what is
// finished, and says in words what to do — never "context canceled".
func TestInterrupts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	gif := filepath.Join(t.TempDir(), "r.gif")
	tests := []struct {
		name  string
		args  []string
		after time.Duration // cancel after this long (0: before starting)
		msg   string
	}{
		{"demos gen", []string{"demos", "gen", "--out", dir, "--split", "train", "--episodes", "30", "--workers", "2"}, 1500 * time.Millisecond, "run the same command again to resume"},
		{"demos replay", []string{"demos", "replay", dir}, 0, "run it again to check every episode"},
		{"render", []string{"render", "--task", "abcdefghij", "--gif", gif}, 0, "no file was written"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			if tc.after == 0 {
				cancel()
			} else {
				time.AfterFunc(tc.after, cancel)
			}
			defer cancel()
			t0 := time.Now()
			code, _, stderr := runCtx(ctx, tc.args...)
			late := time.Since(t0) - tc.after
			if code != 1 || !strings.Contains(stderr, tc.msg) || strings.Contains(stderr, "context canceled") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 1 and one line saying %q", code, stderr, tc.msg)
			}
			if late > 1500*time.Millisecond {
				t.Errorf("went on for %v after the interrupt", late)
			}
		})
	}
	// The interrupted generation kept its finished attempts, and resumes.
	pending, _ := filepath.Glob(filepath.Join(dir, "pending", "*", "*.ep"))
	shards, _ := filepath.Glob(filepath.Join(dir, "shards", "*.shard"))
	if len(pending)+len(shards) == 0 {
		t.Error("the interrupted demos gen kept nothing")
	}
	if _, err := os.Stat(gif); err == nil {
		t.Error("the interrupted render wrote its GIF")
	}
}

// TestDemosGenFailures: a shortfall of episodes is an error with the counts
// and the cap, and info calls the dataset incomplete; a damaged shard is
// found on the rerun and its task generated again.
func TestDemosGenFailures(t *testing.T) {
	ctx := context.Background()
	short := filepath.Join(t.TempDir(), "short")
	code, _, stderr := runCtx(ctx, "demos", "gen", "--out", short, "--task", "ab", "--task", "abcd", "--episodes", "20", "--noise", "1.0")
	if code != 1 || !strings.Contains(stderr, `task "abcd" kept 11 of 20 episodes: all 50 attempts allowed were used`) || !strings.Contains(stderr, "--attempts") {
		t.Errorf("shortfall: exit %d, stderr %q", code, stderr)
	}
	code, stdout, _ := runCtx(ctx, "demos", "info", short)
	if code != 0 || !strings.Contains(stdout, "INCOMPLETE") || !strings.Contains(stdout, "incomplete") {
		t.Errorf("info of a short dataset: exit %d\n%s", code, stdout)
	}
	// A documented cap large enough: no shortfall.
	enough := filepath.Join(t.TempDir(), "enough")
	if code, _, stderr := runCtx(ctx, "demos", "gen", "--out", enough, "--task", "abcd", "--episodes", "3", "--attempts", "40", "--noise", "1.0"); code != 0 {
		t.Errorf("with --attempts 40: exit %d, %s", code, stderr)
	}

	dir := filepath.Join(t.TempDir(), "d")
	gen := []string{"demos", "gen", "--out", dir, "--task", "ab", "--task", "abc", "--episodes", "3"}
	if code, _, stderr := runCtx(ctx, gen...); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	shards, _ := filepath.Glob(filepath.Join(dir, "shards", "t0000-*"))
	if len(shards) != 1 {
		t.Fatalf("shards of task 0: %v", shards)
	}
	want, _ := os.ReadFile(shards[0])
	if err := os.Truncate(shards[0], 500); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCtx(ctx, gen...)
	if code != 0 || !strings.Contains(stderr, filepath.Base(shards[0])) || !strings.Contains(stderr, "generating the task again") {
		t.Errorf("rerun on a damaged dataset: exit %d, stderr %q", code, stderr)
	}
	if got, _ := os.ReadFile(shards[0]); !bytes.Equal(got, want) {
		t.Error("the regenerated shard differs from the original")
	}
	if code, stdout, stderr := runCtx(ctx, "demos", "replay", dir); code != 0 || !strings.Contains(stdout, "all 6 episodes") {
		t.Errorf("replay after the repair: exit %d, %q %q", code, stdout, stderr)
	}
}

// TestDemosReplayUsesManifestSettings: replay runs under the simulator
// settings of the manifest, so a manifest edited to another gravity does not
// "replay exactly".
func TestDemosReplayUsesManifestSettings(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "d")
	if code, _, stderr := runCtx(ctx, "demos", "gen", "--out", dir, "--task", "ab", "--episodes", "2"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	man := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(man)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to string
		code           int
		msg            string
	}{
		{"gravity 20", `"Gravity": 10`, `"Gravity": 20`, 1, "Gravity 20 (not 10)"},
		{"no gravity", `"Gravity": 10`, `"Gravity": -1`, 1, "gravity -1 must be positive"},
		{"unknown setting", `"Gravity": 10`, `"Gravity": 10, "Wind": 3`, 1, `unknown field "Wind"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			edited := strings.Replace(string(data), tc.from, tc.to, 1)
			if edited == string(data) {
				t.Fatalf("manifest has no %s", tc.from)
			}
			if err := os.WriteFile(man, []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCtx(ctx, "demos", "replay", dir)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d with %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}

// TestUnfinishedDatasetIsNotReportedWhole: replay and export of a dataset
// whose generation stopped (interrupted here; a full disk does the same)
// say that it is incomplete and exit 1, and export writes nothing (before,
// replay said "all 0 episodes of 1 tasks replay exactly" and export wrote
// an NPZ).
func TestUnfinishedDatasetIsNotReportedWhole(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code, _, stderr := runCtx(ctx, "demos", "gen", "--out", dir, "--task", "ab", "--episodes", "2"); code != 1 {
		t.Fatalf("interrupted gen: exit %d, %q", code, stderr)
	}
	npz := filepath.Join(t.TempDir(), "d.npz")
	for _, args := range [][]string{
		{"demos", "replay", dir},
		{"demos", "export", dir, "--npz", npz},
	} {
		code, stdout, stderr := runCLI(t, args...)
		if code != 1 || !strings.Contains(stderr, "is incomplete") || strings.Count(stderr, "\n") != 1 || strings.Contains(stdout, "replay exactly") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and one line saying incomplete", args, code, stdout, stderr)
		}
	}
	if _, err := os.Stat(npz); err == nil {
		t.Error("export of an unfinished dataset wrote its NPZ")
	}
}
