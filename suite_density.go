package main

import (
	"embed"
	"io/fs"

	"github.com/metabench/metabench/benchmarks/densitybench"
	"github.com/metabench/metabench/benchmarks/suite"
)

// densityAssets are the Omniglot sets the density suite's real-data
// profiles use (--data omniglot: the paper protocol; omniglot-maxpool),
// with their licence.
//
//go:embed assets/density/omniglot26.bits.gz assets/density/omniglot26-maxpool.bits.gz assets/density/LICENSE.omniglot
var densityAssets embed.FS

// densitySuite returns the density suite (Reed et al. 2018).
func densitySuite() *suite.Suite {
	sub, err := fs.Sub(densityAssets, "assets/density")
	if err != nil {
		panic(err) // the embedded directory exists at build time
	}
	return densitybench.New(sub)
}
