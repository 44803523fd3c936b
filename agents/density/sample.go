package density

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
)

// receptiveRows is how many rows above row y the vertical stack's output
// at row y reads: the first layer's k/2+1 rows, then one more per later
// 3×3 layer.
func (m *Model[T]) receptiveRows() int {
	return m.Cfg.FirstKernel/2 + 1 + (m.Cfg.Layers - 1)
}

// SampleOpts configures ancestral sampling.
type SampleOpts struct {
	Seed uint64
	// Naive runs the whole network on the whole image for every pixel
	// (H·W full passes), the reference the cached sampler must match.
	Naive bool
}

// Sample draws one image per support set ancestrally, pixel by pixel in
// raster order: support holds b·k images (episode-major); the result holds
// b images. The cached sampler encodes the support once, runs the vertical
// stack once per row on the rows it can see, and the horizontal stack (the
// only part that changes within a row) on that one row per pixel.
func (m *Model[T]) Sample(support []T, b, k int, o SampleOpts) ([]T, error) {
	if b < 1 || b > 4096 {
		return nil, fmt.Errorf("density: %d samples, want 1..4096", b)
	}
	if m.Cfg.meta() {
		return m.sampleMeta(support, b, k, o)
	}
	ctp := nn.NewTape[T]()
	ctp.SetNoGrad(true)
	var ctx *Context[T]
	if m.Cfg.Kind == Unconditional {
		ctx = &Context[T]{B: b}
	} else {
		var err error
		if ctx, err = m.Encode(ctp, support, b, k); err != nil {
			return nil, err
		}
	}
	return m.sampleWith(ctx, b, o), nil
}

func (m *Model[T]) sampleMeta(support []T, b, k int, o SampleOpts) ([]T, error) {
	hw := m.Cfg.H * m.Cfg.W
	if len(support) != b*k*hw {
		return nil, fmt.Errorf("density: %d support pixels for %d×%d images of %d×%d", len(support), b, k, m.Cfg.H, m.Cfg.W)
	}
	out := make([]T, 0, b*hw)
	for e := range b {
		fast, err := m.Adapt(support[e*k*hw:(e+1)*k*hw], k)
		if err != nil {
			return nil, err
		}
		a := m.clone()
		for i, p := range a.Params() {
			copy(p.Value, fast[i].Value)
		}
		so := o
		so.Seed = o.Seed + uint64(e)*0x9e3779b9
		ctp := nn.NewTape[T]()
		ctp.SetNoGrad(true)
		out = append(out, a.sampleWith(a.supportContext(ctp, support[e*k*hw:(e+1)*k*hw], k), 1, so)...)
	}
	return out, nil
}

func (m *Model[T]) sampleWith(ctx *Context[T], b int, o SampleOpts) []T {
	h, w := m.Cfg.H, m.Cfg.W
	r := rand.New(rand.NewPCG(o.Seed, 0x5a3))
	img := make([]T, b*h*w)
	tp := nn.NewTape[T]()
	tp.SetNoGrad(true)
	draw := func(i int, logit T) {
		p := 1 / (1 + math.Exp(-float64(logit)))
		if r.Float64() < p {
			img[i] = 1
		}
	}
	if o.Naive {
		for y := range h {
			for x := range w {
				tp.Reset()
				logits := m.Logits(tp, tp.Constant(img, b, 1, h, w), ctx)
				for e := range b {
					draw(e*h*w+y*w+x, logits.Data[e*h*w+y*w+x])
				}
			}
		}
		return img
	}
	above := m.receptiveRows()
	win := make([]T, 0, b*(above+1)*w)
	row := make([]T, b*w)
	htp := nn.NewTape[T]()
	htp.SetNoGrad(true)
	for y := range h {
		lo := max(0, y-above)
		rows := y - lo + 1
		tp.Reset()
		win = win[:0]
		for e := range b {
			win = append(win, img[e*h*w+lo*w:e*h*w+(y+1)*w]...)
		}
		vs := m.VStack(tp, tp.Constant(win, b, 1, rows, w), ctx)
		vrow := make([]*nn.Tensor[T], len(vs))
		for l, v := range vs {
			vrow[l] = tp.Slice(v, 2, rows-1, rows)
		}
		for x := range w {
			for e := range b {
				copy(row[e*w:(e+1)*w], img[e*h*w+y*w:e*h*w+(y+1)*w])
			}
			// Only the horizontal stack changes within a row; its
			// buffers are recycled by resetting a second tape.
			htp.Reset()
			logits, _ := m.HStack(htp, htp.Constant(row, b, 1, 1, w), vrow, ctx, y)
			for e := range b {
				draw(e*h*w+y*w+x, logits.Data[e*w+x])
			}
		}
	}
	return img
}
