package autograd

import "sync/atomic"

// Meter aggregates the bytes held by any number of graphs (and anything else
// reported to it): the current total and its peak. It is safe for concurrent use.
type Meter struct {
	cur, peak atomic.Int64
}

// Add adjusts the current total by n bytes (negative to release).
func (m *Meter) Add(n int64) {
	c := m.cur.Add(n)
	for {
		p := m.peak.Load()
		if c <= p || m.peak.CompareAndSwap(p, c) {
			return
		}
	}
}

// Current returns the bytes held now.
func (m *Meter) Current() int64 { return m.cur.Load() }

// Peak returns the largest total seen since the meter was made or ResetPeak.
func (m *Meter) Peak() int64 { return m.peak.Load() }

// ResetPeak sets the peak to the current total.
func (m *Meter) ResetPeak() { m.peak.Store(m.cur.Load()) }

// SetMeter makes g report the bytes it holds to m as well (m may be shared
// by many graphs). It returns g. A graph returns its bytes to the meter when
// Backward, Grad or Free releases it; a graph simply dropped stays counted.
func (g *Graph) SetMeter(m *Meter) *Graph {
	if g.meter != nil {
		g.meter.Add(-g.bytes)
	}
	g.meter = m
	if m != nil {
		m.Add(g.bytes)
	}
	return g
}

// Meter returns the meter set by SetMeter, or nil. An operation that builds
// graphs of its own during its backward pass (an ODE solve re-running its
// steps) reports them to the same meter.
func (g *Graph) Meter() *Meter {
	if g == nil {
		return nil
	}
	return g.meter
}

// Bytes returns the bytes the graph holds now: recorded outputs and saved
// tensors, excluding leaves and constants. It measures what the forward pass
// keeps for the backward pass; gradient buffers the backward pass allocates
// as it runs are not included.
func (g *Graph) Bytes() int64 {
	if g == nil {
		return 0
	}
	return g.bytes
}

// PeakBytes returns the largest value Bytes has had.
func (g *Graph) PeakBytes() int64 {
	if g == nil {
		return 0
	}
	return g.peak
}

func (g *Graph) hold(n int64) {
	g.bytes += n
	if g.bytes > g.peak {
		g.peak = g.bytes
	}
	if g.meter != nil {
		g.meter.Add(n)
	}
}
