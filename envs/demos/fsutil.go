package demos

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/metabench/metabench/internal/atomicfile"
)

// Directory layout of a dataset.
const (
	shardDir   = "shards"  // compacted data files, listed in the manifest
	pendingDir = "pending" // finished episodes of unfinished tasks, one file each
	// tempPrefix starts the temporary files of earlier versions of this
	// package; a writer still removes them.
	tempPrefix = ".tmp-"
)

// writeFileAtomic writes data to path so that path holds either its old
// content or all of data, even across a crash (package atomicfile: a synced
// temporary file renamed over path, then the directory synced).
func writeFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644)
}

// writeAtomic writes path through write, atomically as writeFileAtomic. On
// any error path is left untouched.
func writeAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, 0o644, write)
}

// syncDir makes the entries of a directory (creations, renames) durable.
func syncDir(dir string) error { return atomicfile.SyncDir(dir) }

// mkdirSynced creates dir (and its parents) and makes it durable.
func mkdirSynced(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
}

// isTemp reports whether name is a temporary file a killed writer may have
// left: atomicfile's ("." + the target's name + random digits) for the
// files a dataset holds, or an earlier version's (tempPrefix).
func isTemp(name string) bool {
	if strings.HasPrefix(name, tempPrefix) {
		return true
	}
	base, ok := strings.CutPrefix(name, ".")
	if !ok {
		return false
	}
	base = strings.TrimRight(base, "0123456789")
	return base != name[1:] && (base == ManifestName || strings.HasSuffix(base, ".shard") || strings.HasSuffix(base, ".ep"))
}

// removeTemps deletes leftover temporary files in dir.
func removeTemps(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		if isTemp(e.Name()) && !e.IsDir() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func sha256hex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
