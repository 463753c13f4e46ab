package ode

import (
	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// keptStep is the graph of an accepted step that ACA's forward pass kept
// (Options.ACAMemory): the same graph as the backward pass's re-run of the
// step would build, from the leaf z (the step's start state) to its end
// state y1 and the outputs at its end.
type keptStep struct {
	g     *autograd.Graph
	z, y1 *autograd.Value
	// outs are the outputs the step emitted (at its end), from its first
	// output on (checkpoint.first).
	outs []*autograd.Value
}

// keepBackend runs ACA's forward pass when it may keep step graphs: every
// trial step is recorded on a graph of its own, as the backward pass's
// re-run would record it (a leaf for the start state, f evaluated there,
// the stages, the end state), while the step sizes, error ratios and the
// first step are plain numbers computed from the values' data exactly as
// the unrecorded forward pass computes them, so that the steps are the
// same bits.
//
// The graphs: cur is the graph of the current step, started from the leaf
// z; the evaluation at a trial step's end state (FSAL's last stage, or
// f(t1, y1) for the dense output) goes on next, a graph started from a
// leaf of y1, which becomes the next step's graph if the step is accepted.
// A rejected trial's operations are truncated from cur (back to mark, just
// after f(t, z)), and its next graph dropped.
type keepBackend struct {
	f   Dynamics
	tb  *tensorBackend // the first step's evaluations, unrecorded
	cur *autograd.Graph
	z   *autograd.Value
	// mark is the position in cur just after f(t, z) was recorded.
	mark   int
	next   *autograd.Graph
	nextZ  *autograd.Value
	xs, ks []term

	// recordDense is set while an accepted step that may be kept emits
	// its outputs: an output inside it is then recorded on its graph too,
	// as the re-run would record it, with f(t1, y1) evaluated on the graph
	// (f1, once per step; extra counts these evaluations). recorded maps
	// the output handed to the loop (the unrecorded forward pass's
	// values) to the recorded one.
	recordDense bool
	y1          *autograd.Value
	t1          float64
	f1          *autograd.Value
	denseFailed bool
	extra       int
	recorded    map[*autograd.Value]*autograd.Value
}

// graphFor returns the graph an evaluation at y is recorded on.
func (b *keepBackend) graphFor(y *autograd.Value) *autograd.Graph {
	if b.nextZ != nil && y == b.nextZ {
		return b.next
	}
	return b.cur
}

func (b *keepBackend) eval(t, _ float64, y *autograd.Value, _ when[float64]) (*autograd.Value, error) {
	g := b.graphFor(y)
	var v *autograd.Value
	if td, ok := b.f.(TimeDynamics); ok {
		// The backward pass's re-run builds the time as base + c·h from
		// constants, which is t to the bit: a constant either way.
		v = td.EvalTime(g, autograd.Constant(tensor.Scalar(y.DType(), t)), y)
	} else {
		v = b.f.Eval(g, t, y)
	}
	if v == nil {
		return nil, checkDerivative(t, y.Data(), nil)
	}
	if err := checkDerivative(t, y.Data(), v.Data()); err != nil {
		return nil, err
	}
	if g == b.cur && y == b.z {
		b.mark = g.Mark()
	}
	return v, nil
}

func (b *keepBackend) lin(x []*autograd.Value, a []float64, h float64, k []*autograd.Value, c []float64) *autograd.Value {
	return linOp(b.cur, nil, x, a, autograd.Constant(tensor.Scalar(tensor.Float64, h)), k, c)
}

// dense computes an output inside a step as the unrecorded forward pass
// does, and, for a step that may be kept (recordDense), records it on the
// step's graph as the backward pass's re-run would: from the step's
// stages and f(t1, y1) evaluated on the graph at its end state (the
// stage the loop has, FSAL's last or an evaluation for the dense output,
// starts the next step's graph instead).
func (b *keepBackend) dense(x []*autograd.Value, a, da []float64, h float64, k []*autograd.Value, c, dc []float64, t float64, tau float64, _ *float64) *autograd.Value {
	out := b.plainDense(x, a, h, k, c)
	if !b.recordDense || b.denseFailed {
		return out
	}
	if b.f1 == nil {
		b.extra++
		f1, err := b.eval(b.t1, h, b.y1, when[float64]{})
		if err != nil || !tensor.AllFinite(f1.Data()) {
			// The forward pass evaluated the same: not reached with
			// deterministic dynamics. The step is re-run instead.
			b.denseFailed = true
			return out
		}
		b.f1 = f1
	}
	kk := append([]*autograd.Value(nil), k...)
	kk[len(kk)-1] = b.f1
	h1 := autograd.Constant(tensor.Scalar(tensor.Float64, h))
	t0 := autograd.Constant(tensor.Scalar(tensor.Float64, t))
	b.recorded[out] = denseOp(b.cur, nil, x, a, da, h1, kk, c, dc, t0, tau, nil)
	return out
}

// plainDense is the unrecorded forward pass's dense output.
func (b *keepBackend) plainDense(x []*autograd.Value, a []float64, h float64, k []*autograd.Value, c []float64) *autograd.Value {
	out := tensor.ZerosLike(x[0].Data())
	b.xs, b.ks = b.xs[:0], b.ks[:0]
	for m, am := range a {
		if am != 0 {
			b.xs = append(b.xs, term{am, x[m].Data()})
		}
	}
	for j, cj := range c {
		if cj != 0 {
			b.ks = append(b.ks, term{cj, k[j].Data()})
		}
	}
	linInto(out, b.xs, h, b.ks)
	return autograd.Constant(out)
}

func (b *keepBackend) add(x, y float64) float64 { return x + y }

func (b *keepBackend) errRatio(h float64, k []*autograd.Value, e []float64, y0, y1 *autograd.Value, rtol, atol float64) float64 {
	b.ks = b.ks[:0]
	for j, ej := range e {
		if ej != 0 {
			b.ks = append(b.ks, term{ej, k[j].Data()})
		}
	}
	return errRatio(h, b.ks, y0.Data(), y1.Data(), rtol, atol)
}

func (b *keepBackend) control(h, ratio float64, c *controller) float64 {
	return b.tb.control(h, ratio, c)
}

func (b *keepBackend) initialStep(t0 float64, y0, f0 *autograd.Value, dir float64, o *Options) (float64, error) {
	return b.tb.initialStep(t0, y0.Data(), f0.Data(), dir, o)
}

func (b *keepBackend) finite(v *autograd.Value) bool          { return tensor.AllFinite(v.Data()) }
func (b *keepBackend) float(s float64) float64                { return s }
func (b *keepBackend) constant(x float64) float64             { return x }
func (b *keepBackend) keep(v *autograd.Value) *autograd.Value { return v }
func (b *keepBackend) release(*autograd.Value)                {}

// startNext starts the graph of the step after the trial step ending at
// y1: a new graph with a leaf holding y1's values (see stepStarter).
func (b *keepBackend) startNext(y1 *autograd.Value) *autograd.Value {
	b.dropNext()
	b.next = autograd.NewGraph()
	b.nextZ = autograd.Leaf(y1.Data())
	return b.nextZ
}

func (b *keepBackend) dropNext() {
	if b.next != nil {
		b.next.Free()
	}
	b.next, b.nextZ = nil, nil
}

// enter starts the graph of the accepted step that begins at y: the
// next graph if it was started from y, or a new one.
func (b *keepBackend) enter(y *autograd.Value) *autograd.Value {
	if b.nextZ != nil && b.nextZ.Data() == y.Data() {
		b.cur, b.z = b.next, b.nextZ
		b.next, b.nextZ = nil, nil
	} else {
		b.dropNext()
		b.cur, b.z = autograd.NewGraph(), autograd.Leaf(y.Data())
	}
	b.mark = b.cur.Mark()
	return b.z
}

// reject drops what the rejected trial step recorded.
func (b *keepBackend) reject() {
	b.dropNext()
	b.cur.Truncate(b.mark)
}

// free drops the graphs under way (after a failed solve).
func (b *keepBackend) free() {
	b.dropNext()
	b.cur.Free()
	b.cur, b.z = nil, nil
}

// keepForward is ACA's forward pass when it may keep step graphs (see
// Options.ACAMemory and keepBackend). It fills bw.ckpt and bw.kept (nil for
// a step past the budget) and returns the outputs' data, the stats (the
// evaluations for kept steps' dense outputs included) and the kept bytes.
func keepForward(bw *backward, y0 *tensor.Tensor, o *Options) ([]*tensor.Tensor, Stats, int64, error) {
	kb := &keepBackend{f: bw.f, tb: unrecordedBackend(bw.f, y0), recorded: map[*autograd.Value]*autograd.Value{}}
	budget := o.ACAMemory
	var keptBytes int64
	// The step just accepted (pending until its outputs are emitted):
	// its index, end state, and whether it may be kept.
	pending, keep := false, false
	var curStep int
	var curY1 *autograd.Value
	// finish keeps or drops the graph of the step just accepted, once its
	// outputs are emitted.
	finish := func() {
		if !pending {
			return
		}
		pending = false
		kb.recordDense, kb.y1, kb.f1 = false, nil, nil
		if n := kb.cur.Bytes(); keep && !kb.denseFailed && (budget < 0 || keptBytes+n <= budget) {
			keptBytes += n
			bw.kept[curStep] = &keptStep{g: kb.cur, z: kb.z, y1: curY1}
		} else {
			kb.cur.Free()
		}
		kb.cur, kb.z = nil, nil
	}
	times := bw.times
	hk := &hooks[*autograd.Value, float64]{
		state: func(i int, t float64, y *autograd.Value) *autograd.Value {
			finish()
			return kb.enter(y)
		},
		rejected: func(*stepRec[*autograd.Value, float64]) { kb.reject() },
		accepted: func(s *stepRec[*autograd.Value, float64]) {
			pending, curStep, curY1 = true, len(bw.ckpt), s.y1
			bw.ckpt = append(bw.ckpt, checkpoint{t: s.t, h: s.h, z: s.y0.Data(), first: s.firstOut})
			bw.kept = append(bw.kept, nil)
			// Kept if its graph fits; the outputs it emits add a copy of
			// the end state each (and f(t1, y1) for those inside it,
			// which finish counts).
			n := kb.cur.Bytes()
			for j := s.firstOut; j < len(times) && (times[j]-s.t1)*bw.dir <= 0; j++ {
				n += s.y1.Data().Bytes()
			}
			keep = budget < 0 || keptBytes+n <= budget
			kb.recordDense, kb.denseFailed = keep, false
			kb.y1, kb.t1, kb.f1 = s.y1, s.t1, nil
		},
	}
	ys, st, err := run[*autograd.Value, float64](kb, o, autograd.Constant(y0), times, bw.dir, hk)
	st.NFE += kb.extra
	if err != nil {
		kb.free()
		bw.freeKept()
		out := make([]*tensor.Tensor, len(ys))
		for i, y := range ys {
			out[i] = y.Data()
		}
		return out, st, 0, err
	}
	finish()
	kb.free() // the graph started after the last step
	out := make([]*tensor.Tensor, len(ys))
	for i, y := range ys {
		out[i] = y.Data()
	}
	// Hand each kept step its end state and its outputs.
	for i, ks := range bw.kept {
		if ks == nil {
			continue
		}
		first, last := bw.ckpt[i].first, len(times)
		if i+1 < len(bw.ckpt) {
			last = bw.ckpt[i+1].first
		}
		ks.outs = ys[first:last]
		for m, v := range ks.outs {
			if rec, ok := kb.recorded[v]; ok {
				ks.outs[m] = rec
			}
		}
	}
	return out, st, keptBytes, nil
}

// freeKept frees the kept step graphs not yet differentiated.
func (bw *backward) freeKept() {
	for i, ks := range bw.kept {
		if ks != nil {
			ks.g.Free()
			bw.kept[i] = nil
		}
	}
}
