package suite_test

import (
	"context"
	"fmt"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
)

// A suite in a few lines: a profile's scale (how many coins), the
// configuration that determines a run's results (the scale and the seed),
// and the rows a run measures (heads of the coins it tossed).
func ExampleNew() {
	type scale struct{ Coins int }
	type config struct {
		Scale scale
		Seed  uint64
	}
	type rows struct{ Heads int }
	s := suite.New(suite.Spec[scale, config, rows]{
		Name:    "coins",
		Summary: "tosses coins",
		Profiles: []suite.Profile[scale]{
			{Name: "small", Summary: "10 coins", Expected: time.Second, Scale: scale{Coins: 10}},
			{Name: "large", Summary: "1000 coins", Expected: time.Second, Scale: scale{Coins: 1000}},
		},
		Default: "small",
		Config: func(o suite.Options, sc scale) (config, error) {
			return config{Scale: sc, Seed: o.Seed}, nil
		},
		Run: func(ctx context.Context, s suite.Setup[config]) (rows, error) {
			var r rows
			for i := range s.Config.Scale.Coins {
				r.Heads += int((s.Config.Seed + uint64(i)) % 2)
			}
			return r, nil
		},
		Tables: func(r rows) []report.Table {
			return []report.Table{{Title: "coins", Header: []string{"heads"}, Rows: [][]string{{fmt.Sprint(r.Heads)}}}}
		},
	})
	rep, err := s.Run(context.Background(), suite.Options{Profile: "large", Seed: 1})
	fmt.Println(string(rep.Rows), err)
	_, err = s.Run(context.Background(), suite.Options{Profile: "huge"})
	fmt.Println(err)
	// Output:
	// {"Heads":500} <nil>
	// coins: unknown profile "huge" (want small, large)
}
