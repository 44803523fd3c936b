package demos

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
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
		if err := d.exportNPZ(zw); err != nil {
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

func (d *Dataset) exportNPZ(zw *zip.Writer) error {
	tasks := d.Tasks()
	counts := make([]int64, len(tasks))
	for k, t := range d.man.Tasks {
		for _, f := range t.Files {
			counts[k] += int64(f.Episodes)
		}
	}
	if err := writeNPY(zw, "tasks", npyStrings(tasks)); err != nil {
		return err
	}
	if err := writeNPY(zw, "task_episodes", npyInt64(counts)); err != nil {
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
			arr  npyArray
		}{
			{"obs", npyFloat32(obs, obsDim)},
			{"actions", npyFloat32(acts, actDim)},
			{"expert_actions", npyFloat32(expert, actDim)},
			{"obs_starts", npyInt64(obsStarts)},
			{"action_starts", npyInt64(actStarts)},
			{"index", npyInt64(index)},
			{"seed", npyUint64(seeds)},
			{"source", npyStrings(sources)},
			{"outcome", npyStrings(outcomes)},
		}
		for _, a := range arrays {
			if err := writeNPY(zw, p+a.name, a.arr); err != nil {
				return err
			}
		}
	}
	return nil
}

// npyArray is an array in NumPy's .npy format (version 1.0): a dtype, a
// shape and little-endian C-order data.
type npyArray struct {
	descr string
	shape []int
	data  []byte
}

func npyFloat32(a []float32, cols int) npyArray {
	b := make([]byte, 4*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	rows := 0
	if cols > 0 {
		rows = len(a) / cols
	}
	return npyArray{"<f4", []int{rows, cols}, b}
}

func npyInt64(a []int64) npyArray {
	b := make([]byte, 8*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return npyArray{"<i8", []int{len(a)}, b}
}

func npyUint64(a []uint64) npyArray {
	b := make([]byte, 8*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return npyArray{"<u8", []int{len(a)}, b}
}

// npyStrings encodes strings as a fixed-width unicode array (UTF-32LE).
func npyStrings(a []string) npyArray {
	width := 1
	for _, s := range a {
		width = max(width, utf8.RuneCountInString(s))
	}
	b := make([]byte, 4*width*len(a))
	for i, s := range a {
		j := 0
		for _, r := range s {
			binary.LittleEndian.PutUint32(b[4*(i*width+j):], uint32(r))
			j++
		}
	}
	return npyArray{fmt.Sprintf("<U%d", width), []int{len(a)}, b}
}

// writeNPY adds name.npy to the archive.
func writeNPY(zw *zip.Writer, name string, a npyArray) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Deflate})
	if err != nil {
		return err
	}
	dims := make([]string, len(a.shape))
	for i, n := range a.shape {
		dims[i] = fmt.Sprint(n)
	}
	shape := strings.Join(dims, ", ")
	if len(a.shape) == 1 {
		shape += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", a.descr, shape)
	// Pad so that the data starts at a multiple of 64 bytes, ending with '\n'.
	const pre = 6 + 2 + 2
	pad := 64 - (pre+len(dict)+1)%64
	if pad == 64 {
		pad = 0
	}
	hdr := make([]byte, 0, pre+len(dict)+pad+1)
	hdr = append(hdr, "\x93NUMPY\x01\x00"...)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(dict)+pad+1))
	hdr = append(hdr, dict...)
	hdr = append(hdr, strings.Repeat(" ", pad)...)
	hdr = append(hdr, '\n')
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err = w.Write(a.data)
	return err
}
