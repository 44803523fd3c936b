package main

import (
	"github.com/metabench/metabench/benchmarks/drugbench"
	"github.com/metabench/metabench/benchmarks/suite"
)

// drugSuite returns the drug suite (Ramsundar et al. 2015).
func drugSuite() *suite.Suite { return drugbench.New() }
