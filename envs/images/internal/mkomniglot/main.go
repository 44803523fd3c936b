// Command mkomniglot writes the packed 26×26 Omniglot set shipped in
// assets/density from Lake's images as .npz arrays:
//
//	go run ./envs/images/internal/mkomniglot -in /path/to/omniglot -out assets/density/omniglot26.bits.gz
//
// The input directory holds images_background.npz and images_evaluation.npz.
// -train-per-alphabet keeps only the first N characters of each training
// group (0: all), to keep the shipped file small.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/internal/atomicfile"
)

func main() {
	in := flag.String("in", "", "directory with images_background.npz and images_evaluation.npz")
	out := flag.String("out", "", "packed output file (.bits.gz)")
	keep := flag.Int("train-chars", 0, "keep only this many training characters, spread evenly (0: all)")
	flag.Parse()
	if err := run(*in, *out, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "mkomniglot:", err)
		os.Exit(1)
	}
}

func run(in, out string, keep int) error {
	if in == "" || out == "" {
		return fmt.Errorf("give -in and -out")
	}
	s, err := images.Omniglot(in)
	if err != nil {
		return err
	}
	if keep > 0 && keep < len(s.Train) {
		var kept []images.Class
		for i := range keep {
			kept = append(kept, s.Train[i*len(s.Train)/keep])
		}
		s.Train = kept
	}
	fmt.Printf("train %d characters, test %d characters\n", len(s.Train), len(s.Test))
	return atomicfile.Write(out, 0o644, func(w io.Writer) error { return images.WritePacked(w, s) })
}
