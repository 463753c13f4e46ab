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

// Buffer ownership. A gradient buffer the backward pass handles may be
// shared with someone else (a seed the caller passed, a value's data, a
// gradient a rule passed through unchanged or as a view) or be the
// engine's own (a sum the engine allocated, or a gradient a Fresh rule
// returned). The engine adds into its own buffers in place and gives their
// storage back (tensor.Release) once it is done with them; a shared buffer
// it never writes nor recycles. Every such decision goes through retire.

// fate is what becomes of a buffer the backward pass has finished with.
type fate uint8

const (
	// kept: someone reads it after the pass (the caller asked for it).
	kept fate = iota
	// handedOn: it is not the engine's alone; whoever else holds it keeps
	// it alive, and the garbage collector frees it.
	handedOn
	// recycled: nothing refers to it any more; its storage serves a later
	// allocation.
	recycled
)

// claim states who besides the engine may refer to a buffer.
type claim struct {
	// owned: the engine allocated it, or a Fresh rule returned it, so no
	// one else has it (see Op.Fresh).
	owned bool
	// lent: it was given to a backward rule that is not Fresh, which may
	// have returned it, or a view of it, as an input's gradient.
	lent bool
	// wanted: the caller asked for it (Grad's wrt).
	wanted bool
}

// retire is the engine's one ownership rule: a buffer it is done with is
// kept if the caller wants it, handed on unless the engine owns it and
// lent it to no rule that could have passed it through, and recycled
// otherwise. A wrong answer here (recycling a buffer still held) silently
// corrupts a gradient, which the tests catch by poisoning recycled storage
// with NaN (tensor.DebugPoisonRecycled).
func retire(c claim) fate {
	switch {
	case c.wanted:
		return kept
	case !c.owned || c.lent:
		return handedOn
	default:
		return recycled
	}
}

// dispose recycles t if retire decides so.
func dispose(t *tensor.Tensor, c claim) {
	if retire(c) == recycled {
		tensor.Release(t)
	}
}

// acc is a gradient being accumulated; owned marks a tensor the engine
// owns (see claim) and may therefore add into in place.
type acc struct {
	t     *tensor.Tensor
	owned bool
}

// add adds the gradient g into the sum; owned says whether the engine owns
// g. An owned g may become the sum itself, and is retired once added into
// another; a shared one is never written.
func (a *acc) add(g *tensor.Tensor, owned bool) {
	switch {
	case a.t == nil:
		a.t, a.owned = g, owned
	case a.owned:
		a.t.AddScaledInPlace(1, g)
		dispose(g, claim{owned: owned})
	case owned: // a.t is shared: add it into g, which is ours
		g.AddScaledInPlace(1, a.t)
		a.t, a.owned = g, true
	default:
		a.t = tensor.Add(a.t, g)
		a.owned = true
	}
}

// addScaled adds c·t, the product rounded first, as add of an owned
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

type backResult struct {
	leaves map[*Value]*acc
	order  []*Value // leaves in first-reached order, for deterministic accumulation
	kept   map[*Value]*tensor.Tensor
}

// pass is the state of one backward pass over a graph.
type pass struct {
	g     *Graph
	res   *backResult
	grads []acc // by node id: the gradient of the node's output, being summed
	want  map[*Value]bool
	// need and scales are buffers reused from node to node: need[j] says
	// whether input j wants a gradient, scales holds Op.Scales's factors
	// (the rules are function values, so buffers of a call's own would
	// escape).
	need   []bool
	scales []float64
}

// leafAcc returns the accumulator of a leaf's gradient, adding the leaf to
// the result in first-reached order.
func (p *pass) leafAcc(in *Value) *acc {
	a := p.res.leaves[in]
	if a == nil {
		a = &acc{}
		p.res.leaves[in] = a
		p.res.order = append(p.res.order, in)
	}
	return a
}

// accOf returns the accumulator for input in's gradient: its node's on
// this graph, its own for a leaf, nil for a constant.
func (p *pass) accOf(in *Value) *acc {
	switch {
	case in.g == p.g:
		return &p.grads[in.id]
	case in.leaf != nil:
		return p.leafAcc(in)
	}
	return nil
}

// start is where the pass begins: a node and its seed gradient.
type start struct {
	id   int
	seed *tensor.Tensor
}

// checkSeed returns the seed gradient for out: seed itself, checked
// against out's shape and dtype, or ones for a one-element out.
func checkSeed(out *Value, seed *tensor.Tensor) (*tensor.Tensor, error) {
	if seed == nil {
		if out.Len() != 1 {
			return nil, fmt.Errorf("autograd: backward from a non-scalar output of shape %v needs a seed gradient of that shape", out.Shape())
		}
		return tensor.Ones(out.DType(), out.Shape()...), nil
	}
	if !tensor.SameShape(seed, out.data) {
		return nil, fmt.Errorf("autograd: seed gradient of shape %v for an output of shape %v", seed.Shape(), out.Shape())
	}
	if seed.DType() != out.DType() {
		return nil, fmt.Errorf("autograd: seed gradient of dtype %v for an output of dtype %v", seed.DType(), out.DType())
	}
	return seed, nil
}

// seed checks the outputs and their seeds and returns the nodes the pass
// starts from. With several outputs, a leaf among them takes its seed
// directly and a constant is skipped; a single output must be recorded on
// g.
func (p *pass) seed(outs []*Value, seeds []*tensor.Tensor) ([]start, error) {
	multi := len(outs) > 1
	var starts []start
	for i, out := range outs {
		if out == nil {
			return nil, fmt.Errorf("autograd: backward from a nil value (output %d)", i)
		}
		seed, err := checkSeed(out, seeds[i])
		if err != nil {
			return nil, err
		}
		if out.g == p.g {
			starts = append(starts, start{out.id, seed})
			continue
		}
		switch {
		case multi && out.g == nil && out.leaf != nil:
			p.leafAcc(out).add(seed, false)
		case multi && out.g == nil:
			// a constant: no gradient flows from it
		case out.g == nil:
			return nil, errNotRecorded(out)
		default:
			return nil, errors.New("autograd: backward from a value recorded on another graph")
		}
	}
	return starts, nil
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
	p := pass{g: g, res: &backResult{leaves: map[*Value]*acc{}, kept: map[*Value]*tensor.Tensor{}}}
	starts, err := p.seed(outs, seeds)
	if err != nil {
		return nil, err
	}
	p.wantValues(keep)
	// A VJP that panics (a programming error) must not leave a half-released
	// graph that a recovered caller could run again for partial gradients.
	defer func() {
		if r := recover(); r != nil {
			g.Free()
			panic(r)
		}
	}()
	top := -1
	for _, st := range starts {
		top = max(top, st.id)
	}
	p.grads = make([]acc, top+1)
	for _, st := range starts {
		p.grads[st.id].add(st.seed, false)
	}
	for i := top; i >= 0; i-- {
		if err := p.visit(i); err != nil {
			g.Free()
			return nil, err
		}
	}
	p.keepLeaves(keep)
	g.Free()
	return p.res, nil
}

// wantValues marks the values of keep recorded on the graph as wanted:
// their gradients are kept for the caller.
func (p *pass) wantValues(keep []*Value) {
	p.want = map[*Value]bool{}
	for _, w := range keep {
		if w != nil && w.g == p.g {
			p.want[w] = true
		}
	}
}

// keepLeaves gives each leaf of keep an entry in the result, empty if no
// gradient reached it.
func (p *pass) keepLeaves(keep []*Value) {
	for _, w := range keep {
		if w != nil && w.leaf != nil {
			if _, ok := p.res.leaves[w]; !ok {
				p.res.leaves[w] = &acc{}
			}
		}
	}
}

// visit runs node i's backward step if a gradient reached it: it passes
// the gradient on to the node's inputs, retires it and the node's output,
// and releases the node (nothing recorded before it can refer to it, so its
// saved tensors can go now rather than at the end).
func (p *pass) visit(i int) error {
	g := p.g
	n := g.nodes[i]
	gy, owned := p.grads[i].t, p.grads[i].owned
	p.grads[i] = acc{}
	if n == nil || gy == nil {
		return nil
	}
	wanted := p.want[n.out]
	if wanted {
		p.res.kept[n.out] = gy
	}
	if err := p.propagate(n, gy); err != nil {
		return err
	}
	// A rule that is not Fresh may have passed gy on (treated so even when
	// Scales left it no input to compute).
	dispose(gy, claim{owned: owned, lent: !n.op.Fresh, wanted: wanted})
	g.hold(-n.bytes)
	// The output of a Fresh operation is the engine's on a graph made with
	// RecycleOutputs; a view shares an input's storage.
	if retire(claim{owned: g.recycle && n.op.Fresh && !n.op.View, wanted: wanted}) == recycled {
		t := n.out.data
		n.out.data = nil
		tensor.Release(t)
	}
	g.releaseNode(n)
	g.nodes[i] = nil
	return nil
}

// propagate adds node n's input gradients, given its output gradient gy,
// into their accumulators: the multiples of gy that n.op.Scales declares
// by the engine, the rest by the node's backward rule.
func (p *pass) propagate(n *node, gy *tensor.Tensor) error {
	p.need = p.need[:0]
	any := false
	for _, in := range n.inputs {
		r := in != nil && in.RequiresGrad()
		p.need = append(p.need, r)
		any = any || r
	}
	if any && n.op.Scales != nil {
		any = p.scaledGrads(n, gy)
	}
	if !any {
		return nil
	}
	gin, err := n.backward(gy, p.need)
	if err != nil {
		return err
	}
	for j, in := range n.inputs {
		gj := gin[j]
		if !p.need[j] || gj == nil {
			continue
		}
		if !tensor.SameShape(gj, in.data) || gj.DType() != in.DType() {
			panic(fmt.Sprintf("autograd: %s: VJP returned a %v gradient of shape %v for input %d of shape %v (%v)",
				n.op.Name, gj.DType(), gj.Shape(), j, in.Shape(), in.DType()))
		}
		if a := p.accOf(in); a != nil {
			a.add(gj, n.op.Fresh)
		}
	}
	return nil
}

// backward runs the node's backward rule, VJP or Backward, and checks it
// returned one gradient per input.
func (n *node) backward(gy *tensor.Tensor, need []bool) ([]*tensor.Tensor, error) {
	var gin []*tensor.Tensor
	if n.op.Backward != nil {
		var err error
		if gin, err = n.op.Backward(gy, need); err != nil {
			return nil, fmt.Errorf("autograd: backward of %s: %w", n.op.Name, err)
		}
	} else {
		gin = n.op.VJP(gy, need)
	}
	if len(gin) != len(n.inputs) {
		panic(fmt.Sprintf("autograd: %s: VJP returned %d gradients for %d inputs", n.op.Name, len(gin), len(n.inputs)))
	}
	return gin, nil
}

// scaledGrads adds c·gy into the gradient of each input of n that
// n.op.Scales declares a multiple of gy, clears p.need for them, and
// reports whether any needed input is left for the backward rule.
func (p *pass) scaledGrads(n *node, gy *tensor.Tensor) bool {
	for len(p.scales) < len(n.inputs) {
		p.scales = append(p.scales, 0)
	}
	sc, need := p.scales[:len(n.inputs)], p.need
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
		if a := p.accOf(in); a != nil {
			a.addScaled(gy, sc[j])
		}
		need[j] = false
	}
	return left
}
