package plot

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotutil"
)

func TestPlotsWritePNGs(t *testing.T) {
	dir := t.TempDir()
	s := Series{Name: "a", X: []float64{1, 2, 4, 8}, Y: []float64{0.5, 0.7, math.NaN(), 0.9}}
	tests := []struct {
		name string
		draw func(path string) error
	}{
		{"lines", func(p string) error { return Lines(p, Axes{Title: "t", X: "x", Y: "y", LogX: true}, s) }},
		{"scatter", func(p string) error { return Scatter(p, Axes{Title: "t"}, true, s) }},
		{"dots", func(p string) error {
			return Dots(p, Axes{Title: "t"}, []float64{1, 2, 3}, []float64{-1, math.NaN(), 2}, Ref{X: 0, Name: "zero"}, Ref{X: 0.5, Name: "mean", Dashes: 1}, Ref{X: 1, Dashes: 1})
		}},
		{"heatmap", func(p string) error {
			return Heatmap(p, Axes{Title: "t"}, [][]float64{{0, 1}, {0.5, 0.25}, {1, 0}}, []string{"a", "b"})
		}},
		{"grid", func(p string) error {
			return ImageGrid(p, [][]float32{{0, 1, 1, 0}, {1, 1, 0, 0}, {0.5, 0.5, 0.5, 0.5}}, 2, 2, 2, 2, 3)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".png")
			if err := tt.draw(path); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() < 10 || b.Dy() < 10 {
				t.Fatalf("picture of %v", b)
			}
		})
	}
}

func TestPlotsRefuseBadInput(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.png")
	tests := []struct {
		name string
		err  error
	}{
		{"series of unequal lengths", Lines(p, Axes{}, Series{X: []float64{1, 2}, Y: []float64{1}})},
		{"empty matrix", Heatmap(p, Axes{}, nil, nil)},
		{"ragged matrix", Heatmap(p, Axes{}, [][]float64{{1, 2}, {3}}, nil)},
		{"bad grid layout", ImageGrid(p, nil, 0, 2, 1, 1, 1)},
		{"too many images", ImageGrid(p, [][]float32{{0}, {0}}, 1, 1, 1, 1, 1)},
		{"image of the wrong size", ImageGrid(p, [][]float32{{0, 0}}, 1, 1, 1, 1, 1)},
		{"dots of unequal lengths", Dots(p, Axes{}, []float64{1, 2}, []float64{1})},
		{"dots without a value", Dots(p, Axes{}, []float64{1}, []float64{math.NaN()})},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Error("a refused plot left a file")
	}
}

// TestDataTicksOnLogAxis: a log axis over few x values is labelled at
// those values (log ticks would label only 10000 between 4000 and 16000),
// with room beside the end points; many x values keep the log ticks.
func TestDataTicksOnLogAxis(t *testing.T) {
	p := newPlot(Axes{LogX: true})
	dataTicks(p, []Series{{X: []float64{16000, 4000}}, {X: []float64{4000, 16000}}})
	ticks := p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max)
	var labels []string
	for _, tk := range ticks {
		labels = append(labels, tk.Label)
	}
	if !slices.Equal(labels, []string{"4000", "16000"}) {
		t.Errorf("tick labels %q, want [4000 16000]", labels)
	}
	if !(p.X.Min < 4000 && p.X.Max > 16000) {
		t.Errorf("x range [%v, %v] leaves no room beside the points", p.X.Min, p.X.Max)
	}
	many := newPlot(Axes{LogX: true})
	before := many.X.Tick.Marker
	dataTicks(many, []Series{{X: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}}})
	if _, ok := many.X.Tick.Marker.(plot.ConstantTicks); ok || many.X.Tick.Marker != before {
		t.Error("nine x values replaced the log ticks")
	}
}

// TestLineStylesPairGroups: series of one group share a colour and differ
// in dash and marker; ungrouped series keep a colour of their own.
func TestLineStylesPairGroups(t *testing.T) {
	series := []Series{{Group: "a4"}, {Group: "a4"}, {}, {Group: "b4"}, {Group: "b4"}, {Group: "a4"}}
	want := []lineStyle{{0, 0}, {0, 1}, {1, 2}, {2, 0}, {2, 1}, {0, 2}}
	if got := lineStyles(series); !slices.Equal(got, want) {
		t.Errorf("styles %v, want %v", got, want)
	}
}

// TestLegendRightLeavesTheCurvesClear: with LegendRight the legend's
// thumbnail sits in a column of its own, separated from the curve by
// columns without the curve's colour; by default it sits over the curve's
// right end.
func TestLegendRightLeavesTheCurvesClear(t *testing.T) {
	s := Series{Name: "a curve with a long name", X: []float64{1, 2, 3, 4}, Y: []float64{1, 1, 1, 1}}
	for _, right := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "lines.png")
		if err := Lines(path, Axes{Title: "t", X: "x", Y: "y", LegendRight: right}, s); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		wr, wg, wb, _ := plotutil.Color(0).RGBA()
		// Anti-aliasing blends the thin lines into the white, so a
		// pixel counts as the curve's when it is near its colour.
		near := func(a, b uint32) bool { return max(a, b)-min(a, b) < 0x3000 }
		b := img.Bounds()
		// Runs of columns holding the curve's colour, merged across gaps
		// narrower than a marker.
		var runs [][2]int
		for x := b.Min.X; x < b.Max.X; x++ {
			has := false
			for y := b.Min.Y; y < b.Max.Y && !has; y++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				has = near(r, wr) && near(g, wg) && near(bl, wb)
			}
			switch {
			case !has:
			case len(runs) > 0 && x-runs[len(runs)-1][1] <= 8:
				runs[len(runs)-1][1] = x
			default:
				runs = append(runs, [2]int{x, x})
			}
		}
		if wantRuns := map[bool]int{false: 1, true: 2}[right]; len(runs) != wantRuns {
			t.Errorf("LegendRight %v: the curve's colour in columns %v, want %d runs", right, runs, wantRuns)
		}
	}
}
