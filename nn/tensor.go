package nn

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"unsafe"
)

// Float is the element type of tensors: float32 for training, float64 for
// gradient checks.
type Float interface {
	float32 | float64
}

// Tensor is an n-dimensional array in row-major order, produced by an
// operation on a [Tape]. Its Data (and Grad, once backpropagation has reached
// it) may be backed by the tape's buffer arena: they stay valid until the
// tape is [Tape.Reset].
type Tensor[T Float] struct {
	// Shape holds the dimensions; a scalar has shape [1].
	Shape []int
	// Data holds the values, len(Data) == product of Shape.
	Data []T
	// Grad holds d(loss)/d(Data) after [Tape.Backward]; nil if no gradient
	// reached this tensor.
	Grad []T

	requiresGrad bool
}

// Size returns the number of elements.
func (t *Tensor[T]) Size() int { return len(t.Data) }

// RequiresGrad reports whether a gradient flows back through t.
func (t *Tensor[T]) RequiresGrad() bool { return t.requiresGrad }

// Item returns the single value of a one-element tensor.
func (t *Tensor[T]) Item() T {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("nn: Item on tensor of shape %v", t.Shape))
	}
	return t.Data[0]
}

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor[T]) Dim(i int) int { return t.Shape[normAxis(i, len(t.Shape))] }

// Param is a trainable parameter: a value and its accumulated gradient. It
// lives outside any tape, so it survives across forward passes.
type Param[T Float] struct {
	Name  string
	Shape []int
	Value []T
	Grad  []T
	// Frozen parameters enter tapes as constants: no gradient is computed for
	// them.
	Frozen bool
}

// NewParam returns a zero-valued parameter of the given shape.
func NewParam[T Float](name string, shape ...int) *Param[T] {
	n := shapeSize(shape)
	return &Param[T]{Name: name, Shape: slices.Clone(shape), Value: make([]T, n), Grad: make([]T, n)}
}

// Size returns the number of elements.
func (p *Param[T]) Size() int { return len(p.Value) }

// ZeroGrad sets the gradient to zero.
func (p *Param[T]) ZeroGrad() { clear(p.Grad) }

// Clone returns a deep copy of p (value and gradient).
func (p *Param[T]) Clone() *Param[T] {
	return &Param[T]{Name: p.Name, Shape: slices.Clone(p.Shape), Value: slices.Clone(p.Value),
		Grad: slices.Clone(p.Grad), Frozen: p.Frozen}
}

// CloneParams deep-copies a parameter set.
func CloneParams[T Float](ps []*Param[T]) []*Param[T] {
	out := make([]*Param[T], len(ps))
	for i, p := range ps {
		out[i] = p.Clone()
	}
	return out
}

// ParamsByName indexes a parameter set by name. It fails on an empty or
// duplicate name, since checkpoints address parameters by name.
func ParamsByName[T Float](ps []*Param[T]) (map[string]*Param[T], error) {
	m := make(map[string]*Param[T], len(ps))
	for i, p := range ps {
		if p.Name == "" {
			return nil, fmt.Errorf("nn: parameter %d has no name", i)
		}
		if _, dup := m[p.Name]; dup {
			return nil, fmt.Errorf("nn: duplicate parameter name %q", p.Name)
		}
		m[p.Name] = p
	}
	return m, nil
}

// AccumulateGrads adds the gradients of src into those of dst, pairwise
// (for example, clones used on other goroutines into the originals).
func AccumulateGrads[T Float](dst, src []*Param[T]) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("nn: AccumulateGrads: %d and %d parameters", len(dst), len(src)))
	}
	for i, p := range dst {
		checkShape("AccumulateGrads", p.Shape, src[i].Shape)
		for j, g := range src[i].Grad {
			p.Grad[j] += g
		}
	}
}

// ZeroGrads zeroes the gradients of a parameter set.
func ZeroGrads[T Float](ps []*Param[T]) {
	for _, p := range ps {
		p.ZeroGrad()
	}
}

type opRecord[T Float] struct {
	name string
	out  *Tensor[T]
	ins  []*Tensor[T]
	back func()
}

// Tape records a forward pass for reverse-mode differentiation. The zero
// value is not usable; create tapes with [NewTape]. A tape must not be used
// from several goroutines at once, but separate tapes may be.
type Tape[T Float] struct {
	ops    []opRecord[T]
	leaves map[*Param[T]]*Tensor[T]
	subst  map[*Param[T]]*Tensor[T]
	substP map[*Param[T]]*Param[T]
	check  bool
	noGrad bool
	err    error
	arena  arena[T]
}

// NewTape returns an empty tape.
func NewTape[T Float]() *Tape[T] {
	return &Tape[T]{
		leaves: map[*Param[T]]*Tensor[T]{},
		subst:  map[*Param[T]]*Tensor[T]{},
		substP: map[*Param[T]]*Param[T]{},
	}
}

// SetCheck enables or disables NaN/Inf checking: with it on, every
// operation's output (forward) and every gradient it produces (backward) is
// scanned, and the first non-finite value is reported as an error naming the
// operation.
func (tp *Tape[T]) SetCheck(on bool) { tp.check = on }

// SetNoGrad disables recording: results never require gradients (for
// evaluation).
func (tp *Tape[T]) SetNoGrad(on bool) { tp.noGrad = on }

// NoGrad reports whether recording is off ([Tape.SetNoGrad]): a tensor's
// data may then be written in place, as no operation will read it backward.
func (tp *Tape[T]) NoGrad() bool { return tp.noGrad }

// Err returns the first NaN/Inf error found in the forward pass so far.
func (tp *Tape[T]) Err() error { return tp.err }

// HeldBytes returns the memory the tape keeps between passes: its arena's
// regions, which a Reset makes free but does not give back.
func (tp *Tape[T]) HeldBytes() int {
	var x T
	return tp.arena.held * int(unsafe.Sizeof(x))
}

// PassBytes returns the memory the pass since the last Reset has taken
// from the tape. A Reset grows the regions to hold at least that much, so
// a caller that will drop a tape after a large pass can tell before a
// Reset allocates for a pass that never comes.
func (tp *Tape[T]) PassBytes() int {
	var x T
	return tp.arena.n * int(unsafe.Sizeof(x))
}

// Reset clears the recorded operations, parameter leaves and substitutions
// and recycles the tape's buffers for the next forward pass. Tensors created
// before the reset must not be used afterwards.
func (tp *Tape[T]) Reset() {
	clear(tp.ops)
	tp.ops = tp.ops[:0]
	clear(tp.leaves)
	clear(tp.subst)
	clear(tp.substP)
	tp.err = nil
	tp.arena.reset()
}

// Substitute makes every later [Tape.Param] call for orig return a leaf for
// repl instead, so that model code written against orig runs with repl's
// values and accumulates gradients into repl.Grad.
func (tp *Tape[T]) Substitute(orig, repl *Param[T]) {
	checkShape("Substitute", orig.Shape, repl.Shape)
	tp.substP[orig] = repl
}

// SubstituteParams substitutes repl[i] for orig[i] for every i.
func (tp *Tape[T]) SubstituteParams(orig, repl []*Param[T]) {
	if len(orig) != len(repl) {
		panic(fmt.Sprintf("nn: SubstituteParams: %d originals, %d replacements", len(orig), len(repl)))
	}
	for i := range orig {
		tp.Substitute(orig[i], repl[i])
	}
}

// SubstituteTensor makes every later [Tape.Param] call for orig return t, a
// tensor computed on this tape (for example adapted weights).
func (tp *Tape[T]) SubstituteTensor(orig *Param[T], t *Tensor[T]) {
	checkShape("SubstituteTensor", orig.Shape, t.Shape)
	tp.subst[orig] = t
}

// Param returns the tape leaf for p (or for its substitute). Calling it
// twice for the same parameter returns the same tensor. The leaf's Data and
// Grad alias the parameter's Value and Grad.
func (tp *Tape[T]) Param(p *Param[T]) *Tensor[T] {
	if t, ok := tp.subst[p]; ok {
		return t
	}
	if r, ok := tp.substP[p]; ok {
		p = r
	}
	if t, ok := tp.leaves[p]; ok {
		return t
	}
	t := &Tensor[T]{Shape: p.Shape, Data: p.Value, requiresGrad: !p.Frozen && !tp.noGrad}
	if t.requiresGrad {
		if len(p.Grad) != len(p.Value) {
			p.Grad = make([]T, len(p.Value))
		}
		t.Grad = p.Grad
	}
	tp.leaves[p] = t
	return t
}

// Constant returns a tensor that requires no gradient, holding data (not
// copied) with the given shape.
func (tp *Tape[T]) Constant(data []T, shape ...int) *Tensor[T] {
	if shapeSize(shape) != len(data) {
		panic(fmt.Sprintf("nn: Constant: %d values for shape %v", len(data), shape))
	}
	return &Tensor[T]{Shape: slices.Clone(shape), Data: data}
}

// Variable returns a leaf tensor holding data (not copied) that does require
// a gradient; after Backward its Grad holds d(loss)/d(data).
func (tp *Tape[T]) Variable(data []T, shape ...int) *Tensor[T] {
	t := tp.Constant(data, shape...)
	t.requiresGrad = !tp.noGrad
	return t
}

// Zeros returns a constant tensor of zeros.
func (tp *Tape[T]) Zeros(shape ...int) *Tensor[T] {
	return &Tensor[T]{Shape: slices.Clone(shape), Data: tp.arena.get(shapeSize(shape))}
}

// Scalar returns a constant one-element tensor.
func (tp *Tape[T]) Scalar(v T) *Tensor[T] {
	t := tp.Zeros(1)
	t.Data[0] = v
	return t
}

// newOut allocates an output tensor whose gradient requirement follows ins.
func (tp *Tape[T]) newOut(shape []int, ins ...*Tensor[T]) *Tensor[T] {
	return &Tensor[T]{Shape: shape, Data: tp.arena.get(shapeSize(shape)), requiresGrad: tp.needsGrad(ins)}
}

// newOutRaw is newOut for operations that overwrite every output element:
// the buffer may hold stale values.
func (tp *Tape[T]) newOutRaw(shape []int, ins ...*Tensor[T]) *Tensor[T] {
	return &Tensor[T]{Shape: shape, Data: tp.arena.getRaw(shapeSize(shape)), requiresGrad: tp.needsGrad(ins)}
}

// needsGrad reports whether an output of ins needs a gradient: some input
// does and the tape records gradients.
func (tp *Tape[T]) needsGrad(ins []*Tensor[T]) bool {
	if tp.noGrad {
		return false
	}
	for _, in := range ins {
		if in.requiresGrad {
			return true
		}
	}
	return false
}

// record registers the backward function of an operation whose output is
// out, and checks out for NaN/Inf when checking is on.
func (tp *Tape[T]) record(name string, out *Tensor[T], back func(), ins ...*Tensor[T]) {
	if tp.check && tp.err == nil {
		if i := firstNonFinite(out.Data); i >= 0 {
			tp.err = fmt.Errorf("nn: forward op %d %q produced %v at index %d: %w",
				len(tp.ops), name, out.Data[i], i, ErrNonFinite)
		}
	}
	if out.requiresGrad {
		tp.ops = append(tp.ops, opRecord[T]{name: name, out: out, ins: ins, back: back})
	}
}

// grad returns t's gradient buffer, allocating a zeroed one on first use.
func (tp *Tape[T]) grad(t *Tensor[T]) []T {
	if t.Grad == nil {
		t.Grad = tp.arena.get(len(t.Data))
	}
	return t.Grad
}

// ErrNonFinite is wrapped by the errors that report a NaN or Inf.
var ErrNonFinite = errors.New("non-finite value")

// Backward propagates gradients from loss, a one-element tensor, to every
// tensor on the tape that requires a gradient, accumulating into parameter
// gradients. It returns the first NaN/Inf error (forward or backward) when
// checking is on.
func (tp *Tape[T]) Backward(loss *Tensor[T]) error {
	if len(loss.Data) != 1 {
		return fmt.Errorf("nn: Backward: loss has shape %v, want a scalar", loss.Shape)
	}
	if tp.err != nil {
		return tp.err
	}
	if !loss.requiresGrad {
		return nil
	}
	tp.grad(loss)[0] += 1
	for i := len(tp.ops) - 1; i >= 0; i-- {
		op := &tp.ops[i]
		if op.out.Grad == nil {
			continue
		}
		op.back()
		if tp.check {
			for _, in := range op.ins {
				if in.Grad == nil {
					continue
				}
				if j := firstNonFinite(in.Grad); j >= 0 {
					tp.err = fmt.Errorf("nn: backward of op %d %q produced gradient %v at index %d: %w",
						i, op.name, in.Grad[j], j, ErrNonFinite)
					return tp.err
				}
			}
		}
	}
	return nil
}

func firstNonFinite[T Float](x []T) int {
	for i, v := range x {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return i
		}
	}
	return -1
}

// arena recycles memory between forward passes of one tape. It hands out
// consecutive pieces of a few regions, filled in order, and a reset makes
// every region free again. A pass that needs more than the regions hold
// gets the rest allocated piece by piece, and the reset after it adds a
// region for what was missing (and a sixteenth more), so nothing is
// discarded as the arena grows. Batches of other sentence lengths ask for
// other sizes at every step, and a piece of a region serves any size: a
// long-lived tape holds about one pass of its largest recent batch and,
// once it has seen it, allocates nothing. (Buffers by size class, kept
// while one of the last two passes used their class, held two passes and,
// as lengths varied, dropped and reallocated most of them at every step:
// the garbage let the heap grow to twice that, 3 GB for one FOMAML
// trainer on Tatoeba.)
type arena[T Float] struct {
	regions [][]T
	held    int // elements in regions
	cur     int // the region pieces come from
	off     int // its first free element
	// n is the elements handed out in this pass (pieces rounded up to
	// arenaAlign), over the part of them allocated beyond the regions;
	// pass is the number of resets so far and recent n of the last
	// len(recent) passes (a ring).
	n, over, pass int
	recent        [16]int
	// poison fills every buffer getRaw hands out with NaN (tests: an op
	// that reads a buffer it should only write shows up as a NaN).
	poison bool
}

const (
	// arenaAlign aligns pieces to 64 bytes (a cache line) for float64, 32
	// for float32, where a buffer of their own would start.
	arenaAlign = 8
	// arenaMin is the smallest region (elements), so that small tapes
	// neither shrink nor grow in steps of a few elements.
	arenaMin = 1 << 14
	// arenaMaxRegions bounds the regions: a pass skips the tail of a
	// region that a piece does not fit in, so an arena that keeps growing
	// merges its regions into one.
	arenaMaxRegions = 8
)

// get returns a zeroed buffer of length n.
func (a *arena[T]) get(n int) []T {
	b := a.getRaw(n)
	clear(b)
	return b
}

// getRaw returns a buffer of length n with arbitrary contents.
func (a *arena[T]) getRaw(n int) []T {
	if n == 0 {
		return make([]T, 0) // not nil: a nil Grad means "no gradient yet"
	}
	size := (n + arenaAlign - 1) / arenaAlign * arenaAlign
	a.n += size
	for a.cur < len(a.regions) && len(a.regions[a.cur])-a.off < n {
		a.cur, a.off = a.cur+1, 0
	}
	var b []T
	if a.cur < len(a.regions) {
		r := a.regions[a.cur]
		b = r[a.off : a.off+n : a.off+n] // a full slice expression: append must not reach the next piece
		a.off = min(len(r), a.off+size)
	} else {
		b = make([]T, n) // beyond the regions: reset adds one
		a.over += size
	}
	if a.poison {
		for i := range b {
			b[i] = T(math.NaN())
		}
	}
	return b
}

// reset frees the regions for the next pass. After a pass that did not fit
// it adds a region for the missing part; when the arena holds more than
// twice the largest of the recent passes (a tape that saw a large batch
// once does not keep its memory for good) it replaces its regions by one
// a sixteenth larger than that pass.
func (a *arena[T]) reset() {
	a.recent[a.pass%len(a.recent)] = a.n
	a.pass++
	need := slices.Max(a.recent[:])
	switch total := a.held + a.over; {
	case a.over > 0 && len(a.regions) < arenaMaxRegions:
		add := max(a.over+total/16, arenaMin)
		a.regions = append(a.regions, make([]T, add))
		a.held += add
	case a.over > 0:
		a.merge(total + total/16)
	case a.held > 2*max(need, arenaMin):
		a.merge(need + need/16)
	}
	a.cur, a.off, a.n, a.over = 0, 0, 0, 0
}

// merge replaces the regions by one of n elements.
func (a *arena[T]) merge(n int) {
	clear(a.regions)
	a.regions = append(a.regions[:0], nil)
	a.regions[0] = make([]T, n) // the old regions are garbage by now
	a.held = n
}

func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("nn: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

func checkShape(op string, a, b []int) {
	if !slices.Equal(a, b) {
		panic(fmt.Sprintf("nn: %s: shape mismatch %v vs %v", op, a, b))
	}
}

func normAxis(axis, rank int) int {
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		panic(fmt.Sprintf("nn: axis %d out of range for rank %d", axis, rank))
	}
	return axis
}
