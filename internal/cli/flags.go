package cli

import (
	"flag"
	"fmt"
)

// The flags most commands share are declared here, so that each has one
// name, one default and one range check everywhere.

// DefaultSeed is --seed when it is not given.
const DefaultSeed = 1

// Seed declares --seed on fs, DefaultSeed unless given; what names what it
// seeds ("the split and the network").
func Seed(fs *flag.FlagSet, what string) *uint64 {
	p := new(uint64)
	SeedVar(fs, p, DefaultSeed, what)
	return p
}

// SeedVar declares --seed on fs into p with the default def, for the few
// commands whose seed has a default of its own (sacreBLEU's, or 0 for "from
// the clock").
func SeedVar(fs *flag.FlagSet, p *uint64, def uint64, what string) {
	fs.Uint64Var(p, "seed", def, "seed of "+what)
}

// MaxWorkers bounds --workers: more goroutines than this only cost memory.
const MaxWorkers = 1024

// workersUsage is the one usage string of --workers.
var workersUsage = fmt.Sprintf("parallel workers (0: all CPUs; at most %d)", MaxWorkers)

// Workers declares --workers on fs, 0 (all CPUs) unless given. Check its
// value with Check.Workers.
func Workers(fs *flag.FlagSet) *int {
	p := new(int)
	WorkersVar(fs, p)
	return p
}

// WorkersVar declares --workers on fs into p, 0 (all CPUs) unless given.
func WorkersVar(fs *flag.FlagSet, p *int) {
	fs.IntVar(p, "workers", 0, workersUsage)
}

// Workers requires a --workers value: 0 (all CPUs) to MaxWorkers.
func (c *Check) Workers(v int) *Check { return c.Int("workers", v, 0, MaxWorkers) }
