package autograd

import (
	"fmt"
	"math"

	"github.com/acaode/aca/tensor"
)

// CheckOptions configures GradCheck. Zero fields take the defaults.
type CheckOptions struct {
	// Eps is the finite-difference step, relative to max(1, |x|). Default 1e-6.
	Eps float64
	// Tol is the largest relative error accepted. Default 1e-6.
	Tol float64
	// Seed seeds the random direction the output is projected on. Default 1.
	Seed uint64
}

// CheckResult is the outcome of GradCheck.
type CheckResult struct {
	// RelErr[i] is ‖analytic − numeric‖₂ / max(‖analytic‖₂, ‖numeric‖₂) for
	// input i (the absolute difference when both norms are below 1e-12).
	RelErr []float64
	// MaxRelErr is the largest of RelErr.
	MaxRelErr float64
	// Ops counts the operations f recorded, by name.
	Ops map[string]int
	// Evals is the number of times f was evaluated.
	Evals int
}

// GradCheck compares the vector-Jacobian product of f at the given float64
// inputs with central finite differences. It projects f's output on a
// random direction u, computes the gradient of ⟨u, f(x)⟩ with respect to
// every input by Graph.Grad, and compares each element with
// (⟨u, f(x+h·e)⟩ − ⟨u, f(x−h·e)⟩)/2h, evaluating f on a nil graph. f must be
// deterministic and must build its result from the values it is given. The
// error names the first input whose relative error exceeds the tolerance.
func GradCheck(f func(g *Graph, in []*Value) *Value, inputs []*tensor.Tensor, opt CheckOptions) (CheckResult, error) {
	if opt.Eps == 0 {
		opt.Eps = 1e-6
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-6
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	var res CheckResult
	for i, x := range inputs {
		if x.DType() != tensor.Float64 {
			return res, fmt.Errorf("autograd: GradCheck: input %d is %v; finite differences need float64", i, x.DType())
		}
	}
	// Analytic gradients.
	g := NewGraph()
	leaves := make([]*Value, len(inputs))
	for i, x := range inputs {
		leaves[i] = Leaf(x.Clone())
	}
	out := f(g, leaves)
	res.Evals++
	if out == nil || out.g != g {
		return res, fmt.Errorf("autograd: GradCheck: f did not record its output on the graph it was given")
	}
	res.Ops = g.OpCounts()
	u := tensor.RandN(tensor.NewRNG(opt.Seed), tensor.Float64, 0, 1, out.Shape()...)
	// ⟨u, f(x)⟩ is formed on the graph, so that f's last operation receives
	// a gradient the engine owns (and may recycle) as it would inside a
	// model, rather than the caller's seed.
	analytic, err := g.Grad(g.SumAll(g.Mul(out, Constant(u))), nil, leaves...)
	if err != nil {
		return res, err
	}
	// Numeric gradients.
	eval := func(xs []*tensor.Tensor) float64 {
		consts := make([]*Value, len(xs))
		for i, x := range xs {
			consts[i] = Constant(x)
		}
		res.Evals++
		y := f(nil, consts)
		return tensor.Dot(u, y.data)
	}
	res.RelErr = make([]float64, len(inputs))
	for i, x := range inputs {
		xs := make([]*tensor.Tensor, len(inputs))
		copy(xs, inputs)
		pert := x.Clone()
		xs[i] = pert
		data := pert.Float64s()
		num := make([]float64, len(data))
		for j := range data {
			orig := data[j]
			h := opt.Eps * math.Max(1, math.Abs(orig))
			data[j] = orig + h
			fp := eval(xs)
			data[j] = orig - h
			fm := eval(xs)
			data[j] = orig
			num[j] = (fp - fm) / (2 * h)
		}
		an := analytic[i].Float64s()
		var dn, na, nn float64
		worst, worstAt := 0.0, -1
		for j := range num {
			d := an[j] - num[j]
			dn += d * d
			na += an[j] * an[j]
			nn += num[j] * num[j]
			if math.Abs(d) > worst || d != d {
				worst, worstAt = math.Abs(d), j
			}
		}
		scale := math.Sqrt(math.Max(na, nn))
		rel := math.Sqrt(dn)
		if scale >= 1e-12 {
			rel /= scale
		}
		res.RelErr[i] = rel
		res.MaxRelErr = math.Max(res.MaxRelErr, rel)
		if !(rel <= opt.Tol) {
			return res, fmt.Errorf("autograd: GradCheck: input %d (shape %v): relative error %.3g > %.3g; worst element %d: analytic %.10g, numeric %.10g",
				i, x.Shape(), rel, opt.Tol, worstAt, an[worstAt], num[worstAt])
		}
	}
	return res, nil
}
