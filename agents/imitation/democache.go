package imitation

import (
	"sync"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// DemoCache keeps the conditioning demonstrations that evaluations record,
// so that the models of one run, evaluated on the same tasks and episodes,
// share them instead of each replaying the expert: a demonstration is a
// whole expert episode, about as costly as the rollout it conditions. The
// demonstrations are a function of their key, so a cached one is the one
// RecordDemos would record again. Safe for concurrent use; the zero value
// is ready.
type DemoCache struct {
	mu sync.Mutex
	m  map[demoKey]*demoEntry
}

type demoKey struct {
	task     string
	cfg      sim.Config
	base     uint64
	first, n int
	noise    float64
}

type demoEntry struct {
	once sync.Once
	ds   []*Demo
	err  error
}

// Record returns RecordDemos(t, cfg, base, first, n, noise), from the cache
// when an equal call has been made (a nil cache records every time).
func (c *DemoCache) Record(t stack.Task, cfg sim.Config, base uint64, first, n int, noise float64) ([]*Demo, error) {
	if c == nil {
		return RecordDemos(t, cfg, base, first, n, noise)
	}
	k := demoKey{task: t.String(), cfg: cfg, base: base, first: first, n: n, noise: noise}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[demoKey]*demoEntry{}
	}
	e := c.m[k]
	if e == nil {
		e = &demoEntry{}
		c.m[k] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.ds, e.err = RecordDemos(t, cfg, base, first, n, noise) })
	return e.ds, e.err
}
