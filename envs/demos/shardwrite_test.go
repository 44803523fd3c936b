package demos

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteShardStreams: a shard written from chunks is named and sized
// after the whole content, and chunks that emit other bytes the second
// time (a pending file changed under the writer) leave no shard behind.
func TestWriteShardStreams(t *testing.T) {
	dir := t.TempDir()
	parts := [][]byte{[]byte("header"), []byte("record one"), []byte("record two")}
	chunks := func(emit func([]byte) error) error {
		for _, p := range parts {
			if err := emit(p); err != nil {
				return err
			}
		}
		return nil
	}
	f, err := writeShard(dir, 3, "expert", &Counts{Episodes: 2, Steps: 7}, chunks)
	if err != nil {
		t.Fatal(err)
	}
	want := "headerrecord onerecord two"
	sum := sha256.Sum256([]byte(want))
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
	if err != nil || string(got) != want {
		t.Fatalf("shard holds %q (%v), want %q", got, err, want)
	}
	if f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(want)) || f.Episodes != 2 || f.Steps != 7 || !strings.HasPrefix(f.Path, "shards/t0003-expert-") {
		t.Fatalf("entry %+v", f)
	}

	calls := 0
	changing := func(emit func([]byte) error) error {
		calls++
		if calls == 2 {
			return emit([]byte("other bytes"))
		}
		return emit([]byte("some bytes!"))
	}
	if _, err := writeShard(dir, 4, "expert", &Counts{}, changing); err == nil || !strings.Contains(err.Error(), "content changed") {
		t.Fatalf("content that changed between passes: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, shardDir))
	if len(ents) != 1 {
		t.Fatalf("%d files in shards/ after a failed write, want the first shard only", len(ents))
	}
}
