package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"

	"github.com/metabench/metabench/internal/atomicfile"
)

// quantiser maps RGBA pixels to palette indices: exactly for palette
// colours, to the nearest palette colour (lowest index on ties) otherwise.
type quantiser struct {
	index map[uint32]uint8
}

func newQuantiser() *quantiser {
	q := &quantiser{index: make(map[uint32]uint8, 2*len(palette))}
	for i, c := range palette {
		q.index[pack(c.(color.RGBA))] = uint8(i)
	}
	return q
}

func (q *quantiser) lookup(key uint32) uint8 {
	if i, ok := q.index[key]; ok {
		return i
	}
	r, g, b := int(key>>16&0xff), int(key>>8&0xff), int(key&0xff)
	best, bestD := 0, 1<<30
	for i, pc := range palette {
		c := pc.(color.RGBA)
		dr, dg, db := r-int(c.R), g-int(c.G), b-int(c.B)
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	q.index[key] = uint8(best)
	return uint8(best)
}

// exact reports whether every pixel of img is a palette colour.
func (q *quantiser) exact(img *image.RGBA) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		for k := 0; k < len(row); k += 4 {
			if row[k+3] != 0xff {
				return false
			}
			if _, ok := q.index[uint32(row[k])<<16|uint32(row[k+1])<<8|uint32(row[k+2])]; !ok {
				return false
			}
		}
	}
	return true
}

// paletted converts the rectangle r of img (alpha ignored).
func (q *quantiser) paletted(img *image.RGBA, r image.Rectangle) *image.Paletted {
	out := image.NewPaletted(r, palette)
	last, lastIdx := ^uint32(0), uint8(0)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		dst := out.Pix[out.PixOffset(r.Min.X, y):out.PixOffset(r.Max.X, y)]
		for i := range dst {
			key := uint32(src[4*i])<<16 | uint32(src[4*i+1])<<8 | uint32(src[4*i+2])
			if key != last {
				last, lastIdx = key, q.lookup(key)
			}
			dst[i] = lastIdx
		}
	}
	return out
}

// changed returns the smallest rectangle holding every pixel where a and
// b differ, or an empty rectangle.
func changed(a, b *image.RGBA) image.Rectangle {
	bd := a.Bounds()
	minX, minY, maxX, maxY := bd.Max.X, bd.Max.Y, bd.Min.X-1, bd.Min.Y-1
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		ra := a.Pix[a.PixOffset(bd.Min.X, y):a.PixOffset(bd.Max.X, y)]
		rb := b.Pix[b.PixOffset(bd.Min.X, y):b.PixOffset(bd.Max.X, y)]
		if string(ra) == string(rb) {
			continue
		}
		px := func(row []byte, i int) uint32 { return binary.LittleEndian.Uint32(row[4*i:]) & 0x00ffffff }
		lo, hi := 0, len(ra)/4-1
		for lo <= hi && px(ra, lo) == px(rb, lo) {
			lo++
		}
		for hi >= lo && px(ra, hi) == px(rb, hi) {
			hi--
		}
		if lo > hi { // only alpha differed
			continue
		}
		minX, maxX = min(minX, bd.Min.X+lo), max(maxX, bd.Min.X+hi)
		minY, maxY = min(minY, y), max(maxY, y)
	}
	if maxY < minY {
		return image.Rectangle{}
	}
	return image.Rect(minX, minY, maxX+1, maxY+1)
}

// GIF builds an endlessly looping animated GIF frame by frame. Each frame
// is stored at once as the paletted rectangle that changed since the one
// before, so memory grows with what moves on screen, not with the number or
// size of frames: a long rollout can be rendered without holding its frames.
type GIF struct {
	q      *quantiser
	g      gif.GIF
	prev   *image.RGBA
	bounds image.Rectangle
	delay  int
}

// NewGIF starts a GIF showing each frame for delayCS hundredths of a second.
func NewGIF(delayCS int) (*GIF, error) {
	if delayCS < 0 {
		return nil, fmt.Errorf("render: negative GIF frame delay %d", delayCS)
	}
	return &GIF{q: newQuantiser(), delay: delayCS}, nil
}

// Add appends a frame. Every frame must have the bounds of the first. The
// GIF keeps f until the next Add: do not draw into it meanwhile.
func (b *GIF) Add(f *image.RGBA) error {
	r := f.Bounds()
	if b.prev == nil {
		if r.Empty() {
			return errors.New("render: GIF frames are empty")
		}
		b.bounds = r
		b.g.Config = image.Config{ColorModel: palette, Width: r.Dx(), Height: r.Dy()}
	} else {
		if r != b.bounds {
			return fmt.Errorf("render: GIF frame %d is %v, frame 0 is %v", len(b.g.Image), r, b.bounds)
		}
		r = changed(b.prev, f)
		if r.Empty() { // keep the frame for its timing, store one pixel
			r = image.Rectangle{Min: b.bounds.Min, Max: b.bounds.Min.Add(image.Pt(1, 1))}
		}
	}
	// GIF frames are placed relative to the logical screen's origin.
	p := b.q.paletted(f, r)
	p.Rect = r.Sub(b.bounds.Min)
	b.g.Image = append(b.g.Image, p)
	b.g.Delay = append(b.g.Delay, b.delay)
	b.g.Disposal = append(b.g.Disposal, gif.DisposalNone)
	b.prev = f
	return nil
}

// Frames returns the number of frames added.
func (b *GIF) Frames() int { return len(b.g.Image) }

// Encode writes the GIF.
func (b *GIF) Encode(w io.Writer) error {
	if len(b.g.Image) == 0 {
		return errors.New("render: GIF needs at least one frame")
	}
	return gif.EncodeAll(w, &b.g)
}

// WriteFile writes the GIF to path atomically: the file appears complete or
// not at all.
func (b *GIF) WriteFile(path string) error {
	if len(b.g.Image) == 0 {
		return errors.New("render: GIF needs at least one frame")
	}
	return writeAtomic(path, b.Encode)
}

// WriteGIF writes frames as an endlessly looping animated GIF showing each
// frame for delayCS hundredths of a second. All frames must have the same
// bounds. Pixels are mapped to the renderer's fixed palette without
// dithering: exactly for everything the renderer paints, to the nearest
// palette colour otherwise; alpha is ignored. After the first frame only
// the rectangle that changed is stored, so still scenes cost little.
func WriteGIF(w io.Writer, frames []*image.RGBA, delayCS int) error {
	if len(frames) == 0 {
		return errors.New("render: GIF needs at least one frame")
	}
	b, err := NewGIF(delayCS)
	if err != nil {
		return err
	}
	for _, f := range frames {
		if err := b.Add(f); err != nil {
			return err
		}
	}
	return b.Encode(w)
}

// WriteGIFFile writes frames as an animated GIF (see WriteGIF) to path
// atomically: the file appears complete or not at all.
func WriteGIFFile(path string, frames []*image.RGBA, delayCS int) error {
	return writeAtomic(path, func(w io.Writer) error { return WriteGIF(w, frames, delayCS) })
}

// WritePNG writes img as a PNG to path atomically: the file appears
// complete or not at all. A renderer frame is stored as a paletted PNG,
// which decodes to the same pixels in a fraction of the bytes.
func WritePNG(path string, img image.Image) error {
	if rgba, ok := img.(*image.RGBA); ok {
		if q := newQuantiser(); q.exact(rgba) {
			img = q.paletted(rgba, rgba.Bounds())
		}
	}
	return writeAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
}

// writeAtomic writes path through write with package atomicfile: a synced
// temporary file beside it renamed over it, so that the file appears
// complete or not at all, even across a crash.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, 0o644, write); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}
