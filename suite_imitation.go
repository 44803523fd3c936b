package main

import (
	"github.com/metabench/metabench/benchmarks/imitbench"
	"github.com/metabench/metabench/benchmarks/suite"
)

// imitationSuite returns the one-shot imitation suite.
func imitationSuite() *suite.Suite { return imitbench.New() }
