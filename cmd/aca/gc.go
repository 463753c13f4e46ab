package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// The command's garbage-collector policy. Small models allocate many
// short-lived tensors over a tiny live heap, and Go's default target (twice
// the live heap, at least 4 MB) then runs the collector every few hundred
// operations: a GC percent of 400 makes them about 1.6× faster. Large models
// (a convolutional ODE block holds a hundred megabytes of graph) would then
// grow to five times their live heap. So after every collection the
// percent is set to give the heap about gcHeadroom bytes above the live
// heap, between 100 (Go's default) and 400. GOGC in the environment turns
// the policy off.
const (
	gcHeadroom         = 256 << 20
	gcMinPct, gcMaxPct = 100, 400
	liveHeapMetric     = "/gc/heap/live:bytes"
)

// tuneGC starts the policy.
func tuneGC() {
	debug.SetGCPercent(gcMaxPct)
	armGCTuner()
}

// gcPercent is the policy: the percent for a live heap of live bytes.
func gcPercent(live uint64) int {
	if live == 0 {
		return gcMaxPct
	}
	p := int(100 * float64(gcHeadroom) / float64(live))
	return min(max(p, gcMinPct), gcMaxPct)
}

// armGCTuner sets a finalizer on a fresh object: it runs after the next
// collection, adjusts the percent and re-arms itself.
func armGCTuner() {
	sentinel := new([16]byte)
	runtime.SetFinalizer(sentinel, func(*[16]byte) {
		s := []metrics.Sample{{Name: liveHeapMetric}}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercent(s[0].Value.Uint64()))
		}
		armGCTuner()
	})
}
