package opcheck

import (
	"fmt"
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// runningStats returns fixed, non-trivial per-channel statistics for the
// evaluation-mode batch norm check (constants, so not inputs of F).
func runningStats(dt tensor.DType, c int) (*tensor.Tensor, *tensor.Tensor) {
	m, v := tensor.New(dt, c), tensor.New(dt, c)
	for i := 0; i < c; i++ {
		m.Set(0.1*float64(i)-0.2, i)
		v.Set(0.5+0.3*float64(i), i)
	}
	return m, v
}

func normCases() []Case {
	// Every normalised group has at least four elements. With two, x̂ = ±1
	// whatever x is: the input gradient is of order eps/variance and the
	// finite-difference quotient's round-off swamps it, so the check would
	// test differencing rather than the VJP.
	nchw := func(r *rand.Rand) [][]int {
		c := dim(r, 1, 3)
		return shapes([]int{dim(r, 2, 3), c, dim(r, 2, 3), dim(r, 1, 3)}, []int{c}, []int{c})
	}
	nc := func(r *rand.Rand) [][]int {
		c := dim(r, 1, 4)
		return shapes([]int{dim(r, 4, 6), c}, []int{c}, []int{c})
	}
	bn := func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
		y, _, _ := g.BatchNorm(in[0], in[1], in[2], 1e-5)
		return y
	}
	bnEval := func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
		m, v := runningStats(in[0].DType(), in[0].Shape()[1])
		return g.BatchNormEval(in[0], in[1], in[2], m, v, 1e-5)
	}
	gnShapes := func(groups int) func(r *rand.Rand) [][]int {
		return func(r *rand.Rand) [][]int {
			c := groups * dim(r, 1, 3)
			return shapes([]int{dim(r, 1, 3), c, dim(r, 2, 3), dim(r, 2, 3)}, []int{c}, []int{c})
		}
	}
	gn := func(groups int) func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
		return func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return g.GroupNorm(in[0], in[1], in[2], groups, 1e-5)
		}
	}
	return []Case{
		{Op: "batch_norm", Name: "batch_norm training NCHW", Shapes: nchw, F: bn},
		{Op: "batch_norm", Name: "batch_norm training NC", Shapes: nc, F: bn},
		{Op: "batch_norm", Name: "batch_norm training without affine",
			Shapes: func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 2, 4), dim(r, 1, 3), 2, 2}) },
			F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
				y, _, _ := g.BatchNorm(in[0], nil, nil, 1e-5)
				return y
			}},
		{Op: "batch_norm_eval", Name: "batch_norm evaluation NCHW", Shapes: nchw, F: bnEval},
		{Op: "batch_norm_eval", Name: "batch_norm evaluation NC", Shapes: nc, F: bnEval},
		{Op: "group_norm", Name: "group_norm 1 group", Shapes: gnShapes(1), F: gn(1)},
		{Op: "group_norm", Name: "group_norm 2 groups", Shapes: gnShapes(2), F: gn(2)},
		{Op: "group_norm", Name: "group_norm 2 groups on [N C]",
			Shapes: func(r *rand.Rand) [][]int {
				c := 2 * dim(r, 4, 5)
				return shapes([]int{dim(r, 1, 3), c}, []int{c}, []int{c})
			},
			F: gn(2)},
		// The fused ReLU: finite differences step over its kink only where
		// a normalised value lies within the step of 0, which the random
		// inputs make unlikely (as for relu's own case).
		{Op: "group_norm_relu", Name: "group_norm_relu 1 group", Shapes: gnShapes(1), F: gnReLU(1)},
		{Op: "group_norm_relu", Name: "group_norm_relu 2 groups", Shapes: gnShapes(2), F: gnReLU(2)},
		{Op: "group_norm_relu", Name: "group_norm_relu 2 groups on [N C]",
			Shapes: func(r *rand.Rand) [][]int {
				c := 2 * dim(r, 4, 5)
				return shapes([]int{dim(r, 1, 3), c}, []int{c}, []int{c})
			},
			F: gnReLU(2)},
	}
}

// gnReLU is the fused GroupNorm + ReLU in the given number of groups.
func gnReLU(groups int) func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
	return func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
		return g.GroupNormReLU(in[0], in[1], in[2], groups, 1e-5)
	}
}

func shapeCases() []Case {
	r3 := func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 1, 3), dim(r, 2, 3), dim(r, 1, 4)}) }
	return []Case{
		{Op: "reshape", Name: "reshape", Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			// Reshape alone is linear and shape-preserving in data; follow it
			// with a shape-sensitive op so a wrong gradient layout shows.
			s := in[0].Shape()
			return g.Softmax(g.Reshape(in[0], s[0], -1), 1)
		}},
		{Op: "permute", Name: "permute 3-D", Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return g.Permute(in[0], 2, 0, 1)
		}},
		{Op: "permute", Name: "permute 4-D", Shapes: func(r *rand.Rand) [][]int {
			return shapes([]int{dim(r, 1, 2), dim(r, 2, 3), dim(r, 1, 3), dim(r, 2, 3)})
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Permute(in[0], 0, 2, 3, 1) }},
		{Op: "transpose", Name: "transpose", Shapes: func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 1, 5), dim(r, 1, 5)}) },
			F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Transpose(in[0]) }},
		{Op: "concat", Name: "concat axis 1", Shapes: func(r *rand.Rand) [][]int {
			n := dim(r, 1, 3)
			return shapes([]int{n, dim(r, 1, 3)}, []int{n, dim(r, 1, 3)}, []int{n, dim(r, 1, 3)})
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Concat(1, in...) }},
		{Op: "concat", Name: "concat axis 0", Shapes: func(r *rand.Rand) [][]int {
			c := dim(r, 1, 3)
			return shapes([]int{dim(r, 1, 3), c, 2}, []int{dim(r, 1, 3), c, 2})
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Concat(0, in...) }},
		{Op: "stack", Name: "stack new first axis", Shapes: func(r *rand.Rand) [][]int {
			s := []int{dim(r, 1, 3), dim(r, 1, 3)}
			return shapes(s, s, s)
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Stack(0, in...) }},
		{Op: "stack", Name: "stack new last axis", Shapes: func(r *rand.Rand) [][]int {
			s := []int{dim(r, 1, 3), dim(r, 1, 3)}
			return shapes(s, s)
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Stack(-1, in...) }},
		{Op: "split", Name: "split and reorder", Shapes: func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 1, 3), dim(r, 3, 6)}) },
			F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
				d := in[0].Shape()[1]
				p := g.Split(in[0], 1, 1, 2, d-3)
				return g.Concat(1, g.Scale(p[2], 2), p[0], g.Square(p[1]))
			}},
		{Op: "slice", Name: "slice batch axis", Shapes: func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 2, 5), dim(r, 1, 3)}) },
			F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
				return g.Slice(in[0], 0, 1, in[0].Shape()[0])
			}},
		{Op: "slice", Name: "slice inner axis", Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return g.Slice(in[0], 1, 1, 2)
		}},
		{Op: "index_select", Name: "index_select batch with repeats", Shapes: func(r *rand.Rand) [][]int {
			return shapes([]int{dim(r, 2, 5), dim(r, 1, 3)})
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			n := in[0].Shape()[0]
			return g.IndexSelect(in[0], 0, []int{n - 1, 0, n - 1, 1})
		}},
		{Op: "index_select", Name: "index_select inner axis", Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return g.IndexSelect(in[0], 2, []int{0, 0})
		}},
	}
}

func reduceCases() []Case {
	r3 := func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 1, 3), dim(r, 2, 4), dim(r, 1, 4)}) }
	var cs []Case
	axesSets := []struct {
		name string
		axes []int
		keep bool
	}{
		{"all", nil, false},
		{"axis 0", []int{0}, false},
		{"axes 1,2 kept", []int{1, 2}, true},
		{"last axis", []int{-1}, false},
	}
	for _, a := range axesSets {
		cs = append(cs,
			Case{Op: "sum", Name: "sum " + a.name, Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
				return g.Sum(in[0], a.axes, a.keep)
			}},
			Case{Op: "mean", Name: "mean " + a.name, Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
				return g.Mean(in[0], a.axes, a.keep)
			}},
			Case{Op: "max", Name: "max " + a.name, Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
				return g.Max(in[0], a.axes, a.keep)
			}},
		)
	}
	for _, ax := range []int{1, -1} {
		cs = append(cs,
			Case{Op: "softmax", Name: fmt.Sprintf("softmax axis %d", ax), Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
				return g.Softmax(in[0], ax)
			}},
			Case{Op: "log_softmax", Name: fmt.Sprintf("log_softmax axis %d", ax), Shapes: r3, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
				return g.LogSoftmax(in[0], ax)
			}},
		)
	}
	cs = append(cs,
		Case{Op: "cross_entropy", Name: "cross_entropy", Shapes: func(r *rand.Rand) [][]int {
			return shapes([]int{dim(r, 1, 5), dim(r, 2, 5)})
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			s := in[0].Shape()
			labels := make([]int, s[0])
			for i := range labels {
				labels[i] = (3*i + 1) % s[1]
			}
			return g.CrossEntropy(in[0], labels)
		}},
		Case{Op: "mse", Name: "mse", Shapes: func(r *rand.Rand) [][]int {
			s := []int{dim(r, 1, 4), dim(r, 1, 4)}
			return shapes(s, s)
		}, F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.MSE(in[0], in[1]) }},
	)
	return cs
}
