package layers

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/metabench/metabench/nn"
)

func randData(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

// TestDecoderStepMatchesForward: decoding position by position with
// DecoderBlock.Step, reordering the batch between steps as beam search
// does (rows dropped, repeated, swapped), gives for every row what Forward
// gives on that row's whole prefix and its memory: on a tape that records
// gradients (keys and values concatenated at each step), on one that does
// not (written in place into a cache that grows past cacheMin), and with
// each step on a tape of its own reset before the next; all three give the
// same bits.
func TestDecoderStepMatchesForward(t *testing.T) {
	const b, s, d = 3, 4, 8
	steps := cacheMin + 4
	// reorders[k] picks, before step k, the previous batch row each row continues.
	reorders := [][]int{nil, {2, 0, 1}, {0, 0, 1}, {2, 1, 0}, {1, 1, 1}}
	for len(reorders) < steps {
		reorders = append(reorders, [][]int{nil, {1, 2, 0}, {0, 2, 2}}[len(reorders)%3])
	}
	modes := []struct {
		name      string
		noGrad    bool
		stepTapes bool // each step on a tape of its own, reset between steps
	}{{"recording", false, false}, {"no-grad", true, false}, {"no-grad, step tapes", true, true}}
	outs := make([][]float64, len(modes))
	for mode, md := range modes {
		r := rand.New(rand.NewPCG(3, 9))
		blk := NewDecoderBlock[float64](r, "dec", d, 2, 16)
		mem := randData(r, b*s*d)
		lens := []int{4, 2, 3}
		tp := nn.NewTape[float64]()
		tp.SetNoGrad(md.noGrad)
		st := blk.Start(tp, tp.Constant(mem, b, s, d), PaddingMask(lens, s))
		stp := tp
		if md.stepTapes {
			stp = nn.NewTape[float64]()
			stp.SetNoGrad(true)
		}
		memOf := []int{0, 1, 2}      // sentence (memory row) of each batch row
		hist := make([][]float64, b) // inputs so far of each batch row
		for step, rows := range reorders {
			if rows != nil {
				st.Reorder(rows)
				nm, nh := make([]int, b), make([][]float64, b)
				for i, rw := range rows {
					nm[i], nh[i] = memOf[rw], slices.Clone(hist[rw])
				}
				memOf, hist = nm, nh
			}
			x := randData(r, b*d)
			for i := range b {
				hist[i] = append(hist[i], x[i*d:(i+1)*d]...)
			}
			if md.stepTapes {
				stp.Reset()
			}
			got := blk.Step(stp, stp.Constant(x, b, 1, d), st)
			outs[mode] = append(outs[mode], got.Data...)
			for i := range b {
				o := memOf[i]
				ftp := nn.NewTape[float64]()
				m1 := PaddingMask([]int{lens[o]}, s)
				want := blk.Forward(ftp, ftp.Constant(hist[i], 1, step+1, d), ftp.Constant(mem[o*s*d:(o+1)*s*d], 1, s, d), m1, nil)
				last := want.Data[step*d:]
				for j := range d {
					if math.Abs(got.Data[i*d+j]-last[j]) > 1e-12 {
						t.Fatalf("%s, step %d row %d: Step %v, Forward %v", md.name, step, i, got.Data[i*d:(i+1)*d], last)
					}
				}
			}
		}
	}
	for i := 1; i < len(modes); i++ {
		if !slices.Equal(outs[i], outs[0]) {
			t.Errorf("%s: other bits than %s", modes[i].name, modes[0].name)
		}
	}
}
