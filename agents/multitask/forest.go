package multitask

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/metabench/metabench/internal/parallel"
)

// ForestConfig configures a random forest of Gini trees.
type ForestConfig struct {
	Trees       int `json:"trees"`
	MaxFeatures int `json:"max_features"` // features tried per split; 0: sqrt(bits), scikit-learn's default
	MaxDepth    int `json:"max_depth"`    // 0: unlimited
	MinLeaf     int `json:"min_leaf"`     // minimum rows per leaf; 0: 1
	Workers     int `json:"-"`            // goroutines over trees; 0: all CPUs
}

// Forest is a trained random forest for one task.
type Forest struct {
	Trees []Tree
}

// Tree is one decision tree over binary features, stored as flat nodes.
type Tree struct {
	Feature []int32   // -1 for a leaf
	Left    []int32   // child when the bit is 0
	Right   []int32   // child when the bit is 1
	Value   []float32 // leaf: fraction of actives (bootstrap-weighted)
}

// TrainForest fits a random forest to binary labels y of the rows of x:
// each tree on a bootstrap sample with its own seed (seed, tree index),
// splitting on the feature with the largest Gini decrease among
// MaxFeatures drawn at random (more when the drawn ones are constant, as
// scikit-learn does). Trees are built in parallel; the forest does not
// depend on the number of workers.
func TrainForest(ctx context.Context, x Data, y []int8, cfg ForestConfig, seed uint64) (*Forest, error) {
	if len(y) != x.Rows() || x.Rows() == 0 {
		return nil, fmt.Errorf("forest: %d rows and %d labels", x.Rows(), len(y))
	}
	if cfg.Trees < 1 || cfg.Trees > 100000 {
		return nil, fmt.Errorf("forest: %d trees", cfg.Trees)
	}
	if cfg.MaxFeatures <= 0 {
		cfg.MaxFeatures = isqrt(x.Bits)
	}
	if cfg.MinLeaf <= 0 {
		cfg.MinLeaf = 1
	}
	f := &Forest{Trees: make([]Tree, cfg.Trees)}
	err := parallel.For(ctx, cfg.Trees, cfg.Workers, func(t int) error {
		r := rand.New(rand.NewPCG(seed, uint64(t)))
		f.Trees[t] = growTree(x, y, cfg, r)
		return nil
	})
	return f, err
}

func isqrt(n int) int {
	r := 1
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}

type treeBuilder struct {
	x     Data
	y     []int8
	w     []float64 // bootstrap weights
	cfg   ForestConfig
	r     *rand.Rand
	t     Tree
	cnt   []float64 // per feature: weight with the bit set
	pos   []float64 // per feature: positive weight with the bit set
	perm  []int32
	swaps []int32
	has   []bool
	touch []int32
}

func growTree(x Data, y []int8, cfg ForestConfig, r *rand.Rand) Tree {
	n := x.Rows()
	b := &treeBuilder{x: x, y: y, cfg: cfg, r: r, w: make([]float64, n),
		cnt: make([]float64, x.Bits), pos: make([]float64, x.Bits), perm: make([]int32, x.Bits), has: make([]bool, x.Bits)}
	for i := range b.perm {
		b.perm[i] = int32(i)
	}
	for range n {
		b.w[r.IntN(n)]++
	}
	var rows []int32
	for i := range n {
		if b.w[i] > 0 {
			rows = append(rows, int32(i))
		}
	}
	b.node(rows, 0)
	return b.t
}

func (b *treeBuilder) leaf(wsum, psum float64) int32 {
	b.t.Feature = append(b.t.Feature, -1)
	b.t.Left = append(b.t.Left, -1)
	b.t.Right = append(b.t.Right, -1)
	v := float32(0)
	if wsum > 0 {
		v = float32(psum / wsum)
	}
	b.t.Value = append(b.t.Value, v)
	return int32(len(b.t.Feature) - 1)
}

// node grows the subtree of rows and returns its index.
func (b *treeBuilder) node(rows []int32, depth int) int32 {
	var wsum, psum float64
	for _, i := range rows {
		wsum += b.w[i]
		if b.y[i] == 1 {
			psum += b.w[i]
		}
	}
	minLeaf := float64(b.cfg.MinLeaf)
	if psum == 0 || psum == wsum || (b.cfg.MaxDepth > 0 && depth >= b.cfg.MaxDepth) || wsum < 2*minLeaf {
		return b.leaf(wsum, psum)
	}
	// Weighted counts of every feature in one pass over the rows' bits.
	b.touch = b.touch[:0]
	for _, i := range rows {
		wi := b.w[i]
		pi := 0.0
		if b.y[i] == 1 {
			pi = wi
		}
		for _, f := range b.x.X[i] {
			if !b.has[f] {
				b.has[f] = true
				b.touch = append(b.touch, f)
			}
			b.cnt[f] += wi
			b.pos[f] += pi
		}
	}
	// Draw features without replacement until MaxFeatures non-constant
	// ones were tried (a lazy Fisher-Yates shuffle of all features, undone
	// afterwards so that every node starts from the identity).
	parent := gini(wsum, psum)
	best, bestGain := int32(-1), 0.0
	tried := 0
	b.swaps = b.swaps[:0]
	for k := 0; k < len(b.perm) && tried < b.cfg.MaxFeatures; k++ {
		j := k + b.r.IntN(len(b.perm)-k)
		b.perm[k], b.perm[j] = b.perm[j], b.perm[k]
		b.swaps = append(b.swaps, int32(j))
		f := b.perm[k]
		n1 := b.cnt[f]
		if n1 == 0 || n1 == wsum {
			continue // constant in this node
		}
		tried++
		if n1 < minLeaf || wsum-n1 < minLeaf {
			continue
		}
		p1 := b.pos[f]
		child := (n1*gini(n1, p1) + (wsum-n1)*gini(wsum-n1, psum-p1)) / wsum
		if g := parent - child; g > bestGain+1e-12 {
			best, bestGain = f, g
		}
	}
	for k := len(b.swaps) - 1; k >= 0; k-- {
		j := b.swaps[k]
		b.perm[k], b.perm[j] = b.perm[j], b.perm[k]
	}
	for _, f := range b.touch {
		b.cnt[f], b.pos[f], b.has[f] = 0, 0, false
	}
	if best < 0 {
		return b.leaf(wsum, psum)
	}
	var left, right []int32
	for _, i := range rows {
		if hasBit(b.x.X[i], best) {
			right = append(right, i)
		} else {
			left = append(left, i)
		}
	}
	id := int32(len(b.t.Feature))
	b.t.Feature = append(b.t.Feature, best)
	b.t.Left = append(b.t.Left, -1)
	b.t.Right = append(b.t.Right, -1)
	b.t.Value = append(b.t.Value, 0)
	l := b.node(left, depth+1)
	r := b.node(right, depth+1)
	b.t.Left[id], b.t.Right[id] = l, r
	return id
}

func gini(w, p float64) float64 {
	if w == 0 {
		return 0
	}
	q := p / w
	return 2 * q * (1 - q)
}

// hasBit reports whether the sorted on-bit list x contains f.
func hasBit(x []int32, f int32) bool {
	lo, hi := 0, len(x)
	for lo < hi {
		m := (lo + hi) / 2
		if x[m] < f {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(x) && x[lo] == f
}

// Predict returns the mean of the trees' leaf active fractions per row.
func (f *Forest) Predict(x Data) []float64 {
	out := make([]float64, x.Rows())
	for i, row := range x.X {
		var s float64
		for _, t := range f.Trees {
			n := int32(0)
			for t.Feature[n] >= 0 {
				if hasBit(row, t.Feature[n]) {
					n = t.Right[n]
				} else {
					n = t.Left[n]
				}
			}
			s += float64(t.Value[n])
		}
		out[i] = s / float64(len(f.Trees))
	}
	return out
}
