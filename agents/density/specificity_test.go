package density

import (
	"context"
	"testing"

	"github.com/metabench/metabench/envs/images"
)

// TestAdaptationUsesSupport trains a small Meta PixelCNN and checks the
// support-specificity diagnostic on held-out alphabets: the inner steps of
// two episodes' supports differ in size and direction (with one inner step
// of base size 0.05, trained 60 steps, they pointed the same way: mean
// cosine 0.9999), and adapting on the
// episode's own support scores its target better than adapting on another
// episode's, by more than twice the paired standard error.
func TestAdaptationUsesSupport(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	src, err := images.Characters(images.CharacterConfig{Side: 12, Alphabets: 6, TestAlphabets: 2, Characters: 4, Drawers: 20}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Kind: Meta, H: 12, W: 12, Layers: 2, Channels: 8, FirstKernel: 3, EncChannels: 1, Pool: 2,
		MaxSupport: 2, InnerLR: 0.5, InnerSteps: 2}
	m, err := New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	tc := TrainConfig{Steps: 150, Batch: 8, LR: 3e-3, Supports: []int{2}, Seed: 1, Chunks: 2, Workers: 2}
	if _, err := Train(context.Background(), m, src, tc, nil); err != nil {
		t.Fatal(err)
	}
	s, err := MeasureSpecificity(context.Background(), m, src, 2, 5, 32, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", s)
	if d := s.Other - s.Own; !(d > 2*s.OwnSE) {
		t.Errorf("adapting on the own support: %.4f nats/dim, on another's: %.4f (difference %.4f ± %.4f)", s.Own, s.Other, d, s.OwnSE)
	}
	if !(s.StepCos < 0.95) {
		t.Errorf("inner steps of different supports point the same way: mean cosine %.4f", s.StepCos)
	}
	if !(s.StepNormRatio > 0.02) {
		t.Errorf("inner steps of different supports have one size: mean |log ratio| %.4f", s.StepNormRatio)
	}
}

func TestSpecificityBadInput(t *testing.T) {
	src, err := images.Characters(images.CharacterConfig{Side: 8, Alphabets: 3, TestAlphabets: 1, Characters: 2, Drawers: 20}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind string
		n    int
	}{{Conditional, 4}, {Meta, 1}} {
		m, err := New(tinyConfig(tc.kind, 8, 8), 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := MeasureSpecificity(context.Background(), m, src, 1, 1, tc.n, 1); err == nil {
			t.Errorf("%s model, %d episodes: accepted", tc.kind, tc.n)
		}
	}
}
