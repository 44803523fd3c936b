package densitybench

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/cli"
)

func writePNG(t *testing.T, path string, side int, ink func(x, y int) bool) {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, side, side))
	for y := range side {
		for x := range side {
			c := uint8(255)
			if ink(x, y) {
				c = 0
			}
			im.SetGray(x, y, color.Gray{c})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, im); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTrainEvalSample runs the suite's commands end to end on the smoke
// scale: train a flip model, evaluate it, sample from PNG supports.
func TestTrainEvalSample(t *testing.T) {
	b := &bench{assets: os.DirFS("../../assets/density")}
	cmds := b.commands()
	run := func(name string, args ...string) (string, error) {
		c, _ := cli.Find(cmds, name)
		var out, errb bytes.Buffer
		err := c.Run(context.Background(), cli.Env{Stdout: &out, Stderr: &errb}, args)
		return out.String(), err
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if _, err := run("train", "--profile", "smoke", "--task", "flip", "--model", "attention", "--steps", "3", "--out", model); err != nil {
		t.Fatal(err)
	}
	out, err := run("eval", "--model", model, "--support", "1", "--episodes", "4")
	if err != nil || !strings.Contains(out, "flip") || !strings.Contains(out, "k=1") {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	if _, err := run("eval", "--model", model, "--support", "2"); !cli.IsUsage(err) {
		t.Fatalf("eval with a support the model cannot take: %v", err)
	}
	sup := filepath.Join(dir, "s.png")
	writePNG(t, sup, 8, func(x, y int) bool { return x < y })
	grid := filepath.Join(dir, "grid.png")
	if out, err := run("sample", "--model", model, "--support", sup, "--out", grid, "--n", "3"); err != nil {
		t.Fatalf("sample: %v %s", err, out)
	}
	if fi, err := os.Stat(grid); err != nil || fi.Size() == 0 {
		t.Fatalf("grid: %v", err)
	}
	if _, err := run("sample", "--model", model, "--support", sup, "--support", sup, "--out", grid); !cli.IsUsage(err) {
		t.Fatalf("two supports for a one-shot model: %v", err)
	}
	wrong := filepath.Join(dir, "wrong.png")
	writePNG(t, wrong, 9, func(x, y int) bool { return false })
	_, err = run("sample", "--model", model, "--support", wrong, "--out", grid)
	if err == nil || !strings.Contains(err.Error(), "wrong.png") || !strings.Contains(err.Error(), "9×9") {
		t.Fatalf("wrong size: %v", err)
	}
	if _, err := run("sample", "--model", filepath.Join(dir, "nope"), "--support", sup, "--out", grid); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("missing model: %v", err)
	}
	if _, err := run("train", "--task", "flip", "--data", "omniglot", "--out", model); !cli.IsUsage(err) {
		t.Fatalf("--task flip with --data: %v", err)
	}
	if _, err := run("train", "--task", "nope", "--out", model); !cli.IsUsage(err) {
		t.Fatalf("unknown task: %v", err)
	}
	// A Meta PixelCNN's eval adds the support-specificity table.
	metaDir := filepath.Join(dir, "meta")
	if _, err := run("train", "--profile", "smoke", "--task", "characters", "--model", "meta", "--steps", "2", "--out", metaDir); err != nil {
		t.Fatal(err)
	}
	out, err = run("eval", "--model", metaDir, "--support", "1,2", "--episodes", "3")
	if err != nil || !strings.Contains(out, "another episode's") || !strings.Contains(out, "slope") {
		t.Fatalf("eval meta: %v\n%s", err, out)
	}
}
