package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/metabench/metabench/nn/internal/simd"
)

// CrossEntropy returns the weighted mean categorical cross-entropy of logits
// (shape [..., C], flattened to N rows) against class targets (length N).
// Rows whose target is negative are ignored. weights (length N, nil for all
// ones) weight each row; the result is Σ w·(-log p[target]) / Σ w over the
// rows not ignored, and zero when that weight sum is zero.
func (tp *Tape[T]) CrossEntropy(logits *Tensor[T], targets []int, weights []T) *Tensor[T] {
	return tp.crossEntropy("CrossEntropy", logits, targets, weights, 0)
}

// SmoothedCrossEntropy is [Tape.CrossEntropy] against label-smoothed
// targets: each row's target distribution is (1-eps) on the target class
// plus eps/C on every class (Szegedy et al. 2016; PyTorch's
// cross_entropy(label_smoothing=eps), fairseq's label_smoothed_cross_entropy
// without its eps/(C-1) variant). One softmax pass serves both terms, where
// the composition CrossEntropy + LogSoftmax would compute it twice.
func (tp *Tape[T]) SmoothedCrossEntropy(logits *Tensor[T], targets []int, weights []T, eps float64) *Tensor[T] {
	if eps < 0 || eps > 1 {
		panic(fmt.Sprintf("nn: SmoothedCrossEntropy: eps %v outside [0, 1]", eps))
	}
	return tp.crossEntropy("SmoothedCrossEntropy", logits, targets, weights, eps)
}

// crossEntropy is the body of both losses: per row,
// -(1-eps)·log p[t] - eps/C·Σ_j log p[j], whose gradient with respect to
// the logits is p - (1-eps)·onehot(t) - eps/C. With eps 0 it computes
// exactly the plain cross-entropy (no smoothing terms are added).
func (tp *Tape[T]) crossEntropy(name string, logits *Tensor[T], targets []int, weights []T, eps float64) *Tensor[T] {
	c := logits.Shape[len(logits.Shape)-1]
	n := len(logits.Data) / max(c, 1)
	if len(targets) != n || (weights != nil && len(weights) != n) {
		panic(fmt.Sprintf("nn: %s: logits %v with %d targets and %d weights", name, logits.Shape, len(targets), len(weights)))
	}
	probs := tp.arena.get(len(logits.Data))
	var loss, wsum float64
	for i, t := range targets {
		if t < 0 {
			continue
		}
		if t >= c {
			panic(fmt.Sprintf("nn: %s: target %d out of range [0,%d)", name, t, c))
		}
		w := weightAt(weights, i)
		p := probs[i*c : (i+1)*c]
		row := logits.Data[i*c : (i+1)*c]
		m, s := softmaxRow(p, row, false)
		lse := m + T(math.Log(s))
		if eps == 0 {
			loss -= w * float64(row[t]-lse)
		} else {
			// Σ_j -log p[j] = C·lse - Σ_j x[j].
			var sum float64
			for _, x := range row {
				sum += float64(x)
			}
			all := float64(c)*float64(lse) - sum
			loss += w * ((1-eps)*float64(lse-row[t]) + eps/float64(c)*all)
		}
		wsum += w
	}
	out := tp.newOut([]int{1}, logits)
	if wsum != 0 {
		out.Data[0] = T(loss / wsum)
	}
	tp.record(name, out, func() {
		if wsum == 0 {
			return
		}
		g := tp.grad(logits)
		scale := float64(out.Grad[0]) / wsum
		for i, t := range targets {
			if t < 0 {
				continue
			}
			w := weightAt(weights, i)
			f := T(w * scale)
			p, gi := probs[i*c:(i+1)*c], g[i*c:(i+1)*c]
			if eps == 0 {
				for j, v := range p {
					gi[j] += f * v
				}
				gi[t] -= f
				continue
			}
			u := T(w * scale * eps / float64(c))
			for j, v := range p {
				gi[j] += f*v - u
			}
			gi[t] -= T(w * scale * (1 - eps))
		}
	}, logits)
	return out
}

// BCEWithLogits returns the weighted mean binary cross-entropy of
// sigmoid(logits) against targets in [0, 1], computed stably from the logits:
// Σ w·bce / Σ w (zero when Σ w is zero). weights may be nil (all ones); a
// zero weight masks an element out (for example a missing label).
func (tp *Tape[T]) BCEWithLogits(logits *Tensor[T], targets, weights []T) *Tensor[T] {
	n := len(logits.Data)
	if len(targets) != n || (weights != nil && len(weights) != n) {
		panic(fmt.Sprintf("nn: BCEWithLogits: logits %v with %d targets and %d weights", logits.Shape, len(targets), len(weights)))
	}
	var loss, wsum float64
	for i, x := range logits.Data {
		w := weightAt(weights, i)
		if w == 0 {
			continue
		}
		f, t := float64(x), float64(targets[i])
		loss += w * (max(f, 0) - f*t + math.Log1p(math.Exp(-math.Abs(f))))
		wsum += w
	}
	out := tp.newOut([]int{1}, logits)
	if wsum != 0 {
		out.Data[0] = T(loss / wsum)
	}
	tp.record("BCEWithLogits", out, func() {
		if wsum == 0 {
			return
		}
		g := tp.grad(logits)
		scale := float64(out.Grad[0]) / wsum
		for i, x := range logits.Data {
			w := weightAt(weights, i)
			if w == 0 {
				continue
			}
			g[i] += T(w * scale * (sigmoid(float64(x)) - float64(targets[i])))
		}
	}, logits)
	return out
}

// MSE returns the mean squared error between a and target.
func (tp *Tape[T]) MSE(a *Tensor[T], target []T) *Tensor[T] {
	if len(target) != len(a.Data) {
		panic(fmt.Sprintf("nn: MSE: %d targets for shape %v", len(target), a.Shape))
	}
	out := tp.newOut([]int{1}, a)
	var s float64
	for i, v := range a.Data {
		d := float64(v - target[i])
		s += d * d
	}
	n := float64(max(len(target), 1))
	out.Data[0] = T(s / n)
	tp.record("MSE", out, func() {
		ga := tp.grad(a)
		f := 2 * out.Grad[0] / T(n)
		for i, v := range a.Data {
			ga[i] += f * (v - target[i])
		}
	}, a)
	return out
}

// LayerNorm normalises x over its last axis to zero mean and unit variance,
// then applies gain and bias (both of shape [D], either may be nil).
func (tp *Tape[T]) LayerNorm(x, gain, bias *Tensor[T], eps T) *Tensor[T] {
	d := x.Shape[len(x.Shape)-1]
	rows := len(x.Data) / max(d, 1)
	for _, p := range []*Tensor[T]{gain, bias} {
		if p != nil && len(p.Data) != d {
			panic(fmt.Sprintf("nn: LayerNorm: parameter shape %v for input %v", p.Shape, x.Shape))
		}
	}
	ins := []*Tensor[T]{x}
	if gain != nil {
		ins = append(ins, gain)
	}
	if bias != nil {
		ins = append(ins, bias)
	}
	out := tp.newOutRaw(slices.Clone(x.Shape), ins...)
	xhat := tp.arena.get(len(x.Data))
	rstd := make([]T, rows)
	for r := range rows {
		xr, hr, yr := x.Data[r*d:(r+1)*d], xhat[r*d:(r+1)*d], out.Data[r*d:(r+1)*d]
		mu := sumF64(xr) / float64(d)
		vr := sumSqDevF64(xr, mu) / float64(d)
		rs := 1 / math.Sqrt(vr+float64(eps))
		rstd[r] = T(rs)
		for i, v := range xr {
			hr[i] = T((float64(v) - mu) * rs)
		}
		// The affine part in separate tight loops (the same arithmetic as
		// h·gain + bias element by element).
		switch {
		case gain != nil && bias != nil:
			gd, bd := gain.Data[:d], bias.Data[:d]
			for i, h := range hr {
				yr[i] = h*gd[i] + bd[i]
			}
		case gain != nil:
			gd := gain.Data[:d]
			for i, h := range hr {
				yr[i] = h * gd[i]
			}
		case bias != nil:
			bd := bias.Data[:d]
			for i, h := range hr {
				yr[i] = h + bd[i]
			}
		default:
			copy(yr, hr)
		}
	}
	tp.record("LayerNorm", out, func() {
		var gx, gg, gb []T
		var freshX bool
		if x.requiresGrad {
			gx, freshX = tp.gradFor(x)
		}
		if gain != nil && gain.requiresGrad {
			gg = tp.grad(gain)
		}
		if bias != nil && bias.requiresGrad {
			gb = tp.grad(bias)
		}
		dh := make([]T, d)
		// For float32 the bias gradient's sum and dh's product take the
		// vector kernels: one rounded addition or multiplication per
		// element either way. (gg's multiply-add stays a Go loop: where Go
		// fuses it, as on arm64, a kernel would round twice.)
		gb32, _ := any(gb).([]float32)
		var gd32 []float32
		if gain != nil {
			gd32, _ = any(gain.Data).([]float32)
		}
		dh32, _ := any(dh).([]float32)
		og32, _ := any(out.Grad).([]float32)
		for r := range rows {
			g, hr := out.Grad[r*d:(r+1)*d], xhat[r*d:(r+1)*d:(r+1)*d]
			if gg != nil {
				gg := gg[:d]
				for i, v := range g {
					gg[i] += v * hr[i]
				}
			}
			switch {
			case gb32 != nil && og32 != nil:
				simd.Add(gb32[:d], gb32[:d], og32[r*d:(r+1)*d])
			case gb != nil:
				gb := gb[:d]
				for i, v := range g {
					gb[i] += v
				}
			}
			switch {
			case gd32 != nil && og32 != nil:
				simd.Mul(dh32, og32[r*d:(r+1)*d], gd32[:d])
			case gain != nil:
				gd := gain.Data[:d]
				for i, v := range g {
					dh[i] = v * gd[i]
				}
			default:
				copy(dh, g)
			}
			m1, m2 := sumAndDot(dh, hr)
			if gx == nil {
				continue
			}
			m1 /= T(d)
			m2 /= T(d)
			gr := gx[r*d : (r+1)*d]
			if freshX {
				for i, v := range dh {
					gr[i] = rstd[r] * (v - m1 - hr[i]*m2)
				}
				continue
			}
			for i, v := range dh {
				gr[i] += rstd[r] * (v - m1 - hr[i]*m2)
			}
		}
	}, ins...)
	return out
}

// The reductions of LayerNorm keep four partial sums: one running sum is
// a chain of dependent additions, four let the adds overlap.

// sumF64 returns Σ x in float64.
func sumF64[T Float](x []T) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// sumSqDevF64 returns Σ (x − mu)² in float64.
func sumSqDevF64[T Float](x []T, mu float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := float64(x[i])-mu, float64(x[i+1])-mu, float64(x[i+2])-mu, float64(x[i+3])-mu
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - mu
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// sumAndDot returns Σ a and Σ a·b.
func sumAndDot[T Float](a, b []T) (sum, dot T) {
	b = b[:len(a)]
	var s0, s1, d0, d1 T
	i := 0
	for ; i+2 <= len(a); i += 2 {
		s0 += a[i]
		s1 += a[i+1]
		d0 += a[i] * b[i]
		d1 += a[i+1] * b[i+1]
	}
	for ; i < len(a); i++ {
		s0 += a[i]
		d0 += a[i] * b[i]
	}
	return s0 + s1, d0 + d1
}

// weightAt returns the i-th per-example weight, or 1 when weights is nil.
func weightAt[T Float](weights []T, i int) float64 {
	if weights == nil {
		return 1
	}
	return float64(weights[i])
}
