package demos

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"math"

	"github.com/metabench/metabench/internal/npy"
)

// ExportNPZ writes every episode of the dataset in dir to a NumPy .npz
// archive at out (written atomically; load it with numpy.load). It verifies
// the dataset as it reads it. The arrays, for task number k in dataset order
// (PREFIX = "task%03d_", e.g. task000_), are:
//
//	tasks                 <U (K,)          task specs, in dataset order
//	task_episodes         int64 (K,)       episodes stored per task
//	PREFIXobs             float32 (ΣT+E, obs_dim)    observations, episode after episode
//	PREFIXactions         float32 (ΣT, act_dim)      executed actions
//	PREFIXexpert_actions  float32 (ΣT, act_dim)      expert labels; NaN rows for episodes without
//	PREFIXobs_starts      int64 (E+1,)     episode e's observations are obs[obs_starts[e]:obs_starts[e+1]]
//	PREFIXaction_starts   int64 (E+1,)     its actions are actions[action_starts[e]:action_starts[e+1]]
//	PREFIXindex           int64 (E,)       attempt index of each episode
//	PREFIXseed            uint64 (E,)      reset seed of each episode
//	PREFIXsource          <U (E,)          "expert", "human", ...
//	PREFIXoutcome         <U (E,)          "success", ...
//
// E is the task's episode count and T an episode's step count, so episode e
// has action_starts[e+1]-action_starts[e] steps and one more observation. A
// task without episodes has (0, 0) arrays. Simulator states are not exported.
func ExportNPZ(dir, out string) error {
	return ExportNPZContext(context.Background(), dir, out)
}

// ExportNPZContext is ExportNPZ that stops soon after ctx is cancelled,
// returning its error and leaving out as it was.
func ExportNPZContext(ctx context.Context, dir, out string) error {
	d, err := Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	err = writeAtomic(out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		zw := zip.NewWriter(bw)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		if err := d.exportNPZ(ctx, zw); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("demos: export %s: %w", out, err)
	}
	return nil
}

func (d *Dataset) exportNPZ(ctx context.Context, zw *zip.Writer) error {
	tasks := d.Tasks()
	counts := make([]int64, len(tasks))
	for k, t := range d.man.Tasks {
		for _, f := range t.Files {
			counts[k] += int64(f.Episodes)
		}
	}
	if err := npy.Add(zw, "tasks", npy.Strings(tasks)); err != nil {
		return err
	}
	if err := npy.Add(zw, "task_episodes", npy.Int64(counts)); err != nil {
		return err
	}
	for k, task := range tasks {
		var (
			obs, acts, expert []float32
			obsStarts         = []int64{0}
			actStarts         = []int64{0}
			index             []int64
			seeds             []uint64
			sources, outcomes []string
			obsDim, actDim    int
		)
		for ep, err := range d.Episodes(task) {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(index) == 0 {
				obsDim, actDim = ep.ObsDim, ep.ActDim
			} else if ep.ObsDim != obsDim || ep.ActDim != actDim {
				return fmt.Errorf("task %q: episode %s #%d has sizes %d/%d, earlier ones %d/%d", task, ep.Source, ep.Index, ep.ObsDim, ep.ActDim, obsDim, actDim)
			}
			obs = append(obs, ep.Obs...)
			acts = append(acts, ep.Actions...)
			if ep.ExpertActions != nil {
				expert = append(expert, ep.ExpertActions...)
			} else {
				for range ep.Actions {
					expert = append(expert, float32(math.NaN()))
				}
			}
			obsStarts = append(obsStarts, int64(len(obs)/obsDim))
			actStarts = append(actStarts, int64(len(acts)/actDim))
			index = append(index, int64(ep.Index))
			seeds = append(seeds, ep.Seed)
			sources = append(sources, ep.Source)
			outcomes = append(outcomes, ep.Outcome)
		}
		p := fmt.Sprintf("task%03d_", k)
		arrays := []struct {
			name string
			arr  npy.Array
		}{
			{"obs", npy.Float32(obs, rows(obs, obsDim), obsDim)},
			{"actions", npy.Float32(acts, rows(acts, actDim), actDim)},
			{"expert_actions", npy.Float32(expert, rows(expert, actDim), actDim)},
			{"obs_starts", npy.Int64(obsStarts)},
			{"action_starts", npy.Int64(actStarts)},
			{"index", npy.Int64(index)},
			{"seed", npy.Uint64(seeds)},
			{"source", npy.Strings(sources)},
			{"outcome", npy.Strings(outcomes)},
		}
		for _, a := range arrays {
			if err := npy.Add(zw, p+a.name, a.arr); err != nil {
				return err
			}
		}
	}
	return nil
}

// rows is the number of rows of a flattened matrix with cols columns (0
// for a task without episodes, whose width is unknown).
func rows(a []float32, cols int) int {
	if cols == 0 {
		return 0
	}
	return len(a) / cols
}
