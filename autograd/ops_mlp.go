package autograd

import (
	"fmt"

	"github.com/acaode/aca/tensor"
)

var opMLP = register("mlp")

// Dense is one layer of MLP: y = act(x·Wᵀ + B) for W [out, in] and B [out]
// (B may be nil). Act is an elementwise function whose derivative is a
// function of its output (tensor.DerivFromOutput: tanh, sigmoid, ReLU,
// exp), or 0 for none.
type Dense struct {
	W, B *Value
	Act  tensor.UnaryOp
}

// MLP returns layers[L−1](…layers[0](x)…) for x [..., in]: a chain of
// fully connected layers recorded as one operation. Its value is that of
// the same layers applied one by one with Linear and the activations' own
// operations, to rounding (the same kernels run in the same order; the
// backward rule differs only in where it keeps its temporaries). What
// fusing saves is bookkeeping and memory: each layer's activation is
// computed in place, the backward pass works in one buffer per layer, and
// the graph holds one node and the activations instead of two nodes and
// two tensors per layer, which is most of the cost of the small networks
// neural ODEs use as dynamics. It panics on mismatched shapes or dtypes, or
// on an activation MLP cannot fuse.
func (g *Graph) MLP(x *Value, layers ...Dense) *Value {
	if len(layers) == 0 {
		panic("autograd: mlp: no layers")
	}
	var insBuf [9]*Value // four layers without an allocation
	ins := append(insBuf[:0], x)
	for i, l := range layers {
		if l.Act != 0 && !tensor.DerivFromOutput(l.Act) {
			panic(fmt.Sprintf("autograd: mlp: layer %d: activation %v cannot be fused (its derivative needs its input)", i, l.Act))
		}
		if l.W == nil {
			panic(fmt.Sprintf("autograd: mlp: layer %d has no weight", i))
		}
		checkDTypes(opMLP, x, l.W, l.B)
		ins = append(ins, l.W, l.B)
	}
	in := x.Shape()
	if len(in) == 0 {
		panic("autograd: mlp: the input is a scalar; it needs a feature axis")
	}
	features := in[len(in)-1]
	for i, l := range layers {
		ws := l.W.Shape()
		if len(ws) != 2 || ws[1] != features {
			panic(fmt.Sprintf("autograd: mlp: layer %d: weight %v does not take %d features (input %v)", i, ws, features, in))
		}
		if l.B != nil && (l.B.data.NDim() != 1 || l.B.data.Len() != ws[0]) {
			panic(fmt.Sprintf("autograd: mlp: layer %d: bias %v does not match weight %v", i, l.B.Shape(), ws))
		}
		features = ws[0]
	}
	if !g.records(ins...) {
		// Nothing to keep: each hidden activation is recycled as soon as
		// the next layer has read it.
		h := x.data
		for i, l := range layers {
			z := denseForward(h, l)
			if i > 0 {
				tensor.Release(h)
			}
			h = z
		}
		return g.constant(h)
	}
	// acts[l] is layer l's output; the last is the operation's output. One
	// allocation holds what the backward rule needs.
	r := &mlpRecord{x: x.data}
	r.layers = append(r.layerBuf[:0], layers...)
	r.acts = r.actBuf[:0]
	h := x.data
	for _, l := range layers {
		h = denseForward(h, l)
		r.acts = append(r.acts, h)
	}
	var saved int64
	for _, a := range r.acts[:len(r.acts)-1] {
		saved += a.Bytes()
	}
	return g.Record(Op{Name: opMLP, Fresh: true, Saved: saved, VJP: r.vjp}, h, ins...)
}

// denseForward returns act(h·Wᵀ + B) for one layer, the activation in
// place.
func denseForward(h *tensor.Tensor, l Dense) *tensor.Tensor {
	var b *tensor.Tensor
	if l.B != nil {
		b = l.B.data
	}
	z := tensor.Linear(h, l.W.data, b)
	if l.Act != 0 {
		z.UnaryInPlace(l.Act, 0)
	}
	return z
}

// mlpRecord is what MLP's backward rule keeps; the buffers cover four
// layers without further allocations.
type mlpRecord struct {
	x        *tensor.Tensor
	layers   []Dense
	acts     []*tensor.Tensor
	layerBuf [4]Dense
	actBuf   [4]*tensor.Tensor
}

func (r *mlpRecord) vjp(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
	res := mlpBackward(r.x, r.layers, r.acts, gy, need)
	// The hidden activations are this operation's alone, and its backward
	// rule runs once.
	for i, a := range r.acts[:len(r.acts)-1] {
		tensor.Release(a)
		r.acts[i] = nil
	}
	return res
}

// mlpBackward is MLP's backward rule: layer by layer from the last, the
// gradient with respect to the layer's pre-activation is formed in place
// in one buffer, from which the weight, bias and input gradients follow.
func mlpBackward(x *tensor.Tensor, layers []Dense, acts []*tensor.Tensor, gy *tensor.Tensor, need []bool) []*tensor.Tensor {
	r := make([]*tensor.Tensor, len(need))
	// Work on [rows, features] views.
	flat := func(t *tensor.Tensor) *tensor.Tensor {
		if t.NDim() == 2 {
			return t
		}
		return t.Reshape(-1, t.Shape()[t.NDim()-1])
	}
	// The lowest layer whose input gradient is needed: below it, nothing is.
	lowest := 0
	if !need[0] {
		lowest = len(layers)
		for l := range layers {
			if need[1+2*l] || (layers[l].B != nil && need[2+2*l]) {
				lowest = l
				break
			}
		}
	}
	g := flat(gy)
	owned := false // whether g is a buffer of this rule's own
	for l := len(layers) - 1; l >= lowest; l-- {
		ly := layers[l]
		if ly.Act != 0 {
			if !owned {
				g = g.Clone()
				owned = true
			}
			tensor.MulDerivInPlace(ly.Act, flat(acts[l]), g)
		}
		in := x
		if l > 0 {
			in = acts[l-1]
		}
		in = flat(in)
		if need[1+2*l] {
			r[1+2*l] = tensor.MatMul(g, in, true, false)
		}
		if ly.B != nil && need[2+2*l] {
			r[2+2*l] = tensor.SumTo(g, ly.B.Shape())
		}
		if l > lowest || need[0] {
			next := tensor.MatMul(g, ly.W.data, false, false)
			if owned {
				tensor.Release(g)
			}
			g, owned = next, true
		}
	}
	if need[0] {
		if x.NDim() != 2 {
			g = g.Reshape(x.Shape()...)
		}
		r[0] = g
	} else if owned {
		tensor.Release(g)
	}
	return r
}
