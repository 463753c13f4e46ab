package optim

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// Optimizer updates parameters in place from their accumulated gradients.
//
// Step applies one update to every parameter that has a gradient
// (parameters that have never received one are skipped, as in PyTorch).
// ZeroGrad zeroes the gradients, to be called before the next backward
// pass. LR and SetLR read and set the learning rate (a schedule sets it each
// epoch). State returns the optimizer's full state, copied, as named
// tensors; LoadState restores it, so an optimizer made with the same
// configuration over the same parameters and given the state of another
// continues exactly as the other would have.
type Optimizer interface {
	Step()
	ZeroGrad()
	LR() float64
	SetLR(lr float64)
	Params() []*autograd.Value
	State() map[string]*tensor.Tensor
	LoadState(state map[string]*tensor.Tensor) error
}

// float is the set of element types the update kernels are generic over.
type float interface{ ~float32 | ~float64 }

// data returns t's storage as []T (nil for a nil t).
func data[T float](t *tensor.Tensor) []T {
	if t == nil {
		return nil
	}
	var z T
	if _, ok := any(z).(float32); ok {
		return any(t.Float32s()).([]T)
	}
	return any(t.Float64s()).([]T)
}

// base is what every optimizer shares: the parameters, the learning rate
// and the per-parameter state, a set of named tensors that is either empty
// (before the parameter's first update) or complete.
type base struct {
	name   string
	params []*autograd.Value
	lr     float64
	keys   []string                    // per-parameter state names; "step" is a Float64 scalar, the rest are shaped like the parameter
	state  []map[string]*tensor.Tensor // nil until the parameter's first update
}

func newBase(name string, params []*autograd.Value, lr float64, keys []string) (base, error) {
	if len(params) == 0 {
		return base{}, fmt.Errorf("optim: %s: no parameters to optimise", name)
	}
	seen := map[*autograd.Value]int{}
	for i, p := range params {
		if p == nil {
			return base{}, fmt.Errorf("optim: %s: parameter %d is nil", name, i)
		}
		if !p.IsLeaf() {
			return base{}, fmt.Errorf("optim: %s: parameter %d (shape %v) is not a leaf", name, i, p.Shape())
		}
		if j, ok := seen[p]; ok {
			return base{}, fmt.Errorf("optim: %s: parameters %d and %d are the same value", name, j, i)
		}
		seen[p] = i
	}
	if err := checkLR(name, lr); err != nil {
		return base{}, err
	}
	return base{
		name:   name,
		params: slices.Clone(params),
		lr:     lr,
		keys:   keys,
		state:  make([]map[string]*tensor.Tensor, len(params)),
	}, nil
}

func checkLR(name string, lr float64) error {
	if !(lr >= 0) || math.IsInf(lr, 1) {
		return fmt.Errorf("optim: %s: invalid learning rate %v", name, lr)
	}
	return nil
}

// Params returns the parameters, in the order the optimizer was given them.
func (o *base) Params() []*autograd.Value { return slices.Clone(o.params) }

// LR returns the learning rate.
func (o *base) LR() float64 { return o.lr }

// SetLR sets the learning rate. It panics for a negative, infinite or NaN rate.
func (o *base) SetLR(lr float64) {
	if err := checkLR(o.name, lr); err != nil {
		panic(err.Error())
	}
	o.lr = lr
}

// ZeroGrad zeroes every parameter's gradient. Unlike PyTorch's default
// (set_to_none), a zeroed gradient still counts as a gradient: Step then
// applies momentum and weight decay to a parameter the last backward pass
// did not reach.
func (o *base) ZeroGrad() {
	for _, p := range o.params {
		p.ZeroGrad()
	}
}

// each calls fn for every parameter with a gradient, with its state (made,
// zeroed, on first use: fresh reports that).
func (o *base) each(fn func(p, g *tensor.Tensor, st map[string]*tensor.Tensor, fresh bool)) {
	for i, p := range o.params {
		g := p.Grad()
		if g == nil {
			continue
		}
		fresh := o.state[i] == nil
		if fresh {
			st := make(map[string]*tensor.Tensor, len(o.keys))
			for _, k := range o.keys {
				st[k] = o.newState(k, p.Data())
			}
			o.state[i] = st
		}
		fn(p.Data(), g, o.state[i], fresh)
	}
}

func (o *base) newState(key string, p *tensor.Tensor) *tensor.Tensor {
	if key == "step" {
		return tensor.Scalar(tensor.Float64, 0)
	}
	return tensor.ZerosLike(p)
}

// State returns copies of the learning rate ("lr", a Float64 scalar) and of
// every parameter's state, named "<index>.<name>" with the parameter's index
// in Params: "0.momentum_buffer", "3.exp_avg", "3.step". A parameter not yet
// updated has no entries. Hyperparameters other than the learning rate are
// configuration, not state.
func (o *base) State() map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{"lr": tensor.Scalar(tensor.Float64, o.lr)}
	for i, st := range o.state {
		for k, t := range st {
			out[strconv.Itoa(i)+"."+k] = t.Clone()
		}
	}
	return out
}

// nonNegState lists the state entries that are means of squares.
var nonNegState = map[string]bool{"exp_avg_sq": true, "max_exp_avg_sq": true, "square_avg": true}

// finiteNonNeg reports whether x is a finite number ≥ 0.
func finiteNonNeg(x float64) bool { return x >= 0 && !math.IsInf(x, 0) }

// LoadState replaces the optimizer's state by a copy of s, as State returns
// it. It checks everything before changing anything: each name must be
// "lr" or "<index>.<name>" for a parameter index and a state name this
// optimizer keeps, each tensor must have the parameter's shape and dtype
// ("step" and "lr": one Float64 element), and a parameter's entries must be
// all present or all absent.
func (o *base) LoadState(s map[string]*tensor.Tensor) error {
	lr := o.lr
	state := make([]map[string]*tensor.Tensor, len(o.params))
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names) // report the same error on every run
	for _, name := range names {
		t := s[name]
		if t == nil {
			return fmt.Errorf("optim: %s: LoadState: %q is nil", o.name, name)
		}
		if name == "lr" {
			if t.Len() != 1 || t.DType() != tensor.Float64 {
				return fmt.Errorf("optim: %s: LoadState: lr has shape %v (%v), want one float64", o.name, t.Shape(), t.DType())
			}
			lr = t.Item()
			if err := checkLR(o.name+": LoadState", lr); err != nil {
				return err
			}
			continue
		}
		idx, key, ok := strings.Cut(name, ".")
		i, err := strconv.Atoi(idx)
		// The index must be written as State writes it ("+0" and "00" would
		// otherwise alias "0").
		if !ok || err != nil || strconv.Itoa(i) != idx || i < 0 || i >= len(o.params) || !slices.Contains(o.keys, key) {
			return fmt.Errorf("optim: %s: LoadState: unexpected entry %q (want lr or <0..%d>.<%s>)", o.name, name, len(o.params)-1, strings.Join(o.keys, "|"))
		}
		p := o.params[i].Data()
		if key == "step" {
			if t.Len() != 1 || t.DType() != tensor.Float64 {
				return fmt.Errorf("optim: %s: LoadState: %q has shape %v (%v), want one float64", o.name, name, t.Shape(), t.DType())
			}
			if v := t.Item(); !(v >= 0) || v != math.Trunc(v) || math.IsInf(v, 0) {
				return fmt.Errorf("optim: %s: LoadState: %q is %v, want a whole number of steps ≥ 0", o.name, name, v)
			}
		} else if !tensor.SameShape(t, p) || t.DType() != p.DType() {
			return fmt.Errorf("optim: %s: LoadState: %q is %v %v, parameter %d is %v %v", o.name, name, t.DType(), t.Shape(), i, p.DType(), p.Shape())
		} else if !tensor.AllFinite(t) {
			return fmt.Errorf("optim: %s: LoadState: %q holds a non-finite value", o.name, name)
		} else if nonNegState[key] && slices.ContainsFunc(t.Values(), func(v float64) bool { return v < 0 }) {
			// A negative mean square makes the next step's square root NaN.
			return fmt.Errorf("optim: %s: LoadState: %q holds a negative value, but it is a mean of squares", o.name, name)
		}
		if state[i] == nil {
			state[i] = map[string]*tensor.Tensor{}
		}
		c := t.Clone()
		if key == "step" {
			c = c.Reshape()
		}
		state[i][key] = c
	}
	for i, st := range state {
		if st != nil && len(st) != len(o.keys) {
			var missing []string
			for _, k := range o.keys {
				if st[k] == nil {
					missing = append(missing, strconv.Itoa(i)+"."+k)
				}
			}
			return fmt.Errorf("optim: %s: LoadState: parameter %d's state lacks %s", o.name, i, strings.Join(missing, ", "))
		}
	}
	o.lr, o.state = lr, state
	return nil
}

// ClipGradNorm scales the gradients of params in place so that their joint
// Euclidean norm is at most maxNorm, as PyTorch's clip_grad_norm_ (scale
// maxNorm/(norm+1e-6) when that is below 1), and returns the norm before
// clipping. Parameters without a gradient are ignored. A non-finite norm
// makes every gradient NaN, as in PyTorch, so the problem is not hidden.
// It panics if maxNorm is negative, NaN or infinite (a bound of that kind
// would reverse or destroy the gradients).
func ClipGradNorm(params []*autograd.Value, maxNorm float64) float64 {
	if !(maxNorm >= 0) || math.IsInf(maxNorm, 0) {
		panic(fmt.Sprintf("optim: ClipGradNorm: max norm %v: want a finite number ≥ 0", maxNorm))
	}
	total := 0.0
	for _, p := range params {
		if g := p.Grad(); g != nil {
			total += tensor.Dot(g, g)
		}
	}
	norm := math.Sqrt(total)
	if c := maxNorm / (norm + 1e-6); c < 1 || math.IsNaN(c) {
		if math.IsInf(norm, 0) {
			c = math.NaN()
		}
		for _, p := range params {
			if g := p.Grad(); g != nil {
				g.ScaleInPlace(c)
			}
		}
	}
	return norm
}
