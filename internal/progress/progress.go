// Package progress draws a one-line progress bar with a rate and an ETA on a
// terminal. It draws nothing when its writer is not a terminal (a pipe, a
// file, CI logs) or when disabled, so commands can use it unconditionally.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar is a progress bar over a known number of steps. Its methods are safe
// for concurrent use. A nil *Bar is valid and does nothing.
type Bar struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	total   int
	done    int
	start   time.Time
	last    time.Time
	enabled bool
	work    bool // steps are units of work, not items: no count is drawn
	now     func() time.Time
}

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// New returns a bar of total steps that draws on w only if w is a terminal
// and quiet is false.
func New(w io.Writer, label string, total int, quiet bool) *Bar {
	return newBar(w, label, total, !quiet && IsTerminal(w), time.Now)
}

// NewWork is New for a bar whose steps are units of work of unequal
// items (say, epochs weighted by their measured cost): it draws the
// percentage and the ETA, which follow the work, but not the count of
// units, which means nothing to a reader.
func NewWork(w io.Writer, label string, total int, quiet bool) *Bar {
	b := New(w, label, total, quiet)
	b.work = true
	return b
}

func newBar(w io.Writer, label string, total int, enabled bool, now func() time.Time) *Bar {
	t := now()
	return &Bar{w: w, label: label, total: total, start: t, enabled: enabled, now: now}
}

// Add advances the bar by n steps and redraws it (at most ten times a second).
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = min(b.done+n, max(b.total, 0))
	t := b.now()
	if !b.enabled || (t.Sub(b.last) < 100*time.Millisecond && b.done < b.total) {
		return
	}
	b.last = t
	fmt.Fprint(b.w, "\r"+b.line(t))
}

// Done finishes the bar, clearing its line.
func (b *Bar) Done() {
	if b == nil || !b.enabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprint(b.w, "\r"+strings.Repeat(" ", 78)+"\r")
}

// line renders the bar: label, bar, count, percentage, elapsed and ETA.
func (b *Bar) line(t time.Time) string {
	const width = 24
	frac := 1.0
	if b.total > 0 {
		frac = min(float64(b.done)/float64(b.total), 1)
	}
	filled := int(frac * width)
	elapsed := t.Sub(b.start)
	eta := "?"
	if b.done > 0 && b.total > 0 {
		rem := time.Duration(float64(elapsed) * (float64(b.total-b.done) / float64(b.done)))
		eta = rem.Round(time.Second).String()
	}
	count := fmt.Sprintf(" %d/%d", b.done, b.total)
	if b.work {
		count = ""
	}
	return fmt.Sprintf("%s [%s%s]%s %3.0f%% %s elapsed, ETA %s",
		b.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		count, 100*frac, elapsed.Round(time.Second), eta)
}
