package densitybench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/internal/cli"
)

// Omniglot as --data: the shipped sets (assets/density) by name, or a path
// to Lake's images, resized by the paper protocol unless prefixed with
// MaxPoolPrefix.
const (
	// BuiltinOmniglot is the shipped set under the paper protocol
	// (images.ResizeArea, the 45/5 alphabet split).
	BuiltinOmniglot = "omniglot"
	// BuiltinOmniglotMaxPool is the shipped set max-pooled to 26×26
	// (images.ResizeMaxPool), the same split.
	BuiltinOmniglotMaxPool = "omniglot-maxpool"
	// MaxPoolPrefix before a path resizes its 105×105 images by max-pooling.
	MaxPoolPrefix = "maxpool:"
	// OmniglotAsset and OmniglotMaxPoolAsset are the shipped sets' file
	// names inside the assets.
	OmniglotAsset        = "omniglot26.bits.gz"
	OmniglotMaxPoolAsset = "omniglot26-maxpool.bits.gz"
)

// omniglotData is what --data names: a shipped asset (asset ≠ "") or a
// path, and the resizing; maxpool tasks are named omniglot-maxpool so that
// the paper's numbers, which are under the other protocol, are not shown
// beside them.
type omniglotData struct {
	asset, path string
	resize      images.Resize
}

func parseData(data string) omniglotData {
	switch {
	case data == BuiltinOmniglot:
		return omniglotData{asset: OmniglotAsset}
	case data == BuiltinOmniglotMaxPool:
		return omniglotData{asset: OmniglotMaxPoolAsset, resize: images.ResizeMaxPool}
	case strings.HasPrefix(data, MaxPoolPrefix):
		return omniglotData{path: strings.TrimPrefix(data, MaxPoolPrefix), resize: images.ResizeMaxPool}
	}
	return omniglotData{path: data}
}

// taskName is the Omniglot task's name under this protocol.
func (d omniglotData) taskName() string {
	if d.resize == images.ResizeMaxPool {
		return "omniglot-maxpool"
	}
	return "omniglot"
}

// dataIdentity names the real data: a shipped set by its hash, a path by
// its protocol, absolute name, size and modification time.
func (b *bench) dataIdentity(data string) (string, error) {
	if data == "" {
		return "", nil
	}
	d := parseData(data)
	if d.asset != "" {
		if b.assets == nil {
			return "", cli.Usagef("density: --data %s: this build has no shipped Omniglot set", data)
		}
		raw, err := fs.ReadFile(b.assets, d.asset)
		if err != nil {
			return "", fmt.Errorf("density: shipped Omniglot: %w", err)
		}
		h := sha256.Sum256(raw)
		return data + ":" + hex.EncodeToString(h[:8]), nil
	}
	fi, err := os.Stat(d.path)
	if err != nil {
		return "", cli.Usagef("density: --data %s: %v", data, err)
	}
	return fmt.Sprintf("%s:%s:%d:%d", d.resize, d.path, fi.Size(), fi.ModTime().UnixNano()), nil
}

// loadOmniglot reads the real data named by data.
func (b *bench) loadOmniglot(data string) (*images.Set, error) {
	d := parseData(data)
	if d.asset != "" {
		if b.assets == nil {
			return nil, cli.Usagef("density: --data %s: this build has no shipped Omniglot set", data)
		}
		f, err := b.assets.Open(d.asset)
		if err != nil {
			return nil, fmt.Errorf("density: shipped Omniglot: %w", err)
		}
		defer f.Close()
		return images.ReadPacked(f, "assets/density/"+d.asset)
	}
	return images.OmniglotResized(d.path, d.resize)
}

// taskSource builds a task's episodes.
func taskSource(t Task, seed uint64, omni *images.Set) (images.Source, error) {
	switch t.Name {
	case "flip":
		return images.Flip{Side: t.Side}, nil
	case "characters":
		return images.Characters(t.Characters, seed)
	case "objects":
		return images.Objects(t.Objects, seed)
	case "omniglot", "omniglot-maxpool":
		if omni == nil {
			return nil, fmt.Errorf("density: the omniglot task needs --data")
		}
		return omni, nil
	}
	return nil, fmt.Errorf("density: unknown task %q", t.Name)
}
