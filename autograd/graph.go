package autograd

import (
	"fmt"
	"slices"

	"github.com/acaode/aca/tensor"
)

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

// Recording reports whether operations on g are recorded: g is a graph
// made by NewGraph (not nil, not an inference graph) and not yet freed.
func (g *Graph) Recording() bool { return g != nil && !g.inference && !g.freed }

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
			g.releaseNode(n)
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

// Mark returns a position in g's record: the number of operations recorded
// so far (released ones included). Truncate(m) later drops everything
// recorded after it.
func (g *Graph) Mark() int {
	if g == nil {
		return 0
	}
	return len(g.nodes)
}

// Truncate releases the operations recorded after mark (a value Mark
// returned), with their bytes, as if they had never been recorded, and
// keeps those before it. The values they returned keep their data but must
// not be used on g again. It is for a solver that records a trial step and
// throws it away when the step is rejected. Truncate panics if mark is
// beyond the record.
func (g *Graph) Truncate(mark int) {
	if g == nil || g.freed {
		return
	}
	if mark < 0 || mark > len(g.nodes) {
		panic(fmt.Sprintf("autograd: Truncate(%d) on a graph of %d operations", mark, len(g.nodes)))
	}
	for i := len(g.nodes) - 1; i >= mark; i-- {
		if n := g.nodes[i]; n != nil {
			g.hold(-n.bytes)
			g.releaseNode(n)
			g.nodes[i] = nil
		}
	}
	g.nodes = g.nodes[:mark]
}
