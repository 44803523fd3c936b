package worldcli

import (
	"encoding/json"
	"github.com/metabench/metabench/internal/clitest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput: each refused command line is one "metabench: ..." line on
// stderr with exit status 2 (usage) or 1 (the work failed).
func TestBadInput(t *testing.T) {
	clitest.CheckRefusals(t, runCLI, []clitest.Refusal{
		{[]string{"render", "--gif", "x.gif"}, 2, "--task is required"},
		{[]string{"render", "--task", "ab"}, 2, "give --gif OUT and/or --png OUT"},
		{[]string{"render", "--task", "abcdefghijk", "--png", "x.png"}, 2, "beyond j"},
		{[]string{"render", "--task", "ab", "--png", "x.png", "--width", "10"}, 2, "out of range"},
		{[]string{"render", "--task", "ab", "--png", "/nonexistent-dir/x.png"}, 1, "/nonexistent-dir/x.png"},
		{[]string{"demos"}, 2, "give a subcommand"},
		{[]string{"demos", "shuffle"}, 2, `unknown subcommand "shuffle"`},
		{[]string{"demos", "gen", "--split", "train"}, 2, "--out DIR is required"},
		{[]string{"demos", "gen", "--out", "x"}, 2, "give --split or --task"},
		{[]string{"demos", "gen", "--out", "x", "--task", "ab", "--episodes", "-3"}, 2, "--episodes -3 is out of range"},
		{[]string{"demos", "gen", "--out", "x", "--task", "abcc"}, 2, "appears more than once"},
		{[]string{"demos", "replay"}, 2, "give the dataset directory"},
		{[]string{"demos", "replay", "a", "b"}, 2, `unexpected argument "b"`},
		{[]string{"demos", "replay", "/nonexistent/dataset"}, 1, "/nonexistent/dataset"},
		{[]string{"demos", "info", "/nonexistent/dataset"}, 1, "/nonexistent/dataset"},
		{[]string{"demos", "export", "/nonexistent/dataset"}, 2, "--npz OUT is required"},
	})
}

func TestRenderWritesGIFAndPNG(t *testing.T) {
	dir := t.TempDir()
	gif, png := filepath.Join(dir, "r.gif"), filepath.Join(dir, "r.png")
	code, stdout, stderr := runCLI(t, "render", "--task", "ab", "--seed", "2", "--gif", gif, "--png", png, "--width", "160", "--height", "100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, p := range []string{gif, png} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Fatalf("%s not written: %v", p, err)
		}
	}
	if !strings.Contains(stdout, "success") {
		t.Fatalf("render output %q does not report the verdict", stdout)
	}
}

func TestDemosCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demos")
	if code, _, stderr := runCLI(t, "demos", "gen", "--out", dir, "--task", "ab", "--task", "ab c", "--episodes", "2"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "demos", "replay", dir)
	if code != 0 || !strings.Contains(stdout, "all 4 episodes of 2 tasks replay exactly") {
		t.Fatalf("replay: exit %d, %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "demos", "info", dir, "--json")
	var info struct {
		Episodes     int     `json:"episodes"`
		BytesPerStep float64 `json:"bytes_per_step"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || info.Episodes != 4 || info.BytesPerStep <= 0 {
		t.Fatalf("info --json: exit %d, %q", code, stdout)
	}
	npz := filepath.Join(t.TempDir(), "d.npz")
	if code, _, stderr := runCLI(t, "demos", "export", dir, "--npz", npz); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}

	// A corrupted shard is reported on one line, with exit status 1.
	shards, _ := filepath.Glob(filepath.Join(dir, "shards", "*"))
	if len(shards) == 0 {
		t.Fatal("no shard files")
	}
	data, _ := os.ReadFile(shards[0])
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(shards[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "demos", "replay", dir)
	if code != 1 || !strings.Contains(stderr, filepath.Base(shards[0])) || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("replay of a corrupt dataset: exit %d, stderr %q", code, stderr)
	}
}
