package densitybench

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/internal/plot"
)

// paperNats are Reed et al.'s test nats/dim where a task matches theirs
// (docs/density.md): Omniglot at full scale. Their flipping numbers are on
// 48×48 colour ImageNet images and are not comparable to binary textures.
var paperNats = map[string]map[string]float64{
	"omniglot": {"conditional": 0.077, "attention": 0.071},
}

// Tables renders the results: one table of nats/dim per task (models ×
// support sizes, bits/dim beside), the training table and the sampling
// speed table.
func Tables(r Rows) []report.Table {
	var out []report.Table
	var tasks []string
	for _, res := range r.Results {
		if !slices.Contains(tasks, res.Task) {
			tasks = append(tasks, res.Task)
		}
	}
	for _, task := range tasks {
		var ks []int
		var models []string
		for _, res := range r.Results {
			if res.Task != task {
				continue
			}
			if !slices.Contains(ks, res.K) {
				ks = append(ks, res.K)
			}
			if !slices.Contains(models, res.Model) {
				models = append(models, res.Model)
			}
		}
		slices.Sort(ks)
		t := report.Table{Title: fmt.Sprintf("%s: test nats/dim ± s.e. (bits/dim) by support size; slope: nats/dim per doubling of k (least squares)", task),
			Header: []string{"model", "steps"}}
		for _, k := range ks {
			t.Header = append(t.Header, fmt.Sprintf("k=%d", k))
		}
		if len(ks) > 1 {
			t.Header = append(t.Header, "slope")
		}
		paper := paperNats[task]
		if paper != nil {
			t.Header = append(t.Header, "paper (10+ layers, full training; same data protocol)")
		}
		for _, m := range models {
			steps := "-"
			for _, tr := range r.Training {
				if tr.Task == task && tr.Model == m {
					steps = strconv.Itoa(tr.Steps)
				}
			}
			row := []string{m, steps}
			var xs, ys []float64
			for _, k := range ks {
				cell := "-"
				for _, res := range r.Results {
					if res.Task == task && res.Model == m && res.K == k {
						cell = fmt.Sprintf("%.4f ± %.4f (%.4f)", res.NatsPerDim, res.StdErr, res.NatsPerDim/math.Ln2)
						xs, ys = append(xs, math.Log2(float64(k))), append(ys, res.NatsPerDim)
					}
				}
				row = append(row, cell)
			}
			if len(ks) > 1 {
				cell := "-"
				if b, ok := Slope(xs, ys); ok {
					cell = fmt.Sprintf("%+.5f", b)
				}
				row = append(row, cell)
			}
			if paper != nil {
				cell := "-"
				if v, ok := paper[m]; ok {
					cell = strconv.FormatFloat(v, 'f', 3, 64)
				}
				row = append(row, cell)
			}
			t.Rows = append(t.Rows, row)
		}
		out = append(out, t)
	}
	if len(r.Specificity) > 0 {
		t := report.Table{Title: "Meta PixelCNN: does adaptation use the support? Target nats/dim unadapted, adapted on its own support, on another episode's; " +
			"share = (other − own)/(unadapted − own); inner steps Δθ: ‖Δθ‖/‖θ‖, cosine own vs other, |ln ‖Δθ_own‖/‖Δθ_other‖|",
			Header: []string{"task", "model", "k", "episodes", "unadapted", "own", "other", "other − own ± s.e.", "share", "‖Δθ‖/‖θ‖", "cosine", "|ln size ratio|"}}
		for _, sr := range r.Specificity {
			t.Rows = append(t.Rows, []string{sr.Task, sr.Model, strconv.Itoa(sr.K), strconv.Itoa(sr.Episodes),
				fmt.Sprintf("%.4f", sr.Unadapted), fmt.Sprintf("%.4f", sr.Own), fmt.Sprintf("%.4f", sr.Other),
				fmt.Sprintf("%.4f ± %.4f", sr.Other-sr.Own, sr.OwnSE), fmt.Sprintf("%.3f", sr.Share),
				fmt.Sprintf("%.4f", sr.StepNorm), fmt.Sprintf("%.4f", sr.StepCos), fmt.Sprintf("%.3f", sr.StepNormRatio)})
		}
		out = append(out, t)
	}
	if len(r.Training) > 0 {
		t := report.Table{Title: "training (episodes: steps × batch; wall and CPU seconds of this process while training; images/s: target images per second; 0 = loaded from the cache)",
			Header: []string{"task", "model", "budget", "params", "steps", "episodes", "final loss nats/dim", "wall s", "CPU s", "images/s"}}
		for _, tr := range r.Training {
			t.Rows = append(t.Rows, []string{tr.Task, tr.Model, tr.Budget, strconv.Itoa(tr.Params), strconv.Itoa(tr.Steps), strconv.Itoa(tr.Episodes),
				fmt.Sprintf("%.4f", tr.FinalLoss), fmt.Sprintf("%.1f", tr.Seconds), fmt.Sprintf("%.1f", tr.CPUSeconds), fmt.Sprintf("%.0f", tr.ImagesPerSec)})
		}
		out = append(out, t)
	}
	if len(r.Sampling) > 0 {
		t := report.Table{Title: "ancestral sampling (cached: support encoded once, vertical stack per row, horizontal stack per pixel on one row)",
			Header: []string{"task", "model", "images", "cached samples/s", "naive samples/s", "speed-up", "same images"}}
		for _, s := range r.Sampling {
			t.Rows = append(t.Rows, []string{s.Task, s.Model, strconv.Itoa(s.Images), fmt.Sprintf("%.2f", s.CachedPerSec),
				fmt.Sprintf("%.3f", s.NaivePerSec), fmt.Sprintf("%.1f×", s.CachedPerSec/s.NaivePerSec), strconv.FormatBool(s.SameImages)})
		}
		out = append(out, t)
	}
	return out
}

// Slope is the least-squares slope of ys on xs; ok is false with fewer
// than two distinct xs.
func Slope(xs, ys []float64) (b float64, ok bool) {
	if len(xs) != len(ys) || len(xs) < 2 {
		return 0, false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i] / float64(len(xs))
		my += ys[i] / float64(len(xs))
	}
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0, false
	}
	return sxy / sxx, true
}

// Plots writes, for every figure, a sample grid (one row per test episode:
// its support images, the held-out target, then samples) and, for
// attention models, the attention map.
func Plots(r Rows, dir string) ([]string, error) {
	var paths []string
	for _, f := range r.Figures {
		p := filepath.Join(dir, fmt.Sprintf("samples-%s-%s-k%d.png", f.Task, f.Model, f.K))
		if err := SampleGrid(p, f); err != nil {
			return nil, err
		}
		paths = append(paths, p)
		if len(f.Weights) > 0 {
			p := filepath.Join(dir, fmt.Sprintf("attention-%s-%s-k%d.png", f.Task, f.Model, f.K))
			if err := AttentionMap(p, f); err != nil {
				return nil, err
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// ink turns bits (1 = ink) into grey values for ImageGrid (1 = white).
func ink(s string) []float32 {
	im := fromBits(s)
	for i, v := range im {
		im[i] = 1 - v
	}
	return im
}

// SampleGrid writes one row per episode: k support images, a blank, the
// target, a blank, the samples.
func SampleGrid(path string, f Figure) error {
	episodes := len(f.Target)
	if episodes == 0 || len(f.Support) != episodes*f.K || len(f.Samples) != episodes*f.Per {
		return fmt.Errorf("density figure %s %s: %d supports, %d targets, %d samples", f.Task, f.Model, len(f.Support), len(f.Target), len(f.Samples))
	}
	blank := make([]float32, f.H*f.W)
	for i := range blank {
		blank[i] = 1
	}
	cols := f.K + 2 + 1 + f.Per
	var imgs [][]float32
	for e := range episodes {
		for j := range f.K {
			imgs = append(imgs, ink(f.Support[e*f.K+j]))
		}
		imgs = append(imgs, blank, ink(f.Target[e]), blank)
		for j := range f.Per {
			imgs = append(imgs, ink(f.Samples[e*f.Per+j]))
		}
	}
	return plot.ImageGrid(path, imgs, f.H, f.W, episodes, cols, 4)
}

// AttentionMap draws, for each query pixel (one row each): the target with
// the query pixel in red, then each support image in grey with the
// attention weights of that pixel over its positions in red (scaled to the
// row's largest weight) — where the generated pixel reads the support.
func AttentionMap(path string, f Figure) error {
	const scale = 6
	hw := f.H * f.W
	p := f.PoolH * f.PoolW
	if p == 0 || len(f.Target) == 0 || len(f.Support) < f.K {
		return fmt.Errorf("density attention figure %s: no attention grid", f.Task)
	}
	cell := func(c int) int { return c * (f.W*scale + 2) }
	width := cell(1 + f.K)
	height := len(f.Queries) * (f.H*scale + 2)
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	target := fromBits(f.Target[0])
	put := func(x0, y0, x, y int, c color.RGBA) {
		for dy := range scale {
			for dx := range scale {
				img.SetRGBA(x0+x*scale+dx, y0+y*scale+dy, c)
			}
		}
	}
	grey := func(v float32) color.RGBA {
		g := uint8(255 * (1 - 0.8*v))
		return color.RGBA{g, g, g, 255}
	}
	for qi, q := range f.Queries {
		y0 := qi * (f.H*scale + 2)
		for i := range hw {
			c := grey(target[i])
			if i == q {
				c = color.RGBA{230, 0, 0, 255}
			}
			put(0, y0, i%f.W, i/f.W, c)
		}
		wts := f.Weights[qi]
		peak := slices.Max(wts)
		if peak <= 0 {
			peak = 1
		}
		for j := range f.K {
			sup := fromBits(f.Support[j])
			x0 := cell(1 + j)
			for i := range hw {
				y, x := i/f.W, i%f.W
				py, px := y*f.PoolH/f.H, x*f.PoolW/f.W
				a := wts[j*p+py*f.PoolW+px] / peak
				g := grey(sup[i])
				c := color.RGBA{
					uint8(float64(g.R)*(1-a) + 255*a),
					uint8(float64(g.G) * (1 - a)),
					uint8(float64(g.B) * (1 - a)), 255}
				put(x0, y0, x, y, c)
			}
		}
	}
	return plot.WritePNG(path, img)
}

// meanStdErr returns the mean and its standard error, summed in order:
// gonum's stat.MeanStdDev sums in SIMD lanes and differs in the last bit
// for about half of such samples, which would move the suite's numbers.
func meanStdErr(xs []float64) (mean, se float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var v float64
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(v / float64(len(xs)-1) / float64(len(xs)))
}
