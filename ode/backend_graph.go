package ode

import (
	"math"
	"sync"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// graphBackend runs the solver on a graph: every combination of stages, the
// error estimate and the step-size controller are recorded, so the outputs
// can be differentiated with respect to the initial state, the dynamics'
// parameters and (through the controller) the step sizes themselves. A nil
// graph computes the same values without recording.
type graphBackend struct {
	g *autograd.Graph
	f Dynamics
	// recs, if set, supplies the records of the combinations and dense
	// outputs (ACA's re-runs reuse them from step to step).
	recs *stepRecords
}

// recordPool holds the records of ACA's step graphs whose backward pass is
// done: a record, and the backward rule bound to it, are dead then, so the
// next re-runs take them instead of allocating.
type recordPool struct {
	mu     sync.Mutex
	lins   []*linRecord
	denses []*denseRecord
	steps  []*stepRecords // lists given back, kept for their capacity
}

// step returns an empty list of records for a step graph.
func (p *recordPool) step() *stepRecords {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.steps); k > 0 {
		s := p.steps[k-1]
		p.steps = p.steps[:k-1]
		return s
	}
	return &stepRecords{pool: p}
}

// stepRecords are the records one step graph took from a pool.
type stepRecords struct {
	pool   *recordPool
	lins   []*linRecord
	denses []*denseRecord
}

// lin returns a cleared linRecord with its bound backward rule.
func (s *stepRecords) lin() *linRecord {
	if s == nil {
		r := &linRecord{}
		r.vjpFn = r.vjp
		return r
	}
	r := pop(&s.pool.mu, &s.pool.lins)
	if r == nil {
		r = &linRecord{}
		r.vjpFn = r.vjp
	}
	s.lins = append(s.lins, r)
	return r
}

// dense returns a cleared denseRecord with its bound backward rule.
func (s *stepRecords) dense() *denseRecord {
	if s == nil {
		r := &denseRecord{}
		r.vjpFn = r.vjp
		return r
	}
	r := pop(&s.pool.mu, &s.pool.denses)
	if r == nil {
		r = &denseRecord{}
		r.vjpFn = r.vjp
	}
	s.denses = append(s.denses, r)
	return r
}

// pop takes the last record of a pool's list (cleared when it was given
// back), or returns nil.
func pop[R any](mu *sync.Mutex, list *[]*R) *R {
	mu.Lock()
	defer mu.Unlock()
	k := len(*list)
	if k == 0 {
		return nil
	}
	r := (*list)[k-1]
	(*list)[k-1] = nil
	*list = (*list)[:k-1]
	return r
}

// release gives the records back to the pool, cleared so that they keep
// no tensor alive. The step graph's backward pass must be over.
func (s *stepRecords) release() {
	for _, r := range s.lins {
		*r = linRecord{vjpFn: r.vjpFn}
	}
	for _, r := range s.denses {
		*r = denseRecord{vjpFn: r.vjpFn}
	}
	p := s.pool
	p.mu.Lock()
	p.lins = append(p.lins, s.lins...)
	p.denses = append(p.denses, s.denses...)
	clear(s.lins)
	clear(s.denses)
	s.lins, s.denses = s.lins[:0], s.denses[:0]
	p.steps = append(p.steps, s)
	p.mu.Unlock()
}

// Names of the operations the solver records.
const (
	opLin     = "ode.lin"
	opErr     = "ode.errratio"
	opControl = "ode.control"
	opDense   = "ode.dense"
)

func (b *graphBackend) eval(t, _ float64, y *autograd.Value, at when[*autograd.Value]) (*autograd.Value, error) {
	var v *autograd.Value
	if td, ok := b.f.(TimeDynamics); ok && b.g.Recording() {
		v = td.EvalTime(b.g, timeValue(b.g, at, y.DType()), y)
	} else {
		v = b.f.Eval(b.g, t, y)
	}
	if v == nil {
		return nil, checkDerivative(t, y.Data(), nil)
	}
	return v, checkDerivative(t, y.Data(), v.Data())
}

// Name of the operation that gives time to the dynamics in the state's
// dtype.
const opTime = "ode.time"

// timeValue returns the time at as a scalar value of dtype dt on g:
// at.base + at.c·at.h, differentiable with respect to both.
func timeValue(g *autograd.Graph, at when[*autograd.Value], dt tensor.DType) *autograd.Value {
	t := at.base
	if at.c != 0 {
		t = g.Add(t, g.Scale(at.h, at.c))
	}
	if t.DType() == dt {
		return t
	}
	// A float32 state: the time is converted, its gradient converted back.
	return g.Record(autograd.Op{Name: opTime, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.Scalar(t.DType(), gy.Item())}
	}}, tensor.Scalar(dt, t.Data().Item()), t)
}

func scalarOf(v *autograd.Value) float64 { return v.Data().Item() }

func (b *graphBackend) lin(x []*autograd.Value, a []float64, h *autograd.Value, k []*autograd.Value, c []float64) *autograd.Value {
	return linOp(b.g, b.recs, x, a, h, k, c)
}

// linOp records out = Σ a_m·x_m + h·Σ c_j·k_j (h a scalar value) as one
// operation.
func linOp(g *autograd.Graph, recs *stepRecords, x []*autograd.Value, a []float64, h *autograd.Value, k []*autograd.Value, c []float64) *autograd.Value {
	// One allocation (or none, from recs) holds the record of the terms for
	// the backward rule.
	r := recs.lin()
	r.h, r.hv = h, scalarOf(h)
	r.ins = r.insBuf[:0]
	r.xs, r.ks = r.xsBuf[:0], r.ksBuf[:0]
	for m, am := range a {
		if am != 0 {
			r.ins = append(r.ins, x[m])
			r.xs = append(r.xs, term{am, x[m].Data()})
		}
	}
	for j, cj := range c {
		if cj != 0 {
			r.ins = append(r.ins, k[j])
			r.ks = append(r.ks, term{cj, k[j].Data()})
		}
	}
	out := tensor.ZerosLike(x[0].Data())
	linInto(out, r.xs, r.hv, r.ks)
	r.ins = append(r.ins, h)
	if !g.Recording() {
		return autograd.Constant(out)
	}
	return g.Record(autograd.Op{Name: opLin, Fresh: true, VJP: r.vjpFn, Scales: r}, out, r.ins...)
}

// linRecord is what linOp's backward rule needs; the buffers cover the
// stages of the methods here without further allocations.
type linRecord struct {
	vjpFn  autograd.VJP // vjp, bound once
	h      *autograd.Value
	hv     float64
	ins    []*autograd.Value
	xs, ks []term
	insBuf [10]*autograd.Value
	xsBuf  [2]term
	ksBuf  [8]term
}

// Scales declares the terms' gradients, a_m·gy and h·c_j·gy, for the
// engine to add itself (autograd.Scaler).
func (r *linRecord) Scales(_ []bool, sc []float64) {
	nx := len(r.xs)
	for m, t := range r.xs {
		sc[m] = t.coef
	}
	for j, t := range r.ks {
		sc[nx+j] = r.hv * t.coef
	}
}

// vjp is the gradient with respect to h, Σ_j c_j·⟨k_j, gy⟩ (the terms'
// are Scales').
func (r *linRecord) vjp(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
	gs := make([]*tensor.Tensor, len(need))
	if need[len(need)-1] {
		var s float64
		for _, t := range r.ks {
			s += t.coef * tensor.Dot(t.t, gy)
		}
		gs[len(need)-1] = tensor.Scalar(r.h.DType(), s)
	}
	return gs
}

func (b *graphBackend) add(x, y *autograd.Value) *autograd.Value { return b.g.Add(x, y) }

func (b *graphBackend) dense(x []*autograd.Value, a, da []float64, h *autograd.Value, k []*autograd.Value, c, dc []float64, t *autograd.Value, tau float64, tauS **autograd.Value) *autograd.Value {
	var tv *autograd.Value
	if tauS != nil {
		tv = *tauS
	}
	return denseOp(b.g, b.recs, x, a, da, h, k, c, dc, t, tau, tv)
}

// denseOp records a dense output y(τ) = Σ a_m(θ)·x_m + h·Σ c_j(θ)·k_j with
// θ = (τ − t)/h, differentiable with respect to the states, the stages, the
// step size h and the step's start time t, and to τ when it is given as a
// value tv (then its last input).
func denseOp(g *autograd.Graph, recs *stepRecords, x []*autograd.Value, a, da []float64, h *autograd.Value, k []*autograd.Value, c, dc []float64, t *autograd.Value, tau float64, tv *autograd.Value) *autograd.Value {
	r := recs.dense()
	r.h, r.t, r.hv = h, t, scalarOf(h)
	r.theta = (tau - scalarOf(t)) / r.hv
	nx, nk := len(x), len(k)
	// The fixed buffers cover the tableaus here; a user's tableau with more
	// stages gets heap slices.
	if nx <= len(r.xsBuf) && nk <= len(r.ksBuf) {
		r.xs, r.ks = r.xsBuf[:nx], r.ksBuf[:nk]
		w := r.wBuf[:2*nx+2*nk]
		r.a, r.da, r.c, r.dc = w[:nx:nx], w[nx:2*nx:2*nx], w[2*nx:2*nx+nk:2*nx+nk], w[2*nx+nk:]
	} else {
		r.xs, r.ks = make([]term, nx), make([]term, nk)
		r.a, r.da, r.c, r.dc = make([]float64, nx), make([]float64, nx), make([]float64, nk), make([]float64, nk)
	}
	for m := range x {
		r.xs[m] = term{a[m], x[m].Data()}
	}
	for j := range k {
		r.ks[j] = term{c[j], k[j].Data()}
	}
	copy(r.a, a)
	copy(r.da, da)
	copy(r.c, c)
	copy(r.dc, dc)
	out := tensor.ZerosLike(x[0].Data())
	// Zero weights are skipped exactly as lin skips them.
	var nxBuf, nkBuf [len(r.ksBuf)]term
	linInto(out, nonzeroInto(nxBuf[:0], r.xs), r.hv, nonzeroInto(nkBuf[:0], r.ks))
	ins := r.insBuf[:0]
	ins = append(append(append(ins, x...), k...), h, t)
	if tv != nil {
		ins = append(ins, tv)
	}
	return g.Record(autograd.Op{Name: opDense, Fresh: true, VJP: r.vjpFn, Scales: r}, out, ins...)
}

// denseRecord is what denseOp's backward rule needs, in one allocation for
// the tableaus here.
type denseRecord struct {
	vjpFn     autograd.VJP // vjp, bound once
	h, t      *autograd.Value
	hv, theta float64
	xs, ks    []term
	a, da     []float64
	c, dc     []float64
	xsBuf     [2]term
	ksBuf     [8]term
	wBuf      [2*2 + 2*8]float64
	insBuf    [13]*autograd.Value
}

// Scales declares the states' and stages' gradients, a_m·gy and
// h·c_j·gy, for the engine to add itself (autograd.Scaler).
func (r *denseRecord) Scales(_ []bool, sc []float64) {
	nx := len(r.xs)
	for m := range r.xs {
		sc[m] = r.a[m]
	}
	for j := range r.ks {
		sc[nx+j] = r.hv * r.c[j]
	}
}

// vjp is the gradient with respect to h and t, through θ = (τ − t)/h (the
// states' and stages' are Scales').
func (r *denseRecord) vjp(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
	nx, nk, hv := len(r.xs), len(r.ks), r.hv
	gs := make([]*tensor.Tensor, len(need))
	timed := len(need) > nx+nk+2
	if need[nx+nk] || need[nx+nk+1] || timed && need[nx+nk+2] {
		// dL/dθ = ⟨gy, Σ da_m x_m + h Σ dc_j k_j⟩; dθ/dh = −θ/h, dθ/dt = −1/h.
		var gTheta, gSum float64
		for m := 0; m < nx; m++ {
			gTheta += r.da[m] * tensor.Dot(r.xs[m].t, gy)
		}
		for j := 0; j < nk; j++ {
			d := tensor.Dot(r.ks[j].t, gy)
			gTheta += hv * r.dc[j] * d
			gSum += r.c[j] * d
		}
		if need[nx+nk] {
			gs[nx+nk] = tensor.Scalar(r.h.DType(), gSum-gTheta*r.theta/hv)
		}
		if need[nx+nk+1] {
			gs[nx+nk+1] = tensor.Scalar(r.t.DType(), -gTheta/hv)
		}
		if timed && need[nx+nk+2] { // dθ/dτ = 1/h
			gs[nx+nk+2] = tensor.Scalar(tensor.Float64, gTheta/hv)
		}
	}
	return gs
}

// nonzeroInto appends the terms of ts with a non-zero weight to dst.
func nonzeroInto(dst, ts []term) []term {
	for _, t := range ts {
		if t.coef != 0 {
			dst = append(dst, t)
		}
	}
	return dst
}

func (b *graphBackend) errRatio(h *autograd.Value, k []*autograd.Value, e []float64, y0, y1 *autograd.Value, rtol, atol float64) *autograd.Value {
	return errOp(b.g, h, k, e, y0, y1, rtol, atol)
}

// errOp records the error ratio r = sqrt(mean(q²)), q_i = e_i/s_i,
// e = h·Σ c_j·k_j, s_i = atol + rtol·max(|y0_i|, |y1_i|).
func errOp(g *autograd.Graph, h *autograd.Value, k []*autograd.Value, e []float64, y0, y1 *autograd.Value, rtol, atol float64) *autograd.Value {
	var ins []*autograd.Value
	var ks []term
	for j, c := range e {
		if c != 0 {
			ins = append(ins, k[j])
			ks = append(ks, term{c, k[j].Data()})
		}
	}
	hv := scalarOf(h)
	r := errRatio(hv, ks, y0.Data(), y1.Data(), rtol, atol)
	ins = append(ins, h, y0, y1)
	nk := len(ks)
	out := tensor.Scalar(tensor.Float64, r)
	return g.Record(autograd.Op{Name: opErr, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		gr := gy.Item()
		a0, a1 := values64(y0.Data()), values64(y1.Data())
		n := len(a0)
		gs := make([]*tensor.Tensor, len(need))
		if r == 0 || n == 0 {
			// The norm is not differentiable at zero; take the zero subgradient.
			for i, in := range ins {
				if need[i] {
					gs[i] = tensor.ZerosLike(in.Data())
				}
			}
			return gs
		}
		var kvBuf [12][]float64
		kv := kvBuf[:0]
		for j := range ks {
			kv = append(kv, values64(ks[j].t))
		}
		// dr/dq_i = q_i/(n·r); q_i = e_i/s_i. One buffer holds dL/de,
		// dL/dy0 and dL/dy1.
		buf := make([]float64, 3*n)
		ge, gy0, gy1 := buf[:n:n], buf[n:2*n:2*n], buf[2*n:]
		var gh float64
		for i := 0; i < n; i++ {
			var sum float64
			for j := range ks {
				sum += ks[j].coef * kv[j][i]
			}
			ei := hv * sum
			m0, m1 := math.Abs(a0[i]), math.Abs(a1[i])
			si := atol + rtol*math.Max(m0, m1)
			if ei == 0 {
				// The element contributes nothing (the forward pass skips it),
				// and dr/de_i = 0 at e_i = 0.
				continue
			}
			qi := ei / si
			gq := gr * qi / (float64(n) * r)
			ge[i] = gq / si
			gh += ge[i] * sum
			gm := -gq * ei / (si * si) * rtol // dL/d max(|y0|,|y1|)
			if m0 >= m1 {
				gy0[i] = gm * sign(a0[i])
			} else {
				gy1[i] = gm * sign(a1[i])
			}
		}
		for j := range ks {
			if need[j] {
				g := tensor.New(ks[j].t.DType(), ks[j].t.Shape()...)
				c := ks[j].coef
				if g.DType() == tensor.Float64 {
					d := g.Float64s()
					for i := range d {
						d[i] = ge[i] * hv * c
					}
				} else {
					d := g.Float32s()
					for i := range d {
						d[i] = float32(ge[i] * hv * c)
					}
				}
				gs[j] = g
			}
		}
		if need[nk] {
			gs[nk] = tensor.Scalar(h.DType(), gh)
		}
		if need[nk+1] {
			gs[nk+1] = tensor.FromValues(y0.DType(), gy0, y0.Shape()...)
		}
		if need[nk+2] {
			gs[nk+2] = tensor.FromValues(y1.DType(), gy1, y1.Shape()...)
		}
		return gs
	}}, out, ins...)
}

// values64 returns t's elements as float64: its own storage for a float64
// tensor (read it, do not write it), a converted copy otherwise.
func values64(t *tensor.Tensor) []float64 {
	if t.DType() == tensor.Float64 {
		return t.Float64s()
	}
	return t.Values()
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func (b *graphBackend) control(h, ratio *autograd.Value, c *controller) *autograd.Value {
	return controlOp(b.g, h, ratio, c)
}

// controlOp records the controller's next step h·factor(ratio), clamped to
// MaxStep (where it is constant).
func controlOp(g *autograd.Graph, h, ratio *autograd.Value, c *controller) *autograd.Value {
	hv, rv := scalarOf(h), scalarOf(ratio)
	f, df := c.factor(rv)
	hn, clamped := c.clampStep(hv * f)
	out := tensor.Scalar(tensor.Float64, hn)
	return g.Record(autograd.Op{Name: opControl, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		gv := gy.Item()
		if clamped {
			gv = 0
		}
		gs := make([]*tensor.Tensor, 2)
		if need[0] {
			gs[0] = tensor.Scalar(h.DType(), gv*f)
		}
		if need[1] {
			gs[1] = tensor.Scalar(ratio.DType(), gv*hv*df)
		}
		return gs
	}}, out, h, ratio)
}

func (b *graphBackend) initialStep(t0 float64, y0, f0 *autograd.Value, dir float64, o *Options) (float64, error) {
	// The first step size is chosen from the values of y0 and f(y0), without
	// recording: it enters the graph as a constant.
	eval := func(t float64, y *tensor.Tensor) (*tensor.Tensor, error) {
		v := b.f.Eval(nil, t, autograd.Constant(y))
		if v == nil {
			return nil, checkDerivative(t, y, nil)
		}
		return v.Data(), checkDerivative(t, y, v.Data())
	}
	return hairer(eval, func(*tensor.Tensor) {}, rmsScaled, t0, y0.Data(), f0.Data(), dir, o.Method.Order, o.RTol, o.ATol)
}

func (b *graphBackend) finite(v *autograd.Value) bool   { return tensor.AllFinite(v.Data()) }
func (b *graphBackend) float(s *autograd.Value) float64 { return scalarOf(s) }
func (b *graphBackend) constant(x float64) *autograd.Value {
	return autograd.Constant(tensor.Scalar(tensor.Float64, x))
}
func (b *graphBackend) keep(v *autograd.Value) *autograd.Value { return v }
func (b *graphBackend) release(*autograd.Value)                {}
