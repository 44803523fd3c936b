// Package plot draws the pictures of metabench's results — line plots,
// scatter plots, heat maps and image grids — as PNG files, through
// gonum.org/v1/plot. Files are written atomically.
package plot

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/metabench/metabench/internal/atomicfile"
)

// Series is one named curve or point set.
type Series struct {
	Name string
	X, Y []float64
	// Group names the series' family in a line plot: series of one
	// non-empty group share a colour and differ in dash and marker, so a
	// reader pairs, say, a language's two methods at a glance. An empty
	// group gives the series a colour of its own.
	Group string
}

// Axes are a plot's title and axis labels.
type Axes struct {
	Title, X, Y string
	LogX        bool // logarithmic x axis (all x > 0)
	// LegendBottom puts the legend at the bottom right instead of the top
	// right, for curves that rise to the right.
	LegendBottom bool
	// LegendRight puts the legend beside the plot, outside its axes, for
	// line plots whose many curves fill every corner.
	LegendRight bool
}

// Size of the pictures, in points (1/72 inch) at 96 dpi.
const (
	width  = 6 * vg.Inch
	height = 4 * vg.Inch
	dpi    = 96
)

func newPlot(a Axes) *plot.Plot {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = a.Title, a.X, a.Y
	p.Add(plotter.NewGrid())
	if a.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Legend.Top = !a.LegendBottom
	return p
}

// dataTicks labels a logarithmic x axis at the series' own x values when
// there are few of them: log ticks at powers of ten would label at most
// one point of a plot over 4,000 and 16,000.
func dataTicks(p *plot.Plot, series []Series) {
	var xs []float64
	for _, s := range series {
		for _, x := range s.X {
			if !slices.Contains(xs, x) {
				xs = append(xs, x)
			}
		}
	}
	if len(xs) == 0 || len(xs) > 8 {
		return
	}
	slices.Sort(xs)
	ticks := make([]plot.Tick, len(xs))
	for i, x := range xs {
		ticks[i] = plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'f', -1, 64)}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	// Room beside the first and last points, a fifth of the span in log terms.
	pad := math.Pow(xs[len(xs)-1]/xs[0], 0.2)
	if pad == 1 {
		pad = 2
	}
	p.X.Min, p.X.Max = xs[0]/pad, xs[len(xs)-1]*pad
}

func xys(s Series) (plotter.XYs, error) {
	if len(s.X) != len(s.Y) {
		return nil, fmt.Errorf("series %q: %d x values and %d y values", s.Name, len(s.X), len(s.Y))
	}
	pts := make(plotter.XYs, 0, len(s.X))
	for i := range s.X {
		if math.IsNaN(s.Y[i]) || math.IsInf(s.Y[i], 0) {
			continue // a missing value, not a point at infinity
		}
		pts = append(pts, plotter.XY{X: s.X[i], Y: s.Y[i]})
	}
	return pts, nil
}

// Lines writes a line plot of series (with point markers) to path.
func Lines(path string, a Axes, series ...Series) error {
	p := newPlot(a)
	for i, st := range lineStyles(series) {
		s := series[i]
		pts, err := xys(s)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		l.Color, sc.Color = plotutil.Color(st.color), plotutil.Color(st.color)
		l.Dashes = plotutil.Dashes(st.member)
		sc.Shape = plotutil.Shape(st.member)
		p.Add(l, sc)
		if s.Name != "" {
			p.Legend.Add(s.Name, l, sc)
		}
	}
	if a.LogX {
		dataTicks(p, series)
	}
	if a.LegendRight {
		return saveLegendRight(p, path)
	}
	return save(p, path)
}

// lineStyle indexes a series' colour and, within its group, its dash
// pattern and marker.
type lineStyle struct{ color, member int }

// lineStyles gives each series its style: colours in order of first
// appearance of a group (an ungrouped series is a group of its own),
// members numbered within their group in order.
func lineStyles(series []Series) []lineStyle {
	styles := make([]lineStyle, len(series))
	var groups []string // the colours' groups, in order of first appearance
	members := map[string]int{}
	for i, s := range series {
		if s.Group == "" {
			styles[i] = lineStyle{color: len(groups), member: i}
			groups = append(groups, "")
			continue
		}
		c := slices.Index(groups, s.Group)
		if c < 0 {
			c = len(groups)
			groups = append(groups, s.Group)
		}
		styles[i] = lineStyle{color: c, member: members[s.Group]}
		members[s.Group]++
	}
	return styles
}

// Scatter writes a scatter plot of series to path; with fit, a least-squares
// line through each series.
func Scatter(path string, a Axes, fit bool, series ...Series) error {
	p := newPlot(a)
	for i, s := range series {
		pts, err := xys(s)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		sc.Color, sc.Shape = plotutil.Color(i), plotutil.Shape(i)
		p.Add(sc)
		if s.Name != "" {
			p.Legend.Add(s.Name, sc)
		}
		if fit && len(pts) >= 2 {
			slope, icept := leastSquares(pts)
			f := plotter.NewFunction(func(x float64) float64 { return icept + slope*x })
			f.Color, f.Dashes = plotutil.Color(i), []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(f)
		}
	}
	return save(p, path)
}

// Ref is a vertical reference line of a dot chart, named in the legend;
// an unnamed one continues the named one before it (the other end of an
// interval) in its colour.
type Ref struct {
	X    float64
	Name string
	// Dashes: 0 solid, 1 dashed, 2 dotted.
	Dashes int
}

// Dots writes a dot chart to path: one point per value at (values[i],
// ys[i]) — an effect against the seed that measured it, say — with
// vertical reference lines across the whole chart (zero, a mean, the ends
// of an interval). Missing values (NaN) are left out.
func Dots(path string, a Axes, ys, values []float64, refs ...Ref) error {
	if len(ys) != len(values) {
		return fmt.Errorf("plot %s: %d rows and %d values", path, len(ys), len(values))
	}
	var pts plotter.XYs
	for i, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			pts = append(pts, plotter.XY{X: v, Y: ys[i]})
		}
	}
	if len(pts) == 0 {
		return fmt.Errorf("plot %s: no values", path)
	}
	p := newPlot(a)
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	sc.Color, sc.Shape = plotutil.Color(0), draw.CircleGlyph{}
	p.Add(sc)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, q := range pts {
		lo, hi = min(lo, q.Y), max(hi, q.Y)
	}
	lo, hi = lo-0.5, hi+0.5
	dashes := [][]vg.Length{nil, {vg.Points(5), vg.Points(3)}, {vg.Points(1), vg.Points(3)}}
	colour := 0 // a named line takes the next colour, an unnamed one its predecessor's
	for _, r := range refs {
		if r.Name != "" {
			colour++
		}
		if math.IsNaN(r.X) || math.IsInf(r.X, 0) {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: r.X, Y: lo}, {X: r.X, Y: hi}})
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		l.Color = plotutil.Color(colour)
		l.Dashes = dashes[min(max(r.Dashes, 0), len(dashes)-1)]
		p.Add(l)
		if r.Name != "" {
			p.Legend.Add(r.Name, l)
		}
	}
	p.Y.Min, p.Y.Max = lo, hi
	return saveLegendRight(p, path)
}

func leastSquares(pts plotter.XYs) (slope, intercept float64) {
	var mx, my float64
	for _, q := range pts {
		mx += q.X
		my += q.Y
	}
	n := float64(len(pts))
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for _, q := range pts {
		sxy += (q.X - mx) * (q.Y - my)
		sxx += (q.X - mx) * (q.X - mx)
	}
	if sxx == 0 {
		return 0, my
	}
	slope = sxy / sxx
	return slope, my - slope*mx
}

// grid is a plotter.GridXYZ over a row-major matrix; row 0 is drawn at the
// top, as in an image.
type grid struct {
	v    [][]float64
	rows int
	cols int
}

func (g grid) Dims() (c, r int)   { return g.cols, g.rows }
func (g grid) Z(c, r int) float64 { return g.v[g.rows-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// Heatmap writes a heat map of the row-major matrix v (row 0 at the top) to
// path, with a colour scale from its minimum to its maximum. cols, if not
// nil, label the columns.
func Heatmap(path string, a Axes, v [][]float64, cols []string) error {
	if len(v) == 0 || len(v[0]) == 0 {
		return fmt.Errorf("plot %s: empty matrix", path)
	}
	for i, row := range v {
		if len(row) != len(v[0]) {
			return fmt.Errorf("plot %s: row %d has %d values, row 0 has %d", path, i, len(row), len(v[0]))
		}
	}
	g := grid{v: v, rows: len(v), cols: len(v[0])}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range v {
		for _, x := range row {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	if lo == hi {
		hi = lo + 1
	}
	pal := moreland.SmoothBlueRed().Palette(255)
	h := plotter.NewHeatMap(g, pal)
	h.Min, h.Max = lo, hi
	a.X = fmt.Sprintf("%s   (colour: blue %.3g … red %.3g)", a.X, lo, hi)
	p := newPlot(a)
	p.Add(h)
	if cols != nil {
		ticks := make([]plot.Tick, len(cols))
		for i, c := range cols {
			ticks[i] = plot.Tick{Value: float64(i), Label: c}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	p.Y.Tick.Marker = rowTicks(g.rows)
	return save(p, path)
}

// rowTicks labels the y axis of a grid drawn with row 0 at the top: about
// five ticks at round row numbers.
func rowTicks(rows int) plot.ConstantTicks {
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000} {
		step = s
		if rows/s <= 5 {
			break
		}
	}
	var ticks []plot.Tick
	for r := 0; r < rows; r += step {
		ticks = append(ticks, plot.Tick{Value: float64(rows - 1 - r), Label: fmt.Sprint(r)})
	}
	return ticks
}

func save(p *plot.Plot, path string) error {
	c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
	p.Draw(draw.New(c))
	return WritePNG(path, c.Image())
}

// saveLegendRight is save with p's legend drawn in a column of its own to
// the right of the axes, top-aligned, so that no curve runs under it.
func saveLegendRight(p *plot.Plot, path string) error {
	c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	legend := p.Legend
	p.Legend = plot.NewLegend() // empty: p.Draw leaves the legend to us
	legend.Top, legend.Left = true, true
	const gap = 6 * vg.Millimeter
	w := legend.Rectangle(dc).Size().X + gap
	p.Draw(draw.Crop(dc, 0, -w, 0, 0))
	// Level with the top of the axes rather than the title.
	top := p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y + p.Title.Padding
	legend.Draw(draw.Crop(dc, width-w+gap/2, 0, 0, -top))
	return WritePNG(path, c.Image())
}

// WritePNG writes img to path as a PNG, atomically.
func WritePNG(path string, img image.Image) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return png.Encode(w, img) })
}

// ImageGrid writes a grid of equally sized grey-scale images (values in
// [0, 1], 1 white; row-major, h×w each) to path, each scaled up by scale
// and separated by a one-pixel border. rows×cols images are laid out
// row by row; missing ones stay blank.
func ImageGrid(path string, imgs [][]float32, h, w, rows, cols, scale int) error {
	if h <= 0 || w <= 0 || rows <= 0 || cols <= 0 || scale <= 0 {
		return fmt.Errorf("image grid %s: bad layout %d×%d images of %d×%d", path, rows, cols, h, w)
	}
	if len(imgs) > rows*cols {
		return fmt.Errorf("image grid %s: %d images for %d×%d cells", path, len(imgs), rows, cols)
	}
	cw, ch := w*scale+1, h*scale+1
	out := image.NewGray(image.Rect(0, 0, cols*cw+1, rows*ch+1))
	for i := range out.Pix {
		out.Pix[i] = 128 // the border
	}
	for k, im := range imgs {
		if len(im) != h*w {
			return fmt.Errorf("image grid %s: image %d has %d pixels, want %d", path, k, len(im), h*w)
		}
		x0, y0 := (k%cols)*cw+1, (k/cols)*ch+1
		for y := range h * scale {
			for x := range w * scale {
				v := im[(y/scale)*w+x/scale]
				out.SetGray(x0+x, y0+y, color.Gray{Y: uint8(math.Round(float64(min(max(v, 0), 1)) * 255))})
			}
		}
	}
	return WritePNG(path, out)
}
