// Package drug ships the real data of the drug suite: Tox21 from
// MoleculeNet (deepchem's datasets/tox21.csv.gz, MIT licence in LICENSE),
// 8,014 molecules × 12 assays, so that `bench drug --data tox21` works on a
// fresh clone.
package drug

import _ "embed"

// Tox21 is the gzipped MoleculeNet Tox21 CSV (sha256
// 48b34e4e59a2bae6f95734cd206c1869ab355f50a5e50bb7371a21f861d5e297).
//
//go:embed tox21.csv.gz
var Tox21 []byte
