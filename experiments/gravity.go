package experiments

import (
	"fmt"
	"math"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// The three-body problem in the non-dimensional units of the paper's code.
// The state is y = [r₁, r₂, r₃, v₁, v₂, v₃] (18 numbers, as a [1, 18]
// tensor) and
//
//	dr_i/dt = KPos·v_i,   dv_i/dt = KVel·Σ_{j≠i} m_j (r_j − r_i)/|r_j − r_i|³.
//
// gravityOp and augOp are recorded as single operations with hand-written
// vector-Jacobian products (checked against finite differences in the
// tests), which keeps a function evaluation to a handful of graph nodes.

// Three-body constants: the factors of the velocity and position equations
// (G·t·m/(r²·v) and v·t/r in the paper's code's units).
const (
	KVel = 0.2005
	KPos = 7.239
)

const (
	bodies = 3
	dims   = 3
	half   = bodies * dims // 9: positions, then velocities
)

// pair visits the ordered pairs (i, j ≠ i) with d = r_j − r_i, its norm
// and 1/|d|³.
func pair(r []float64, fn func(i, j int, d [dims]float64, n, inv3 float64)) {
	for i := range bodies {
		for j := range bodies {
			if i == j {
				continue
			}
			var d [dims]float64
			var s float64
			for k := range dims {
				d[k] = r[j*dims+k] - r[i*dims+k]
				s += d[k] * d[k]
			}
			n := math.Sqrt(s)
			fn(i, j, d, n, 1/(s*n))
		}
	}
}

// gravity writes dy/dt into out for the state y and masses m.
func gravity(y, m, out []float64) {
	r, v := y[:half], y[half:]
	for k := range half {
		out[k] = KPos * v[k]
		out[half+k] = 0
	}
	pair(r, func(i, j int, d [dims]float64, _, inv3 float64) {
		for k := range dims {
			out[half+i*dims+k] += KVel * m[j] * d[k] * inv3
		}
	})
}

// checkState panics unless y is a [1, 18] float64 value (a programmer
// error inside the experiment).
func checkState(op string, y *autograd.Value) {
	if y.DType() != tensor.Float64 || y.Len() != 2*half {
		panic(fmt.Sprintf("experiments: %s: state %v %v, want float64 [1 18]", op, y.DType(), y.Shape()))
	}
}

// gravityOp records dy/dt = gravity(y; m) with its VJP with respect to y
// and the masses m [3].
func gravityOp(g *autograd.Graph, y, m *autograd.Value) *autograd.Value {
	checkState("gravity", y)
	yv, mv := y.Data().Float64s(), m.Data().Float64s()
	out := tensor.ZerosLike(y.Data())
	gravity(yv, mv, out.Float64s())
	return g.Record(autograd.Op{Name: "threebody.gravity", Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		gv := gy.Float64s()
		gyOut := tensor.ZerosLike(y.Data())
		gm := tensor.ZerosLike(m.Data())
		gr, gvel := gyOut.Float64s()[:half], gyOut.Float64s()[half:]
		for k := range half {
			gvel[k] = KPos * gv[k]
		}
		gmv := gm.Float64s()
		pair(yv[:half], func(i, j int, d [dims]float64, n, inv3 float64) {
			// a_i += KVel m_j d/|d|³, d = r_j − r_i; ∂(d/|d|³)/∂d = I/|d|³ − 3 d dᵀ/|d|⁵.
			up := gv[half+i*dims : half+i*dims+dims]
			var dot float64
			for k := range dims {
				dot += d[k] * up[k]
				gmv[j] += KVel * up[k] * d[k] * inv3
			}
			c := KVel * mv[j]
			inv5 := inv3 / (n * n)
			for k := range dims {
				gd := c * (up[k]*inv3 - 3*d[k]*dot*inv5)
				gr[j*dims+k] += gd
				gr[i*dims+k] -= gd
			}
		})
		return []*tensor.Tensor{gyOut, gm}
	}}, out, y, m)
}

// AugFeatures is the number of augmented inputs of Eq. 33 for three bodies:
// per body its position and, for each other body, r_i − r_j divided by 1,
// |r_i − r_j|, |r_i − r_j|² and |r_i − r_j|³.
const AugFeatures = bodies * (dims + (bodies-1)*4*dims)

// augBlocks visits the blocks of the augmented inputs of the positions r
// (9 numbers) in their order, each dims long at offset o: the position of
// body i (p = −1), then for each other body j and p = 0…3 the block
// d·|d|^(−p) with d = r_i − r_j and n = |d|.
func augBlocks(r []float64, fn func(o, i, j, p int, d [dims]float64, n float64)) {
	o := 0
	for i := range bodies {
		fn(o, i, -1, -1, [dims]float64{}, 0)
		o += dims
		for j := range bodies {
			if j == i {
				continue
			}
			var d [dims]float64
			var s float64
			for k := range dims {
				d[k] = r[i*dims+k] - r[j*dims+k]
				s += d[k] * d[k]
			}
			n := math.Sqrt(s)
			for p := range 4 {
				fn(o, i, j, p, d, n)
				o += dims
			}
		}
	}
}

// augment writes the augmented inputs of the positions r (9 numbers) into
// out (AugFeatures numbers).
func augment(r, out []float64) {
	augBlocks(r, func(o, i, _, p int, d [dims]float64, n float64) {
		if p < 0 {
			copy(out[o:o+dims], r[i*dims:i*dims+dims])
			return
		}
		scale := math.Pow(n, -float64(p))
		for k := range dims {
			out[o+k] = d[k] * scale
		}
	})
}

// augOp records the augmented inputs of positions r [..., 9] → [...,
// AugFeatures] with its VJP.
func augOp(g *autograd.Graph, r *autograd.Value) *autograd.Value {
	rows := r.Len() / half
	if r.DType() != tensor.Float64 || r.Len() != rows*half || rows == 0 {
		panic(fmt.Sprintf("experiments: aug: positions %v %v, want float64 [..., 9]", r.DType(), r.Shape()))
	}
	rv := r.Data().Float64s()
	shape := append(append([]int(nil), r.Shape()[:r.Data().NDim()-1]...), AugFeatures)
	out := tensor.Zeros(tensor.Float64, shape...)
	ov := out.Float64s()
	for b := range rows {
		augment(rv[b*half:(b+1)*half], ov[b*AugFeatures:(b+1)*AugFeatures])
	}
	return g.Record(autograd.Op{Name: "threebody.aug", Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		gin := tensor.ZerosLike(r.Data())
		gv, gr := gy.Float64s(), gin.Float64s()
		for b := range rows {
			augBack(rv[b*half:(b+1)*half], gv[b*AugFeatures:(b+1)*AugFeatures], gr[b*half:(b+1)*half])
		}
		return []*tensor.Tensor{gin}
	}}, out, r)
}

// augBack adds the gradient with respect to r of ⟨gy, augment(r)⟩ into gr.
func augBack(r, gy, gr []float64) {
	augBlocks(r, func(o, i, j, p int, d [dims]float64, n float64) {
		if p < 0 {
			for k := range dims {
				gr[i*dims+k] += gy[o+k]
			}
			return
		}
		// out = d·n^(−p); ∂/∂d = n^(−p)·I − p·n^(−p−2)·d dᵀ.
		scale := math.Pow(n, -float64(p))
		var dot float64
		for k := range dims {
			dot += d[k] * gy[o+k]
		}
		for k := range dims {
			gd := gy[o+k]*scale - float64(p)*scale/(n*n)*d[k]*dot
			gr[i*dims+k] += gd
			gr[j*dims+k] -= gd
		}
	})
}
