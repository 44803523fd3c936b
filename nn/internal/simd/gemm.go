// Package simd holds the float32 kernels of the cgo-free build: a general
// matrix multiply ([Sgemm]) and vectorised exp, sigmoid and tanh ([Exp],
// [Sigmoid], [Tanh]), in AVX2/FMA assembly on amd64. [Available] reports
// whether the CPU runs the assembly; build with the purego tag to disable
// it.
//
// Sgemm follows the BLIS blocking scheme: B is packed into kc×16 column
// strips, A into mc×kc blocks of 6-row strips, and a 6×16 micro-kernel
// accumulates each tile (6×32 over two strips with AVX-512, and
// 4×64 over four for a last row strip of at most four rows). The
// micro-kernel reads its operands through strides, so small products skip
// the packing and read A and B in place (see smallGemm). The package also
// holds vector versions of elementwise loops of the engine (Axpy, Adam,
// AddRows, CopyRows, GatedGrad, AllFinite, ReLU, ReLUGrad, Add, Mul,
// AddScalar, MulScalar, SumRows) with the same bits as the scalar Go they
// replace.
//
// Its results are the same bits on every CPU and for any number of
// workers: each element of C is computed by one goroutine as a fixed chain
// of fused multiply-adds over k (in blocks of kc), with subnormal operands
// read as zero and subnormal results written as zero (the FTZ and DAZ
// modes of x86, set only inside the kernels). Where the CPU lacks AVX2 or
// FMA, a portable Go kernel computes the same chain, bit for bit, about
// two orders of magnitude slower. The results can differ in the last bits
// from an implementation that rounds products separately or keeps
// subnormals (gonum, OpenBLAS).
package simd

import (
	"runtime"
	"sync"
)

// scratch recycles packing buffers between calls. It holds no state that
// affects results: buffers are fully overwritten before use.
var scratch = sync.Pool{New: func() any { return new([]float32) }}

// getBuf returns a pooled buffer of length n (contents arbitrary).
func getBuf(n int) *[]float32 {
	p := scratch.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

const (
	mr = 6    // micro-tile rows
	nr = 16   // micro-tile columns
	kc = 256  // depth of a packed block
	mc = 96   // rows of a packed A block (multiple of mr)
	nc = 2048 // columns of a packed B block (multiple of nr)

	// parallelMin is the m·n·k below which one goroutine does all the work.
	parallelMin = 1 << 19
)

// Available reports whether the assembly kernels run on this CPU; when they
// do not, Sgemm runs the portable kernel (same bits, much slower) and the
// vector functions their scalar versions.
func Available() bool { return hasKernel }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// where op(A) is m×k (A is k×m when transA) and op(B) is k×n (B is n×k when
// transB).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, smallGemm(m, n, k))
}

// SgemmRows computes C = alpha·op(A)·op(B) + R, where every element of
// row i of R is rows[i] (len(rows) ≥ m): the bits of setting C's rows to
// rows and calling Sgemm with beta 1, but C is written without being read
// first (a bias added by the product, without filling the output).
func SgemmRows(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, rows, c []float32, ldc int) {
	_ = rows[:m]
	gemmInit(transA, transB, m, n, k, alpha, a, lda, b, ldb, 1, rows, c, ldc, smallGemm(m, n, k))
}

// smallGemm reports whether the micro-kernel should read the operands in
// place instead of packing them. Packing pays for itself when a packed
// panel is reused many times and must stay in cache; the network layers
// mostly multiply a few dozen rows, where copying A and B costs about as
// much as multiplying them (a BC training step spent 20% of its time
// packing). The bound keeps the B panel read in place within L2. With at
// most mc rows there is one block of rows, so each B strip is read by one
// pass over them whether packed or not: packing would only add a copy
// (a convolution's output channels times its image's columns).
func smallGemm(m, n, k int) bool {
	return m <= mc || (min(k, kc)*min(n, nc) <= 64*1024 && m <= 4*mc)
}

// sgemm is Sgemm with the operand layout chosen by the caller: direct reads
// op(A) and op(B) in place wherever a full 6×16 tile allows it, packing only
// the partial edge strips. Both layouts give the same bits.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, direct bool) {
	gemmInit(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, nil, c, ldc, direct)
}

// gemmInit is sgemm where C starts as rows (row i all rows[i]) if rows is
// not nil, and as beta·C otherwise. The AVX-512 kernels take a starting
// value of zero or of rows in their first block over k instead of reading
// C, which saves clearing or filling C in a pass of its own (the column
// gradient of a convolution, the bias planes of its output); the other
// kernels get C set first. The same bits either way: the kernels add
// alpha·sum to the starting value by the same fused multiply-add.
func gemmInit(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, rows, c []float32, ldc int, direct bool) {
	if m == 0 || n == 0 {
		return
	}
	kernelInit := hasAVX512 && k > 0 && alpha != 0
	zeroInit := false
	switch {
	case rows != nil && !kernelInit:
		setRows(m, n, rows, c, ldc)
		rows = nil
	case rows != nil:
	case beta == 0 && kernelInit:
		zeroInit = true
	default:
		scaleC(m, n, beta, c, ldc)
	}
	if k == 0 || alpha == 0 {
		return
	}
	extra := 0
	if m*n*k >= parallelMin {
		extra = runtime.GOMAXPROCS(0) - 1
	}
	workers := threads.acquire(extra)
	defer threads.release(workers)
	// B is read in place only when its rows are op(B)'s rows; A either way
	// (a strided broadcast serves both orientations).
	directB := direct && !transB
	nStrips := (min(n, nc) + nr - 1) / nr
	kMax := min(k, kc)
	bpBuf := getBuf(kMax * nStrips * nr)
	defer scratch.Put(bpBuf)
	bp := *bpBuf
	p := blockPlan{transA: transA, directA: direct, directB: directB, a: a, lda: lda, b: b, ldb: ldb, bp: bp, c: c, ldc: ldc, alpha: alpha}
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			packFrom := 0
			if directB {
				packFrom = nb / nr * nr
			}
			packB(bp[packFrom/nr*kb*nr:], b, ldb, transB, pc, kb, jc+packFrom, nb-packFrom)
			p.jc, p.pc, p.kb = jc, pc, kb
			// Only the first block over k starts C afresh.
			p.rows, p.zeroInit = nil, false
			if pc == 0 {
				p.rows, p.zeroInit = rows, zeroInit
			}
			runBlocks(workers, m, nb, kMax, &p)
		}
	}
}

// blockPlan is what the blocks of one panel of a product share: the
// operands, the panel (columns from jc, depth pc..pc+kb, B packed into bp
// and read in place if directB, A read in place if directA) and how C
// starts (with zeroInit or rows, at zero or at rows, row i at rows[i],
// instead of its contents). A value, not a closure, so that a product run
// on the calling goroutine allocates nothing.
type blockPlan struct {
	transA, directA, directB bool
	zeroInit                 bool
	rows                     []float32
	jc, pc, kb               int
	a                        []float32
	lda                      int
	b                        []float32
	ldb                      int
	bp                       []float32
	c                        []float32
	ldc                      int
	alpha                    float32
}

// run computes C rows i0..i1, panel columns j0..j1, packing A into ap and
// using tile for edge tiles.
func (p *blockPlan) run(i0, i1, j0, j1 int, ap, tile []float32) {
	for ic := i0; ic < i1; ic += mc {
		mb := min(mc, i1-ic)
		packFrom := 0
		if p.directA {
			packFrom = mb / mr * mr
		}
		packA(ap[packFrom/mr*p.kb*mr:], p.a, p.lda, p.transA, ic+packFrom, mb-packFrom, p.pc, p.kb)
		blockTiles(block{blockPlan: *p, ic: ic, mb: mb, j0: j0, j1: j1, ap: ap, tile: tile})
	}
}

// block is the part of a panel that one call of blockTiles computes: C
// rows ic..ic+mb, panel columns j0..j1, with A packed into ap.
type block struct {
	blockPlan
	ic, mb, j0, j1 int
	ap, tile       []float32
}

// aStrip returns the 6-row A strip starting at row is of the block and
// its strides (see kernelBlock); full strips are read in place when
// directA, the partial last one always from the packed panel.
func (k *block) aStrip(is int) (p *float32, row, step, next int) {
	if k.directA && is+mr <= k.mb {
		if k.transA {
			off := k.pc*k.lda + k.ic + is
			return &k.a[off], 1, k.lda, mr
		}
		off := (k.ic+is)*k.lda + k.pc
		return &k.a[off], k.lda, 1, mr * k.lda
	}
	return &k.ap[(is/mr)*k.kb*mr], 1, mr, k.kb * mr
}

// init returns the starting value of C for the kernels from row strip is
// on (see kernelBlockAVX512): nil to read C, zero (one value for all rows)
// or the rows.
func (k *block) init(zero *float32, is int) (*float32, int) {
	switch {
	case k.zeroInit:
		return zero, 0
	case k.rows != nil:
		return &k.rows[k.ic+is], 1
	}
	return nil, 0
}

// bStrip returns the 16-column B strip at block column js and its strides.
func (k *block) bStrip(js, nb int) (p *float32, step, next int) {
	if k.directB && js+nr <= nb {
		return &k.b[k.pc*k.ldb+k.jc+js], k.ldb, nr
	}
	return &k.bp[(js/nr)*k.kb*nr], nr, k.kb * nr
}

// blockTiles adds alpha·op(A)·op(B) over the block into C: all full 6×16
// tiles in one kernelBlock call, the edge tiles one kernelEdge call each.
func blockTiles(k block) {
	rows := k.mb / mr
	nb := k.j1 // the block's columns end at j1 (a multiple of nr, or nb)
	cols := (k.j1 - k.j0) / nr
	kb := k.kb
	var zero float32 // the starting value of a cleared C
	if rows > 0 && cols > 0 {
		as, aRow, aStep, aNext := k.aStrip(0)
		bs, bStep, bNext := k.bStrip(k.j0, nb)
		// The kernel reads and writes up to these elements.
		if k.directA {
			if k.transA {
				_ = k.a[(k.pc+kb-1)*k.lda+k.ic+rows*mr-1]
			} else {
				_ = k.a[(k.ic+rows*mr-1)*k.lda+k.pc+kb-1]
			}
		} else {
			_ = k.ap[rows*kb*mr-1]
		}
		if k.directB {
			_ = k.b[(k.pc+kb-1)*k.ldb+k.jc+k.j0+cols*nr-1]
		} else {
			_ = k.bp[(k.j0/nr+cols)*kb*nr-1]
		}
		_ = k.c[(k.ic+rows*mr-1)*k.ldc+k.jc+k.j0+cols*nr-1]
		init, initStep := k.init(&zero, 0)
		kernelBlock(rows, cols, kb, as, aRow, aStep, aNext, bs, bStep, bNext,
			&k.c[k.ic*k.ldc+k.jc+k.j0], k.ldc, mr*k.ldc, k.alpha, init, initStep)
	}
	// edges adds the tiles of nRows row strips from is and nCols column
	// strips from js, each cut to its first mw rows and nw columns.
	edges := func(is, nRows, js, nCols, mw, nw int) {
		as, aRow, aStep, aNext := k.aStrip(is)
		bs, bStep, bNext := k.bStrip(js, nb)
		off := (k.ic+is)*k.ldc + k.jc + js
		_ = k.c[off+((nRows-1)*mr+mw-1)*k.ldc+(nCols-1)*nr+nw-1]
		init, initStep := k.init(&zero, is)
		kernelTiles(nRows, nCols, kb, as, aRow, aStep, aNext, bs, bStep, bNext, &k.tile[0], &k.c[off], k.ldc, mr*k.ldc, k.alpha, mw, nw, init, initStep)
	}
	// The partial column strip of the full rows, then the partial row strip
	// (its full column strips, then the corner).
	js := k.j0 + cols*nr
	if js < k.j1 && rows > 0 {
		edges(0, rows, js, 1, mr, k.j1-js)
	}
	if is := rows * mr; is < k.mb {
		if cols > 0 {
			edges(is, 1, k.j0, cols, k.mb-is, nr)
		}
		if js < k.j1 {
			edges(is, 1, js, 1, k.mb-is, k.j1-js)
		}
	}
}

// kernelTiles adds alpha times rows×cols tiles (strides as for
// kernelBlock) into C, of each only the first mrows rows and ncols
// columns: one AVX-512 call for all of them where the CPU has it, one
// kernelEdge call a tile otherwise. Either way the same bits. init and
// initStep are as for kernelBlock.
func kernelTiles(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, tile, c *float32, ldc, cNext int, alpha float32, mrows, ncols int, init *float32, initStep int) {
	if hasAVX512 {
		if mrows <= 4 && ncols == nr && cols >= 4 {
			// A strip of at most 4 rows (the partial last one) over
			// full columns: 4×64 tiles, which keep the FMA units busy
			// where 6×16 tiles waste a third of their work and wait on
			// six dependency chains. The remaining strips as below.
			quads := cols / 4
			for i := range rows {
				var rowInit *float32
				if init != nil {
					rowInit = at(init, i*mr*initStep)
				}
				kernel4AVX512(quads, k, at(a, i*aNext), aRow, aStep, b, bStep, bNext, at(c, i*cNext), ldc, alpha, mrows, rowInit, initStep)
			}
			if cols == quads*4 {
				return
			}
			b, c, cols = at(b, quads*4*bNext), at(c, quads*4*nr), cols-quads*4
		}
		kernel16AVX512(rows, cols, k, a, aRow, aStep, aNext, b, bStep, bNext, c, ldc, cNext, alpha, mrows, ncols, init, initStep)
		return
	}
	if init != nil {
		initTiles(rows, cols, mrows, ncols, c, ldc, cNext, init, initStep)
	}
	for j := range cols {
		for i := range rows {
			kernelEdge(mrows, ncols, k, at(a, i*aNext), aRow, aStep, at(b, j*bNext), bStep, tile, at(c, i*cNext+j*nr), ldc, alpha)
		}
	}
}

// runBlocks splits the m×nb output block among workers, by rows when there
// are enough row blocks and by column strips otherwise, and runs p on each
// part with its own packing buffer and tile.
func runBlocks(workers, m, nb, kMax int, p *blockPlan) {
	apSize := min(mc, (m+mr-1)/mr*mr) * kMax
	rowBlocks := (m + mc - 1) / mc
	strips := (nb + nr - 1) / nr
	if workers > 1 && rowBlocks < workers && strips < workers {
		workers = max(rowBlocks, strips)
	}
	if workers <= 1 {
		ap := getBuf(apSize + mr*nr)
		threads.enter()
		p.run(0, m, 0, nb, (*ap)[:apSize], (*ap)[apSize:])
		threads.leave()
		scratch.Put(ap)
		return
	}
	// The helpers get a copy: p itself stays on the caller's stack.
	shared := new(blockPlan)
	*shared = *p
	var wg sync.WaitGroup
	for w := range workers {
		var i0, i1, j0, j1 int
		if rowBlocks >= workers {
			i0, i1 = w*rowBlocks/workers*mc, min((w+1)*rowBlocks/workers*mc, m)
			j0, j1 = 0, nb
		} else {
			i0, i1 = 0, m
			j0, j1 = w*strips/workers*nr, min((w+1)*strips/workers*nr, nb)
		}
		if i0 >= i1 || j0 >= j1 {
			continue
		}
		wg.Go(func() {
			ap := getBuf(apSize + mr*nr)
			threads.enter()
			shared.run(i0, i1, j0, j1, (*ap)[:apSize], (*ap)[apSize:])
			threads.leave()
			scratch.Put(ap)
		})
	}
	wg.Wait()
}

// setRows sets every element of row i of C to rows[i].
func setRows(m, n int, rows, c []float32, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			row[j] = rows[i]
		}
	}
}

func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// packB copies B[pc:pc+kb, jc:jc+nb] (of op(B)) into kb×16 strips,
// zero-padding the last strip.
func packB(bp, b []float32, ldb int, trans bool, pc, kb, jc, nb int) {
	for js := 0; js < nb; js += nr {
		nw := min(nr, nb-js)
		dst := bp[(js/nr)*kb*nr : (js/nr+1)*kb*nr]
		if trans {
			// Column j of op(B) is row jc+js+j of B: transpose 8×8 blocks
			// of full strips, read the rest row by row.
			p0 := 0
			if nw == nr {
				for ; p0+8 <= kb; p0 += 8 {
					for j0 := 0; j0 < nr; j0 += 8 {
						off := (jc+js+j0)*ldb + pc + p0
						_, _ = b[off+7*ldb+7], dst[(p0+7)*nr+j0+7]
						transpose8x8(&dst[p0*nr+j0], nr, &b[off], ldb)
					}
				}
			}
			for j := range nw {
				src := b[(jc+js+j)*ldb+pc+p0 : (jc+js+j)*ldb+pc+kb]
				for p, v := range src {
					dst[(p0+p)*nr+j] = v
				}
			}
			if nw < nr {
				for p := range kb {
					clear(dst[p*nr+nw : p*nr+nr])
				}
			}
			continue
		}
		for p := range kb {
			d := dst[p*nr : p*nr+nr]
			off := (pc+p)*ldb + jc + js
			if nw == nr {
				*(*[nr]float32)(d) = *(*[nr]float32)(b[off : off+nr])
				continue
			}
			copy(d[:nw], b[off:off+nw])
			clear(d[nw:])
		}
	}
}

// packA copies A[ic:ic+mb, pc:pc+kb] (of op(A)) into kb×6 strips,
// zero-padding the last strip.
func packA(ap, a []float32, lda int, trans bool, ic, mb, pc, kb int) {
	for is := 0; is < mb; is += mr {
		mw := min(mr, mb-is)
		dst := ap[(is/mr)*kb*mr : (is/mr+1)*kb*mr]
		switch {
		case !trans && mw == mr:
			r := (ic+is)*lda + pc
			r0, r1, r2 := a[r:r+kb], a[r+lda:r+lda+kb], a[r+2*lda:r+2*lda+kb]
			r3, r4, r5 := a[r+3*lda:r+3*lda+kb], a[r+4*lda:r+4*lda+kb], a[r+5*lda:r+5*lda+kb]
			for p := range kb {
				d := (*[mr]float32)(dst[p*mr : p*mr+mr])
				d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
		case !trans:
			// The partial strip one column of 6 at a time, its padding
			// included (a call to clear the padding of each cost more
			// than the copy).
			off := (ic+is)*lda + pc
			_ = a[off+(mw-1)*lda+kb-1]
			for p := range kb {
				d := (*[mr]float32)(dst[p*mr : p*mr+mr])
				for i := range mr {
					if i < mw {
						d[i] = a[off+i*lda+p]
					} else {
						d[i] = 0
					}
				}
			}
		case mw == mr:
			// Element by element: the compiler turns the copy of a
			// [6]float32 into a call of memmove, which cost more than
			// the copy itself.
			for p := range kb {
				off := (pc+p)*lda + ic + is
				d, s := (*[mr]float32)(dst[p*mr:p*mr+mr]), (*[mr]float32)(a[off:off+mr])
				d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
			}
		default:
			// The partial strip of a transposed A: one branch per strip
			// on its width rather than one per element (the last strip
			// of the small attention products packs kb of these).
			base := pc*lda + ic + is
			_ = a[base+(kb-1)*lda+mw-1]
			for p := range kb {
				d := (*[mr]float32)(dst[p*mr : p*mr+mr])
				o := base + p*lda
				switch mw {
				case 1:
					*d = [mr]float32{a[o]}
				case 2:
					*d = [mr]float32{a[o], a[o+1]}
				case 3:
					*d = [mr]float32{a[o], a[o+1], a[o+2]}
				case 4:
					*d = [mr]float32{a[o], a[o+1], a[o+2], a[o+3]}
				default:
					*d = [mr]float32{a[o], a[o+1], a[o+2], a[o+3], a[o+4]}
				}
			}
		}
	}
}
