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
