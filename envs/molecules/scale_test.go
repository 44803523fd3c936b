package molecules

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user and system) of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// chainSMILES is a chain of n atoms, with a benzene ring every ringEvery
// atoms (0: none): long molecules of the shapes that made featurisation
// superlinear (a plain chain, and rings along it for ring perception and
// aromaticity).
func chainSMILES(n, ringEvery int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if ringEvery > 0 && i%ringEvery == ringEvery-1 {
			b.WriteString("c1ccccc1")
			i += 5
			continue
		}
		b.WriteByte('C')
	}
	return b.String()
}

// BenchmarkFeaturizeChain parses, sanitises, fingerprints (ECFP4) and
// takes the scaffold of one chain molecule by its number of atoms, plain
// and with a benzene ring every 12 atoms: the time per atom must stay flat
// as the chain doubles (linear or n log n).
func BenchmarkFeaturizeChain(b *testing.B) {
	for _, tc := range []struct {
		shape     string
		ringEvery int
	}{{"chain", 0}, {"rings", 12}} {
		for _, n := range []int{1000, 2000, 4000, 8000} {
			benchmarkFeaturize(b, tc.shape, n, chainSMILES(n, tc.ringEvery))
		}
	}
}

func benchmarkFeaturize(b *testing.B, shape string, n int, s string) {
	b.Run(fmt.Sprintf("%s/atoms=%d", shape, n), func(b *testing.B) {
		cpu0 := cpuTime()
		for b.Loop() {
			m, err := Parse(s)
			if err != nil {
				b.Fatal(err)
			}
			DefaultECFP.OnBits(m)
			ScaffoldKey(m)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/atom")
		// CPU time too: on a shared machine the wall time of one size and
		// the next can differ by others' load alone.
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/atom")
	})
}
