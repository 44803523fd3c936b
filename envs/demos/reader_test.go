package demos

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyDir copies a dataset directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// firstShard returns the path of the first task's data file.
func firstShard(t *testing.T, dir string) string {
	t.Helper()
	m, err := readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, filepath.FromSlash(m.Tasks[0].Files[0].Path))
}

func editFile(t *testing.T, path string, edit func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rewriteManifest applies edit to the manifest and keeps the checksums of
// the first shard in step with its (edited) content, so that the damage
// inside the shard is what the reader meets.
func resign(t *testing.T, dir string) {
	t.Helper()
	m, err := readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &m.Tasks[0].Files[0]
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
	if err != nil {
		t.Fatal(err)
	}
	f.Size = int64(len(data))
	f.SHA256 = sha256hex(data)
	out, err := m.marshal()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ManifestName), out, 0o644)
}

func TestCorruptDataset(t *testing.T) {
	good := t.TempDir()
	generate(t, good, testPlan(), 2, false)

	manifest := func(dir string) string { return filepath.Join(dir, ManifestName) }
	replaceManifest := func(old, new string) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			editFile(t, manifest(dir), func(b []byte) []byte {
				if !bytes.Contains(b, []byte(old)) {
					t.Fatalf("manifest has no %q", old)
				}
				return bytes.Replace(b, []byte(old), []byte(new), 1)
			})
			return manifest(dir)
		}
	}
	shardEdit := func(edit func([]byte) []byte, sign bool) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			p := firstShard(t, dir)
			editFile(t, p, edit)
			if sign {
				resign(t, dir)
			}
			return p
		}
	}
	tests := []struct {
		name    string
		damage  func(t *testing.T, dir string) string // returns the file the error must name
		want    string
		kind    error
		atOpen  bool // found by Open (else only when reading episodes)
		iterate bool
	}{
		{"no manifest", func(t *testing.T, dir string) string { os.Remove(manifest(dir)); return manifest(dir) }, "no dataset here", fs.ErrNotExist, true, false},
		{"garbage manifest", func(t *testing.T, dir string) string {
			os.WriteFile(manifest(dir), []byte("hello\x00"), 0o644)
			return manifest(dir)
		}, "not JSON", ErrForeign, true, false},
		{"empty manifest", func(t *testing.T, dir string) string { os.WriteFile(manifest(dir), nil, 0o644); return manifest(dir) }, "not a metabench", ErrForeign, true, false},
		{"foreign JSON", func(t *testing.T, dir string) string {
			os.WriteFile(manifest(dir), []byte(`{"name": "npm package"}`), 0o644)
			return manifest(dir)
		}, "format field", ErrForeign, true, false},
		{"newer manifest", replaceManifest(`"version": 1`, `"version": 2`), "unsupported format version 2", ErrVersion, true, false},
		{"truncated manifest", func(t *testing.T, dir string) string {
			editFile(t, manifest(dir), func(b []byte) []byte { return b[:len(b)/2] })
			return manifest(dir)
		}, "not JSON", ErrForeign, true, false},
		{"inconsistent counts", func(t *testing.T, dir string) string {
			m, _ := readManifest(dir)
			m.Tasks[1].Sources[SourceExpert].Episodes++
			out, _ := m.marshal()
			os.WriteFile(manifest(dir), out, 0o644)
			return manifest(dir)
		}, "counts", ErrCorrupt, true, false},
		{"path escape", func(t *testing.T, dir string) string {
			m, _ := readManifest(dir)
			return replaceManifest(m.Tasks[0].Files[0].Path, "../../etc/passwd")(t, dir)
		}, "bad file path", ErrCorrupt, true, false},
		{"unknown field", replaceManifest(`"kind"`, `"kindd"`), "unknown field", ErrCorrupt, true, false},
		{"missing shard", func(t *testing.T, dir string) string { p := firstShard(t, dir); os.Remove(p); return p }, "no such file", fs.ErrNotExist, true, false},
		{"truncated shard", shardEdit(func(b []byte) []byte { return b[:len(b)-100] }, false), "truncated or replaced", ErrCorrupt, true, false},
		{"flipped byte", shardEdit(func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b }, false), "SHA-256", ErrCorrupt, true, false},
		{"foreign shard", shardEdit(func(b []byte) []byte { return []byte("PK\x03\x04 this is a zip file, not a shard") }, false), "wrong magic", ErrForeign, true, false},
		{"empty shard", shardEdit(func(b []byte) []byte { return nil }, false), "too short", ErrForeign, true, false},
		{"newer shard", shardEdit(func(b []byte) []byte { b[8] = 9; return b }, true), "unsupported format version 9", ErrVersion, true, false},
		// Damage the manifest agrees with: found while reading episodes.
		{"truncated record, resigned", shardEdit(func(b []byte) []byte { return b[:len(b)-7] }, true), "truncated in record 5 of 5", ErrCorrupt, false, true},
		{"flipped byte, resigned", shardEdit(func(b []byte) []byte { b[len(b)-9] ^= 1; return b }, true), "CRC mismatch", ErrCorrupt, false, true},
		{"extra data, resigned", shardEdit(func(b []byte) []byte { return append(b, 0) }, true), "extra data after 5 records", ErrCorrupt, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, good)
			file := tc.damage(t, dir)
			d, err := Open(dir)
			if !tc.atOpen {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer d.Close()
				err = d.Verify()
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, file) || strings.Contains(msg, "\n") {
				t.Fatalf("got %q, want one line naming %s and containing %q", msg, file, tc.want)
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %q is not %v", msg, tc.kind)
			}
		})
	}
}

// TestChangedAfterOpen: a file replaced after Open is caught while reading.
func TestChangedAfterOpen(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, testPlan(), 2, false)
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p := firstShard(t, dir)
	editFile(t, p, func(b []byte) []byte { return b[:len(b)-1] })
	err = d.Verify()
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("got %v", err)
	}
}

func TestReadOrderAndInfo(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, testPlan(), 3, true)
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := strings.Join(d.Tasks(), "|"); got != "ab|abc|ab cde" {
		t.Fatalf("tasks %q", got)
	}
	var steps int64
	prev := map[string]int{}
	n := 0
	for ep, err := range d.All() {
		if err != nil {
			t.Fatal(err)
		}
		if last, ok := prev[ep.Task]; ok && ep.Index <= last {
			t.Fatalf("task %q: index %d after %d", ep.Task, ep.Index, last)
		}
		prev[ep.Task] = ep.Index
		steps += int64(ep.Steps())
		n++
	}
	info := d.Info()
	if info.Episodes != n || info.Steps != steps || n != 11 || info.CompleteTasks != 3 || info.Bytes == 0 {
		t.Fatalf("info %+v, read %d episodes of %d steps", info, n, steps)
	}
	if info.BytesPerStep <= 0 || info.BytesPerStep > 80 {
		t.Errorf("bytes/step %.1f", info.BytesPerStep)
	}
	header, rows := info.Rows()
	if len(rows) != 4 || len(rows[0]) != len(header) || rows[3][0] != "TOTAL" {
		t.Fatalf("rows %v", rows)
	}
	t.Logf("%v\n%v", header, rows)
	// Stopping early is fine.
	for range d.Episodes("abc") {
		break
	}
	for _, err := range d.Episodes("zz") {
		if err == nil || !strings.Contains(err.Error(), `no task "zz"`) {
			t.Fatalf("got %v", err)
		}
	}
}
