package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const childEnv = "METABENCH_ATOMICFILE_CHILD"

// content returns one of two large, distinct file contents.
func content(k int) []byte {
	return bytes.Repeat([]byte{byte('A' + k)}, 4<<20)
}

// TestWriterChild rewrites its target forever, alternating two contents,
// until TestKillMidWrite kills it.
func TestWriterChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("run by TestKillMidWrite")
	}
	for k := 0; ; k ^= 1 {
		data := content(k)
		// Slow, chunked writes, so that kills land inside a write.
		err := Write(path, 0o644, func(w io.Writer) error {
			for off := 0; off < len(data); off += 64 << 10 {
				if _, err := w.Write(data[off : off+64<<10]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestKillMidWrite kills a writer with SIGKILL at 20 random moments: the
// target is always one complete content, never a torn mix.
func TestKillMidWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "target")
	if err := WriteFile(path, content(1), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for kill := range 20 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriterChild$")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+rng.IntN(200)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, content(0)) && !bytes.Equal(got, content(1)) {
			t.Fatalf("after kill %d the file is torn (%d bytes)", kill+1, len(got))
		}
	}
}

func TestFailedWriteLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, 0o644, func(w io.Writer) error {
		w.Write([]byte("new, half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("after a failed write the file holds %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("a failed write left %d files", len(ents))
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o644); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func TestReplaceDir(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "d")
	for i, want := range []string{"one", "two"} {
		tmp := filepath.Join(root, "tmp")
		os.Mkdir(tmp, 0o755)
		if err := WriteFile(filepath.Join(tmp, "x"), []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := ReplaceDir(tmp, target); err != nil {
			t.Fatalf("replace %d: %v", i, err)
		}
		if b, _ := os.ReadFile(filepath.Join(target, "x")); string(b) != want {
			t.Fatalf("after replace %d: %q", i, b)
		}
	}
	if _, err := os.Stat(target + ".old"); !os.IsNotExist(err) {
		t.Fatal("the old directory was left behind")
	}
}
