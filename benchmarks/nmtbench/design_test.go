package nmtbench

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkAlignmentBySeed measures the design gate on alignment: the
// precision@1 of the low-resource languages' aligned embeddings before any
// parallel data (seed dictionary of Profile.SeedPairs words, refined
// Procrustes), over world seeds and monolingual sizes of the low-resource
// languages, at the quick profile's scale otherwise. It reports the mean,
// lowest and highest over the low-resource languages, to set
// LowMonoSentences against the gate's 0.20-0.35 across seeds rather than on
// one. Its time is the world's: embeddings of 13 languages.
//
//	go test ./benchmarks/nmtbench -run X -bench AlignmentBySeed -benchtime 1x
func BenchmarkAlignmentBySeed(b *testing.B) {
	quick, err := spec().Scale("quick")
	if err != nil {
		b.Fatal(err)
	}
	for _, mono := range []int{40000, 60000, 80000} {
		for seed := uint64(1); seed <= 6; seed++ {
			b.Run(fmt.Sprintf("low-mono=%d/seed=%d", mono, seed), func(b *testing.B) {
				p := quick
				p.LowMonoSentences = mono
				var mean, lo, hi float64
				for b.Loop() {
					d, err := synthetic(context.Background(), p, seed)
					if err != nil {
						b.Fatal(err)
					}
					mean, lo, hi = 0, 1, 0
					for _, l := range d.Low {
						mean += l.P1 / float64(len(d.Low))
						lo, hi = min(lo, l.P1), max(hi, l.P1)
					}
				}
				b.ReportMetric(mean, "p1-mean")
				b.ReportMetric(lo, "p1-min")
				b.ReportMetric(hi, "p1-max")
			})
		}
	}
}
