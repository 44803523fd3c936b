package replay

import (
	"fmt"

	"github.com/metabench/metabench/envs/demos"
)

// Load reads up to max episodes (all if max ≤ 0) of the dataset in dir, in
// dataset order, with every record and checksum verified.
func Load(dir string, max int) ([]*demos.Episode, error) {
	d, err := demos.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
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
