package tensor

import (
	"sync"
	"unsafe"

	"github.com/acaode/aca/internal/vec"
)

// The Winograd path multiplies by the weights transformed (U_ξ = G g Gᵀ)
// and packed for the micro-tiles, which took 3 % of a NODE18 training step
// to recompute on every call: an ODE block's function is called dozens of
// times per solve with the same weights. winoPacked keeps the packed
// transforms of recent weights, keyed by where the weights are stored and
// their shape (the same storage reshaped from O×C to C×O kernels is other
// weights), and checked against a copy of them, element by element (bits),
// on every use: weights changed in place by an optimizer, or other weights
// that came to be stored at the same place, are transformed again. A kept
// packing is never written after it is made, so calls on other goroutines
// may share it; it is the packing the call would have made, the same bits.

// winoCacheBytes bounds the memory the kept packings (and the copies of
// their weights) hold; past it, the cache starts over.
const winoCacheBytes = 64 << 20

type winoKey struct {
	at   uintptr // address of the weights' first element
	o, c int     // the weights' output and input channels (one storage may be reshaped)
	back bool    // packed as U_ξᵀ for the input gradient
}

type winoEntry[T float] struct {
	w      []T // the weights the packing was made from
	packed []T
}

var winoCache = struct {
	sync.Mutex
	entries map[winoKey]any
	bytes   int
}{entries: map[winoKey]any{}}

// winoPacked returns the 16 transformed weight matrices of w packed for
// the micro-tiles: U_ξ (O×C) for the forward pass, or U_ξᵀ (C×O) for the
// input gradient when back is set, U_ξ at [ξ·size:] with size the packed
// size of one.
func winoPacked[T float](g convGeom, w []T, back bool) (packed []T, size int) {
	m, k, rs, ps := g.o, g.c, g.c, 1
	if back {
		m, k, rs, ps = g.c, g.o, 1, g.c
	}
	size = tilePanels(m) * vec.TileMR * k
	key := winoKey{uintptr(unsafe.Pointer(unsafe.SliceData(w))), g.o, g.c, back}
	winoCache.Lock()
	e, _ := winoCache.entries[key].(*winoEntry[T])
	winoCache.Unlock()
	if e != nil && sameStorage(e.w, w) {
		return e.packed, size
	}
	u := getScratch[T](16 * g.o * g.c)
	defer putScratch(u)
	winoWeights(g, w, u)
	packed = make([]T, 16*size)
	packWinoWeights(packed, u, size, m, k, rs, ps)
	e = &winoEntry[T]{w: append([]T(nil), w...), packed: packed}
	bytes := int(unsafe.Sizeof(w[0])) * (len(w) + len(packed))
	winoCache.Lock()
	if old, ok := winoCache.entries[key].(*winoEntry[T]); ok {
		winoCache.bytes -= int(unsafe.Sizeof(w[0])) * (len(old.w) + len(old.packed))
	}
	if winoCache.bytes+bytes > winoCacheBytes {
		clear(winoCache.entries)
		winoCache.bytes = 0
	}
	if bytes <= winoCacheBytes {
		winoCache.entries[key] = e
		winoCache.bytes += bytes
	}
	winoCache.Unlock()
	return packed, size
}
