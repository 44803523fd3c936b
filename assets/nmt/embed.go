// Package nmtassets embeds the NTREX-128 sentences the nmt suite's
// real-data profile uses (CC BY-SA 4.0; README.md and LICENSE.md here).
package nmtassets

import "embed"

// FS holds languages.tsv, eng.txt.gz, CODE.txt.gz and docs.txt.
//
//go:embed languages.tsv docs.txt *.txt.gz LICENSE.md
var FS embed.FS
