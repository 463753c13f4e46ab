package ode

import (
	"errors"
	"math"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// The adjoint method's backward pass. The augmented state s = [z, a, a_θ]
// is one flat tensor of the state's dtype: z the state, a = dL/dz and a_θ
// the running parameter gradient, one segment per parameter that requires a
// gradient. Backward in time it obeys
//
//	dz/dt = f(t, z),  da/dt = −aᵀ ∂f/∂z,  da_θ/dt = −aᵀ ∂f/∂θ,
//
// from [z(t_n), ∂L/∂z(t_n), 0] at the last output time to the first, adding
// ∂L/∂z(t_k) to a at every output time passed. As in torchdiffeq, each
// interval between output times is a solve of its own that starts from the
// forward state at its end, and the error norm is the largest of the RMS
// norms of z, a and each parameter's segment (torchdiffeq's mixed norm for
// a state made of several tensors).

// viewRange returns elements [lo, hi) of the flat tensor s as a tensor of
// the given shape, sharing s's memory.
func viewRange(s *tensor.Tensor, lo, hi int, shape []int) *tensor.Tensor {
	if s.DType() == tensor.Float64 {
		return tensor.FromFloat64(s.Float64s()[lo:hi], shape...)
	}
	return tensor.FromFloat32(s.Float32s()[lo:hi], shape...)
}

// setRange writes alpha·src into the flat tensor dst (of src's dtype) from
// element off.
func setRange(dst *tensor.Tensor, off int, src *tensor.Tensor, alpha float64) {
	n := src.Len()
	if dst.DType() == tensor.Float64 {
		d := dst.Float64s()[off : off+n]
		for i, v := range src.Float64s() {
			d[i] = alpha * v
		}
		return
	}
	d := dst.Float32s()[off : off+n]
	a := float32(alpha)
	for i, v := range src.Float32s() {
		d[i] = a * v
	}
}

// clearRange zeroes elements [lo, hi) of the flat tensor s.
func clearRange(s *tensor.Tensor, lo, hi int) {
	if s.DType() == tensor.Float64 {
		clear(s.Float64s()[lo:hi])
		return
	}
	clear(s.Float32s()[lo:hi])
}

// adjointOptions returns the options of the backward solves.
func (bw *backward) adjointOptions() Options {
	o := bw.o
	if o.AdjointMethod != nil {
		o.Method = o.AdjointMethod
	}
	if o.AdjointRTol != 0 {
		o.RTol = o.AdjointRTol
	}
	if o.AdjointATol != 0 {
		o.ATol = o.AdjointATol
	}
	if o.Steps > 0 {
		// The forward pass's step, kept over each interval of the backward one.
		o.StepSize = math.Abs(bw.times[len(bw.times)-1]-bw.times[0]) / float64(o.Steps)
		o.Steps = 0
	}
	return o
}

func (bw *backward) adjoint() (*tensor.Tensor, []*tensor.Tensor, error) {
	st := bw.stats
	shape := bw.y0.Shape()
	n := bw.y0.Len()
	dt := bw.y0.DType()
	var live []*autograd.Value // the parameters that receive gradients
	var liveIdx []int
	segs := []int{0, n, 2 * n}
	size := 2 * n
	for i, p := range bw.params {
		if p.RequiresGrad() {
			live = append(live, p)
			liveIdx = append(liveIdx, i)
			size += p.Len()
			segs = append(segs, size)
		}
	}
	wrt := make([]*autograd.Value, 1+len(live))
	copy(wrt[1:], live)
	checked := false
	var evalErr error
	aug := func(t float64, s, dst *tensor.Tensor) error {
		z := viewRange(s, 0, n, shape)
		a := viewRange(s, n, 2*n, shape)
		lg := autograd.NewGraph().RecycleOutputs()
		if bw.meter != nil {
			lg.SetMeter(bw.meter)
		}
		zl := autograd.Leaf(z)
		fz := bw.f.Eval(lg, t, zl)
		var fd *tensor.Tensor
		if fz != nil {
			fd = fz.Data()
		}
		if err := checkDerivative(t, z, fd); err != nil {
			lg.Free()
			return err
		}
		setRange(dst, 0, fd, 1)
		if !checked {
			checked = true
			if err := bw.checkLeaves(lg, zl); err != nil {
				lg.Free()
				evalErr = err
				return err
			}
		}
		if fz.Graph() == nil {
			// f depends on neither z nor a parameter: no gradient flows.
			lg.Free()
			clearRange(dst, n, size)
			return nil
		}
		wrt[0] = zl
		grads, err := lg.GradMulti([]*autograd.Value{fz}, []*tensor.Tensor{a}, wrt...)
		st.GraphBytes = max(st.GraphBytes, lg.PeakBytes())
		if err != nil {
			return err
		}
		setRange(dst, n, grads[0], -1)
		off := 2 * n
		for j, p := range live {
			setRange(dst, off, grads[j+1], -1)
			off += p.Len()
		}
		return nil
	}
	flat := tensor.Zeros(dt, size)
	b := newTensorBackend(flat, aug)
	b.segs = segs
	o := bw.adjointOptions()
	a := tensor.ZerosLike(bw.y0)
	aTheta := tensor.Zeros(dt, size-2*n)
	for i := len(bw.times) - 1; i >= 1; i-- {
		if g := bw.gys[i]; g != nil {
			a.AddScaledInPlace(1, g)
		}
		s := tensor.Zeros(dt, size)
		setRange(s, 0, bw.ys[i], 1)
		setRange(s, n, a, 1)
		setRange(s, 2*n, aTheta, 1)
		ys, bst, err := run[*tensor.Tensor, float64](b, &o, s, []float64{bw.times[i], bw.times[i-1]}, -bw.dir, nil)
		st.Backward.NFE += bst.NFE
		st.Backward.Accepted += bst.Accepted
		st.Backward.Rejected += bst.Rejected
		if err != nil {
			if evalErr != nil {
				return nil, nil, evalErr
			}
			var nf *NonFiniteError
			if errors.As(err, &nf) {
				return nil, nil, &BackwardError{Method: Adjoint, Step: i - 1, T: nf.T, H: nf.H, What: "non-finite augmented state [z, a = dL/dz, a_θ] (" + nf.What + ")"}
			}
			return nil, nil, err
		}
		end := ys[1]
		if i == 1 {
			zr := viewRange(end, 0, n, shape)
			st.ReconError = tensor.MaxAbsDiff(zr, bw.y0)
			var m float64
			for _, v := range bw.y0.Values() {
				m = math.Max(m, math.Abs(v))
			}
			st.ReconRelError = st.ReconError / math.Max(m, 1)
		}
		a = viewRange(end, n, 2*n, shape).Clone()
		aTheta = tensor.Slice(end, 0, 2*n, size)
		if !tensor.AllFinite(a) || !tensor.AllFinite(aTheta) {
			return nil, nil, &BackwardError{Method: Adjoint, Step: i - 1, T: bw.times[i], H: bw.times[i-1] - bw.times[i], What: "non-finite adjoint state a = dL/dz or parameter gradient at the end of the backward solve over this output interval (Step is the interval's index)"}
		}
	}
	gp := make([]*tensor.Tensor, len(bw.params))
	for i, p := range bw.params {
		gp[i] = tensor.ZerosLike(p.Data())
	}
	off := 0
	for j, p := range live {
		gp[liveIdx[j]] = viewRange(aTheta, off, off+p.Len(), p.Shape()).Clone()
		off += p.Len()
	}
	return a, gp, nil
}

// adjointTimes sets bw.gtimes, the gradient with respect to the output
// times, from the continuous formulas the adjoint approximates (as
// torchdiffeq's adjoint does): dL/dt_i = ⟨∂L/∂z(t_i), f(t_i, z(t_i))⟩ for
// the outputs after the first, and dL/dt_0 = −⟨dL/dz0, f(t_0, z0)⟩ with
// gz = dL/dz0, since moving the start of the solve by δ moves every output
// by −δ·Φ'·f(t_0, z0). Each non-zero term costs one evaluation of f.
func (bw *backward) adjointTimes(gz *tensor.Tensor) error {
	b := unrecordedBackend(bw.f, bw.y0)
	gt := tensor.Zeros(tensor.Float64, len(bw.times))
	dot := func(i int, y, w *tensor.Tensor) (float64, error) {
		bw.stats.Backward.NFE++
		f, err := b.eval(bw.times[i], 0, y, when[float64]{})
		if err != nil {
			return 0, err
		}
		d := tensor.Dot(f, w)
		b.release(f)
		return d, nil
	}
	for i := 1; i < len(bw.times); i++ {
		if bw.gys[i] == nil {
			continue
		}
		d, err := dot(i, bw.ys[i], bw.gys[i])
		if err != nil {
			return err
		}
		gt.Float64s()[i] = d
	}
	d, err := dot(0, bw.y0, gz)
	if err != nil {
		return err
	}
	gt.Float64s()[0] = -d
	if !tensor.AllFinite(gt) {
		return &BackwardError{Method: Adjoint, Step: -1, T: bw.times[0], What: "non-finite gradient with respect to the output times"}
	}
	bw.gtimes = gt
	return nil
}
