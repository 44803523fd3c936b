package replay

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

// Load reads up to max episodes (all if max ≤ 0) of the dataset in dir, in
// dataset order, with every record and checksum verified. The episodes are
// played back under sim.DefaultConfig(), so a dataset recorded under other
// simulator settings (its manifest's) is refused: its actions would not
// reproduce it.
func Load(dir string, max int) ([]*demos.Episode, error) {
	d, err := demos.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	cfg, err := collect.ReplayConfig(d.Manifest())
	if err != nil {
		return nil, fmt.Errorf("replay: %s: %w", filepath.Join(dir, demos.ManifestName), err)
	}
	if diff := collect.ConfigDiff(cfg, sim.DefaultConfig()); len(diff) > 0 {
		return nil, fmt.Errorf("replay: %s was recorded under other simulator settings than this program's (%s): its episodes would not replay", dir, strings.Join(diff, ", "))
	}
	var eps []*demos.Episode
	for ep, err := range d.All() {
		if err != nil {
			return nil, err
		}
		eps = append(eps, ep)
		if max > 0 && len(eps) == max {
			break
		}
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("replay: the dataset in %s holds no episodes", dir)
	}
	return eps, nil
}
