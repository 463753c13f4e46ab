package autograd

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/acaode/aca/tensor"
)

// Value is a tensor that may take part in differentiation: a constant, a
// leaf, or the recorded output of an operation on a graph.
type Value struct {
	data *tensor.Tensor
	g    *Graph    // the graph that recorded this value; nil for leaves and constants
	id   int       // node index in g
	leaf *leafGrad // non-nil for leaves
}

// leafGrad is a leaf's accumulated gradient. The mutex lets graphs on several
// goroutines that share parameters run their backward passes concurrently.
type leafGrad struct {
	mu   sync.Mutex
	grad *tensor.Tensor
}

// Constant wraps t as a value that never receives a gradient.
func Constant(t *tensor.Tensor) *Value { return &Value{data: t, id: -1} }

// Leaf wraps t as a variable: operations on it are recorded, and Backward
// accumulates its gradient, readable with Grad, until ZeroGrad.
func Leaf(t *tensor.Tensor) *Value { return &Value{data: t, id: -1, leaf: &leafGrad{}} }

// Data returns the value's tensor. It is shared, not copied; modify it only
// when no graph still needs it (an optimizer updating a parameter between
// steps, for example).
func (v *Value) Data() *tensor.Tensor { return v.data }

// Shape returns the tensor's shape.
func (v *Value) Shape() []int { return v.data.Shape() }

// DType returns the tensor's element type.
func (v *Value) DType() tensor.DType { return v.data.DType() }

// Len returns the number of elements.
func (v *Value) Len() int { return v.data.Len() }

// Item returns the only element of a one-element value.
func (v *Value) Item() float64 { return v.data.Item() }

// IsLeaf reports whether v is a leaf (made by Leaf).
func (v *Value) IsLeaf() bool { return v.leaf != nil }

// RequiresGrad reports whether gradients flow to v: it is a leaf or a
// recorded output.
func (v *Value) RequiresGrad() bool { return v.leaf != nil || v.g != nil }

// Graph returns the graph that recorded v, or nil for leaves and constants.
func (v *Value) Graph() *Graph { return v.g }

// Detach returns a constant sharing v's tensor.
func (v *Value) Detach() *Value { return Constant(v.data) }

// Grad returns a leaf's accumulated gradient: nil until a backward pass has
// reached the leaf, zeros after ZeroGrad, and always nil for non-leaves. The
// tensor is the leaf's own storage, updated in place by later backward
// passes; read it when no backward pass that reaches the leaf is running.
func (v *Value) Grad() *tensor.Tensor {
	if v.leaf == nil {
		return nil
	}
	v.leaf.mu.Lock()
	defer v.leaf.mu.Unlock()
	return v.leaf.grad
}

// ZeroGrad resets a leaf's accumulated gradient to zero (keeping its storage).
func (v *Value) ZeroGrad() {
	if v.leaf == nil {
		return
	}
	v.leaf.mu.Lock()
	if v.leaf.grad != nil {
		v.leaf.grad.Fill(0)
	}
	v.leaf.mu.Unlock()
}

// accumulate adds g into the leaf's gradient.
func (v *Value) accumulate(g *tensor.Tensor) {
	v.leaf.mu.Lock()
	defer v.leaf.mu.Unlock()
	if v.leaf.grad == nil {
		v.leaf.grad = g.Clone()
		return
	}
	v.leaf.grad.AddScaledInPlace(1, g)
}

// Backward runs g.Backward(v, nil): v must be a recorded scalar.
func (v *Value) Backward() error {
	if v.g == nil {
		return errNotRecorded(v)
	}
	return v.g.Backward(v, nil)
}

// VJP computes an operation's input gradients from its output gradient gy.
// need[i] reports whether input i wants a gradient; the result has one entry
// per input, nil where not needed. It must not modify gy nor keep it after
// it returns (copy what it needs: the engine may reuse gy's storage), and
// the engine never modifies what it returns unless the operation declares
// Fresh, so returning gy itself is allowed without it.
type VJP func(gy *tensor.Tensor, need []bool) []*tensor.Tensor

// Op describes an operation for Graph.Record.
type Op struct {
	// Name identifies the operation in the graph (built-in ops use the names
	// Ops lists).
	Name string
	// VJP is the backward rule.
	VJP VJP
	// Backward is a backward rule that can fail, for operations whose
	// backward pass is a computation of its own (the backward solve of an
	// ODE, say). Set VJP or Backward, not both. An error ends the backward
	// pass: Backward and Grad return it (wrapped, naming the operation), the
	// graph is freed and no leaf's gradient changes.
	Backward func(gy *tensor.Tensor, need []bool) ([]*tensor.Tensor, error)
	// Saved is the number of bytes VJP keeps alive beyond the inputs and the
	// output (masks, indices, statistics), counted in the graph's memory.
	Saved int64
	// View marks an output that shares storage with an input; its bytes are
	// not counted again.
	View bool
	// Fresh promises that the output and every tensor the backward rule
	// returns are newly allocated: each shares storage with nothing else
	// (not gy, not an input, not another returned gradient) and the
	// operation keeps no reference to the gradients it returns. The engine
	// then owns those gradients: it adds into them in place and recycles
	// their storage once they are consumed, instead of leaving them to the
	// garbage collector; on a graph made with RecycleOutputs it recycles the
	// output too once the node is done.
	Fresh bool
	// Scales, if set, declares the inputs whose gradient is a multiple of
	// the output's (see Scaler). An interface rather than a function, so
	// that the record a backward rule already has can serve without
	// another allocation.
	Scales Scaler
}

// Scaler declares, for a linear combination (a Runge–Kutta stage, say),
// the inputs whose gradient is a multiple of the output's gradient gy:
// Scales sets scales[i] = c for each needed input i whose gradient is c·gy
// (an input of the output's shape and dtype) and leaves NaN for the
// others. The engine adds c·gy into those inputs' gradients itself, the
// product rounded before the sum as if the rule had returned a scaled
// copy, without making the copy; it calls the backward rule only if some
// needed input is left, with need cleared for the rest.
type Scaler interface {
	Scales(need []bool, scales []float64)
}

type node struct {
	op     Op
	out    *Value
	inputs []*Value
	bytes  int64
	// val is out's storage: a node and its value are one allocation, and
	// inbuf holds up to eight inputs (a Runge–Kutta stage combination has
	// as many, a two-layer MLP five).
	val   Value
	inbuf [8]*Value
}

// Graph records operations for one backward pass. It is not safe for
// concurrent use; use one graph per goroutine. A nil *Graph is valid and
// records nothing.
type Graph struct {
	nodes     []*node
	freed     bool
	recycle   bool     // RecycleOutputs
	reuse     bool     // ReuseNodes
	spare     []*node  // released nodes kept for the records after Reset
	inference bool     // NewInferenceGraph
	temps     []*Value // an inference graph's outputs, for Reclaim
	bytes     int64
	peak      int64
	meter     *Meter
}

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{} }

// NewInferenceGraph returns a graph that records nothing, as a nil graph,
// but remembers the outputs the operations run on it allocate, so that
// Reclaim can give their storage back for reuse. It is for computations
// whose intermediate values nobody keeps, evaluated over and over (an ODE
// solver's unrecorded evaluations of its dynamics): their allocations then
// cost a free-list lookup instead of fresh, zeroed memory.
func NewInferenceGraph() *Graph { return &Graph{inference: true} }

// Recording reports whether operations on g are recorded: g is a graph
// made by NewGraph (not nil, not an inference graph) and not yet freed.
func (g *Graph) Recording() bool { return g != nil && !g.inference && !g.freed }

// Reclaim gives back for reuse every output an inference graph has
// remembered since the last Reclaim, storage and header (tensor.Release):
// copy what you need first. Values computed on g have no tensor afterwards
// (Data returns nil), and a tensor taken from one with Data holds another
// tensor's values. On other graphs Reclaim does nothing.
func (g *Graph) Reclaim() {
	if g == nil || !g.inference {
		return
	}
	for i, v := range g.temps {
		t := v.data
		v.data = nil
		tensor.Release(t)
		g.temps[i] = nil
	}
	g.temps = g.temps[:0]
}

// constant returns out as a constant, remembering it on an inference graph
// (for operations whose output is always newly allocated).
func (g *Graph) constant(out *tensor.Tensor) *Value {
	v := Constant(out)
	if g != nil && g.inference {
		g.temps = append(g.temps, v)
	}
	return v
}

// RecycleOutputs makes the backward pass give each Fresh operation's
// output back for reuse, storage and header (tensor.Release), as soon as
// the node is done, and returns g. It is for graphs whose intermediate
// values nobody reads after the backward pass, such as the one-step graphs
// of the checkpoint adjoint: such a value has no tensor afterwards (Data
// returns nil), and a tensor taken from one with Data (or shared through
// Detach) holds another tensor's values. Values kept by Grad, leaves and
// constants are never recycled.
func (g *Graph) RecycleOutputs() *Graph {
	if g != nil {
		g.recycle = true
	}
	return g
}

// ReuseNodes makes g keep the nodes its backward pass (or Free) releases,
// with the values they hold, for the operations recorded after Reset, and
// returns g. It is for a graph recorded over and over whose values nobody
// keeps past each backward pass (a solver's one-step graphs): a value
// recorded before Reset becomes one of the values recorded after it.
func (g *Graph) ReuseNodes() *Graph {
	if g != nil {
		g.reuse = true
	}
	return g
}

// Reset frees g if it is not freed yet and makes it empty and recordable
// again, keeping its options (RecycleOutputs, ReuseNodes, the meter); its
// peak restarts from zero.
func (g *Graph) Reset() {
	if g == nil || g.inference {
		return
	}
	g.Free()
	g.freed = false
	g.bytes, g.peak = 0, 0
}

// newNode returns a zero node, a spare one if g keeps them.
func (g *Graph) newNode() *node {
	if k := len(g.spare); k > 0 {
		n := g.spare[k-1]
		g.spare[k-1] = nil
		g.spare = g.spare[:k-1]
		*n = node{}
		return n
	}
	return &node{}
}

// retire releases n and keeps it for reuse if g does so.
func (g *Graph) retire(n *node) {
	n.release()
	if g.reuse {
		g.spare = append(g.spare, n)
	}
}

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

// Leaves returns the distinct leaves that recorded operations still held
// by g take as inputs, in the order they were first used. A solver uses it
// to find parameters its dynamics compute with but did not declare.
func (g *Graph) Leaves() []*Value {
	if g == nil {
		return nil
	}
	var out []*Value
	seen := map[*Value]bool{}
	for _, n := range g.nodes {
		if n == nil {
			continue
		}
		for _, in := range n.inputs {
			if in != nil && in.leaf != nil && !seen[in] {
				seen[in] = true
				out = append(out, in)
			}
		}
	}
	return out
}

// Len returns the number of recorded operations not yet released.
func (g *Graph) Len() int {
	if g == nil {
		return 0
	}
	n := 0
	for _, nd := range g.nodes {
		if nd != nil {
			n++
		}
	}
	return n
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

// Freed reports whether Backward, Grad or Free has released the graph.
func (g *Graph) Freed() bool { return g != nil && g.freed }

// OpCounts returns how many operations of each name the graph has recorded
// (and not yet released).
func (g *Graph) OpCounts() map[string]int {
	m := map[string]int{}
	if g == nil {
		return m
	}
	for _, nd := range g.nodes {
		if nd != nil {
			m[nd.op.Name]++
		}
	}
	return m
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

// records reports whether an operation on inputs would be recorded on g:
// g is a live graph and some input requires a gradient. Operations check it
// before building their backward rule, so that inference (a nil graph)
// allocates no closures.
func (g *Graph) records(inputs ...*Value) bool {
	if g == nil || g.inference {
		return false
	}
	for _, in := range inputs {
		if in != nil && in.RequiresGrad() {
			return true
		}
	}
	return false
}

// Record adds an operation whose result out has already been computed from
// inputs, and returns out as a value. If g is nil or no input requires a
// gradient, nothing is recorded and the result is a constant. It panics if an
// input belongs to another graph or g has been freed. Record is how
// operations outside this package (a whole ODE solve, say) join a graph.
func (g *Graph) Record(op Op, out *tensor.Tensor, inputs ...*Value) *Value {
	if g == nil {
		return Constant(out)
	}
	if g.inference {
		if op.Fresh && !op.View {
			return g.constant(out)
		}
		return Constant(out)
	}
	if g.freed {
		panic(fmt.Sprintf("autograd: %s on a freed graph", op.Name))
	}
	req := false
	for i, in := range inputs {
		if in == nil {
			continue
		}
		if in.g != nil && in.g != g {
			state := "another graph"
			if in.g.freed {
				state = "another graph, since freed"
			}
			panic(fmt.Sprintf("autograd: %s: input %d was recorded on %s (Detach it to use it as a constant)", op.Name, i, state))
		}
		if in.RequiresGrad() {
			req = true
		}
	}
	if !req {
		return Constant(out)
	}
	if op.VJP == nil && op.Backward == nil {
		panic(fmt.Sprintf("autograd: %s: recorded without a VJP", op.Name))
	}
	if op.VJP != nil && op.Backward != nil {
		panic(fmt.Sprintf("autograd: %s: recorded with both VJP and Backward; set one", op.Name))
	}
	// The caller may reuse its slice (a buffer of solver stages, say): keep a copy.
	n := g.newNode()
	n.op, n.bytes = op, op.Saved
	if len(inputs) <= len(n.inbuf) {
		n.inputs = append(n.inbuf[:0], inputs...)
	} else {
		n.inputs = slices.Clone(inputs)
	}
	n.val = Value{data: out, g: g, id: len(g.nodes)}
	v := &n.val
	n.out = v
	if !op.View {
		n.bytes += out.Bytes()
	}
	if g.nodes == nil {
		// A step of a solver records a few dozen nodes: start there
		// rather than growing from one.
		g.nodes = make([]*node, 0, 32)
	}
	g.nodes = append(g.nodes, n)
	g.hold(n.bytes)
	return v
}

// release drops what a node refers to: its value lives on in the caller's
// hands (the two are one allocation) and must not keep the graph alive.
func (n *node) release() {
	n.op = Op{}
	n.inputs = nil
	n.inbuf = [8]*Value{}
	n.out = nil
}

// Free releases every node and saved tensor. Values already returned keep
// their data but can no longer be differentiated. Free is idempotent.
func (g *Graph) Free() {
	if g == nil || g.freed {
		return
	}
	for i, n := range g.nodes {
		if n != nil {
			g.hold(-n.bytes)
			g.retire(n)
			g.nodes[i] = nil
		}
	}
	if g.reuse {
		g.nodes = g.nodes[:0]
	} else {
		g.nodes = nil
	}
	g.freed = true
}

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

// registry lists the built-in operations by name, in registration order.
var registry []string

func register(name string) string {
	if slices.Contains(registry, name) {
		panic("autograd: operation registered twice: " + name)
	}
	registry = append(registry, name)
	return name
}

// Ops returns the names of every built-in differentiable operation, sorted.
// Package opcheck has a gradient check for each.
func Ops() []string {
	out := slices.Clone(registry)
	slices.Sort(out)
	return out
}
