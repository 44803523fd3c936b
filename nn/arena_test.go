package nn

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

func TestClassSize(t *testing.T) {
	tests := []struct{ n, want int }{
		{0, 0}, {1, 1}, {8, 8}, {9, 10}, {16, 16}, {17, 20}, {20, 20}, {21, 24}, {1000, 1024}, {1025, 1280},
	}
	for _, tt := range tests {
		if got := classSize(tt.n); got != tt.want {
			t.Errorf("classSize(%d) = %d, want %d", tt.n, got, tt.want)
		}
		if got := classSize(tt.n); tt.n > 0 && (got < tt.n || float64(got) > 1.25*float64(tt.n)) {
			t.Errorf("classSize(%d) = %d: not within [n, 1.25n]", tt.n, got)
		}
	}
}

// TestArenaHoldsAboutTwoPasses runs passes whose buffer sizes scale with a
// random "sentence length", as a Transformer's do: the arena must hold at
// most the two largest recent passes (with the class rounding), not a free
// list for every size it has served.
func TestArenaHoldsAboutTwoPasses(t *testing.T) {
	a := arena[float32]{classes: map[int]*sizeClass[float32]{}}
	r := rand.New(rand.NewPCG(1, 2))
	var largest int
	for range 500 {
		l := 5 + r.IntN(60)
		pass := 0
		for _, k := range []int{64, 64 * 64, 4 * l, 760} {
			for range 3 {
				n := k * l
				a.getRaw(n)
				pass += n * 4
			}
		}
		largest = max(largest, pass)
		a.reset()
		if got, bound := a.heldBytes(), 2*largest*5/4; got > bound {
			t.Fatalf("arena holds %d bytes after a reset, bound %d (two of the largest passes)", got, bound)
		}
	}
}

// TestArenaReusesBuffers: a steady pass allocates nothing once warm, and
// buffers come back zeroed from get whatever was written into them.
func TestArenaReusesBuffers(t *testing.T) {
	a := arena[float64]{classes: map[int]*sizeClass[float64]{}}
	pass := func() {
		for _, n := range []int{3, 100, 1000, 1001, 5000} {
			b := a.get(n)
			for i, v := range b {
				if v != 0 {
					t.Fatalf("get(%d)[%d] = %v, want 0", n, i, v)
				}
				b[i] = 7
			}
			if len(b) != n || cap(b) != n {
				t.Fatalf("get(%d): len %d cap %d", n, len(b), cap(b))
			}
		}
		a.reset()
	}
	pass()
	if allocs := testing.AllocsPerRun(20, pass); allocs != 0 {
		t.Errorf("a warm pass allocated %v times, want 0", allocs)
	}
}

// heldBytes returns the bytes of the buffers the arena holds (free and in
// use), for tests of its memory bound.
func (a *arena[T]) heldBytes() int {
	var x T
	n := 0
	for size, c := range a.classes {
		n += size * len(c.free)
	}
	for _, b := range a.used {
		n += len(b)
	}
	return n * int(unsafe.Sizeof(x))
}
