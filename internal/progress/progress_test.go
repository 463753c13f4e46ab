package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestBarDrawsOnlyWhenEnabled(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "x", 10, false) // a buffer is not a terminal
	b.Add(5)
	b.Done()
	if buf.Len() != 0 {
		t.Errorf("drew %q on a non-terminal", buf.String())
	}
	var nilBar *Bar
	nilBar.Add(1) // must not panic
	nilBar.Done()
}

func TestBarLineAndETA(t *testing.T) {
	var buf bytes.Buffer
	t0 := time.Unix(0, 0)
	now := t0
	b := newBar(&buf, "train", 4, true, func() time.Time { return now })
	now = t0.Add(10 * time.Second)
	b.Add(1)
	got := buf.String()
	for _, want := range []string{"train", "1/4", "25%", "10s elapsed", "ETA 30s"} {
		if !strings.Contains(got, want) {
			t.Errorf("line %q lacks %q", got, want)
		}
	}
	now = t0.Add(11 * time.Second)
	b.Add(3)
	if !strings.Contains(buf.String(), "4/4 100%") {
		t.Errorf("final line %q", buf.String())
	}
}

// A work bar draws the share of the work and its ETA without the count.
func TestWorkBar(t *testing.T) {
	var buf bytes.Buffer
	t0 := time.Unix(0, 0)
	now := t0
	b := newBar(&buf, "tb", 1000, true, func() time.Time { return now })
	b.work = true
	now = t0.Add(6 * time.Second)
	b.Add(60) // 6 % of the work in 6 s: 94 s to go
	got := buf.String()
	if !strings.Contains(got, "  6% 6s elapsed, ETA 1m34s") || strings.Contains(got, "60/1000") {
		t.Errorf("line %q", got)
	}
}
