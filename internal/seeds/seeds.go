// Package seeds derives the seeds of a run's parts from the run's seed, so
// that each part (a training unit, an evaluation task) draws its own
// stream, and its results do not depend on which other parts ran in the
// same process (shards, cached parts, worker counts).
package seeds

// Sub returns the seed of part u of a run of seed seed:
// seed·1,000,003 + u·7,919. Both factors are prime, so two pairs collide
// only when (seed − seed′)·1,000,003 = (u′ − u)·7,919, which needs u′ − u
// to be a multiple of 1,000,003: parts numbered below that never share a
// seed with a part of another run (for seeds below 2⁴⁴, where nothing
// wraps). The formula is fixed: changing it changes the suites' results.
func Sub(seed, u uint64) uint64 { return seed*1_000_003 + u*7919 }
