package main

import (
	"github.com/metabench/metabench/benchmarks/nmtbench"
	"github.com/metabench/metabench/benchmarks/suite"
)

// nmtSuite returns the nmt suite: meta-learning for low-resource
// translation (docs/nmt.md).
func nmtSuite() *suite.Suite { return nmtbench.New() }
