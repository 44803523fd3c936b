package main

import "github.com/metabench/metabench/benchmarks/suite"

// densitySuite returns the density suite; nil until it is built.
func densitySuite() *suite.Suite { return nil }
