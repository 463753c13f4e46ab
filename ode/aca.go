package ode

import (
	"fmt"
	"math"
	"runtime"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/internal/vec"
	"github.com/acaode/aca/tensor"
)

// checkpoint is one accepted step as ACA keeps it.
type checkpoint struct {
	t, h  float64
	z     *tensor.Tensor // the state at t
	first int            // the first output the step emits
}

// aca walks the accepted steps in reverse: each is re-run on a graph of its
// own from its saved state with its saved step size as a constant, the
// running λ = dL/dz_{i+1} (plus the gradients of the outputs inside the
// step) is backpropagated through it, and the graph is dropped.
//
// Re-running step i does not need λ, only backpropagating through it does,
// so when pipelined (Options.ACAPipeline) the re-runs go ahead on a
// goroutine of their own, one step ahead of the backward passes: the
// re-run of step i−1 overlaps the backward pass through step i. At most
// two step graphs are alive at once (a re-run waits for a free slot), and
// the results are the same bits either way (each graph is built and
// differentiated by the same code, in the same order).
func (bw *backward) aca() (*tensor.Tensor, []*tensor.Tensor, error) {
	st := bw.stats
	lam := tensor.ZerosLike(bw.y0)
	gp := make([]*tensor.Tensor, len(bw.params))
	for i, p := range bw.params {
		gp[i] = tensor.ZerosLike(p.Data())
	}
	np := len(bw.params)
	wrt := make([]*autograd.Value, 1+np)
	copy(wrt[1:], bw.params)
	if bw.timed {
		bw.gtimes = tensor.Zeros(tensor.Float64, len(bw.times))
	}
	steps := bw.reruns()
	defer steps.close()
	for !steps.finished() {
		s := steps.next()
		if s.err != nil {
			return nil, nil, s.err
		}
		// Backpropagate λ through the re-run of step s.i.
		c := bw.ckpt[s.i]
		if !s.kept {
			st.Backward.NFE += s.nfe
			st.Backward.Accepted++
		}
		wrt[0] = s.z
		wrt = wrt[:1+np]
		if s.tl != nil {
			wrt = append(wrt, s.tl)
			wrt = append(wrt, s.tauLeaves...)
		}
		s.seeds[0] = lam
		grads, err := s.lg.GradMulti(s.outs, s.seeds, wrt...)
		if !s.kept {
			st.GraphBytes = max(st.GraphBytes, s.lg.PeakBytes())
		}
		if err != nil {
			return nil, nil, err
		}
		lam = grads[0]
		if !tensor.AllFinite(lam) {
			return nil, nil, &BackwardError{Method: ACA, Step: s.i, T: c.t, H: c.h, What: "non-finite adjoint λ = dL/dz after backpropagating through the step"}
		}
		for j := range gp {
			gp[j].AddScaledInPlace(1, grads[j+1])
		}
		if s.tl != nil {
			// With the step sizes frozen, every step's start time moves with
			// times[0].
			gt := bw.gtimes.Float64s()
			gt[0] += grads[1+np].Item()
			for m, j := range s.taus {
				gt[j] += grads[2+np+m].Item()
			}
		}
		steps.done(s)
	}
	return lam, gp, nil
}

// rerunIter yields the re-runs of the accepted steps, the last step first.
// next returns the next one (an error in it is the backward pass's), done
// takes it back once its backward pass is over, finished reports whether
// every step has been yielded, and close ends the iteration, however far
// it got.
type rerunIter interface {
	next() *rerun
	done(s *rerun)
	finished() bool
	close()
}

// reruns returns the iterator over the re-runs: pipelined on a goroutine of
// its own (see pipelined), or one after the other on the caller's.
func (bw *backward) reruns() rerunIter {
	rr := bw.newRerunner()
	n := len(bw.ckpt)
	if !bw.pipelined() || n < 2 {
		return &serialReruns{rr: rr, i: n - 1}
	}
	return newPipelinedReruns(rr, n)
}

// serialReruns re-runs each step when the backward pass asks for it.
type serialReruns struct {
	rr *rerunner
	i  int // the next step to re-run
}

func (it *serialReruns) next() *rerun {
	s := it.rr.run(it.i)
	it.i--
	return s
}

func (it *serialReruns) done(s *rerun)  { it.rr.done(s) }
func (it *serialReruns) finished() bool { return it.i < 0 }
func (it *serialReruns) close()         {}

// pipelinedReruns re-runs the steps on a goroutine of its own, one step
// ahead of the backward pass. A re-run takes a slot before building its
// step graph and done gives it back, so that at most two step graphs are
// alive: the one being differentiated and the next one.
type pipelinedReruns struct {
	rr    *rerunner
	left  int // steps not yet yielded
	ch    chan *rerun
	slots chan struct{}
	stop  chan struct{}
	ended chan struct{}
}

func newPipelinedReruns(rr *rerunner, n int) *pipelinedReruns {
	it := &pipelinedReruns{rr: rr, left: n, ch: make(chan *rerun, 1), slots: make(chan struct{}, 2), stop: make(chan struct{}), ended: make(chan struct{})}
	it.slots <- struct{}{}
	it.slots <- struct{}{}
	go func() {
		defer close(it.ended)
		for i := n - 1; i >= 0; i-- {
			if _, ok := recvSpin(it.slots, it.stop); !ok {
				return
			}
			s := rr.runRecovering(i)
			if !sendSpin(it.ch, s, it.stop) {
				if s.lg != nil {
					s.lg.Free()
				}
				return
			}
			if s.err != nil || s.panicked != nil {
				return
			}
		}
	}()
	return it
}

// next waits for the next re-run; a panic of the dynamics during it is
// raised again here, on the backward pass's goroutine.
func (it *pipelinedReruns) next() *rerun {
	s, _ := recvSpin(it.ch, nil)
	it.left--
	if s.panicked != nil {
		panic(s.panicked)
	}
	return s
}

func (it *pipelinedReruns) done(s *rerun) {
	it.rr.done(s)
	it.slots <- struct{}{}
}

func (it *pipelinedReruns) finished() bool { return it.left == 0 }

// close stops the re-runs and waits for their goroutine to be gone, freeing
// a re-run sent but not consumed.
func (it *pipelinedReruns) close() {
	close(it.stop)
	<-it.ended
	select {
	case s := <-it.ch:
		if s.lg != nil {
			s.lg.Free()
		}
	default:
	}
}

// pipelined reports whether ACA's backward pass runs its re-runs on a
// goroutine of their own (see Options.ACAPipeline).
func (bw *backward) pipelined() bool {
	if tensor.Threads() < 2 {
		return false
	}
	switch bw.o.ACAPipeline {
	case PipelineOn:
		return true
	case PipelineAuto:
		return bw.stepTime >= PipelineMinStep
	}
	return false
}

// handoffSpins bounds how long the two goroutines of ACA's backward pass
// poll each other (yielding in between) before blocking. A step takes tens
// of microseconds; waking a parked goroutine took as long again on these
// machines, which cancelled what the overlap saved.
const handoffSpins = 2000

// sendSpin sends s on ch, or gives up when stop is closed (false).
func sendSpin(ch chan<- *rerun, s *rerun, stop <-chan struct{}) bool {
	for range handoffSpins {
		select {
		case ch <- s:
			return true
		case <-stop:
			return false
		default:
			runtime.Gosched()
		}
	}
	select {
	case ch <- s:
		return true
	case <-stop:
		return false
	}
}

// recvSpin receives from ch, or gives up when stop is closed (false); a
// nil stop is never closed.
func recvSpin[T any](ch <-chan T, stop <-chan struct{}) (T, bool) {
	for range handoffSpins {
		select {
		case v := <-ch:
			return v, true
		case <-stop:
			var zero T
			return zero, false
		default:
			runtime.Gosched()
		}
	}
	select {
	case v := <-ch:
		return v, true
	case <-stop:
		var zero T
		return zero, false
	}
}

// rerun is one accepted step re-run on a graph of its own, ready for its
// backward pass: outs are the step's end state and the outputs inside it
// that have gradients, seeds their seeds (seeds[0], λ, is the backward
// pass's to fill).
type rerun struct {
	i    int
	lg   *autograd.Graph
	recs *stepRecords
	z    *autograd.Value
	// tl is the step's start time as a leaf, and taus the indices of the
	// outputs inside the step and tauLeaves their times as leaves, when the
	// solve differentiates its times.
	tl        *autograd.Value
	taus      []int
	tauLeaves []*autograd.Value
	outs      []*autograd.Value
	seeds     []*tensor.Tensor
	nfe       int
	err       error
	panicked  any
	// kept is set when lg is the step's graph kept from the forward pass
	// (Options.ACAMemory): nothing was re-run.
	kept bool
}

// rerunner re-runs checkpointed steps, one at a time, with buffers of its
// own.
type rerunner struct {
	bw  *backward
	k   []*autograd.Value
	out []*autograd.Value
	// graphs holds step graphs whose backward pass is done, for the next
	// re-runs: their nodes are reused (autograd.Graph.ReuseNodes), and
	// recs the records of their combinations. Nothing keeps a step graph's
	// values past its backward pass.
	graphs chan *autograd.Graph
	recs   recordPool
	// taus holds the output times as leaves when the solve differentiates
	// them (only read by the step graphs, so shared by them).
	taus *timing[*autograd.Value]
}

func (bw *backward) newRerunner() *rerunner {
	rr := &rerunner{bw: bw, k: make([]*autograd.Value, bw.o.Method.Stages()), out: make([]*autograd.Value, len(bw.times)), graphs: make(chan *autograd.Graph, 2)}
	if bw.timed {
		rr.taus = &timing[*autograd.Value]{taus: make([]*autograd.Value, len(bw.times))}
		for i, t := range bw.times {
			rr.taus.taus[i] = autograd.Leaf(tensor.Scalar(tensor.Float64, t))
		}
	}
	return rr
}

// graph returns an empty step graph, a used one if there is one.
func (rr *rerunner) graph() *autograd.Graph {
	select {
	case g := <-rr.graphs:
		g.Reset()
		return g
	default:
	}
	g := autograd.NewGraph().RecycleOutputs().ReuseNodes()
	if rr.bw.meter != nil {
		g.SetMeter(rr.bw.meter)
	}
	return g
}

// done takes back a re-run whose backward pass is over: its graph and
// its records.
func (rr *rerunner) done(s *rerun) {
	s.lg.Free()
	if s.kept {
		return
	}
	select {
	case rr.graphs <- s.lg:
	default:
	}
	if s.recs != nil {
		s.recs.release()
	}
}

// runRecovering is run, turning a panic of the dynamics into a value the
// backward pass re-raises on its own goroutine.
func (rr *rerunner) runRecovering(i int) (s *rerun) {
	defer func() {
		if p := recover(); p != nil {
			s = &rerun{i: i, panicked: p}
		}
	}()
	return rr.run(i)
}

// run re-runs step i and checks that it reproduces the forward pass.
func (rr *rerunner) run(i int) *rerun {
	bw := rr.bw
	c := bw.ckpt[i]
	if i < len(bw.kept) && bw.kept[i] != nil {
		return rr.fromKept(i, c)
	}
	lg := rr.graph()
	z := autograd.Leaf(c.z)
	recs := rr.recs.step()
	gb := &graphBackend{g: lg, f: bw.f, recs: recs}
	k, out := rr.k, rr.out
	// A panic in the dynamics takes the step graph's bytes off the meter
	// and leaves the buffers clean on its way out.
	finished := false
	defer func() {
		if !finished {
			lg.Free()
			clear(k)
			clear(out[c.first:])
		}
	}()
	r := &runner[*autograd.Value, *autograd.Value]{b: gb, o: &bw.o, tb: bw.o.Method, times: bw.times, dir: bw.dir, one: [1]float64{1}, out: out, next: c.first}
	fail := func(err error) *rerun {
		// The deferred clean-up frees the graph.
		return &rerun{i: i, err: err}
	}
	st := &stepRec[*autograd.Value, *autograd.Value]{t: c.t, h: c.h, t1: bw.stepEnd(i), fixedEnd: bw.o.fixed(), tS: gb.constant(c.t), hS: gb.constant(c.h), y0: z, k: k}
	var tl *autograd.Value
	if rr.taus != nil {
		// The step's start time moves with the first output time (the
		// steps keep their sizes), and its outputs with their own.
		tl = autograd.Leaf(tensor.Scalar(tensor.Float64, c.t))
		st.tS = tl
		r.tm = rr.taus
	}
	f0, err := r.eval(c.t, c.h, z, when[*autograd.Value]{base: st.tS}, "derivative")
	if err != nil {
		return fail(err)
	}
	y1, err := r.step(st, f0)
	if err != nil {
		return fail(err)
	}
	st.y1 = y1
	if err := r.emit(st); err != nil {
		return fail(err)
	}
	clear(k)
	// The re-run must reproduce the forward pass: the next checkpoint's
	// state, and the outputs inside the step.
	// (The last step's end state is not kept; its outputs are checked.)
	if i+1 < len(bw.ckpt) && !reproduced(y1.Data(), bw.ckpt[i+1].z) {
		return fail(&BackwardError{Method: ACA, Step: i, T: c.t, H: c.h, What: "re-running the step did not reproduce the forward pass (are the dynamics deterministic? dropout, or anything with state that changes between calls, cannot be re-run)"})
	}
	s := &rerun{i: i, lg: lg, recs: recs, z: z, tl: tl, nfe: r.st.NFE, outs: []*autograd.Value{y1}, seeds: []*tensor.Tensor{nil}}
	if err := rr.collect(s, c, r.next); err != nil {
		return fail(err)
	}
	if i == len(bw.ckpt)-1 {
		own := []*autograd.Value{z}
		if tl != nil {
			own = append(append(own, tl), rr.taus.taus...)
		}
		if err := bw.checkLeaves(lg, own...); err != nil {
			return fail(err)
		}
	}
	finished = true
	return s
}

// fromKept hands over step i's graph kept from the forward pass, as a
// re-run would: its end state and its outputs with a gradient, seeded.
// The graph is the backward pass's from now on.
func (rr *rerunner) fromKept(i int, c checkpoint) *rerun {
	bw := rr.bw
	ks := bw.kept[i]
	bw.kept[i] = nil
	s := &rerun{i: i, lg: ks.g, z: ks.z, kept: true, outs: []*autograd.Value{ks.y1}, seeds: []*tensor.Tensor{nil}}
	for m, v := range ks.outs {
		if g := bw.gys[c.first+m]; g != nil {
			s.outs = append(s.outs, v)
			s.seeds = append(s.seeds, g)
		}
	}
	if i == len(bw.ckpt)-1 {
		if err := bw.checkLeaves(ks.g, ks.z); err != nil {
			ks.g.Free()
			return &rerun{i: i, err: err}
		}
	}
	return s
}

// collect checks the outputs the re-run of step s.i emitted into the
// buffer, out[c.first:next], against the forward pass, and hands those
// with a gradient to s (and, when the solve differentiates its times,
// their times), clearing the buffer.
func (rr *rerunner) collect(s *rerun, c checkpoint, next int) error {
	bw, out := rr.bw, rr.out
	for j := c.first; j < next; j++ {
		if s.tl != nil {
			s.taus = append(s.taus, j)
			s.tauLeaves = append(s.tauLeaves, rr.taus.taus[j])
		}
		if !reproduced(out[j].Data(), bw.ys[j]) {
			return &BackwardError{Method: ACA, Step: s.i, T: c.t, H: c.h, What: fmt.Sprintf("re-running the step did not reproduce output %d (t = %g) of the forward pass (are the dynamics deterministic?)", j, bw.times[j])}
		}
		if bw.gys[j] != nil {
			s.outs = append(s.outs, out[j])
			s.seeds = append(s.seeds, bw.gys[j])
		}
		out[j] = nil
	}
	return nil
}

// stepEnd returns the end time of accepted step i as the forward pass had
// it: the next step's start, or for the last step t+h (adaptive) or the
// last output time (fixed steps end on it).
func (bw *backward) stepEnd(i int) float64 {
	c := bw.ckpt[i]
	switch {
	case i+1 < len(bw.ckpt):
		return bw.ckpt[i+1].t
	case bw.o.fixed():
		return bw.times[len(bw.times)-1]
	}
	return c.t + c.h
}

// reproduced reports whether a re-run result equals the forward one. It
// allows rounding-level differences, so that dynamics whose kernels sum in
// a different order from call to call are not rejected, while anything
// that changes the dynamics between calls is.
func reproduced(got, want *tensor.Tensor) bool {
	var d, scale float64
	if got.DType() == tensor.Float64 {
		d, scale = diffScale(got.Float64s(), want.Float64s())
	} else {
		d, scale = vec.MaxAbsDiff32(got.Float32s(), want.Float32s())
	}
	if d == 0 {
		return true
	}
	eps := 1e-12
	if want.DType() == tensor.Float32 {
		eps = 1e-5
	}
	return d <= eps*math.Max(scale, 1) // false for NaN too
}

// diffScale returns max |a − b| and max |b| (in float32, vec.MaxAbsDiff32
// computes the same eight elements at a time).
func diffScale[E float32 | float64](a, b []E) (d, scale float64) {
	b = b[:len(a)]
	for i, v := range a {
		w := float64(b[i])
		if e := math.Abs(float64(v) - w); e > d || e != e {
			d = e
		}
		if m := math.Abs(w); m > scale { // (a NaN makes d NaN above)
			scale = m
		}
	}
	return d, scale
}
