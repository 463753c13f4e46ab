package opcheck

import (
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
)

type binaryFn func(g *autograd.Graph, a, b *autograd.Value) *autograd.Value

// broadcastShapes are the broadcasting patterns every binary op is checked on.
var broadcastShapes = []struct {
	name   string
	shapes func(r *rand.Rand) [][]int
}{
	{"same shape", func(r *rand.Rand) [][]int {
		n, c := dim(r, 1, 4), dim(r, 1, 5)
		return shapes([]int{n, c}, []int{n, c})
	}},
	{"scalar", func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 1, 4), dim(r, 1, 5)}, []int{}) }},
	{"trailing", func(r *rand.Rand) [][]int { c := dim(r, 1, 5); return shapes([]int{dim(r, 2, 4), c}, []int{c}) }},
	{"per-channel NCHW", func(r *rand.Rand) [][]int {
		c := dim(r, 1, 3)
		return shapes([]int{dim(r, 1, 2), c, dim(r, 1, 3), dim(r, 1, 3)}, []int{c, 1, 1})
	}},
	{"both ways", func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 2, 4), 1}, []int{1, dim(r, 2, 4)}) }},
}

func binaryCases(op string, vals map[int]Values, f binaryFn) []Case {
	var cs []Case
	for _, b := range broadcastShapes {
		cs = append(cs, Case{Op: op, Name: op + " " + b.name, Shapes: b.shapes, ValuesOf: vals,
			F: func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return f(g, in[0], in[1]) }})
	}
	return cs
}

func unaryCase(op string, vals Values, f func(g *autograd.Graph, x *autograd.Value) *autograd.Value) []Case {
	return namedUnaryCase(op, op, vals, f)
}

func namedUnaryCase(op, name string, vals Values, f func(g *autograd.Graph, x *autograd.Value) *autograd.Value) []Case {
	return []Case{{Op: op, Name: name, Values: vals,
		Shapes: func(r *rand.Rand) [][]int { return shapes([]int{dim(r, 1, 4), dim(r, 1, 6)}) },
		F:      func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return f(g, in[0]) }}}
}

func elementwiseCases() []Case {
	var cs []Case
	cs = append(cs, binaryCases("add", nil, (*autograd.Graph).Add)...)
	cs = append(cs, binaryCases("sub", nil, (*autograd.Graph).Sub)...)
	cs = append(cs, binaryCases("mul", nil, (*autograd.Graph).Mul)...)
	cs = append(cs, binaryCases("div", map[int]Values{1: Positive}, (*autograd.Graph).Div)...)
	cs = append(cs, binaryCases("maximum", nil, (*autograd.Graph).Maximum)...)
	cs = append(cs, binaryCases("minimum", nil, (*autograd.Graph).Minimum)...)
	cs = append(cs, unaryCase("neg", Normal, (*autograd.Graph).Neg)...)
	cs = append(cs, unaryCase("abs", AwayFromZero, (*autograd.Graph).Abs)...)
	cs = append(cs, unaryCase("sqrt", Positive, (*autograd.Graph).Sqrt)...)
	cs = append(cs, unaryCase("exp", Normal, (*autograd.Graph).Exp)...)
	cs = append(cs, unaryCase("log", Positive, (*autograd.Graph).Log)...)
	cs = append(cs, unaryCase("tanh", Normal, (*autograd.Graph).Tanh)...)
	cs = append(cs, unaryCase("sigmoid", Normal, (*autograd.Graph).Sigmoid)...)
	cs = append(cs, unaryCase("relu", AwayFromZero, (*autograd.Graph).ReLU)...)
	cs = append(cs, unaryCase("leaky_relu", AwayFromZero, func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
		return g.LeakyReLU(x, 0.1)
	})...)
	cs = append(cs, unaryCase("softplus", Normal, (*autograd.Graph).Softplus)...)
	cs = append(cs, unaryCase("square", Normal, (*autograd.Graph).Square)...)
	cs = append(cs, namedUnaryCase("pow", "pow 2.5", Positive, func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
		return g.Pow(x, 2.5)
	})...)
	cs = append(cs, namedUnaryCase("pow", "pow -1.5", Positive, func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
		return g.Pow(x, -1.5)
	})...)
	cs = append(cs, unaryCase("scale", Normal, func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
		return g.Scale(x, -1.7)
	})...)
	cs = append(cs, unaryCase("add_scalar", Normal, func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
		return g.AddScalar(x, 0.3)
	})...)
	return cs
}
