package optim

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/safetensors"
)

// State metadata keys in a saved optimiser state.
const (
	stateKind = "optimizer"
	stateStep = "step"
)

// StateTensors returns the optimiser's state — per trainable or frozen
// parameter, its slot vectors, named "<slot>.<parameter>" (Adam's "m.w1",
// "v.w1") — and its metadata: the kind and the step count. Parameters must
// have unique names. Parameters that have not been stepped yet get zero
// vectors, the state they would start from.
func (o *Optimizer[T]) StateTensors() ([]safetensors.Tensor, map[string]string, error) {
	ps := o.allParams()
	if _, err := nn.ParamsByName(ps); err != nil {
		return nil, nil, fmt.Errorf("optim: save state: %w", err)
	}
	var ts []safetensors.Tensor
	for _, p := range ps {
		st := o.state(p)
		for i, slot := range o.rule.slotNames() {
			ts = append(ts, tensorOf(slot+"."+p.Name, p.Shape, st.s[i]))
		}
	}
	meta := map[string]string{stateKind: o.rule.kind(), stateStep: strconv.Itoa(o.step)}
	return ts, meta, nil
}

// SaveState writes the optimiser's state (StateTensors) to path as a
// safetensors file, atomically.
func (o *Optimizer[T]) SaveState(path string) error {
	ts, meta, err := o.StateTensors()
	if err != nil {
		return err
	}
	return safetensors.WriteFile(path, ts, meta)
}

// LoadState restores the state SaveState wrote. It refuses, changing
// nothing, a file of another optimiser kind, of other parameters or shapes,
// or with non-finite values.
func (o *Optimizer[T]) LoadState(path string) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return fmt.Errorf("optim: %w", err)
	}
	if err := o.SetState(f); err != nil {
		return fmt.Errorf("optim: %s: %w", path, err)
	}
	return nil
}

// SetState restores a state read from a safetensors file (see LoadState).
func (o *Optimizer[T]) SetState(f *safetensors.File) error {
	if k := f.Metadata[stateKind]; k != o.rule.kind() {
		return fmt.Errorf("state of optimizer %q, this is %q", k, o.rule.kind())
	}
	step, err := strconv.Atoi(f.Metadata[stateStep])
	if err != nil || step < 0 {
		return fmt.Errorf("bad step count %q", f.Metadata[stateStep])
	}
	ps := o.allParams()
	dt := safetensors.F32
	if _, ok := any(T(0)).(float64); ok {
		dt = safetensors.F64
	}
	var specs []safetensors.Spec
	for _, p := range ps {
		for _, slot := range o.rule.slotNames() {
			specs = append(specs, safetensors.Spec{Name: slot + "." + p.Name, DType: dt, Shape: p.Shape})
		}
	}
	if err := f.Expect(specs); err != nil {
		return err
	}
	vals := make([][]T, 0, len(specs))
	for _, s := range specs {
		t, _ := f.Tensor(s.Name)
		v, err := valuesOf[T](t)
		if err != nil {
			return err
		}
		if !nn.AllFinite(v) {
			return fmt.Errorf("%s holds non-finite values", s.Name)
		}
		vals = append(vals, v)
	}
	k := 0
	for _, p := range ps {
		st := o.state(p)
		for i := range o.rule.slotNames() {
			copy(st.s[i], vals[k])
			k++
		}
	}
	o.step = step
	return nil
}

// CopyStateFrom sets o's state to a copy of src's, parameter by parameter
// in group order; both must have the same kind and parameter shapes.
func (o *Optimizer[T]) CopyStateFrom(src *Optimizer[T]) error {
	if o.rule.kind() != src.rule.kind() {
		return fmt.Errorf("optim: copy state of %s into %s", src.rule.kind(), o.rule.kind())
	}
	dst, from := o.allParams(), src.allParams()
	if len(dst) != len(from) {
		return fmt.Errorf("optim: copy state of %d parameters into %d", len(from), len(dst))
	}
	for i, p := range dst {
		if !slices.Equal(p.Shape, from[i].Shape) {
			return fmt.Errorf("optim: copy state: parameter %d has shape %v, source %v", i, p.Shape, from[i].Shape)
		}
	}
	for i, p := range dst {
		st, ss := o.state(p), src.state(from[i])
		for k := range o.rule.slotNames() {
			copy(st.s[k], ss.s[k])
		}
	}
	o.step = src.step
	return nil
}

func (o *Optimizer[T]) allParams() []*nn.Param[T] {
	var ps []*nn.Param[T]
	for _, g := range o.Groups {
		ps = append(ps, g.Params...)
	}
	return ps
}

func tensorOf[T nn.Float](name string, shape []int, v []T) safetensors.Tensor {
	switch v := any(v).(type) {
	case []float32:
		return safetensors.FromFloat32(name, shape, v)
	case []float64:
		return safetensors.FromFloat64(name, shape, v)
	}
	panic("unreachable: nn.Float is float32 or float64")
}

func valuesOf[T nn.Float](t safetensors.Tensor) ([]T, error) {
	var out any
	var err error
	switch any(T(0)).(type) {
	case float32:
		out, err = t.Float32()
	case float64:
		out, err = t.Float64()
	}
	if err != nil {
		return nil, err
	}
	return out.([]T), nil
}
