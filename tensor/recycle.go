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

// recycleMin is the smallest length worth recycling: below it Go's
// allocator is as fast as a free list.
const recycleMin = 256

// recycleMaxBytes bounds the memory a free list holds idle.
const recycleMaxBytes = 32 << 20

// perLength bounds the buffers kept per length. A naive backward pass
// through a small model's solve frees one activation per evaluation at
// once, a hundred or so; the next iteration wants them all back.
const perLength = 256

type recycler[T float] struct {
	mu    sync.Mutex
	bufs  map[int][][]T
	bytes int
}

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

func (r *recycler[T]) put(b []T) {
	n := len(b)
	if n < minLen() {
		return
	}
	if poison {
		nan := T(math.NaN())
		for i := range b {
			b[i] = nan
		}
	}
	size := n * int(sizeOf[T]())
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bytes+size > recycleMaxBytes || len(r.bufs[n]) >= perLength {
		return
	}
	r.bufs[n] = append(r.bufs[n], b)
	r.bytes += size
}

// getDirty returns a buffer of length n holding whatever it last held, or
// nil.
func (r *recycler[T]) getDirty(n int) []T {
	if n < minLen() {
		return nil
	}
	r.mu.Lock()
	list := r.bufs[n]
	if len(list) == 0 {
		r.mu.Unlock()
		return nil
	}
	b := list[len(list)-1]
	r.bufs[n] = list[:len(list)-1]
	r.bytes -= n * int(sizeOf[T]())
	r.mu.Unlock()
	return b
}

func sizeOf[T float]() uintptr {
	var z T
	if _, ok := any(z).(float32); ok {
		return 4
	}
	return 8
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
			recycled32.put(t.f32)
		}
	case Float64:
		if cap(t.f64) == len(t.f64) {
			recycled64.put(t.f64)
		}
	}
	t.f32, t.f64 = nil, nil
}
