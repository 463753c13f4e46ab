package tensor

import (
	"runtime"
	"testing"
)

// SetThreads(100000000000) used to store int32(n): 1 215 752 192 threads.
func TestSetThreadsBounds(t *testing.T) {
	defer SetThreads(0)
	if err := SetThreads(3); err != nil || Threads() != 3 {
		t.Fatalf("SetThreads(3): %v, Threads() = %d", err, Threads())
	}
	for _, n := range []int{-1, MaxThreads + 1, 100000000000, 1 << 31} {
		if err := SetThreads(n); err == nil {
			t.Errorf("SetThreads(%d): no error", n)
		}
		if Threads() != 3 {
			t.Errorf("SetThreads(%d) changed the count to %d", n, Threads())
		}
	}
	if err := SetThreads(MaxThreads); err != nil || Threads() != MaxThreads {
		t.Errorf("SetThreads(MaxThreads): %v, %d", err, Threads())
	}
	if err := SetThreads(0); err != nil || Threads() != runtime.GOMAXPROCS(0) {
		t.Errorf("SetThreads(0): %v, %d", err, Threads())
	}
}
