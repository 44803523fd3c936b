package simd

import (
	"math"
	"unsafe"
)

// The portable kernels compute exactly what the assembly computes, bit for
// bit, in plain Go: every multiply-add fused (one rounding), subnormal
// operands read as zero and subnormal results written as zero, the same
// order of operations. They serve CPUs without AVX2 and FMA (and the
// purego build) at a fraction of the speed, and they are the
// specification the assembly is tested against.

// flush returns x, or a zero of x's sign if x is subnormal: what the
// kernels' DAZ and FTZ modes do to operands and results.
func flush(x float32) float32 {
	if b := math.Float32bits(x); b&0x7f800000 == 0 {
		return math.Float32frombits(b & 0x80000000)
	}
	return x
}

// fma32 returns a·b + c rounded once to float32, with subnormal operands
// and results flushed to zero as the kernels do. The product of two
// float32 is exact in float64; the sum is rounded to float64 and its
// rounding error recovered exactly (Knuth's TwoSum), so that a sum lying
// on a float32 rounding midpoint is decided by the sign of the error, as a
// single rounding of the exact value would decide it.
func fma32(a, b, c float32) float32 {
	p := float64(flush(a)) * float64(flush(b))
	q := float64(flush(c))
	s := p + q
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s)
	}
	bv := s - p
	e := (p - (s - bv)) + (q - bv)
	bits := math.Float64bits(s)
	const low = 1<<29 - 1 // float64 fraction bits below float32 precision
	if e != 0 && bits&low == 1<<28 {
		// s is halfway between two float32: the exact value is not.
		if (e > 0) == (s > 0) {
			bits++ // away from zero, to the upper neighbour
		} else {
			bits--
		}
		s = math.Float64frombits(bits)
	}
	return flush(float32(s))
}

// at returns the float32 at p plus i elements.
func at(p *float32, i int) *float32 {
	return (*float32)(unsafe.Add(unsafe.Pointer(p), uintptr(i)*4))
}

// tileGo accumulates the 6×16 tile of the A strip at a and the B strip at
// b over k, as the assembly does: element (i, j) starts at +0 and takes
// one fused multiply-add per p.
func tileGo(k int, a *float32, aRow, aStep int, b *float32, bStep int, t *[mr * nr]float32) {
	*t = [mr * nr]float32{}
	for p := range k {
		for i := range mr {
			av := *at(a, i*aRow+p*aStep)
			for j := range nr {
				t[i*nr+j] = fma32(av, *at(b, p*bStep+j), t[i*nr+j])
			}
		}
	}
}

// kernelBlockGo is kernelBlock in portable Go.
func kernelBlockGo(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32) {
	var t [mr * nr]float32
	for j := range cols {
		for i := range rows {
			tileGo(k, at(a, i*aNext), aRow, aStep, at(b, j*bNext), bStep, &t)
			addTileGo(mr, nr, &t, at(c, i*cNext+j*nr), ldc, alpha)
		}
	}
}

// kernelEdgeGo is kernelEdge in portable Go.
func kernelEdgeGo(rows, cols, k int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32, ldc int, alpha float32) {
	var t [mr * nr]float32
	tileGo(k, a, aRow, aStep, b, bStep, &t)
	addTileGo(rows, cols, &t, c, ldc, alpha)
}

// addTileGo sets C = alpha·tile + C over the top-left rows×cols, fused.
func addTileGo(rows, cols int, t *[mr * nr]float32, c *float32, ldc int, alpha float32) {
	for i := range rows {
		for j := range cols {
			e := at(c, i*ldc+j)
			*e = fma32(alpha, t[i*nr+j], *e)
		}
	}
}

// initTiles sets the first mrows rows and ncols columns of each of the
// rows×cols tiles at c (tile (i, j) at c+i·cNext+j·16) to the tile row's
// init value: row r of the tiles (counted over all tile rows, 6 a tile)
// takes init[r·initStep]. Followed by the accumulating kernels it gives
// what the AVX-512 kernels compute with init, where they skip reading C.
func initTiles(rows, cols, mrows, ncols int, c *float32, ldc, cNext int, init *float32, initStep int) {
	for i := range rows {
		for r := range mrows {
			v := *at(init, (i*mr+r)*initStep)
			for j := range cols {
				row := unsafe.Slice(at(c, i*cNext+r*ldc+j*nr), ncols)
				for q := range row {
					row[q] = v
				}
			}
		}
	}
}

// transpose8x8Go is transpose8x8 in portable Go.
func transpose8x8Go(dst *float32, ldd int, src *float32, lds int) {
	for j := range 8 {
		for p := range 8 {
			*at(dst, p*ldd+j) = *at(src, j*lds+p)
		}
	}
}
