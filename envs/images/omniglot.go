package images

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/metabench/metabench/internal/infile"
)

// OmniglotSide is the side of Omniglot's images as the paper models them:
// 26×26, from the 105×105 originals.
const OmniglotSide = 26

// rawSide is the side of Lake's original images.
const rawSide = 105

// TestAlphabets are the five held-out Omniglot alphabets (all in Lake's
// evaluation set, with index ranges checked against its one-shot runs; see
// docs/density.md). The other 45 alphabets are the training split.
var TestAlphabets = []string{"Atlantean", "Ge_ez", "Kannada", "Tengwar", "Tibetan"}

// evaluationAlphabets lists Lake's 20 evaluation alphabets in the order of
// images_evaluation.npz (alphabetical, contiguous) with their character
// counts; the background set's alphabet boundaries are not recorded in the
// .npz, so its 964 characters form one training group.
var evaluationAlphabets = []struct {
	name  string
	chars int
}{
	{"Angelic", 20}, {"Atemayar_Qelisayer", 26}, {"Atlantean", 26}, {"Aurek-Besh", 26}, {"Avesta", 26},
	{"Ge_ez", 26}, {"Glagolitic", 45}, {"Gurmukhi", 45}, {"Kannada", 41}, {"Keble", 26},
	{"Malayalam", 47}, {"Manipuri", 40}, {"Mongolian", 30}, {"Old_Church_Slavonic_(Cyrillic)", 45}, {"Oriya", 46},
	{"Sylheti", 28}, {"Syriac_(Serto)", 23}, {"Tengwar", 25}, {"Tibetan", 42}, {"ULOG", 26},
}

// Downsample turns a 105×105 Omniglot image (ink[i] true where there is
// ink) into 26×26 binary pixels: 4×4 max-pooling with stride 4, so ink
// anywhere in a block inks the pixel. The 105th row and column (always
// background in Omniglot's drawings' margins) fall outside the 26 blocks.
func Downsample(ink []bool) []float32 {
	out := make([]float32, OmniglotSide*OmniglotSide)
	for y := range 4 * OmniglotSide {
		for x := range 4 * OmniglotSide {
			if ink[y*rawSide+x] {
				out[(y/4)*OmniglotSide+x/4] = 1
			}
		}
	}
	return out
}

// Resize is how a 105×105 Omniglot image becomes 26×26 binary pixels.
type Resize int

const (
	// ResizeArea, the paper protocol and the default: each 26×26 pixel is
	// the fraction of ink in its 105/26-pixel square of the original
	// (area-weighted at the edges), binarised at 1/2. Reed et al. (2018)
	// say only "26×26 binarised" with the split of Bornschein et al.
	// (2017); the resampling filter and the threshold are our choice.
	ResizeArea Resize = iota
	// ResizeMaxPool is 4×4 max-pooling with stride 4: ink anywhere in a
	// block inks the pixel (thicker strokes; the first version's).
	ResizeMaxPool
)

func (r Resize) String() string {
	if r == ResizeMaxPool {
		return "maxpool"
	}
	return "area"
}

func (r Resize) apply(ink []bool) []float32 {
	if r == ResizeMaxPool {
		return Downsample(ink)
	}
	return DownsampleArea(ink)
}

// areaWeights[o] lists, for output index o, the first source index and the
// overlap of each source pixel [i, i+1) with [o·105/26, (o+1)·105/26).
func areaWeights() [OmniglotSide]struct {
	first int
	w     []float64
} {
	var out [OmniglotSide]struct {
		first int
		w     []float64
	}
	scale := float64(rawSide) / OmniglotSide
	for o := range OmniglotSide {
		lo, hi := float64(o)*scale, float64(o+1)*scale
		first := int(lo)
		out[o].first = first
		for i := first; float64(i) < hi && i < rawSide; i++ {
			out[o].w = append(out[o].w, min(hi, float64(i+1))-max(lo, float64(i)))
		}
	}
	return out
}

// DownsampleArea turns a 105×105 Omniglot image (ink[i] true where there
// is ink) into 26×26 binary pixels by [ResizeArea]: a pixel is ink when at
// least half of its area in the original is.
func DownsampleArea(ink []bool) []float32 {
	ws := areaWeights()
	scale := float64(rawSide) / OmniglotSide
	out := make([]float32, OmniglotSide*OmniglotSide)
	for oy := range OmniglotSide {
		for ox := range OmniglotSide {
			var a float64
			for dy, wy := range ws[oy].w {
				row := (ws[oy].first + dy) * rawSide
				for dx, wx := range ws[ox].w {
					if ink[row+ws[ox].first+dx] {
						a += wy * wx
					}
				}
			}
			if a >= 0.5*scale*scale {
				out[oy*OmniglotSide+ox] = 1
			}
		}
	}
	return out
}

// character is one Omniglot character's images with its alphabet.
type character struct {
	alphabet string
	name     string
	images   [][]float32
}

// Omniglot reads Omniglot from path:
//
//   - a .npz file of Lake's images (images_background.npz or
//     images_evaluation.npz: a bool array images.npy of shape (C, 20, 105,
//     105), true = background);
//   - a directory holding either of those files, or Lake's
//     folder-of-PNGs layout (<alphabet>/<character>/*.png, 105×105);
//   - a packed 26×26 file written by [WritePacked] (.bits.gz).
//
// Images become 26×26 binary (ink = 1). The [TestAlphabets] present form
// the test split; if none is present, the last tenth of the alphabets in
// name order (at least one) does.
//
// The 105×105 images are resized by [ResizeArea]; [OmniglotResized] takes
// the resizing.
func Omniglot(path string) (*Set, error) { return OmniglotResized(path, ResizeArea) }

// OmniglotResized is [Omniglot] with 105×105 images resized by rz (a
// packed file is already 26×26 and is read as it is).
func OmniglotResized(path string, rz Resize) (*Set, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("omniglot: %w", err)
	}
	var chars []character
	switch {
	case fi.IsDir():
		chars, err = readDir(path, rz)
	case strings.HasSuffix(path, ".npz"):
		chars, err = readNPZFile(path, rz)
	case strings.HasSuffix(path, ".bits.gz"):
		f, err2 := infile.Open(path)
		if err2 != nil {
			return nil, fmt.Errorf("omniglot: %w", err2)
		}
		defer f.Close()
		return ReadPacked(f, path)
	default:
		return nil, fmt.Errorf("omniglot: %s: want a .npz file, a .bits.gz file or a directory", path)
	}
	if err != nil {
		return nil, err
	}
	return buildSet(chars, path)
}

func buildSet(chars []character, path string) (*Set, error) {
	if len(chars) == 0 {
		return nil, fmt.Errorf("omniglot: %s: no characters found", path)
	}
	var names []string
	for _, c := range chars {
		if !slices.Contains(names, c.alphabet) {
			names = append(names, c.alphabet)
		}
	}
	test := map[string]bool{}
	for _, a := range TestAlphabets {
		if slices.Contains(names, a) {
			test[a] = true
		}
	}
	if len(test) == 0 {
		sorted := slices.Sorted(slices.Values(names))
		for _, a := range sorted[len(sorted)-max(1, len(sorted)/10):] {
			test[a] = true
		}
	}
	if len(names) == 1 {
		return nil, fmt.Errorf("omniglot: %s: one alphabet (%s), need training and test alphabets (Lake's background .npz does not record its alphabets: give images_evaluation.npz, or a directory with both .npz files)", path, names[0])
	}
	if len(test) == len(names) {
		return nil, fmt.Errorf("omniglot: %s: only test alphabets (%s), no training alphabets", path, strings.Join(names, ", "))
	}
	s := &Set{Name: "omniglot", H: OmniglotSide, W: OmniglotSide, MaxSupport: 1 << 30}
	for _, c := range chars {
		cl := Class{Group: c.alphabet, Name: c.alphabet + "/" + c.name, Images: c.images}
		s.MaxSupport = min(s.MaxSupport, len(c.images)-1)
		if test[c.alphabet] {
			s.Test = append(s.Test, cl)
		} else {
			s.Train = append(s.Train, cl)
		}
	}
	if s.MaxSupport < 1 {
		return nil, fmt.Errorf("omniglot: %s: a character has fewer than 2 images", path)
	}
	return s, nil
}

func readDir(dir string, rz Resize) ([]character, error) {
	var chars []character
	found := false
	for _, name := range []string{"images_background.npz", "images_evaluation.npz"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			cs, err := readNPZFile(p, rz)
			if err != nil {
				return nil, err
			}
			chars = append(chars, cs...)
			found = true
		}
	}
	if found {
		return chars, nil
	}
	return readPNGTree(dir, rz)
}

// readPNGTree reads every directory holding PNGs as one character whose
// alphabet is its parent directory; directories and files in name order.
func readPNGTree(dir string, rz Resize) ([]character, error) {
	var chars []character
	total := 0 // bounded like an .npz's images
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return err
		}
		var c *character
		for _, e := range ents {
			if e.IsDir() || !strings.HasSuffix(strings.ToLower(e.Name()), ".png") {
				continue
			}
			if c == nil {
				c = &character{alphabet: filepath.Base(filepath.Dir(p)), name: filepath.Base(p)}
			}
			if total++; total > maxNPYImages {
				return fmt.Errorf("%s: more than %d images", dir, maxNPYImages)
			}
			im, err := readPNG(filepath.Join(p, e.Name()), rz)
			if err != nil {
				return err
			}
			c.images = append(c.images, im)
		}
		if c != nil {
			chars = append(chars, *c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("omniglot: %w", err)
	}
	if len(chars) == 0 {
		return nil, fmt.Errorf("omniglot: %s: no .npz files and no PNG images", dir)
	}
	return chars, nil
}

// readPNG reads one 105×105 Omniglot PNG (dark = ink) or an image already
// at 26×26.
func readPNG(path string, rz Resize) ([]float32, error) {
	im, err := decodePNG(path, [][2]int{{rawSide, rawSide}, {OmniglotSide, OmniglotSide}})
	if err != nil {
		return nil, err
	}
	if im.Bounds().Dx() == rawSide {
		return rz.apply(inkOf(im)), nil
	}
	ink := inkOf(im)
	out := make([]float32, len(ink))
	for i, v := range ink {
		if v {
			out[i] = 1
		}
	}
	return out, nil
}

// decodePNG decodes the PNG at path if its header gives one of the sizes
// (width, height) in want, and refuses any other size before decoding: a
// file of a few bytes can declare 100000×100000 pixels, which png.Decode
// would try to allocate.
func decodePNG(path string, want [][2]int) (image.Image, error) {
	f, err := infile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	cfg, err := png.DecodeConfig(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !slices.Contains(want, [2]int{cfg.Width, cfg.Height}) {
		var sizes []string
		for _, w := range want {
			sizes = append(sizes, fmt.Sprintf("%d×%d", w[0], w[1]))
		}
		return nil, fmt.Errorf("%s: image is %d×%d, want %s", path, cfg.Width, cfg.Height, strings.Join(sizes, " or "))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	im, err := png.Decode(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return im, nil
}

func inkOf(im image.Image) []bool {
	b := im.Bounds()
	ink := make([]bool, b.Dx()*b.Dy())
	for y := range b.Dy() {
		for x := range b.Dx() {
			r, g, bl, _ := im.At(b.Min.X+x, b.Min.Y+y).RGBA()
			ink[y*b.Dx()+x] = r+g+bl < 3*0x8000
		}
	}
	return ink
}

// ReadSupportPNG reads a support image for sampling: h×w, or 105×105
// Omniglot (resized by [ResizeArea]) when h = w = 26. Dark pixels are ink.
func ReadSupportPNG(path string, h, w int) ([]float32, error) {
	if h == OmniglotSide && w == OmniglotSide {
		return readPNG(path, ResizeArea)
	}
	im, err := decodePNG(path, [][2]int{{w, h}})
	if err != nil {
		return nil, err
	}
	out := make([]float32, h*w)
	for i, v := range inkOf(im) {
		if v {
			out[i] = 1
		}
	}
	return out, nil
}

func readNPZFile(path string, rz Resize) ([]character, error) {
	fh, err := infile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("omniglot: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("omniglot: %w", err)
	}
	zr, err := zip.NewReader(fh, st.Size())
	if err != nil {
		return nil, fmt.Errorf("omniglot: %s: not a .npz (zip) file: %w", path, err)
	}
	for _, f := range zr.File {
		if f.Name != "images.npy" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("omniglot: %s: images.npy: %w", path, err)
		}
		defer rc.Close()
		chars, err := readNPY(rc, f.UncompressedSize64, rz)
		if err != nil {
			return nil, fmt.Errorf("omniglot: %s: images.npy: %w", path, err)
		}
		return nameNPZ(chars, path)
	}
	return nil, fmt.Errorf("omniglot: %s: no images.npy inside", path)
}

// nameNPZ assigns alphabets: the evaluation set's from its known order, the
// background set's all to one training group.
func nameNPZ(imgs [][][]float32, path string) ([]character, error) {
	total := 0
	for _, a := range evaluationAlphabets {
		total += a.chars
	}
	chars := make([]character, len(imgs))
	if len(imgs) == total {
		i := 0
		for _, a := range evaluationAlphabets {
			for j := range a.chars {
				chars[i] = character{alphabet: a.name, name: fmt.Sprintf("character%02d", j+1), images: imgs[i]}
				i++
			}
		}
		return chars, nil
	}
	base := strings.TrimSuffix(filepath.Base(path), ".npz")
	for i, im := range imgs {
		chars[i] = character{alphabet: base, name: fmt.Sprintf("character%04d", i+1), images: im}
	}
	return chars, nil
}

var npyShape = regexp.MustCompile(`'shape':\s*\((\d+),\s*(\d+),\s*(\d+),\s*(\d+),?\)`)

// maxNPYImages bounds the images of an .npz (Omniglot has 32,460): their
// downsampled copies take 2.7 kB each.
const maxNPYImages = 100_000

// readNPY streams a (C, D, 105, 105) bool array of size bytes (as the zip
// directory says), resizing image by image so that the 200 MB array is
// never held. The shape must account for exactly size bytes, so that a
// header claiming more data than the file holds is refused before anything
// is allocated for it.
func readNPY(r io.Reader, size uint64, rz Resize) ([][][]float32, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, 10)
	if _, err := io.ReadFull(br, magic); err != nil {
		return nil, fmt.Errorf("truncated header: %w", err)
	}
	if !bytes.Equal(magic[:6], []byte("\x93NUMPY")) {
		return nil, errors.New("not a .npy array (bad magic)")
	}
	var hlen int
	switch magic[6] {
	case 1:
		hlen = int(magic[8]) | int(magic[9])<<8
	case 2, 3:
		rest := make([]byte, 2)
		if _, err := io.ReadFull(br, rest); err != nil {
			return nil, fmt.Errorf("truncated header: %w", err)
		}
		hlen = int(magic[8]) | int(magic[9])<<8 | int(rest[0])<<16 | int(rest[1])<<24
	default:
		return nil, fmt.Errorf("unknown .npy version %d", magic[6])
	}
	if hlen > 1<<16 {
		return nil, fmt.Errorf("header of %d bytes", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, fmt.Errorf("truncated header: %w", err)
	}
	h := string(hdr)
	if !strings.Contains(h, "'descr': '|b1'") && !strings.Contains(h, "'descr': '|u1'") {
		return nil, fmt.Errorf("dtype in header %q, want bool (|b1)", strings.TrimSpace(h))
	}
	if strings.Contains(h, "'fortran_order': True") {
		return nil, errors.New("array in Fortran order, want C order")
	}
	m := npyShape.FindStringSubmatch(h)
	if m == nil {
		return nil, fmt.Errorf("shape in header %q, want (C, D, 105, 105)", strings.TrimSpace(h))
	}
	dims := make([]int, 4)
	for i := range dims {
		dims[i], _ = strconv.Atoi(m[i+1])
	}
	if dims[2] != rawSide || dims[3] != rawSide || dims[0] < 1 || dims[0] > maxNPYImages || dims[1] < 2 || dims[1] > 1000 {
		return nil, fmt.Errorf("shape %v, want (C, D, 105, 105) with D ≥ 2", dims)
	}
	if n := dims[0] * dims[1]; n > maxNPYImages {
		return nil, fmt.Errorf("shape %v: %d images, at most %d", dims, n, maxNPYImages)
	}
	hdrLen := uint64(len(magic) + hlen)
	if magic[6] != 1 {
		hdrLen += 2
	}
	if want := hdrLen + uint64(dims[0]*dims[1]*rawSide*rawSide); want != size {
		return nil, fmt.Errorf("shape %v needs %d bytes, the file holds %d", dims, want, size)
	}
	raw := make([]byte, rawSide*rawSide)
	ink := make([]bool, rawSide*rawSide)
	out := make([][][]float32, dims[0])
	for c := range out {
		out[c] = make([][]float32, dims[1])
		for d := range out[c] {
			if _, err := io.ReadFull(br, raw); err != nil {
				return nil, fmt.Errorf("truncated data at character %d drawer %d: %w", c, d, err)
			}
			for i, v := range raw {
				ink[i] = v == 0 // true (any non-zero byte) is the white background
			}
			out[c][d] = rz.apply(ink)
		}
	}
	return out, nil
}

// packedMagic starts a packed file.
const packedMagic = "metabench-omniglot-bits v1"

// WritePacked writes the set in the compact form shipped in assets: a
// gzipped text header (one line per character: split, alphabet, name,
// number of images) followed by each image as H·W bits, most significant
// bit first, rows padded to whole images.
func WritePacked(w io.Writer, s *Set) error {
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriter(zw)
	fmt.Fprintf(bw, "%s %d %d %d\n", packedMagic, s.H, s.W, len(s.Train)+len(s.Test))
	for _, split := range []Split{TrainSplit, TestSplit} {
		for _, c := range s.Classes(split) {
			fmt.Fprintf(bw, "%s\t%s\t%s\t%d\n", split, c.Group, c.Name, len(c.Images))
		}
	}
	buf := make([]byte, (s.H*s.W+7)/8)
	for _, split := range []Split{TrainSplit, TestSplit} {
		for _, c := range s.Classes(split) {
			for _, im := range c.Images {
				clear(buf)
				for i, v := range im {
					if v != 0 {
						buf[i/8] |= 0x80 >> (i % 8)
					}
				}
				bw.Write(buf)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// maxPackedPixels bounds a packed set (Omniglot: 22 million), whose
// gzipped bits a small file can claim many times over.
const maxPackedPixels = 1 << 26

// ReadPacked reads a set written by [WritePacked]; name labels errors.
func ReadPacked(r io.Reader, name string) (*Set, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("omniglot: %s: not gzip: %w", name, err)
	}
	br := bufio.NewReader(zr)
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("omniglot: %s: truncated header: %w", name, err)
	}
	var h, w, n int
	if !strings.HasPrefix(line, packedMagic+" ") {
		return nil, fmt.Errorf("omniglot: %s: line 1: not a packed image set", name)
	}
	if _, err := fmt.Sscanf(line[len(packedMagic):], "%d %d %d", &h, &w, &n); err != nil || h < 1 || w < 1 || h > 1024 || w > 1024 || n < 1 || n > 1000000 {
		return nil, fmt.Errorf("omniglot: %s: line 1: bad sizes %q", name, strings.TrimSpace(line))
	}
	s := &Set{Name: "omniglot", H: h, W: w, MaxSupport: 1 << 30}
	type entry struct {
		split Split
		cl    Class
		n     int
	}
	entries := make([]entry, n)
	for i := range entries {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("omniglot: %s: line %d: truncated header: %w", name, i+2, err)
		}
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		k, err := strconv.Atoi(f[len(f)-1])
		if len(f) != 4 || err != nil || (f[0] != "train" && f[0] != "test") || k < 2 || k > 1000 {
			return nil, fmt.Errorf("omniglot: %s: line %d: want split, alphabet, name, count (≥ 2)", name, i+2)
		}
		sp := TrainSplit
		if f[0] == "test" {
			sp = TestSplit
		}
		entries[i] = entry{sp, Class{Group: f[1], Name: f[2]}, k}
	}
	total := 0
	for _, e := range entries {
		total += e.n
	}
	if total*h*w > maxPackedPixels {
		return nil, fmt.Errorf("omniglot: %s: %d images of %d×%d, more than %d pixels in all", name, total, h, w, maxPackedPixels)
	}
	buf := make([]byte, (h*w+7)/8)
	for _, e := range entries {
		for range e.n {
			if _, err := io.ReadFull(br, buf); err != nil {
				return nil, fmt.Errorf("omniglot: %s: truncated image data in %s: %w", name, e.cl.Name, err)
			}
			im := make([]float32, h*w)
			for i := range im {
				if buf[i/8]&(0x80>>(i%8)) != 0 {
					im[i] = 1
				}
			}
			e.cl.Images = append(e.cl.Images, im)
		}
		s.MaxSupport = min(s.MaxSupport, e.n-1)
		if e.split == TestSplit {
			s.Test = append(s.Test, e.cl)
		} else {
			s.Train = append(s.Train, e.cl)
		}
	}
	if len(s.Train) == 0 || len(s.Test) == 0 {
		return nil, fmt.Errorf("omniglot: %s: needs training and test characters", name)
	}
	return s, nil
}
