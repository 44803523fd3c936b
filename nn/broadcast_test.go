package nn

import (
	"fmt"
	"slices"
	"testing"
)

// naiveBroadcastIndex maps every flat output index to the input index it
// reads, one element at a time: the reference for broadcastRuns.
func naiveBroadcastIndex(in, shape []int) []int {
	idx := make([]int, shapeSize(shape))
	pos := make([]int, len(shape))
	for o := range idx {
		rem := o
		for d := len(shape) - 1; d >= 0; d-- {
			pos[d] = rem % shape[d]
			rem /= shape[d]
		}
		i, s := 0, 1
		for j := len(in) - 1; j >= 0; j-- {
			if in[j] != 1 {
				i += pos[len(shape)-len(in)+j] * s
			}
			s *= in[j]
		}
		idx[o] = i
	}
	return idx
}

func TestBroadcastRuns(t *testing.T) {
	for _, tc := range []struct{ in, shape []int }{
		{[]int{1}, []int{1}},
		{[]int{3}, []int{3}},
		{[]int{1}, []int{4}},
		{[]int{3, 1}, []int{3, 4}},
		{[]int{1, 4}, []int{3, 4}},
		{[]int{4}, []int{2, 3, 4}},
		{[]int{3, 1}, []int{2, 3, 4}},
		{[]int{2, 1, 4}, []int{2, 3, 4}},
		{[]int{1, 3, 1}, []int{2, 3, 4}},
		{[]int{2, 1, 1, 5}, []int{2, 3, 4, 5}},
		{[]int{1, 1, 4, 1}, []int{2, 3, 4, 5}},
		{[]int{2, 3, 1, 1}, []int{2, 3, 4, 5}},
		{[]int{3, 1, 1}, []int{2, 3, 1, 4}},
		{[]int{1, 1}, []int{0, 3}},
	} {
		t.Run(fmt.Sprint(tc.in, "to", tc.shape), func(t *testing.T) {
			want := naiveBroadcastIndex(tc.in, tc.shape)
			var got []int
			next := 0
			broadcastRuns(tc.in, tc.shape, func(o, i, n int, repeat bool) {
				if o != next {
					t.Fatalf("run starts at %d, want %d", o, next)
				}
				next = o + n
				for k := range n {
					if repeat {
						got = append(got, i)
					} else {
						got = append(got, i+k)
					}
				}
			})
			if !slices.Equal(got, want) && len(got)+len(want) > 0 {
				t.Errorf("reads %v, want %v", got, want)
			}
		})
	}
}

// TestBroadcastValues checks the values BroadcastTo and a broadcast
// MaskedFill produce against the one-element-at-a-time reference.
func TestBroadcastValues(t *testing.T) {
	for _, tc := range []struct{ in, shape []int }{
		{[]int{3, 1}, []int{2, 3, 4}},
		{[]int{2, 1, 4}, []int{2, 3, 4}},
		{[]int{1, 3, 1}, []int{2, 3, 4}},
	} {
		t.Run(fmt.Sprint(tc.in, "to", tc.shape), func(t *testing.T) {
			tp := NewTape[float64]()
			src := make([]float64, shapeSize(tc.in))
			mask := make([]bool, len(src))
			for i := range src {
				src[i], mask[i] = float64(i+1), i%2 == 0
			}
			idx := naiveBroadcastIndex(tc.in, tc.shape)
			out := tp.BroadcastTo(tp.Constant(src, tc.in...), tc.shape...)
			a := make([]float64, len(idx))
			for i := range a {
				a[i] = -float64(i)
			}
			filled := tp.MaskedFill(tp.Constant(a, tc.shape...), mask, tc.in, 99)
			for o, i := range idx {
				if out.Data[o] != src[i] {
					t.Fatalf("BroadcastTo: element %d = %v, want %v", o, out.Data[o], src[i])
				}
				want := a[o]
				if mask[i] {
					want = 99
				}
				if filled.Data[o] != want {
					t.Fatalf("MaskedFill: element %d = %v, want %v", o, filled.Data[o], want)
				}
			}
		})
	}
}
