package keyboard

import (
	"encoding/json"
	"fmt"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

// DatasetSaver appends episodes to the demonstration dataset in a directory
// with demos.Append: atomically, next to any expert episodes already there,
// counted under their source (human) in the manifest.
type DatasetSaver struct {
	Dir string
}

// NewDatasetSaver returns a saver into the dataset in dir: an existing
// block-stacking dataset (such as one made by `metabench demos gen`), or a
// new, empty one, whose manifest then records the simulator settings in the
// generator's format. A dataset of another kind is refused.
func NewDatasetSaver(dir string, cfg sim.Config) (*DatasetSaver, error) {
	settings, err := json.Marshal(collect.Settings{StateEvery: collect.StateEvery, Sim: cfg})
	if err != nil {
		return nil, fmt.Errorf("dataset settings: %w", err)
	}
	if err := demos.Init(dir, collect.DatasetKind, settings); err != nil {
		return nil, err
	}
	return &DatasetSaver{Dir: dir}, nil
}

// Save appends ep and says where it went.
func (d *DatasetSaver) Save(ep *demos.Episode) (string, error) {
	i, err := demos.Append(d.Dir, ep)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s as %s episode %d", d.Dir, ep.Source, i), nil
}
