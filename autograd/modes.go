package autograd

import (
	"github.com/acaode/aca/tensor"
)

// NewInferenceGraph returns a graph that records nothing, as a nil graph,
// but remembers the outputs the operations run on it allocate, so that
// Reclaim can give their storage back for reuse. It is for computations
// whose intermediate values nobody keeps, evaluated over and over (an ODE
// solver's unrecorded evaluations of its dynamics): their allocations then
// cost a free-list lookup instead of fresh, zeroed memory.
func NewInferenceGraph() *Graph { return &Graph{inference: true} }

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

// releaseNode releases n and keeps it for reuse if g does so.
func (g *Graph) releaseNode(n *node) {
	n.release()
	if g.reuse {
		g.spare = append(g.spare, n)
	}
}
