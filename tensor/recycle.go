package tensor

import (
	"math"
	"sync"
)

// Tensors whose storage is known to be dead can be recycled: Recycle keeps
// their storage, and a later allocation of the same dtype and length takes
// it (zeroed) instead of asking the garbage collector for new memory. The
// autograd engine does this with the gradients it owns once they are
// consumed, which halves the allocations of a small model's backward pass.

// recycleMin is the smallest length worth recycling. A free list beats
// Go's allocator well below the size at which allocating itself costs
// much: what a small model's solve loses to the allocator is mostly the
// collector's work on hundreds of small buffers per iteration. Scalars and
// other tiny tensors are left to the allocator's tiny-object path.
const recycleMin = 8

// recycleMaxBytes bounds the memory a free list holds idle.
const recycleMaxBytes = 32 << 20

// A free list keeps up to perLength buffers of each length, and more of a
// small length, up to perLengthBytes of them. A naive backward pass through
// a small model's solve frees the states of all its steps at once, several
// hundred; the next iteration wants them all back.
const (
	perLength      = 256
	perLengthBytes = 1 << 20
)

// directLens is the number of lengths kept in a slice indexed by length
// rather than a map.
const directLens = 4096

type recycler[T float] struct {
	mu     sync.Mutex
	direct [directLens][][]T
	bufs   map[int][][]T
	bytes  int
	heads  []*Tensor // headers given back by Release, for any dtype
}

// maxHeads bounds the headers a free list keeps.
const maxHeads = 4096

var (
	recycled32 = &recycler[float32]{bufs: map[int][][]float32{}}
	recycled64 = &recycler[float64]{bufs: map[int][][]float64{}}
	// poison, when set, fills recycled storage with NaN, so that any use of
	// it after Recycle shows (a debugging aid for the engine's tests).
	poison bool
)

// DebugPoisonRecycled makes Recycle fill the storage it keeps with NaN
// (on) or not (off), so that a use after recycling turns results into NaN
// instead of silently corrupting them. It is for tests of code that
// recycles; it is not safe to call while other goroutines allocate.
func DebugPoisonRecycled(on bool) { poison = on }

// minLen is the smallest length recycled: every length while poisoning,
// so that tests on small tensors exercise recycling too.
func minLen() int {
	if poison {
		return 1
	}
	return recycleMin
}

// put keeps b for a later allocation of its length, and the header h
// (already cleared) if not nil.
func (r *recycler[T]) put(b []T, h *Tensor) {
	n := len(b)
	if n < minLen() {
		if h == nil {
			return
		}
		b = nil
	}
	size := n * int(sizeOf[T]())
	if b != nil && poison {
		nan := T(math.NaN())
		for i := range b {
			b[i] = nan
		}
	}
	r.mu.Lock()
	if b != nil && r.bytes+size <= recycleMaxBytes {
		keep := max(perLength, perLengthBytes/size)
		if n < directLens {
			if len(r.direct[n]) < keep {
				r.direct[n] = append(r.direct[n], b)
				r.bytes += size
			}
		} else if len(r.bufs[n]) < keep {
			r.bufs[n] = append(r.bufs[n], b)
			r.bytes += size
		}
	}
	if h != nil && len(r.heads) < maxHeads {
		r.heads = append(r.heads, h)
	}
	r.mu.Unlock()
}

// get returns a buffer of length n holding whatever it last held, or nil,
// and a cleared header, or nil.
func (r *recycler[T]) get(n int) (b []T, h *Tensor) {
	r.mu.Lock()
	if k := len(r.heads); k > 0 {
		h = r.heads[k-1]
		r.heads[k-1] = nil
		r.heads = r.heads[:k-1]
	}
	if n >= minLen() {
		var l [][]T
		if n < directLens {
			l = r.direct[n]
		} else {
			l = r.bufs[n]
		}
		if k := len(l); k > 0 {
			b = l[k-1]
			l[k-1] = nil
			if n < directLens {
				r.direct[n] = l[:k-1]
			} else {
				r.bufs[n] = l[:k-1]
			}
			r.bytes -= n * int(sizeOf[T]())
		}
	}
	r.mu.Unlock()
	return b, h
}

func sizeOf[T float]() uintptr {
	var z T
	if _, ok := any(z).(float32); ok {
		return 4
	}
	return 8
}

// Release is Recycle for a tensor that nothing refers to at all any more,
// not even through its header: the header is reused by a later
// allocation too. It is for code that made t itself and never handed it
// out, such as the autograd engine with the gradients it owns; anything
// still holding t would afterwards see another tensor.
func Release(t *Tensor) {
	if t == nil {
		return
	}
	f32, f64, dt := t.f32, t.f64, t.dtype
	*t = Tensor{}
	if dt == Float32 {
		if cap(f32) != len(f32) {
			f32 = nil
		}
		recycled32.put(f32, t)
	} else {
		if cap(f64) != len(f64) {
			f64 = nil
		}
		recycled64.put(f64, t)
	}
}

// Recycle gives t's storage back for a later allocation of the same dtype
// and length. The caller promises that nothing uses t or any tensor sharing
// its storage (a view, a reshape) afterwards: the storage will hold another
// tensor's values. Small tensors are left to the garbage collector.
func Recycle(t *Tensor) {
	if t == nil {
		return
	}
	switch t.dtype {
	case Float32:
		if cap(t.f32) == len(t.f32) {
			recycled32.put(t.f32, nil)
		}
	case Float64:
		if cap(t.f64) == len(t.f64) {
			recycled64.put(t.f64, nil)
		}
	}
	t.f32, t.f64 = nil, nil
}
