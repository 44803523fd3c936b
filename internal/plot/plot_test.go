package plot

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/plot"
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
