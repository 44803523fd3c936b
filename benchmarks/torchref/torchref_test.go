package torchref

import (
	"context"
	"slices"
	"testing"
)

func TestOnly(t *testing.T) {
	for _, c := range []struct {
		models, want []string
	}{
		{[]string{"mlp", "mlp-dense", "lstm"}, []string{"mlp", "lstm"}},
		{[]string{"nmt-ulr", "pixelcnn", "density-attention"}, []string{"nmt-ulr", "pixelcnn", "density-attention"}},
		{[]string{"nope"}, nil},
	} {
		if got := Only(c.models); !slices.Equal(got, c.want) {
			t.Errorf("Only(%v) = %v, want %v", c.models, got, c.want)
		}
	}
}

func TestStepsPerSecReal(t *testing.T) {
	r := Result{MLPStepsPerSec: 3, Real: map[string]float64{"nmt-ulr": 7}}
	for _, c := range []struct {
		model string
		want  float64
		ok    bool
	}{{"mlp-dense", 3, true}, {"nmt-ulr", 7, true}, {"nmt-fomaml", 0, false}, {"nope", 0, false}} {
		if v, ok := r.StepsPerSec(c.model); v != c.want || ok != c.ok {
			t.Errorf("StepsPerSec(%q) = %v, %v; want %v, %v", c.model, v, ok, c.want, c.ok)
		}
	}
}

func TestRunNeedsBenchmarks(t *testing.T) {
	if _, err := Run(context.Background(), "/bin/false", 1, nil, nil); err == nil {
		t.Fatal("ran with nothing to run")
	}
}
