package demos

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// The episode payload is the uncompressed content of one record (see doc.go
// for the whole format):
//
//	uvarint index
//	uint64  seed (little endian)
//	uvarint len, outcome bytes
//	byte    flags: 1 = expert actions present, 2 = discarded attempt (no arrays)
//	uvarint T, obsDim, actDim, nStates
//	nStates × (uvarint step - previous step (first: step), uvarint data length)
//	obsDim modes, actDim modes, [actDim modes]   (uvarint each, see predictors)
//	planes of obs, actions, [expert actions]     (4 bytes per value, see below)
//	state data, concatenated
//
// A float32 array of R rows × D columns is stored column by column as
// residuals r = bits(x) - bits(prediction) (uint32, wrapping), split into four
// byte planes (all most significant bytes first, then the next, ...). The
// prediction of row 0 is 0; of row t > 0 it is the previous value in the
// column (mode 0) or, with mode k in 1..maxRef, the previous value plus the
// change of column d-k between rows t-1 and t, computed in float32 (if that
// is NaN, the previous value). The encoder picks each column's mode by the
// smallest total residual bit length. Cross-column modes pay off on
// gripper-relative observations: when the gripper moves, every resting
// block's relative position changes by the same amount.

const (
	flagExpert    = 1
	flagDiscarded = 2
	maxRef        = 16
)

var errShort = errors.New("unexpected end of episode data")

// encodePayload appends the payload of ep to dst. A discarded attempt keeps
// only the index, seed, outcome and step count.
func encodePayload(dst []byte, ep *Episode, discarded bool) []byte {
	t := ep.Steps()
	dst = binary.AppendUvarint(dst, uint64(ep.Index))
	dst = binary.LittleEndian.AppendUint64(dst, ep.Seed)
	dst = binary.AppendUvarint(dst, uint64(len(ep.Outcome)))
	dst = append(dst, ep.Outcome...)
	if discarded {
		dst = append(dst, flagDiscarded)
		dst = binary.AppendUvarint(dst, uint64(t))
		return append(dst, 0, 0, 0) // obsDim, actDim, nStates
	}
	var flags byte
	if ep.ExpertActions != nil {
		flags |= flagExpert
	}
	dst = append(dst, flags)
	dst = binary.AppendUvarint(dst, uint64(t))
	dst = binary.AppendUvarint(dst, uint64(ep.ObsDim))
	dst = binary.AppendUvarint(dst, uint64(ep.ActDim))
	dst = binary.AppendUvarint(dst, uint64(len(ep.States)))
	prev := 0
	for _, s := range ep.States {
		dst = binary.AppendUvarint(dst, uint64(s.Step-prev))
		dst = binary.AppendUvarint(dst, uint64(len(s.Data)))
		prev = s.Step
	}
	arrays := []struct {
		a []float32
		d int
	}{{ep.Obs, ep.ObsDim}, {ep.Actions, ep.ActDim}}
	if ep.ExpertActions != nil {
		arrays = append(arrays, struct {
			a []float32
			d int
		}{ep.ExpertActions, ep.ActDim})
	}
	modes := make([][]int, len(arrays))
	for i, arr := range arrays {
		modes[i] = chooseModes(arr.a, arr.d)
		for _, m := range modes[i] {
			dst = binary.AppendUvarint(dst, uint64(m))
		}
	}
	for i, arr := range arrays {
		dst = appendPlanes(dst, arr.a, arr.d, modes[i])
	}
	for _, s := range ep.States {
		dst = append(dst, s.Data...)
	}
	return dst
}

// predict returns the prediction of a[t*dim+d] under mode m (t > 0).
func predict(a []float32, dim, t, d, m int) uint32 {
	p := a[(t-1)*dim+d]
	if m > 0 {
		r := d - m
		q := float32(p + float32(a[t*dim+r]-a[(t-1)*dim+r]))
		if q == q {
			p = q
		}
	}
	return math.Float32bits(p)
}

// chooseModes picks for every column the predictor with the smallest total
// residual bit length.
func chooseModes(a []float32, dim int) []int {
	rows := len(a) / dim
	modes := make([]int, dim)
	for d := range dim {
		best, bestCost := 0, -1
		for m := 0; m <= maxRef && m <= d; m++ {
			cost := 0
			for t := 1; t < rows && (bestCost < 0 || cost < bestCost); t++ {
				r := math.Float32bits(a[t*dim+d]) - predict(a, dim, t, d, m)
				cost += bits.Len32(r<<1 ^ uint32(int32(r)>>31)) // zigzag
			}
			if bestCost < 0 || cost < bestCost {
				best, bestCost = m, cost
			}
		}
		modes[d] = best
	}
	return modes
}

// appendPlanes appends the residuals of a (rows × dim) as four byte planes.
func appendPlanes(dst []byte, a []float32, dim int, modes []int) []byte {
	rows := len(a) / dim
	n := len(a)
	start := len(dst)
	dst = append(dst, make([]byte, 4*n)...)
	planes := dst[start:]
	i := 0
	for d := range dim {
		for t := range rows {
			r := math.Float32bits(a[t*dim+d])
			if t > 0 {
				r -= predict(a, dim, t, d, modes[d])
			}
			planes[i] = byte(r >> 24)
			planes[n+i] = byte(r >> 16)
			planes[2*n+i] = byte(r >> 8)
			planes[3*n+i] = byte(r)
			i++
		}
	}
	return dst
}

// readPlanes decodes rows × dim values from planes (4*rows*dim bytes).
func readPlanes(planes []byte, rows, dim int, modes []int) []float32 {
	n := rows * dim
	a := make([]float32, n)
	i := 0
	for d := range dim {
		for t := range rows {
			r := uint32(planes[i])<<24 | uint32(planes[n+i])<<16 | uint32(planes[2*n+i])<<8 | uint32(planes[3*n+i])
			if t > 0 {
				r += predict(a, dim, t, d, modes[d])
			}
			a[t*dim+d] = math.Float32frombits(r)
			i++
		}
	}
	return a
}

// payloadReader reads the fields of a payload with bounds checks.
type payloadReader struct {
	b   []byte
	err error
}

func (r *payloadReader) uvarint(max uint64, what string) int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("bad %s: %w", what, errShort)
		return 0
	}
	if v > max {
		r.err = fmt.Errorf("%s %d exceeds the limit %d", what, v, max)
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

func (r *payloadReader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("%s: %w", what, errShort)
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

// decodePayload decodes a payload into an episode (Task and Source are left
// for the caller, they live in the file header). It reports whether the
// record is a discarded attempt. It never panics on malformed input.
func decodePayload(b []byte) (ep *Episode, discarded bool, err error) {
	r := &payloadReader{b: b}
	ep = &Episode{}
	ep.Index = r.uvarint(math.MaxInt32, "index")
	if s := r.bytes(8, "seed"); s != nil {
		ep.Seed = binary.LittleEndian.Uint64(s)
	}
	ep.Outcome = string(r.bytes(r.uvarint(maxWordLen, "outcome length"), "outcome"))
	flags := r.bytes(1, "flags")
	t := r.uvarint(maxSteps, "step count")
	ep.ObsDim = r.uvarint(maxDim, "observation size")
	ep.ActDim = r.uvarint(maxDim, "action size")
	nStates := r.uvarint(uint64(t)+1, "state count")
	if r.err != nil {
		return nil, false, r.err
	}
	if err := checkWord("outcome", ep.Outcome); err != nil {
		return nil, false, err
	}
	if flags[0]&^(flagExpert|flagDiscarded) != 0 || flags[0] == flagExpert|flagDiscarded {
		return nil, false, fmt.Errorf("bad flags %#x", flags[0])
	}
	if flags[0]&flagDiscarded != 0 {
		if ep.ObsDim != 0 || ep.ActDim != 0 || nStates != 0 || len(r.b) != 0 {
			return nil, false, errors.New("discarded attempt with data")
		}
		return ep, true, nil
	}
	if ep.ObsDim == 0 || ep.ActDim == 0 {
		return nil, false, fmt.Errorf("zero observation or action size")
	}
	// Every state takes at least two header bytes: bound the count before allocating.
	if nStates > len(r.b)/2 {
		return nil, false, fmt.Errorf("state count: %w", errShort)
	}
	type stateHdr struct{ step, n int }
	hdrs := make([]stateHdr, nStates)
	step, total := 0, 0
	for i := range hdrs {
		delta := r.uvarint(uint64(t), "state step")
		if i > 0 && delta == 0 && r.err == nil {
			return nil, false, fmt.Errorf("state record %d: step not increasing", i)
		}
		step += delta
		n := r.uvarint(maxStateBytes, "state size")
		if r.err != nil {
			return nil, false, r.err
		}
		if step > t {
			return nil, false, fmt.Errorf("state record %d: step %d beyond %d steps", i, step, t)
		}
		hdrs[i] = stateHdr{step, n}
		total += n
	}
	nArrays := 2
	if flags[0]&flagExpert != 0 {
		nArrays = 3
	}
	dims := []int{ep.ObsDim, ep.ActDim, ep.ActDim}[:nArrays]
	rows := []int{t + 1, t, t}[:nArrays]
	modes := make([][]int, nArrays)
	for i, d := range dims {
		modes[i] = make([]int, d)
		for c := range d {
			modes[i][c] = r.uvarint(uint64(min(c, maxRef)), "predictor mode")
		}
	}
	if r.err != nil {
		return nil, false, r.err
	}
	// Check the exact remaining size before allocating the arrays.
	need := uint64(total)
	for i := range dims {
		need += 4 * uint64(rows[i]) * uint64(dims[i])
	}
	if need != uint64(len(r.b)) {
		return nil, false, fmt.Errorf("episode data is %d bytes, the header describes %d", len(r.b), need)
	}
	out := make([][]float32, nArrays)
	for i := range dims {
		out[i] = readPlanes(r.bytes(4*rows[i]*dims[i], "arrays"), rows[i], dims[i], modes[i])
	}
	ep.Obs, ep.Actions = out[0], out[1]
	if nArrays == 3 {
		ep.ExpertActions = out[2]
	}
	if nStates > 0 {
		ep.States = make([]StateRecord, nStates)
		for i, h := range hdrs {
			ep.States[i] = StateRecord{Step: h.step, Data: r.bytes(h.n, "state data")}
		}
	}
	return ep, false, nil
}
