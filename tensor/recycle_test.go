package tensor

import "testing"

// TestRecycle: storage given back is handed to the next allocation of the
// same dtype and length (zeroed where the allocation promises zeros), for
// lengths kept in the direct slice and in the map; tiny tensors are left to
// the allocator; a free list stops growing at its bound.
func TestRecycle(t *testing.T) {
	for _, n := range []int{recycleMin, 37, directLens - 1, directLens + 5} {
		x := Full(Float64, 3, n)
		p := &x.Float64s()[0]
		Recycle(x)
		if x.Len() != 0 {
			t.Errorf("n = %d: a recycled tensor still has %d elements", n, x.Len())
		}
		y := New(Float64, n)
		if &y.Float64s()[0] != p {
			t.Errorf("n = %d: the recycled storage was not reused", n)
		}
		for i, v := range y.Float64s() {
			if v != 0 {
				t.Fatalf("n = %d: New on recycled storage has %g at %d", n, v, i)
			}
		}
		Recycle(y)
		z := allocFull(Float64, []int{n})
		if &z.Float64s()[0] != p {
			t.Errorf("n = %d: allocFull did not reuse the storage", n)
		}
		f := Full(Float32, 2, n)
		q := &f.Float32s()[0]
		Recycle(f)
		if g := New(Float32, n); &g.Float32s()[0] != q {
			t.Errorf("n = %d: float32 storage was not reused", n)
		}
	}
	if recycleMin > 1 {
		x := Full(Float64, 1, recycleMin-1)
		p := &x.Float64s()[0]
		Recycle(x)
		if y := New(Float64, recycleMin-1); &y.Float64s()[0] == p {
			t.Error("a tensor below recycleMin was recycled")
		}
	}

	// The bound per length: a length of 8 elements keeps perLengthBytes of
	// buffers (more than perLength), and no more.
	const n = 8
	keep := max(perLength, perLengthBytes/(n*8))
	drain := func() int {
		c := 0
		for {
			if b, _ := recycled64.get(n); b == nil {
				return c
			}
			c++
		}
	}
	drain()
	// Other tests may have left buffers that count against the byte bound.
	recycled64.mu.Lock()
	keep = min(keep, (recycleMaxBytes-recycled64.bytes)/(n*8))
	recycled64.mu.Unlock()
	bufs := make([]*Tensor, keep+10)
	for i := range bufs {
		bufs[i] = New(Float64, n)
	}
	for _, b := range bufs {
		Recycle(b)
	}
	if got := drain(); got != keep {
		t.Errorf("the free list of length %d kept %d buffers, want %d", n, got, keep)
	}
}

// TestRelease: a released tensor's header is cleared and serves the next
// allocation, its storage is recycled, and tensors allocated
// afterwards have their own shape and zeroed values.
func TestRelease(t *testing.T) {
	x := Full(Float64, 5, 4, 10)
	p := &x.Float64s()[0]
	Release(x)
	if x.Len() != 0 || x.NDim() != 0 {
		t.Errorf("a released header still describes %v", x.Shape())
	}
	Release(nil)
	y := New(Float64, 40)
	if &y.Float64s()[0] != p {
		t.Error("the released storage was not reused")
	}
	if y != x {
		t.Error("the released header was not reused")
	}
	if y.NDim() != 1 || y.Shape()[0] != 40 {
		t.Errorf("shape %v, want [40]", y.Shape())
	}
	for _, v := range y.Float64s() {
		if v != 0 {
			t.Fatal("New after Release is not zeroed")
		}
	}
	z := New(Float32, 2, 3, 4, 5, 6) // more dimensions than the inline buffer
	if z.NDim() != 5 || z.Len() != 720 {
		t.Errorf("shape %v", z.Shape())
	}
}

// TestSmallAllocations: the shape arguments of the commonest constructors
// stay on the caller's stack, so a reshape costs one allocation (its
// header) and a recycled tensor none.
func TestSmallAllocations(t *testing.T) {
	x := New(Float64, 4, 5, 2)
	if n := testing.AllocsPerRun(100, func() { _ = x.Reshape(-1, 2) }); n != 1 {
		t.Errorf("Reshape(-1, 2): %v allocations, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { Release(allocFull(Float64, []int{20, 2})) }); n != 0 {
		t.Errorf("a recycled [20 2] tensor: %v allocations, want 0", n)
	}
	data := make([]float64, 40)
	if n := testing.AllocsPerRun(100, func() { _ = FromFloat64(data, 20, 2) }); n != 1 {
		t.Errorf("FromFloat64: %v allocations, want 1", n)
	}
	y := x.Reshape(2, -1)
	if s := y.Shape(); s[0] != 2 || s[1] != 20 {
		t.Errorf("Reshape(2, -1) of [4 5 2] gave %v", s)
	}
}
