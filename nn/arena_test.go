package nn

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestArenaHoldsAboutTwoPasses runs passes whose buffer sizes scale with a
// random "sentence length", as a Transformer's do: the arena must hold at
// most the two largest recent passes (with the class rounding), not a free
// list for every size it has served.
func TestArenaHoldsAboutTwoPasses(t *testing.T) {
	var a arena[float32]
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
	var a arena[float64]
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

// heldBytes returns the bytes of the regions the arena holds, for tests of
// its memory bound.
func (a *arena[T]) heldBytes() int {
	var x T
	n := 0
	for _, r := range a.regions {
		n += len(r)
	}
	if n != a.held {
		panic("arena: held out of step with its regions")
	}
	return n * int(unsafe.Sizeof(x))
}

// TestArenaVaryingPasses runs passes shaped like a Transformer's on
// batches of random sentence length (sizes linear and quadratic in the
// length, a large output layer): the arena grows a few times, as longer
// batches come, then allocates nothing more, and holds little more than
// the largest pass. (Buffers by size class held two passes and reallocated
// most of them at every step.)
func TestArenaVaryingPasses(t *testing.T) {
	var a arena[float32]
	r := rand.New(rand.NewPCG(3, 4))
	pass := func(l int) int {
		total := 0
		for layer := range 6 {
			for _, n := range []int{64 * l, 64 * l, 64 * l, 4 * l * l, 4 * l * l, 4 * l * l, 64 * l, 128 * l, 128 * l, 64 * l} {
				b := a.getRaw(n)
				b[0], b[n-1] = 1, float32(layer)
				total += n * 4
			}
		}
		for _, n := range []int{2000 * l, 2000 * l, 2000 * l} {
			a.getRaw(n)
			total += n * 4
		}
		a.reset()
		return total
	}
	var largest, grew, last int
	for i := range 500 {
		held := a.heldBytes()
		largest = max(largest, pass(5+r.IntN(56)))
		if a.heldBytes() != held {
			grew++
			last = i
		}
	}
	if grew > 8 || last > 250 {
		t.Errorf("the arena changed size in %d of 500 passes, the last time at pass %d", grew, last)
	}
	if got := a.heldBytes(); got > largest*3/2 {
		t.Errorf("arena holds %d bytes, the largest pass took %d", got, largest)
	}
}

// TestArenaPiecesDisjoint: the pieces of one pass never overlap and cannot
// be appended into each other, whether they come from the region or were
// allocated beyond it.
func TestArenaPiecesDisjoint(t *testing.T) {
	var a arena[float32]
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		var got [][]float32
		for range 200 {
			n := 1 + r.IntN(5000)
			b := a.get(n)
			if len(b) != n || cap(b) != n {
				t.Fatalf("get(%d): len %d cap %d", n, len(b), cap(b))
			}
			for i := range b {
				b[i] = float32(len(got))
			}
			got = append(got, b)
		}
		for k, b := range got {
			for i, v := range b {
				if v != float32(k) {
					t.Fatalf("piece %d element %d was overwritten by piece %v", k, i, v)
				}
			}
		}
		a.reset()
	}
	if b := a.get(0); b == nil {
		t.Error("get(0) is nil")
	}
}

// TestHeldBytes: a tape holds, after a Reset, at least the bytes of the
// pass before it, and nothing before its first pass; a pass counts what it
// took, and a Reset starts the count again.
func TestHeldBytes(t *testing.T) {
	tp := NewTape[float32]()
	if n := tp.HeldBytes(); n != 0 {
		t.Fatalf("a new tape holds %d bytes", n)
	}
	tp.Zeros(1 << 20)
	if n := tp.PassBytes(); n != 4<<20 {
		t.Errorf("a pass of 4 MiB counts %d bytes", n)
	}
	tp.Reset()
	if n := tp.HeldBytes(); n < 4<<20 {
		t.Errorf("after a pass of 4 MiB the tape holds %d bytes", n)
	}
	if n := tp.PassBytes(); n != 0 {
		t.Errorf("a Reset leaves a pass of %d bytes", n)
	}
}
