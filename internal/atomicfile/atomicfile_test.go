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

// TestIsTempMatchesTheTemporaryFiles: the names IsTemp recognises are
// those this package's writes use, found by killing nothing: a File not
// committed leaves its temporary file in place until Cleanup.
func TestIsTempMatchesTheTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "loss.csv"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Cleanup()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || !IsTemp(ents[0].Name(), "loss.csv") {
		t.Fatalf("temporary files %v not recognised", ents)
	}
	tests := []struct {
		name, target string
		want         bool
	}{
		{".loss.csv0", "loss.csv", true},
		{".loss.csv9223372036854775807", "loss.csv", true},
		{".loss.csv", "loss.csv", false},
		{"loss.csv1", "loss.csv", false},
		{".loss.csv1a", "loss.csv", false},
		{".loss.csv-1", "loss.csv", false},
		{".loss.png1", "loss.csv", false},
		{".loss.csv92233720368547758070", "loss.csv", false},
	}
	for _, tc := range tests {
		if got := IsTemp(tc.name, tc.target); got != tc.want {
			t.Errorf("IsTemp(%q, %q) = %v", tc.name, tc.target, got)
		}
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		name, dir string
		ok        bool
	}{
		{"existing", dir, true},
		{"to be made", filepath.Join(dir, "a", "b"), true},
		{"under a file", filepath.Join(file, "a"), false},
	}
	for _, tc := range tests {
		if err := CheckWritable(tc.dir); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("CheckWritable left %v", ents)
	}
}
