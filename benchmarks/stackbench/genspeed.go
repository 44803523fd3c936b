package stackbench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
)

// GenRow is demonstration-generation throughput on one worker count.
type GenRow struct {
	Workers        int     `json:"workers"`
	Episodes       int     `json:"episodes"` // per measurement
	EpisodesPerSec float64 `json:"episodes_per_s"`
	SpeedUp        float64 `json:"speed_up"` // over the first row
	Repeats        int     `json:"repeats"`
}

// GenOptions configure GenSpeed.
type GenOptions struct {
	Workers  []int
	Tasks    []stack.Task
	Episodes int // per task and measurement
	Repeats  int
}

// DefaultGenTasks are the tasks GenSpeed generates by default: a spread of
// stage counts.
func DefaultGenTasks() []stack.Task {
	var out []stack.Task
	for _, s := range []string{"ab", "abc de", "abcd efg", "abcdef", "ab cd ef gh ij", "abcdefghij"} {
		out = append(out, stack.MustParse(s))
	}
	return out
}

// GenSpeed measures `demos gen` end to end — simulation, expert, encoding,
// durable writes — into temporary directories, for each worker count, and
// reports the median throughput and the speed-up over the first count.
func GenSpeed(ctx context.Context, opt GenOptions) ([]GenRow, error) {
	var rows []GenRow
	for _, w := range opt.Workers {
		var rates []float64
		for r := range max(opt.Repeats, 1) {
			dir, err := os.MkdirTemp("", "metabench-genspeed-")
			if err != nil {
				return nil, fmt.Errorf("generation benchmark: %w", err)
			}
			t0 := time.Now()
			p, err := collect.Generate(ctx, collect.GenOptions{
				Dir: dir, Tasks: opt.Tasks, Episodes: opt.Episodes, Seed: uint64(r + 1),
				Noise: policies.DefaultNoise, Workers: w,
			})
			elapsed := time.Since(t0)
			os.RemoveAll(dir)
			if err != nil {
				return nil, fmt.Errorf("generation benchmark: %w", err)
			}
			rates = append(rates, float64(p.Kept)/elapsed.Seconds())
		}
		rows = append(rows, GenRow{Workers: w, Episodes: opt.Episodes * len(opt.Tasks), EpisodesPerSec: median(rates), Repeats: len(rates)})
	}
	for i := range rows {
		rows[i].SpeedUp = rows[i].EpisodesPerSec / rows[0].EpisodesPerSec
	}
	return rows, nil
}

// GenTable formats GenSpeed rows.
func GenTable(rows []GenRow) report.Table {
	t := report.Table{
		Title:  "Demonstration generation (demos gen end to end, median of repeats)",
		Header: []string{"workers", "episodes", "episodes/s", "speed-up"},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{strconv.Itoa(r.Workers), strconv.Itoa(r.Episodes), fmt.Sprintf("%.1f", r.EpisodesPerSec), fmt.Sprintf("%.2f×", r.SpeedUp)})
	}
	return t
}
