// Package nmtassets embeds the real text of the nmt suite: the NTREX-128
// sentences of --data ntrex (CC BY-SA 4.0; README.md and LICENSE.md here)
// and the Tatoeba pairs of --data tatoeba (CC BY 2.0 FR; tatoeba/README.md).
package nmtassets

import "embed"

// FS holds languages.tsv, eng.txt.gz, CODE.txt.gz and docs.txt.
//
//go:embed languages.tsv docs.txt *.txt.gz LICENSE.md
var FS embed.FS

// Tatoeba holds tatoeba/languages.tsv and tatoeba/CODE.tsv.gz (one
// "english<TAB>source" pair a line) with the attribution in
// tatoeba/README.md.
//
//go:embed tatoeba/languages.tsv tatoeba/*.tsv.gz tatoeba/README.md
var Tatoeba embed.FS
