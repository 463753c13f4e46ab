package autograd

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/acaode/aca/tensor"
)

// ErrFreed is returned by Backward and Grad on a graph that has been freed.
var ErrFreed = errors.New("autograd: graph already freed (Backward or Grad ran on it, or Free was called)")

func errNotRecorded(v *Value) error {
	if v.leaf != nil {
		return fmt.Errorf("autograd: backward from a leaf (shape %v): backward starts from a value computed on a graph", v.Shape())
	}
	return fmt.Errorf("autograd: backward from a value that was not recorded (shape %v): no input of its computation was a leaf, or it was computed on a nil graph", v.Shape())
}

// Backward computes the gradient of out with respect to every leaf it
// depends on and adds it to the leaves' accumulated gradients, then frees the
// graph. seed is the gradient of the final objective with respect to out
// (the vector in the vector-Jacobian product); nil means 1 and requires a
// one-element out.
func (g *Graph) Backward(out *Value, seed *tensor.Tensor) error {
	res, err := g.backprop([]*Value{out}, []*tensor.Tensor{seed}, nil)
	if err != nil {
		return err
	}
	for _, leaf := range res.order {
		leaf.accumulate(res.leaves[leaf].t)
	}
	return nil
}

// Grad computes the gradient of out (weighted by seed, as in Backward) with
// respect to each of wrt, which may be leaves or values recorded on g, and
// returns them without touching any leaf's accumulated gradient. A value out
// does not depend on gets a zero gradient. The returned tensors belong to the
// caller (none shares storage with seed, a value's data or each other). The
// graph is freed.
func (g *Graph) Grad(out *Value, seed *tensor.Tensor, wrt ...*Value) ([]*tensor.Tensor, error) {
	return g.GradMulti([]*Value{out}, []*tensor.Tensor{seed}, wrt...)
}

// GradMulti is Grad for several outputs at once: it returns the gradient of
// Σ_i ⟨seeds[i], outs[i]⟩ with respect to each of wrt, in one backward
// pass, and frees the graph. seeds[i] may be nil only for a one-element
// outs[i] (it then means 1). An output that is a constant contributes
// nothing; one that is a leaf contributes its seed to its own gradient.
func (g *Graph) GradMulti(outs []*Value, seeds []*tensor.Tensor, wrt ...*Value) ([]*tensor.Tensor, error) {
	res, err := g.backprop(outs, seeds, wrt)
	if err != nil {
		return nil, err
	}
	grads := make([]*tensor.Tensor, len(wrt))
	for i, w := range wrt {
		var t *tensor.Tensor
		owned := false
		if a, ok := res.leaves[w]; ok && a.t != nil {
			t, owned = a.t, a.owned && !slices.Contains(grads[:i], a.t)
		} else if k, ok := res.kept[w]; ok {
			t = k
		}
		switch {
		case t == nil:
			t = tensor.ZerosLike(w.data)
		case !owned:
			// A VJP may pass gradients through unchanged (add, reshape), so an
			// unowned result can be seed itself or a view of it.
			t = t.Clone()
		}
		grads[i] = t
	}
	return grads, nil
}

// scaledGrads adds c·gy into the gradient of each input of n that
// n.op.Scales declares a multiple of gy, clears need for them, and reports
// whether any needed input is left for the backward rule.
// sc is a buffer for the factors, reused from node to node (the rule is a
// function value, so a buffer of the call's own would escape).
func (g *Graph) scaledGrads(n *node, gy *tensor.Tensor, need []bool, sc []float64, grads []acc, leafAcc func(*Value) *acc) bool {
	for j := range sc {
		sc[j] = math.NaN()
	}
	n.op.Scales.Scales(need, sc)
	left := false
	for j, in := range n.inputs {
		if !need[j] {
			continue
		}
		if math.IsNaN(sc[j]) {
			left = true
			continue
		}
		if !tensor.SameShape(gy, in.data) || gy.DType() != in.DType() {
			panic(fmt.Sprintf("autograd: %s: Scales declared input %d (%v %v) a multiple of the output gradient (%v %v)",
				n.op.Name, j, in.DType(), in.Shape(), gy.DType(), gy.Shape()))
		}
		if in.g == g {
			grads[in.id].addScaled(gy, sc[j])
		} else if in.leaf != nil {
			leafAcc(in).addScaled(gy, sc[j])
		}
		need[j] = false
	}
	return left
}

// acc is a gradient being accumulated; owned marks a tensor the engine
// allocated itself and may therefore add into in place.
type acc struct {
	t     *tensor.Tensor
	owned bool
}

// addOwned adds a gradient that the engine owns if fresh (see
// Op.Fresh): it may become the sum itself, and is recycled once added
// into another.
func (a *acc) addOwned(g *tensor.Tensor, fresh bool) {
	switch {
	case !fresh:
		a.add(g)
	case a.t == nil:
		a.t, a.owned = g, true
	case a.owned:
		a.t.AddScaledInPlace(1, g)
		tensor.Release(g)
	default: // a.t is shared: add it into g, which is ours
		g.AddScaledInPlace(1, a.t)
		a.t, a.owned = g, true
	}
}

// addScaled adds c·t, the product rounded first, as addOwned of a fresh
// Scale(t, c) would, without the copy once the sum is the engine's.
func (a *acc) addScaled(t *tensor.Tensor, c float64) {
	switch {
	case a.t == nil:
		a.t, a.owned = tensor.Scale(t, c), true
	case a.owned:
		a.t.AddProductInPlace(c, t)
	default: // a.t is shared: the scaled copy becomes the sum
		s := tensor.Scale(t, c)
		s.AddScaledInPlace(1, a.t)
		a.t, a.owned = s, true
	}
}

func (a *acc) add(g *tensor.Tensor) {
	switch {
	case a.t == nil:
		a.t = g
	case a.owned:
		a.t.AddScaledInPlace(1, g)
	default:
		a.t = tensor.Add(a.t, g)
		a.owned = true
	}
}

type backResult struct {
	leaves map[*Value]*acc
	order  []*Value // leaves in first-reached order, for deterministic accumulation
	kept   map[*Value]*tensor.Tensor
}

func (g *Graph) backprop(outs []*Value, seeds []*tensor.Tensor, keep []*Value) (*backResult, error) {
	if g == nil {
		return nil, errors.New("autograd: backward on a nil graph (nothing was recorded)")
	}
	if g.freed {
		return nil, ErrFreed
	}
	if len(outs) != len(seeds) {
		return nil, fmt.Errorf("autograd: %d outputs but %d seed gradients", len(outs), len(seeds))
	}
	multi := len(outs) > 1
	top := -1
	res := &backResult{leaves: map[*Value]*acc{}, kept: map[*Value]*tensor.Tensor{}}
	leafAcc := func(in *Value) *acc {
		a := res.leaves[in]
		if a == nil {
			a = &acc{}
			res.leaves[in] = a
			res.order = append(res.order, in)
		}
		return a
	}
	type start struct {
		id   int
		seed *tensor.Tensor
	}
	var starts []start
	for i, out := range outs {
		if out == nil {
			return nil, fmt.Errorf("autograd: backward from a nil value (output %d)", i)
		}
		seed := seeds[i]
		if seed == nil {
			if out.Len() != 1 {
				return nil, fmt.Errorf("autograd: backward from a non-scalar output of shape %v needs a seed gradient of that shape", out.Shape())
			}
			seed = tensor.Ones(out.DType(), out.Shape()...)
		} else {
			if !tensor.SameShape(seed, out.data) {
				return nil, fmt.Errorf("autograd: seed gradient of shape %v for an output of shape %v", seed.Shape(), out.Shape())
			}
			if seed.DType() != out.DType() {
				return nil, fmt.Errorf("autograd: seed gradient of dtype %v for an output of dtype %v", seed.DType(), out.DType())
			}
		}
		if out.g != g {
			switch {
			case multi && out.g == nil && out.leaf != nil:
				leafAcc(out).add(seed)
				continue
			case multi && out.g == nil:
				continue // a constant: no gradient flows from it
			case out.g == nil:
				return nil, errNotRecorded(out)
			default:
				return nil, errors.New("autograd: backward from a value recorded on another graph")
			}
		}
		starts = append(starts, start{out.id, seed})
		top = max(top, out.id)
	}
	want := map[*Value]bool{}
	for _, w := range keep {
		if w != nil && w.g == g {
			want[w] = true
		}
	}
	// A VJP that panics (a programming error) must not leave a half-released
	// graph that a recovered caller could run again for partial gradients.
	defer func() {
		if r := recover(); r != nil {
			g.Free()
			panic(r)
		}
	}()
	grads := make([]acc, top+1)
	for _, st := range starts {
		grads[st.id].add(st.seed)
	}
	var need []bool
	var scales []float64 // for Op.Scales
	for i := top; i >= 0; i-- {
		n := g.nodes[i]
		gy, owned := grads[i].t, grads[i].owned
		grads[i] = acc{}
		if n == nil || gy == nil {
			continue
		}
		if want[n.out] {
			res.kept[n.out] = gy
		}
		need = need[:0]
		any := false
		for _, in := range n.inputs {
			r := in != nil && in.RequiresGrad()
			need = append(need, r)
			any = any || r
		}
		hadInputs := any
		if any && n.op.Scales != nil {
			for len(scales) < len(n.inputs) {
				scales = append(scales, 0)
			}
			any = g.scaledGrads(n, gy, need, scales[:len(n.inputs)], grads, leafAcc)
		}
		if any {
			var gin []*tensor.Tensor
			if n.op.Backward != nil {
				var err error
				if gin, err = n.op.Backward(gy, need); err != nil {
					err = fmt.Errorf("autograd: backward of %s: %w", n.op.Name, err)
					g.Free()
					return nil, err
				}
			} else {
				gin = n.op.VJP(gy, need)
			}
			if len(gin) != len(n.inputs) {
				panic(fmt.Sprintf("autograd: %s: VJP returned %d gradients for %d inputs", n.op.Name, len(gin), len(n.inputs)))
			}
			fresh := n.op.Fresh
			for j, in := range n.inputs {
				gj := gin[j]
				if !need[j] || gj == nil {
					continue
				}
				if !tensor.SameShape(gj, in.data) || gj.DType() != in.DType() {
					panic(fmt.Sprintf("autograd: %s: VJP returned a %v gradient of shape %v for input %d of shape %v (%v)",
						n.op.Name, gj.DType(), gj.Shape(), j, in.Shape(), in.DType()))
				}
				if in.g == g {
					grads[in.id].addOwned(gj, fresh)
				} else if in.leaf != nil {
					leafAcc(in).addOwned(gj, fresh)
				}
			}
		}
		// gy is consumed: if the engine owns it and the rule did not pass
		// it on (Fresh), its storage can serve a later allocation.
		if n.op.Fresh && owned && !want[n.out] && hadInputs {
			tensor.Release(gy)
		}
		// Node i is done: nothing recorded before it can refer to it, so its
		// saved tensors can go now rather than at the end.
		g.hold(-n.bytes)
		if g.recycle && n.op.Fresh && !n.op.View && !want[n.out] {
			t := n.out.data
			n.out.data = nil
			tensor.Release(t)
		}
		g.retire(n)
		g.nodes[i] = nil
	}
	for _, w := range keep {
		if w != nil && w.leaf != nil {
			if _, ok := res.leaves[w]; !ok {
				res.leaves[w] = &acc{}
			}
		}
	}
	g.Free()
	return res, nil
}
