// Package scratch keeps idle float buffers between calls of the kernels
// that need large temporary storage (im2col columns, GEMM packing), in
// small free lists rather than sync.Pool: the garbage collector empties a
// sync.Pool every cycle or two, and a training loop allocates enough to run
// it constantly, so megabyte buffers were reallocated and re-zeroed on
// nearly every call.
package scratch

import "sync"

// MaxIdle bounds how many idle buffers a List keeps.
const MaxIdle = 16

// List is a free list of buffers; the zero value is empty and ready. It is
// safe for concurrent use.
type List[T ~float32 | ~float64] struct {
	mu   sync.Mutex
	bufs [][]T
}

// Get returns a slice of length n with unspecified contents: the smallest
// idle buffer that holds n elements, or a new one.
func (l *List[T]) Get(n int) []T {
	l.mu.Lock()
	best := -1
	for i, b := range l.bufs {
		if cap(b) >= n && (best < 0 || cap(b) < cap(l.bufs[best])) {
			best = i
		}
	}
	if best >= 0 {
		b := l.bufs[best]
		l.bufs[best] = l.bufs[len(l.bufs)-1]
		l.bufs = l.bufs[:len(l.bufs)-1]
		l.mu.Unlock()
		return b[:n]
	}
	l.mu.Unlock()
	return make([]T, n)
}

// Put gives b back for reuse; when the list is full the smallest buffer
// (b or an idle one) is dropped.
func (l *List[T]) Put(b []T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bufs) < MaxIdle {
		l.bufs = append(l.bufs, b)
		return
	}
	small := 0
	for i, x := range l.bufs {
		if cap(x) < cap(l.bufs[small]) {
			small = i
		}
	}
	if cap(b) > cap(l.bufs[small]) {
		l.bufs[small] = b
	}
}

// Idle returns the number of idle buffers.
func (l *List[T]) Idle() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.bufs)
}
