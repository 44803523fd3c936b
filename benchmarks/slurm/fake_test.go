package slurm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/metabench/metabench/benchmarks/claims"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/cli"
)

// The test binary doubles as a small metabench: with fakeMainEnv set it runs
// its command line against fakeRegistry instead of the tests. Slurm jobs
// inherit the variable from the submitting process (sbatch exports the
// environment), so the scripts `metabench slurm` writes run it too.
const fakeMainEnv = "METABENCH_SLURM_FAKE_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(fakeMainEnv) == "1" {
		os.Exit(fakeMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeMain(args []string) int {
	r := fakeRegistry()
	e := cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}
	cmds, err := r.Commands()
	if err != nil {
		return cli.ExitCode(os.Stderr, "fake", err)
	}
	cmds = append(cmds, Command(r))
	return cli.ExitCode(os.Stderr, "fake", cli.Dispatch(context.Background(), e, "fake", cmds, args))
}

func fakeRegistry() suite.Registry {
	return suite.Registry{Suites: []*suite.Suite{fakeSuite(), wholeSuite()}}
}

// fakeRows are the fake suite's measurements: one value per unit of work.
type fakeRows struct {
	Units []fakeUnit `json:"units"`
}

type fakeUnit struct {
	Index int     `json:"index"`
	Value float64 `json:"value"`
}

type fakeConfig struct {
	Units int    `json:"units"`
	Seed  uint64 `json:"seed"`
	Pause int    `json:"pause_ms"` // each shard's run lasts this long, so a test can cancel it while it runs
}

// fakeSuite is a small shardable suite: a "model" (a random vector of the
// seed) trained once into the cache, then evaluated on units of work that
// the shards split.
func fakeSuite() *suite.Suite {
	config := func(o suite.Options, c fakeConfig) (fakeConfig, error) {
		if o.Data != "" {
			return fakeConfig{}, cli.Usagef("fake: no real data (got --data %q)", o.Data)
		}
		c.Seed = o.Seed
		return c, nil
	}
	return suite.New(suite.Spec[fakeConfig, fakeConfig, fakeRows]{
		Name:    "fake",
		Summary: "a test suite",
		Profiles: []suite.Profile[fakeConfig]{
			{Name: "smoke", Summary: "10 units", Expected: time.Second, Scale: fakeConfig{Units: 10}},
			{Name: "full", Summary: "40 units, 3 s per shard", Expected: 12 * time.Second, Scale: fakeConfig{Units: 40, Pause: 3000}},
		},
		Default: "smoke",
		Prepare: true,
		Config:  config,
		Run: func(ctx context.Context, s suite.Setup[fakeConfig]) (fakeRows, error) {
			o, cfg := s.Options, s.Config
			model, err := fakeModel(o.CacheDir, cfg)
			if err != nil {
				return fakeRows{}, err
			}
			var rows fakeRows
			if o.Prepare {
				return rows, nil // the model is in the cache
			}
			if !o.Shard.Whole() {
				select {
				case <-ctx.Done():
					return rows, ctx.Err()
				case <-time.After(time.Duration(cfg.Pause) * time.Millisecond):
				}
			}
			for i := range cfg.Units {
				if o.Shard.Has(i) {
					rows.Units = append(rows.Units, fakeUnit{Index: i, Value: model[i%len(model)] * float64(i+1)})
				}
			}
			return rows, nil
		},
		Merge: func(shards []fakeRows) (fakeRows, error) {
			var all fakeRows
			for _, s := range shards {
				all.Units = append(all.Units, s.Units...)
			}
			slices.SortFunc(all.Units, func(a, b fakeUnit) int { return a.Index - b.Index })
			for i, u := range all.Units {
				if u.Index != i {
					return all, fmt.Errorf("unit %d missing", i)
				}
			}
			return all, nil
		},
		// One claim, whose effect (the mean value, from values in [0, 10])
		// is positive in every seed: over seeds it holds.
		Claims: []claims.Claim{{ID: "values-positive", Statement: "The values are positive.", Effect: "mean value", Unit: "points", Direction: claims.Positive, Budget: "one arm"}},
		Measure: func(r fakeRows) ([]claims.Measurement, error) {
			items := make([]float64, len(r.Units))
			for i, u := range r.Units {
				items[i] = u.Value
			}
			if len(items) == 0 {
				return nil, nil
			}
			return []claims.Measurement{{Claim: "values-positive", Value: claims.Mean(items), Items: items}}, nil
		},
		Tables: func(r fakeRows) []report.Table {
			t := report.Table{Title: "Fake values", Header: []string{"unit", "value"}}
			for _, u := range r.Units {
				t.Rows = append(t.Rows, []string{strconv.Itoa(u.Index), strconv.FormatFloat(u.Value, 'g', -1, 64)})
			}
			return []report.Table{t}
		},
	})
}

// fakeModel is the work every shard shares: made once and kept in the cache.
func fakeModel(cache string, cfg fakeConfig) ([]float64, error) {
	path := filepath.Join(cache, "fake", suite.Key(cfg)+".txt")
	if b, err := os.ReadFile(path); err == nil {
		var m []float64
		for _, f := range strings.Fields(string(b)) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			m = append(m, v)
		}
		return m, nil
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 7))
	m := make([]float64, 7)
	var text string
	for i := range m {
		m[i] = rng.Float64()
		text += strconv.FormatFloat(m[i], 'g', -1, 64) + "\n"
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return m, atomicfile.WriteFile(path, []byte(text), 0o644)
}

// wholeSuite does not split into shards.
func wholeSuite() *suite.Suite {
	return suite.New(suite.Spec[struct{}, int, int]{
		Name: "whole", Profiles: []suite.Profile[struct{}]{{Name: "full"}}, Default: "full",
		Config: func(suite.Options, struct{}) (int, error) { return 1, nil },
		Run:    func(context.Context, suite.Setup[int]) (int, error) { return 1, nil },
		Tables: func(int) []report.Table { return nil },
	})
}
