//go:build linux && amd64

package vec

import (
	"syscall"
	"testing"
	"unsafe"
)

// guarded returns a float32 slice of n elements that ends right before a
// page that can be neither read nor written, so that a kernel reading or
// writing one element past what its wrapper checked faults.
func guarded(t *testing.T, n int) []float32 {
	t.Helper()
	ps := syscall.Getpagesize()
	bytes := (n*4 + ps - 1) / ps * ps
	mem, err := syscall.Mmap(-1, 0, bytes+2*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	for _, guard := range [][]byte{mem[:ps], mem[ps+bytes:]} {
		if err := syscall.Mprotect(guard, syscall.PROT_NONE); err != nil {
			t.Fatal(err)
		}
	}
	all := unsafe.Slice((*float32)(unsafe.Pointer(&mem[ps])), bytes/4)
	s := all[len(all)-n:]
	for i := range s {
		s[i] = float32(i%7) - 3
	}
	return s
}

// guarded64 is guarded for float64: n elements before a guard page.
func guarded64(t *testing.T, n int) []float64 {
	t.Helper()
	g := guarded(t, 2*n)
	s := unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(g))), n)
	for i := range s {
		s[i] = float64(i%7) - 3
	}
	return s
}

// TestKernelsWithinBounds runs the chunk-at-a-time kernels on slices that
// end exactly where their wrappers' checks allow, before a guard page: a
// kernel that reads or writes past them (an unmasked last block, a read up
// to the next multiple of eight that the check does not cover) crashes the
// test.
func TestKernelsWithinBounds(t *testing.T) {
	for rows := 1; rows <= 3; rows++ {
		for n := 1; n <= 19; n++ {
			ldd, lds := n, 2*n
			d0, d1 := guarded(t, (rows-1)*ldd+n), guarded(t, (rows-1)*ldd+n)
			src := guarded(t, (rows-1)*lds+2*n)
			DeinterleaveRows32(d0, d1, ldd, src, lds, rows, n)
		}
	}
	for n := 1; n <= 19; n++ {
		for trows := 1; trows <= 3; trows++ {
			for _, tw := range []int{n, n + 1} {
				ldg, ldv := 2*n, max(n, 8)
				g := guarded(t, (2*trows-1)*ldg+2*n)
				v := guarded(t, 15*ldv+(trows-1)*tw+max(n, 8))
				WinoGradOutputPlane32(g, ldg, v, ldv, n, trows, tw)
				n8 := (n + 7) &^ 7
				m := guarded(t, 15*n8+(trows-1)*tw+n8)
				y := guarded(t, (2*trows-1)*2*n+2*n)
				WinoOutputPlane32(m, n8, y, 2*n, n, trows, tw, 0.5)
				he := n8 + 1
				strip := guarded(t, 2*he*(2*trows+2))
				v2 := guarded(t, 15*n8+(trows-1)*tw+n8)
				WinoInputPlane32(strip, he, v2, n8, n, trows, tw)
			}
		}
	}
	defer func(old bool) { use512 = old }(use512)
	for _, a512 := range []bool{false, have512} { // the AVX2 tiles, then the AVX-512 ones
		use512 = a512
		for _, k := range []int{1, 5, 8} {
			for nb := 1; nb <= 3; nb++ {
				for mt := 1; mt <= 2; mt++ {
					ldb, ldc := nb*TileNR32, nb*TileNR32
					a := guarded(t, mt*TileMR*k)
					b := guarded(t, (k-1)*ldb+nb*TileNR32)
					c := guarded(t, (mt*TileMR-1)*ldc+nb*TileNR32)
					GemmGrid32(nb, mt, k, a, b, ldb, c, ldc, true)
					GemmGrid32(nb, mt, k, a, b, ldb, c, ldc, false)
				}
			}
			for _, accum := range []bool{false, true} {
				GemmTile32(k, 1, guarded(t, TileMR*k), guarded(t, (k-1)*TileNR32+TileNR32), TileNR32, 1,
					guarded(t, (TileMR-1)*TileNR32+TileNR32), TileNR32, accum)
				GemmTile64(k, 1, guarded64(t, TileMR*k), guarded64(t, (k-1)*TileNR64+TileNR64), TileNR64, 1,
					guarded64(t, (TileMR-1)*TileNR64+TileNR64), TileNR64, accum)
			}
		}
	}
	for _, sz := range [][3]int{{2, 4, 8}, {4, 8, 16}, {5, 9, 24}, {3, 4, 8}, {6, 8, 16}, {10, 12, 8}} {
		m, n, k := sz[0], sz[1], sz[2]
		a, b, c := guarded(t, (m-1)*k+k), guarded(t, (n-1)*k+k), guarded(t, (m-1)*n+n)
		WinoDots32(m, n, k, a, k, b, k, c, n, true)
	}
	for n := 0; n <= 19; n++ {
		MaxAbsDiff32(guarded(t, n), guarded(t, n))
	}
	for n := 1; n <= 19; n++ {
		for _, lds := range []int{n, n + 1} {
			Interleave8x32(guarded(t, 8*n), guarded(t, 7*lds+n), lds, n)
			Deinterleave8x32(guarded(t, 7*lds+n), lds, guarded(t, 8*n), n)
		}
	}
	for _, sh := range [][2]int{{1, 1}, {2, 2}, {4, 4}, {2, 3}, {3, 1}} {
		for _, ldt := range []int{8, 16} {
			th, tw := sh[0], sh[1]
			wq := 2*tw + 2
			ldv := th * tw * ldt
			WinoInputLanes32(guarded(t, 8*wq*(2*th+2)), wq, th, tw, guarded(t, 15*ldv+(th*tw-1)*ldt+8), ldv, ldt)
			WinoOutputLanes32(guarded(t, 15*ldv+(th*tw-1)*ldt+8), ldv, ldt, guarded(t, 32*th*tw), th, tw, 0.5)
			WinoGradOutputLanes32(guarded(t, 32*th*tw), th, tw, guarded(t, 15*ldv+(th*tw-1)*ldt+8), ldv, ldt)
			WinoGradInputLanes32(guarded(t, 15*ldv+(th*tw-1)*ldt+8), ldv, ldt, guarded(t, 8*wq*(2*th+2)), wq, th, tw)
		}
	}
}
