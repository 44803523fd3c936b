package nn

import (
	"fmt"
	"math"

	simd "github.com/metabench/metabench/nn/internal/simd"
)

// ConvOpts configures [Tape.Conv2D]: zero padding on each side and the
// dilation along each axis (zero means 1). The stride is always one.
type ConvOpts struct {
	PadTop, PadBottom, PadLeft, PadRight int
	DilH, DilW                           int
}

// SamePadding returns options that keep the spatial size for a kh×kw kernel
// with the given dilations (zero means 1).
func SamePadding(kh, kw, dilH, dilW int) ConvOpts {
	dilH, dilW = max(dilH, 1), max(dilW, 1)
	ph, pw := (kh-1)*dilH, (kw-1)*dilW
	return ConvOpts{PadTop: ph / 2, PadBottom: ph - ph/2, PadLeft: pw / 2, PadRight: pw - pw/2, DilH: dilH, DilW: dilW}
}

// Conv2D returns the 2-D cross-correlation of x (shape [N, C, H, W]) with w
// (shape [F, C, KH, KW]) plus bias (shape [F], may be nil). It works by
// im2col and one matrix product per image.
func (tp *Tape[T]) Conv2D(x, w, bias *Tensor[T], o ConvOpts) *Tensor[T] {
	return tp.conv2D("Conv2D", x, w, bias, o, nil)
}

type convGeom struct {
	c, h, w, kh, kw, dh, dw, ho, wo, pt, pl int
}

// colRange returns, for kernel offset off (already dilated) and padding pad,
// the output positions [lo, hi) whose input index o-pad+off lies in [0, n).
func colRange(off, pad, n, out int) (lo, hi int) {
	lo = min(max(0, pad-off), out)
	hi = min(out, n+pad-off)
	return lo, max(hi, lo)
}

// Conv1D returns the 1-D convolution of x (shape [N, C, L]) with w (shape
// [F, C, K]) and dilation d (zero means 1), plus bias ([F], may be nil). A
// causal convolution pads only on the left, so output t sees inputs ≤ t; a
// non-causal one pads both sides. Either way the length is preserved.
func (tp *Tape[T]) Conv1D(x, w, bias *Tensor[T], dilation int, causal bool) *Tensor[T] {
	if len(x.Shape) != 3 || len(w.Shape) != 3 {
		panic(fmt.Sprintf("nn: Conv1D: input %v and kernel %v, want [N,C,L] and [F,C,K]", x.Shape, w.Shape))
	}
	d := max(dilation, 1)
	pad := (w.Shape[2] - 1) * d
	o := ConvOpts{PadLeft: pad / 2, PadRight: pad - pad/2, DilH: 1, DilW: d}
	if causal {
		o.PadLeft, o.PadRight = pad, 0
	}
	x4 := tp.Reshape(x, x.Shape[0], x.Shape[1], 1, x.Shape[2])
	w4 := tp.Reshape(w, w.Shape[0], w.Shape[1], 1, w.Shape[2])
	y := tp.Conv2D(x4, w4, bias, o)
	return tp.Reshape(y, y.Shape[0], y.Shape[1], y.Shape[3])
}

// MaskedConv2D is [Tape.Conv2D] with a kernel whose taps outside taps are
// zero (a PixelCNN mask shared by every channel pair): taps lists the
// visible kernel positions ki·KW+kj in increasing order. Only visible taps
// are laid out and multiplied, so a 7×7 mask-A kernel costs 24 taps
// instead of 49 and a 3×3 mask-B kernel 5 instead of 9. The weights at
// hidden taps are ignored and receive no gradient, exactly as when the
// kernel is multiplied by the mask first.
func (tp *Tape[T]) MaskedConv2D(x, w, bias *Tensor[T], o ConvOpts, taps []int) *Tensor[T] {
	if taps == nil {
		taps = []int{} // no visible tap; nil would mean the whole kernel
	}
	return tp.conv2D("MaskedConv2D", x, w, bias, o, taps)
}

// conv2D is Conv2D over the kernel positions taps (nil: all of them). The
// columns hold one row per (channel, tap), so the full kernel is the case
// taps = 0, 1, …, KH·KW−1 and its weights are used in place.
func (tp *Tape[T]) conv2D(op string, x, w, bias *Tensor[T], o ConvOpts, taps []int) *Tensor[T] {
	if len(x.Shape) != 4 || len(w.Shape) != 4 || x.Shape[1] != w.Shape[1] {
		panic(fmt.Sprintf("nn: %s: input %v and kernel %v, want [N,C,H,W] and [F,C,KH,KW]", op, x.Shape, w.Shape))
	}
	dh, dw := max(o.DilH, 1), max(o.DilW, 1)
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	f, kh, kw := w.Shape[0], w.Shape[2], w.Shape[3]
	full := kh * kw
	compact := taps != nil
	if compact {
		for i, t := range taps {
			if t < 0 || t >= full || (i > 0 && t <= taps[i-1]) {
				panic(fmt.Sprintf("nn: %s: taps %v, want increasing positions in a %d×%d kernel", op, taps, kh, kw))
			}
		}
	} else {
		taps = make([]int, full)
		for i := range taps {
			taps[i] = i
		}
	}
	ho := h + o.PadTop + o.PadBottom - (kh-1)*dh
	wo := wd + o.PadLeft + o.PadRight - (kw-1)*dw
	if ho <= 0 || wo <= 0 {
		panic(fmt.Sprintf("nn: %s: kernel %v larger than padded input %v", op, w.Shape, x.Shape))
	}
	if bias != nil && len(bias.Data) != f {
		panic(fmt.Sprintf("nn: %s: bias shape %v for %d filters", op, bias.Shape, f))
	}
	ins := []*Tensor[T]{x, w}
	if bias != nil {
		ins = append(ins, bias)
	}
	out := tp.newOutRaw([]int{n, f, ho, wo}, ins...)
	nt := len(taps)
	k := c * nt // rows of the columns: (channel, tap)
	p := ho * wo
	geo := convGeom{c: c, h: h, w: wd, kh: kh, kw: kw, dh: dh, dw: dw, ho: ho, wo: wo, pt: o.PadTop, pl: o.PadLeft}
	// The kernel as an [F, C·nt] matrix: the visible taps of every filter.
	wc := w.Data
	if compact {
		wc = tp.arena.getRaw(f * k)
		for r := range f {
			for ch := range c {
				src := w.Data[(r*c+ch)*full:]
				dst := wc[r*k+ch*nt:]
				for i, t := range taps {
					dst[i] = src[t]
				}
			}
		}
	}
	// A 1×1 kernel without padding reads the image as its own columns: no
	// im2col, and the column gradient goes straight into the image's.
	pointwise := kh == 1 && kw == 1 && nt == 1 && o.PadTop == 0 && o.PadBottom == 0 && o.PadLeft == 0 && o.PadRight == 0
	// The columns of one image at a time, laid out again for the kernel
	// gradient in the backward pass: one buffer that stays in L2, where
	// keeping every image's columns for the backward pass wrote and read
	// back several times the input through main memory.
	var cols []T
	if !pointwise {
		cols = tp.arena.getRaw(k * p) // im2col writes every element
	}
	colOf := func(i int) []T {
		if pointwise {
			return x.Data[i*c*h*wd : (i+1)*c*h*wd]
		}
		im2colTaps(cols, x.Data[i*c*h*wd:(i+1)*c*h*wd], geo, taps)
		return cols
	}
	for i := range n {
		y := out.Data[i*f*p : (i+1)*f*p]
		if bias == nil {
			gemm(false, false, f, p, k, 1, wc, k, colOf(i), p, 0, y, p)
			continue
		}
		// The product is added to the bias of each output plane, which
		// the kernels take as the starting value instead of a pass that
		// fills the output first (the same bits).
		gemmRows(false, false, f, p, k, 1, wc, k, colOf(i), p, bias.Data, y, p)
	}
	tp.record(op, out, func() {
		var dwT []T
		// The column gradient overwrites the image's columns once the
		// kernel gradient has read them (gemm with beta 0): one buffer.
		dcol := cols
		if w.requiresGrad {
			// Accumulate dWᵀ = Σ col·dOutᵀ (K×F): packing dOut (F rows) is
			// cheaper than packing the K×P columns as the transposed operand.
			dwT = tp.arena.get(k * f)
		}
		for i := range n {
			g := out.Grad[i*f*p : (i+1)*f*p]
			// The bias sums read the image's output gradient in order
			// before the product that packs it transposed: the first
			// read, from outside the L2 cache, is then the one a
			// prefetcher follows (the two results are independent).
			if bias != nil && bias.requiresGrad {
				gb := tp.grad(bias)
				if gb32, ok := any(gb).([]float32); ok {
					// The same sums, four channels at a time.
					simd.SumRows(gb32, any(g).([]float32), p)
				} else {
					for j := range f {
						gb[j] += sum4(g[j*p : (j+1)*p])
					}
				}
			}
			if dwT != nil {
				gemm(false, true, k, f, p, 1, colOf(i), p, g, p, 1, dwT, f)
			}
			if x.requiresGrad {
				gx := tp.grad(x)[i*c*h*wd : (i+1)*c*h*wd]
				if pointwise {
					gemm(true, false, k, p, f, 1, wc, k, g, p, 1, gx, p)
					continue
				}
				gemm(true, false, k, p, f, 1, wc, k, g, p, 0, dcol, p)
				col2imTaps(gx, dcol, geo, taps)
			}
		}
		if dwT != nil {
			gw := tp.grad(w)
			for r := range f {
				for ch := range c {
					dst := gw[(r*c+ch)*full:]
					for ti, t := range taps {
						dst[t] += dwT[(ch*nt+ti)*f+r]
					}
				}
			}
		}
	}, ins...)
	return out
}

// im2colTaps lays out the receptive fields of one image at the given
// kernel taps as rows (channel, tap) × columns (oy, ox).
func im2colTaps[T Float](col, img []T, g convGeom, taps []int) {
	p := g.ho * g.wo
	nt := len(taps)
	for ch := range g.c {
		plane := img[ch*g.h*g.w : (ch+1)*g.h*g.w]
		for ti, t := range taps {
			ki, kj := t/g.kw, t%g.kw
			row := col[(ch*nt+ti)*p:][:p]
			ylo, yhi := colRange(ki*g.dh, g.pt, g.h, g.ho)
			xlo, xhi := colRange(kj*g.dw, g.pl, g.w, g.wo)
			if g.wo == g.w && xlo < xhi && ylo < yhi {
				// Output and input rows have the same width, so every
				// visible element lies at one offset from its source:
				// one flat copy from the first visible element to the
				// last, then zeros over what it put in the margin
				// columns and around it (no clearing pass first).
				off := (ki*g.dh-g.pt)*g.w + kj*g.dw - g.pl
				lo, hi := ylo*g.wo+xlo, (yhi-1)*g.wo+xhi
				clear(row[:lo])
				copy(row[lo:hi], plane[lo+off:hi+off])
				clear(row[hi:])
				if xlo > 0 || xhi < g.wo {
					// A margin is an element or two: plain stores.
					for oy := ylo; oy < yhi; oy++ {
						r := row[oy*g.wo : (oy+1)*g.wo]
						for q := range xlo {
							r[q] = 0
						}
						for q := xhi; q < len(r); q++ {
							r[q] = 0
						}
					}
				}
				continue
			}
			if row32, ok := any(row).([]float32); ok && xlo < xhi && ylo < yhi {
				// One clear of the row and one call for the visible
				// rectangle, instead of a copy and clears per image row.
				if xlo > 0 || xhi < g.wo {
					clear(row32)
				} else {
					clear(row32[:ylo*g.wo])
					clear(row32[yhi*g.wo:])
				}
				simd.CopyRows(row32[ylo*g.wo+xlo:], g.wo, any(plane).([]float32)[(ylo-g.pt+ki*g.dh)*g.w+xlo-g.pl+kj*g.dw:], g.w, yhi-ylo, xhi-xlo)
				continue
			}
			clear(row[:ylo*g.wo])
			for oy := ylo; oy < yhi; oy++ {
				iy := oy - g.pt + ki*g.dh
				dst := row[oy*g.wo : (oy+1)*g.wo]
				if xlo == xhi {
					clear(dst)
					continue
				}
				clear(dst[:xlo])
				copy(dst[xlo:xhi], plane[iy*g.w+xlo-g.pl+kj*g.dw:])
				clear(dst[xhi:])
			}
			clear(row[yhi*g.wo:])
		}
	}
}

// col2imTaps adds the column gradients back into the image gradient.
func col2imTaps[T Float](img, col []T, g convGeom, taps []int) {
	p := g.ho * g.wo
	nt := len(taps)
	for ch := range g.c {
		plane := img[ch*g.h*g.w : (ch+1)*g.h*g.w]
		for ti, t := range taps {
			ki, kj := t/g.kw, t%g.kw
			row := col[(ch*nt+ti)*p:][:p]
			ylo, yhi := colRange(ki*g.dh, g.pt, g.h, g.ho)
			xlo, xhi := colRange(kj*g.dw, g.pl, g.w, g.wo)
			if xlo == xhi || ylo == yhi {
				continue
			}
			if g.wo == g.w {
				// As in im2col, one flat sum from the first visible
				// element to the last. The margin columns inside it are
				// set to −0 first, which added to any value leaves it
				// as it is (col is scratch: each tap row is read once).
				off := (ki*g.dh-g.pt)*g.w + kj*g.dw - g.pl
				lo, hi := ylo*g.wo+xlo, (yhi-1)*g.wo+xhi
				if xlo > 0 || xhi < g.wo {
					negZero := T(math.Copysign(0, -1))
					for oy := ylo; oy < yhi; oy++ {
						r := row[oy*g.wo : (oy+1)*g.wo]
						for q := range xlo {
							r[q] = negZero
						}
						for q := xhi; q < len(r); q++ {
							r[q] = negZero
						}
					}
				}
				if plane32, ok := any(plane).([]float32); ok {
					simd.AddRows(plane32[lo+off:hi+off], 0, any(row[lo:hi]).([]float32), 0, 1, hi-lo)
					continue
				}
				dst := plane[lo+off : hi+off]
				for q, v := range row[lo:hi] {
					dst[q] += v
				}
				continue
			}
			if plane32, ok := any(plane).([]float32); ok {
				// The same additions, 8 elements at a time.
				simd.AddRows(plane32[(ylo-g.pt+ki*g.dh)*g.w+xlo-g.pl+kj*g.dw:], g.w,
					any(row[ylo*g.wo+xlo:]).([]float32), g.wo, yhi-ylo, xhi-xlo)
				continue
			}
			for oy := ylo; oy < yhi; oy++ {
				iy := oy - g.pt + ki*g.dh
				src := row[oy*g.wo+xlo : oy*g.wo+xhi]
				dst := plane[iy*g.w+xlo-g.pl+kj*g.dw:][:len(src)]
				for q, v := range src {
					dst[q] += v
				}
			}
		}
	}
}

// fill sets every element of x to v: one store, then copies of what is
// filled so far, doubling (memmove's wide stores, where a loop of single
// stores ran at one element a cycle).
func fill[T Float](x []T, v T) {
	if len(x) == 0 {
		return
	}
	x[0] = v
	for n := 1; n < len(x); n *= 2 {
		copy(x[n:], x[:n])
	}
}
