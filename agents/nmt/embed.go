package nmt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Embeddings are monolingual word vectors: row i is the vector of token
// id i of a vocabulary (zero for specials and words never seen).
type Embeddings struct {
	Dim  int
	Vecs []float64 // [vocab, Dim]
}

// Row returns the vector of id i.
func (e *Embeddings) Row(i int) []float64 { return e.Vecs[i*e.Dim : (i+1)*e.Dim] }

// PPMISVD trains embeddings of dimension dim from sentences by the
// positive pointwise mutual information of co-occurrence within ±window
// tokens (uniform weights, context counts smoothed with exponent 0.75)
// factorised by a truncated SVD: W = U_d·sqrt(Σ_d) (Levy, Goldberg & Dagan
// 2015). Rows are centred and normalised to unit length, the usual
// preprocessing before orthogonal alignment.
func PPMISVD(sents [][]string, v *Vocab, dim, window int) (*Embeddings, error) {
	n := v.Size()
	if dim < 1 || dim > n {
		return nil, fmt.Errorf("nmt: embedding dimension %d for a vocabulary of %d", dim, n)
	}
	co := mat.NewDense(n, n, nil)
	for _, s := range sents {
		ids := v.IDs(s)
		for i, a := range ids {
			if a < numSpecial {
				continue
			}
			for d := 1; d <= window && i+d < len(ids); d++ {
				b := ids[i+d]
				if b < numSpecial {
					continue
				}
				w := 1.0
				co.Set(a, b, co.At(a, b)+w)
				co.Set(b, a, co.At(b, a)+w)
			}
		}
	}
	row := make([]float64, n)
	ctx := make([]float64, n)
	var total, ctxTotal float64
	for i := range n {
		for j := range n {
			c := co.At(i, j)
			row[i] += c
			ctx[j] += c
		}
	}
	for j := range n {
		total += row[j]
		ctx[j] = math.Pow(ctx[j], 0.75)
		ctxTotal += ctx[j]
	}
	if total == 0 {
		return nil, fmt.Errorf("nmt: no co-occurrences to embed")
	}
	for i := range n {
		for j := range n {
			c := co.At(i, j)
			if c == 0 || row[i] == 0 || ctx[j] == 0 {
				co.Set(i, j, 0)
				continue
			}
			pmi := math.Log((c / total) / ((row[i] / total) * (ctx[j] / ctxTotal)))
			co.Set(i, j, max(pmi, 0))
		}
	}
	u, sv, err := topSVD(co, dim)
	if err != nil {
		return nil, err
	}
	e := &Embeddings{Dim: dim, Vecs: make([]float64, n*dim)}
	for i := numSpecial; i < n; i++ {
		if row[i] == 0 {
			continue
		}
		for k := range dim {
			e.Vecs[i*dim+k] = u.At(i, k) * math.Sqrt(sv[k])
		}
	}
	e.normalise(n)
	return e, nil
}

// exactSVDMax is the largest matrix factorised by a full SVD; larger ones
// (real-data vocabularies) use a randomised truncated SVD, whose cost
// grows with n²·dim instead of n³.
const exactSVDMax = 512

// topSVD returns the first dim left singular vectors (as columns of u) and
// singular values of the square matrix a.
func topSVD(a *mat.Dense, dim int) (*mat.Dense, []float64, error) {
	n, _ := a.Dims()
	if n <= exactSVDMax {
		var svd mat.SVD
		if !svd.Factorize(a, mat.SVDThin) {
			return nil, nil, fmt.Errorf("nmt: SVD of the %d×%d PPMI matrix failed", n, n)
		}
		var u mat.Dense
		svd.UTo(&u)
		return &u, svd.Values(nil), nil
	}
	// Halko, Martinsson & Tropp (2011): a Gaussian test matrix with 10
	// extra columns, four power iterations with re-orthonormalisation,
	// then the exact SVD of the small projected matrix. The test matrix
	// comes from a fixed seed, so the result is deterministic.
	k := min(dim+10, n)
	r := rand.New(rand.NewPCG(0x737664, uint64(n)))
	omega := mat.NewDense(n, k, nil)
	for i := range n {
		for j := range k {
			omega.Set(i, j, r.NormFloat64())
		}
	}
	orth := func(m *mat.Dense) (*mat.Dense, error) {
		var qr mat.QR
		qr.Factorize(m)
		var q mat.Dense
		qr.QTo(&q)
		return mat.DenseCopyOf(q.Slice(0, n, 0, k)), nil
	}
	var y mat.Dense
	y.Mul(a, omega)
	q, _ := orth(&y)
	for range 4 {
		var z mat.Dense
		z.Mul(a.T(), q)
		zq, _ := orth(&z)
		y.Reset()
		y.Mul(a, zq)
		q, _ = orth(&y)
	}
	var b mat.Dense
	b.Mul(q.T(), a) // k × n
	var svd mat.SVD
	if !svd.Factorize(&b, mat.SVDThin) {
		return nil, nil, fmt.Errorf("nmt: truncated SVD of the %d×%d PPMI matrix failed", n, n)
	}
	var ub mat.Dense
	svd.UTo(&ub)
	var u mat.Dense
	u.Mul(q, &ub)
	return &u, svd.Values(nil), nil
}

// normalise centres the non-zero rows and scales them to unit length.
func (e *Embeddings) normalise(n int) {
	mean := make([]float64, e.Dim)
	cnt := 0
	for i := range n {
		r := e.Row(i)
		if norm(r) == 0 {
			continue
		}
		unit(r)
		for k, x := range r {
			mean[k] += x
		}
		cnt++
	}
	if cnt == 0 {
		return
	}
	for i := range n {
		r := e.Row(i)
		if norm(r) == 0 {
			continue
		}
		for k := range r {
			r[k] -= mean[k] / float64(cnt)
		}
		unit(r)
	}
}

func norm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

func unit(x []float64) {
	if n := norm(x); n > 0 {
		for i := range x {
			x[i] /= n
		}
	}
}

// Procrustes returns the orthogonal map W (dim×dim, row-major) that best
// maps src rows onto tgt rows over a seed dictionary of (src id, tgt id)
// pairs: W = U·Vᵀ from the SVD of XᵀY (Schönemann 1966; Smith et al.
// 2017's use for word vectors).
func Procrustes(src, tgt *Embeddings, pairs [][2]int) ([]float64, error) {
	if src.Dim != tgt.Dim {
		return nil, fmt.Errorf("nmt: Procrustes between dimensions %d and %d", src.Dim, tgt.Dim)
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("nmt: Procrustes needs a seed dictionary")
	}
	d := src.Dim
	m := mat.NewDense(d, d, nil)
	for _, p := range pairs {
		x, y := src.Row(p[0]), tgt.Row(p[1])
		for i := range d {
			for j := range d {
				m.Set(i, j, m.At(i, j)+x[i]*y[j])
			}
		}
	}
	var svd mat.SVD
	if !svd.Factorize(m, mat.SVDFull) {
		return nil, fmt.Errorf("nmt: SVD for Procrustes failed")
	}
	var u, vt mat.Dense
	svd.UTo(&u)
	svd.VTo(&vt)
	var w mat.Dense
	w.Mul(&u, vt.T())
	return flatten(&w), nil
}

func flatten(m *mat.Dense) []float64 {
	r, c := m.Dims()
	out := make([]float64, 0, r*c)
	for i := range r {
		out = append(out, m.RawRowView(i)...)
	}
	return out
}

// Map returns e with every row multiplied by w (dim×dim, row-major).
func (e *Embeddings) Map(w []float64) *Embeddings {
	d := e.Dim
	out := &Embeddings{Dim: d, Vecs: make([]float64, len(e.Vecs))}
	for i := 0; i < len(e.Vecs)/d; i++ {
		x, y := e.Row(i), out.Row(i)
		for k := range d {
			var s float64
			for j := range d {
				s += x[j] * w[j*d+k]
			}
			y[k] = s
		}
	}
	return out
}

// PrecisionAt1 is the share of pairs whose source vector's nearest
// target vector (by cosine, among target ids ≥ numSpecial) is its pair's.
func PrecisionAt1(src, tgt *Embeddings, pairs [][2]int) float64 {
	if len(pairs) == 0 {
		return 0
	}
	n := len(tgt.Vecs) / tgt.Dim
	hit := 0
	for _, p := range pairs {
		x := src.Row(p[0])
		best, bestS := -1, math.Inf(-1)
		for j := numSpecial; j < n; j++ {
			row := tgt.Row(j)
			var s float64
			for k, v := range row {
				s += v * x[k]
			}
			if n := norm(row); n > 0 {
				s /= n
			}
			if s > bestS {
				best, bestS = j, s
			}
		}
		if best == p[1] {
			hit++
		}
	}
	return float64(hit) / float64(len(pairs))
}

// RefinedProcrustes aligns src to tgt from a small seed dictionary by
// self-learning (Artetxe, Labaka & Agirre 2017, who align from 25 pairs;
// the refinement of Conneau et al. 2018): Procrustes on the seed, then
// iters times, Procrustes on the seed plus every pair of mutual nearest
// neighbours (by cosine) among the first top ids of each vocabulary
// (vocabularies are ordered by frequency; frequent words have the best
// vectors). With a seed smaller than the dimension, Procrustes alone is
// underdetermined; the induced pairs constrain the rest of the map.
func RefinedProcrustes(src, tgt *Embeddings, seed [][2]int, iters, top int) ([]float64, error) {
	w, err := Procrustes(src, tgt, seed)
	if err != nil {
		return nil, err
	}
	ns, nt := min(len(src.Vecs)/src.Dim, top), min(len(tgt.Vecs)/tgt.Dim, top)
	for range iters {
		m := src.Map(w)
		fwd := nearest(m, tgt, numSpecial, ns, nt)
		bwd := nearest(tgt, m, numSpecial, nt, ns)
		pairs := slices.Clone(seed)
		for i := numSpecial; i < ns; i++ {
			if j := fwd[i]; j >= 0 && bwd[j] == i {
				pairs = append(pairs, [2]int{i, j})
			}
		}
		if w, err = Procrustes(src, tgt, pairs); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// nearest returns, for each id i in [from, na) of a with a non-zero
// vector, the id j in [from, nb) of b with the highest cosine (-1 if none).
func nearest(a, b *Embeddings, from, na, nb int) []int {
	out := make([]int, na)
	for i := range out {
		out[i] = -1
	}
	norms := make([]float64, nb)
	for j := from; j < nb; j++ {
		norms[j] = norm(b.Row(j))
	}
	for i := from; i < na; i++ {
		x := a.Row(i)
		if norm(x) == 0 {
			continue
		}
		best := math.Inf(-1)
		for j := from; j < nb; j++ {
			if norms[j] == 0 {
				continue
			}
			var s float64
			for k, v := range b.Row(j) {
				s += v * x[k]
			}
			if s /= norms[j]; s > best {
				best, out[i] = s, j
			}
		}
	}
	return out
}
