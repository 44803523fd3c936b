// Package atomicfile writes files so that a reader, or a run that was killed
// mid-write, sees either the old content or the new one, never a torn file:
// data go to a temporary file in the same directory, which is synced to disk,
// renamed over the target, and the directory is synced so that the rename
// itself survives a power loss.
//
// Every file metabench writes goes through this package.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/renameio/v2"
)

// WriteFile writes data to path atomically with permissions perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write writes path atomically with the bytes fill writes (buffered). If
// fill fails, path is left as it was and the error is returned.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Cleanup()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := fill(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// File is a file being written; nothing is visible at its path until Commit.
type File struct {
	pf   *renameio.PendingFile
	path string
}

// Create starts writing path, whose directory must exist. Call Commit to publish the file, and Cleanup
// (deferred) to remove the temporary file if Commit was not reached.
func Create(path string, perm os.FileMode) (*File, error) {
	dir := filepath.Dir(path)
	// The temporary file lives beside the target so that the rename stays
	// within one file system.
	pf, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithPermissions(perm))
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &File{pf: pf, path: path}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.pf.Write(p) }

// Name returns the path the file will have after Commit.
func (f *File) Name() string { return f.path }

// Commit syncs the temporary file, renames it over the target and syncs the
// directory.
func (f *File) Commit() error {
	if err := f.pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	return SyncDir(filepath.Dir(f.path))
}

// Cleanup removes the temporary file unless Commit succeeded. It is safe to
// call after Commit.
func (f *File) Cleanup() { _ = f.pf.Cleanup() }

// SyncDir syncs a directory, making renames and creations in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// ReplaceDir publishes a directory built in full elsewhere (tmp, on the same
// file system) at path in one rename, first moving any old directory at path
// aside and removing it after. A reader sees the old directory, then the new
// one; a crash between the two renames leaves old content at path+".old",
// which the next ReplaceDir removes.
func ReplaceDir(tmp, path string) error {
	old := path + ".old"
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if err := SyncDir(tmp); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		if err := os.Rename(path, old); err != nil {
			return fmt.Errorf("replace %s: %w", path, err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// IsTemp reports whether name, a file name in a directory, is the temporary
// file of a write of target (a base name) by this package: a write killed
// before its rename leaves one behind. Such a file holds nothing anyone
// reads; a later run may remove it once it holds the directory's lock.
func IsTemp(name, target string) bool {
	// renameio names its temporary file "." + target + a non-negative
	// decimal int64.
	digits, ok := strings.CutPrefix(name, "."+target)
	if !ok || digits == "" || len(digits) > 19 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ProbeName is the target of the probe file CheckWritable writes: IsTemp
// (name, ProbeName) recognises one a killed check left behind.
const ProbeName = "metabench-probe"

// CheckWritable reports whether files can be created in dir, or, if dir
// does not exist yet, in the nearest directory above it that does (without
// creating anything that stays: a command that fails later leaves no
// directory behind).
func CheckWritable(dir string) error {
	d := dir
	for {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		up := filepath.Dir(d)
		if up == d {
			return err
		}
		d = up
	}
	f, err := Create(filepath.Join(d, ProbeName), 0o600)
	if err != nil {
		return fmt.Errorf("not writable: %w", err)
	}
	f.Cleanup()
	return nil
}

// RemoveTemps removes from dir the temporary files that killed writes of
// the targets (base names) left behind. The caller must hold dir's lock
// (package dirlock): another writer's temporary file is live.
func RemoveTemps(dir string, targets ...string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("clean %s: %w", dir, err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		for _, t := range targets {
			if IsTemp(e.Name(), t) {
				if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("clean %s: %w", dir, err)
				}
				break
			}
		}
	}
	return nil
}
