package imitation

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
	grey  = color.RGBA{200, 200, 200, 255}
	blue  = color.RGBA{31, 119, 180, 255}
)

func fill(img *image.RGBA, c color.RGBA) {
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
}

func text(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	r := img.Bounds()
	clamp := func(v, lo, hi int) int { return max(lo-1, min(hi+1, v)) }
	x0, x1 = clamp(x0, r.Min.X, r.Max.X), clamp(x1, r.Min.X, r.Max.X)
	y0, y1 = clamp(y0, r.Min.Y, r.Max.Y), clamp(y1, r.Min.Y, r.Max.Y)
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// LinePlot draws y against x with axes, ticks and a title, 640×400.
func LinePlot(title, xlabel, ylabel string, xs, ys []float64) *image.RGBA {
	const W, H, L, R, T, B = 640, 400, 70, 20, 30, 45
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(img, white)
	text(img, L, 18, title, black)
	text(img, W/2-len(xlabel)*7/2, H-8, xlabel, black)
	text(img, 4, T-6, ylabel, black)
	xs, ys = finite(xs, ys)
	x0, x1 := minmax(xs)
	y0, y1 := minmax(ys)
	if y0 > 0 && y0 < 0.3*y1 {
		y0 = 0
	}
	if x1 == x0 {
		x1 = x0 + 1
	}
	if y1 == y0 {
		y1 = y0 + 1
	}
	px := func(x float64) int { return L + int(math.Round((x-x0)/(x1-x0)*float64(W-L-R))) }
	py := func(y float64) int { return H - B - int(math.Round((y-y0)/(y1-y0)*float64(H-T-B))) }
	for i := range 5 {
		y := y0 + (y1-y0)*float64(i)/4
		line(img, L, py(y), W-R, py(y), grey)
		text(img, 4, py(y)+4, fmt.Sprintf("%.3g", y), black)
		x := x0 + (x1-x0)*float64(i)/4
		line(img, px(x), H-B, px(x), H-B+4, black)
		text(img, px(x)-12, H-B+17, fmt.Sprintf("%.4g", x), black)
	}
	line(img, L, T, L, H-B, black)
	line(img, L, H-B, W-R, H-B, black)
	for i := 1; i < len(xs); i++ {
		line(img, px(xs[i-1]), py(ys[i-1]), px(xs[i]), py(ys[i]), blue)
	}
	if len(xs) == 1 {
		img.SetRGBA(px(xs[0]), py(ys[0]), blue)
	}
	return img
}

// finite drops the points with a non-finite coordinate.
func finite(xs, ys []float64) (fx, fy []float64) {
	for i := range min(len(xs), len(ys)) {
		if !math.IsNaN(xs[i]) && !math.IsInf(xs[i], 0) && !math.IsNaN(ys[i]) && !math.IsInf(ys[i], 0) {
			fx, fy = append(fx, xs[i]), append(fy, ys[i])
		}
	}
	return fx, fy
}

func minmax(v []float64) (lo, hi float64) {
	if len(v) == 0 {
		return 0, 1
	}
	lo, hi = v[0], v[0]
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// WriteLinePlot writes LinePlot as a PNG file.
func WriteLinePlot(path, title, xlabel, ylabel string, xs, ys []float64) error {
	return writePNG(path, LinePlot(title, xlabel, ylabel, xs, ys))
}

func writePNG(path string, img image.Image) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	return writeFileAtomic(path, b.Bytes())
}

// Heatmap draws rows of weights in [0, 1] (one row per time step of a
// rollout, one column per item) as a grid of cells, darker for larger,
// with column labels and a title.
func Heatmap(title string, cols []string, rows [][]float64, cell int) *image.RGBA {
	const L, T = 40, 40
	n := 0
	for _, r := range rows {
		n = max(n, len(r))
	}
	W := max(L+n*cell+10, 8*len(title)+10)
	rh := max(1, cell/4)
	H := T + len(rows)*rh + 20
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	fill(img, white)
	text(img, 4, 14, title, black)
	for j, c := range cols {
		if j < n && (cell >= 10 || j%max(1, 10/cell) == 0) {
			text(img, L+j*cell+1, T-6, c, black)
		}
	}
	for i, r := range rows {
		for j, v := range r {
			v = math.Max(0, math.Min(1, v))
			g := uint8(255 - 235*v)
			c := color.RGBA{g, g, 255 - uint8(100*v), 255}
			for y := T + i*rh; y < T+(i+1)*rh; y++ {
				for x := L + j*cell; x < L+(j+1)*cell-1; x++ {
					img.SetRGBA(x, y, c)
				}
			}
		}
		if i%50 == 0 {
			text(img, 2, T+i*rh+10, fmt.Sprint(i), black)
		}
	}
	text(img, 2, H-4, "rows: rollout steps", black)
	return img
}
