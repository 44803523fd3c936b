// Command mkomniglot writes the packed 26×26 Omniglot set shipped in
// assets/density from Lake's images as .npz arrays:
//
//	go run ./envs/images/internal/mkomniglot -in /path/to/omniglot -out assets/density/omniglot26.bits.gz
//
// The input directory holds images_background.npz and images_evaluation.npz.
// -resize area (the paper protocol, default) or maxpool picks how the
// 105×105 images become 26×26 (images.Resize).
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
	resize := flag.String("resize", "area", "105×105 to 26×26: area (fraction of ink ≥ 1/2, the paper protocol) or maxpool")
	flag.Parse()
	rz := images.ResizeArea
	switch *resize {
	case "area":
	case "maxpool":
		rz = images.ResizeMaxPool
	default:
		fmt.Fprintf(os.Stderr, "mkomniglot: -resize %q, want area or maxpool\n", *resize)
		os.Exit(2)
	}
	if err := run(*in, *out, *keep, rz); err != nil {
		fmt.Fprintln(os.Stderr, "mkomniglot:", err)
		os.Exit(1)
	}
}

func run(in, out string, keep int, rz images.Resize) error {
	if in == "" || out == "" {
		return fmt.Errorf("give -in and -out")
	}
	s, err := images.OmniglotResized(in, rz)
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
