package nn

import (
	"fmt"
	"strings"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// Module is a layer or a network of layers.
//
// Forward computes the module's output for x, recording on g; a nil g
// records nothing (inference). Members lists what the module holds — its own
// parameters and buffers and its child modules — in a fixed order; the
// helpers of this package (Params, NamedParams, NamedBuffers, ZeroGrad,
// SetTraining, …) walk the tree it describes.
type Module interface {
	Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value
	Members() []Member
}

// TimeModule is implemented by modules whose output depends on a time t, as
// the dynamics f(t, z) of an ODE block may. ForwardT is Forward at time t.
// Sequential passes t on to the children that implement it; ForwardT (the
// function) calls any module at a time, falling back to Forward.
type TimeModule interface {
	ForwardT(g *autograd.Graph, t float64, x *autograd.Value) *autograd.Value
}

// TrainingMode is implemented by modules that behave differently in training
// and in evaluation (batch normalisation, dropout). SetTraining switches the
// module itself only; the function SetTraining switches a whole tree. A
// module is in training mode when it is made.
type TrainingMode interface {
	SetTraining(training bool)
	Training() bool
}

// Member is one named entry of a module: a parameter, a buffer or a child
// module. Exactly one of Param, Buffer and Child is set. Param and Buffer
// point at the module's own fields, so that a member can be read and also
// replaced (see NamedParam.Set). Make members with ParamMember, BufferMember
// and ChildMember.
//
// Names follow PyTorch's state_dict: a member's full name is its module's
// path joined by dots ("layer1.0.conv1.weight"), so a name must be non-empty
// and contain no dot, and names must be unique within a module.
type Member struct {
	Name   string
	Param  **autograd.Value
	Buffer **tensor.Tensor
	Child  Module
}

// ParamMember returns the member for a parameter held in *p.
func ParamMember(name string, p **autograd.Value) Member { return Member{Name: name, Param: p} }

// BufferMember returns the member for a buffer held in *b.
func BufferMember(name string, b **tensor.Tensor) Member { return Member{Name: name, Buffer: b} }

// ChildMember returns the member for a child module.
func ChildMember(name string, m Module) Member { return Member{Name: name, Child: m} }

// ForwardT evaluates m at time t: m.ForwardT if m is a TimeModule, else
// m.Forward (t is ignored). An ODE block calls its dynamics this way.
func ForwardT(g *autograd.Graph, m Module, t float64, x *autograd.Value) *autograd.Value {
	if tm, ok := m.(TimeModule); ok {
		return tm.ForwardT(g, t, x)
	}
	return m.Forward(g, x)
}

// Dynamics presents a module as the right-hand side of dz/dt = F(t, z):
// Eval is ForwardT. It has the method sets of package ode's Dynamics and
// Parametric, so an ODE block hands Dynamics{F: f} to the solver and its
// gradient methods find F's parameters.
type Dynamics struct{ F Module }

// Eval returns ForwardT(g, d.F, t, z).
func (d Dynamics) Eval(g *autograd.Graph, t float64, z *autograd.Value) *autograd.Value {
	return ForwardT(g, d.F, t, z)
}

// Params returns the parameters of F, so that the solver's ACA and adjoint
// methods find them (package ode's Parametric).
func (d Dynamics) Params() []*autograd.Value { return Params(d.F) }

// Func adapts a function to a Module with no parameters, for operations that
// have no layer of their own (a reshape, a sum of two branches).
type Func func(g *autograd.Graph, x *autograd.Value) *autograd.Value

// Forward calls f.
func (f Func) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return f(g, x) }

// Members returns nil: a Func holds nothing.
func (f Func) Members() []Member { return nil }

// Must returns m, panicking if err is not nil. It is for building models
// whose configuration is fixed in the program:
//
//	lin := nn.Must(nn.NewLinear(rng, tensor.Float32, 784, 10, true))
func Must[M any](m M, err error) M {
	if err != nil {
		panic(err)
	}
	return m
}

// NamedParam is a parameter with its full dotted name.
type NamedParam struct {
	Name  string
	Value *autograd.Value
	ref   **autograd.Value
}

// Set replaces the parameter in its module by v. Optimizers built on the old
// value keep updating the old one: to load weights into a model being
// trained, copy into Value.Data() instead.
func (p NamedParam) Set(v *autograd.Value) { *p.ref = v }

// NamedBuffer is a buffer with its full dotted name.
type NamedBuffer struct {
	Name   string
	Tensor *tensor.Tensor
	ref    **tensor.Tensor
}

// Set replaces the buffer in its module by t.
func (b NamedBuffer) Set(t *tensor.Tensor) { *b.ref = t }

// NamedModule is a module with its full dotted path ("" for the root).
type NamedModule struct {
	Name   string
	Module Module
}

// join returns prefix.name, or name when prefix is empty.
func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// walk visits m and its descendants depth first, in member order: fn gets
// each module's path and each of its members' full names.
func walk(prefix string, m Module, mod func(path string, m Module), mem func(name string, e Member)) {
	if mod != nil {
		mod(prefix, m)
	}
	seen := map[string]bool{}
	for _, e := range m.Members() {
		if e.Name == "" || strings.Contains(e.Name, ".") {
			panic(fmt.Sprintf("nn: module %q (%T): member name %q must be non-empty and contain no dot", prefix, m, e.Name))
		}
		if seen[e.Name] {
			panic(fmt.Sprintf("nn: module %q (%T): member name %q used twice", prefix, m, e.Name))
		}
		seen[e.Name] = true
		n := 0
		if e.Param != nil {
			n++
		}
		if e.Buffer != nil {
			n++
		}
		if e.Child != nil {
			n++
		}
		if n != 1 {
			panic(fmt.Sprintf("nn: module %q (%T): member %q must set exactly one of Param, Buffer and Child", prefix, m, e.Name))
		}
		name := join(prefix, e.Name)
		if e.Child != nil {
			walk(name, e.Child, mod, mem)
			continue
		}
		if mem != nil {
			mem(name, e)
		}
	}
}

// Modules returns m and all its descendants, depth first in member order,
// with their dotted paths (the root's is "").
func Modules(m Module) []NamedModule {
	var out []NamedModule
	walk("", m, func(path string, m Module) { out = append(out, NamedModule{path, m}) }, nil)
	return out
}

// NamedParams returns every parameter of m and its descendants with its full
// dotted name, depth first in member order: the same order on every call. A
// parameter held under several names (shared weights) is listed once, under
// the first. Nil parameters are skipped.
func NamedParams(m Module) []NamedParam {
	var out []NamedParam
	seen := map[*autograd.Value]bool{}
	walk("", m, nil, func(name string, e Member) {
		if e.Param == nil || *e.Param == nil || seen[*e.Param] {
			return
		}
		seen[*e.Param] = true
		out = append(out, NamedParam{Name: name, Value: *e.Param, ref: e.Param})
	})
	return out
}

// Params returns the parameters of NamedParams, in the same order: what an
// optimizer updates.
func Params(m Module) []*autograd.Value {
	nps := NamedParams(m)
	out := make([]*autograd.Value, len(nps))
	for i, p := range nps {
		out[i] = p.Value
	}
	return out
}

// NamedBuffers returns every buffer (state that is not trained by gradients,
// such as batch normalisation's running statistics) of m and its
// descendants with its full dotted name, depth first in member order. Shared
// buffers are listed once; nil buffers are skipped. Together with
// NamedParams it is everything needed to restore a model bit for bit.
func NamedBuffers(m Module) []NamedBuffer {
	var out []NamedBuffer
	seen := map[*tensor.Tensor]bool{}
	walk("", m, nil, func(name string, e Member) {
		if e.Buffer == nil || *e.Buffer == nil || seen[*e.Buffer] {
			return
		}
		seen[*e.Buffer] = true
		out = append(out, NamedBuffer{Name: name, Tensor: *e.Buffer, ref: e.Buffer})
	})
	return out
}

// NumParams returns the number of scalar parameters of m.
func NumParams(m Module) int {
	n := 0
	for _, p := range Params(m) {
		n += p.Len()
	}
	return n
}

// ZeroGrad zeroes the accumulated gradient of every parameter of m.
func ZeroGrad(m Module) {
	for _, p := range Params(m) {
		p.ZeroGrad()
	}
}

// SetTraining switches m and all its descendants that implement
// TrainingMode to training (true) or evaluation (false) mode.
func SetTraining(m Module, training bool) {
	for _, nm := range Modules(m) {
		if t, ok := nm.Module.(TrainingMode); ok {
			t.SetTraining(training)
		}
	}
}

// newParam returns a leaf holding t.
func newParam(t *tensor.Tensor) *autograd.Value { return autograd.Leaf(t) }

// checkDType returns an error unless dt is Float32 or Float64.
func checkDType(layer string, dt tensor.DType) error {
	if !dt.Valid() {
		return fmt.Errorf("nn: %s: invalid dtype %v (want Float32 or Float64)", layer, dt)
	}
	return nil
}

// positive returns an error naming the first of the given sizes that is not
// positive.
func positive(layer string, kv ...any) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if v := kv[i+1].(int); v <= 0 {
			return fmt.Errorf("nn: %s: %s must be positive, have %d", layer, kv[i], v)
		}
	}
	return nil
}
