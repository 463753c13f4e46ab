package autograd

import (
	"sync"

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
