// Package multitask holds the models of the drug suite (Ramsundar et al.
// 2015): logistic regression, a random forest of Gini trees, and
// single-task and multitask networks on the nn engine — one hidden
// layer of 1200 or the pyramidal (2000, 100) trunk, one two-class head
// per task, dropout, actives and inactives re-weighted to equal weight per
// task and missing labels masked out of the loss — and the metrics of their
// scores: ROC AUC and average precision, as scikit-learn computes them.
//
// Inputs are binary fingerprints given as sorted on-bit lists (Data);
// labels are 0, 1 or -1 (missing). Everything random takes a seed, and
// the same seed gives the same model bit for bit.
package multitask

import "fmt"

// Data is a set of molecules as fingerprints with their labels.
type Data struct {
	X    [][]int32 // sorted on-bits per row
	Bits int       // fingerprint length
	Y    [][]int8  // [row][task]: 1, 0 or -1 (missing); may be nil for prediction
}

// Rows returns the number of molecules.
func (d Data) Rows() int { return len(d.X) }

// Tasks returns the number of tasks.
func (d Data) Tasks() int {
	if len(d.Y) == 0 {
		return 0
	}
	return len(d.Y[0])
}

// Subset returns the rows idx (sharing storage).
func (d Data) Subset(idx []int) Data {
	s := Data{Bits: d.Bits, X: make([][]int32, len(idx))}
	if d.Y != nil {
		s.Y = make([][]int8, len(idx))
	}
	for k, i := range idx {
		s.X[k] = d.X[i]
		if d.Y != nil {
			s.Y[k] = d.Y[i]
		}
	}
	return s
}

// Task returns the rows of d labelled for task t and their labels.
func (d Data) Task(t int) (Data, []int8) {
	var idx []int
	var y []int8
	for i, row := range d.Y {
		if row[t] >= 0 {
			idx = append(idx, i)
			y = append(y, row[t])
		}
	}
	s := d.Subset(idx)
	s.Y = nil
	return s, y
}

// Validate checks shapes and values.
func (d Data) Validate() error {
	if d.Bits < 1 {
		return fmt.Errorf("data: %d fingerprint bits", d.Bits)
	}
	if d.Y != nil && len(d.Y) != len(d.X) {
		return fmt.Errorf("data: %d rows of fingerprints, %d of labels", len(d.X), len(d.Y))
	}
	for i, x := range d.X {
		for _, b := range x {
			if b < 0 || int(b) >= d.Bits {
				return fmt.Errorf("data: row %d: bit %d outside [0,%d)", i, b, d.Bits)
			}
		}
	}
	return nil
}

// classWeights returns per-task weights that give actives and inactives
// equal total weight (the paper's re-weighting): for n labelled rows with
// p actives, n/(2p) per active and n/(2(n-p)) per inactive.
func classWeights(y []int8) (wPos, wNeg float64) {
	var n, p float64
	for _, v := range y {
		if v >= 0 {
			n++
			if v == 1 {
				p++
			}
		}
	}
	if p == 0 || p == n {
		return 1, 1
	}
	return n / (2 * p), n / (2 * (n - p))
}
