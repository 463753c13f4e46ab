package scratch

import "testing"

// Get takes the smallest idle buffer that fits; Put keeps at most MaxIdle
// and, when full, drops the smallest.
func TestList(t *testing.T) {
	var l List[float64]
	if b := l.Get(5); len(b) != 5 || cap(b) != 5 {
		t.Fatalf("new buffer: len %d cap %d", len(b), cap(b))
	}
	l.Put(make([]float64, 0, 8))
	l.Put(make([]float64, 0, 32))
	l.Put(make([]float64, 0, 16))
	b := l.Get(10)
	if len(b) != 10 || cap(b) != 16 {
		t.Errorf("Get(10): len %d cap %d, want the 16", len(b), cap(b))
	}
	if b := l.Get(40); cap(b) != 40 || l.Idle() != 2 {
		t.Errorf("Get(40): cap %d, %d idle; want a new buffer and 2 idle", cap(b), l.Idle())
	}
	for i := range MaxIdle + 4 {
		l.Put(make([]float64, 0, 100+i))
	}
	if l.Idle() != MaxIdle {
		t.Fatalf("%d idle, want %d", l.Idle(), MaxIdle)
	}
	// The 8 and the 32 were the smallest: both dropped for larger ones.
	for range MaxIdle {
		if b := l.Get(0); cap(b) < 100 {
			t.Errorf("kept a buffer of cap %d", cap(b))
		}
	}
}
