// Package opcheck holds a gradient check for every differentiable operation
// of package autograd, with random input shapes and values, so that the test
// suite can prove each hand-written VJP against finite differences and the
// aca command can rerun the same checks on a user's machine.
package opcheck

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// Values says how a case's random inputs are drawn.
type Values int

const (
	// Normal draws N(0, 1).
	Normal Values = iota
	// Positive draws |N(0, 1)| + 0.5, for square roots, logarithms and divisors.
	Positive
	// AwayFromZero draws N(0, 1) pushed at least 0.1 from 0, for functions
	// with a kink there (relu, abs), so a finite-difference step never crosses it.
	AwayFromZero
)

// Case is a gradient check of one operation.
type Case struct {
	// Op is the autograd operation name (one of autograd.Ops()).
	Op string
	// Name tells variants of one operation apart ("trailing broadcast", …).
	Name string
	// Shapes returns the input shapes for one configuration, drawing sizes
	// from rng: every run draws several configurations.
	Shapes func(rng *rand.Rand) [][]int
	// Values says how inputs are drawn; per input if ValuesOf is set.
	Values Values
	// ValuesOf overrides Values for individual inputs.
	ValuesOf map[int]Values
	// F computes the checked function from the inputs (and the graph).
	F func(g *autograd.Graph, in []*autograd.Value) *autograd.Value
}

// Inputs draws one configuration's inputs (float64) from rng.
func (c Case) Inputs(rng *rand.Rand) []*tensor.Tensor {
	shapes := c.Shapes(rng)
	out := make([]*tensor.Tensor, len(shapes))
	for i, s := range shapes {
		t := tensor.RandN(rng, tensor.Float64, 0, 1, s...)
		kind := c.Values
		if k, ok := c.ValuesOf[i]; ok {
			kind = k
		}
		d := t.Float64s()
		for j, v := range d {
			switch kind {
			case Positive:
				d[j] = math.Abs(v) + 0.5
			case AwayFromZero:
				if v >= 0 {
					d[j] = v + 0.1
				} else {
					d[j] = v - 0.1
				}
			}
		}
		out[i] = t
	}
	return out
}

// Seed derives a case's random seed from its name and a run seed, so a case
// draws the same configurations whichever other cases run with it (aca
// gradcheck --op, the tests) and adding a case changes no other case's draws.
func Seed(name string, seed uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64() ^ (seed * 0x9e3779b97f4a7c15)
}

// Result is one configuration's check.
type Result struct {
	Case   Case
	Shapes [][]int
	Check  autograd.CheckResult
	Err    error
}

// Run checks the case on n configurations drawn from a generator seeded by
// seed, returning one result per configuration. A configuration whose shapes
// repeat an earlier one is redrawn (a few times), so the configurations
// differ in shape wherever the case allows it. A configuration fails if
// GradCheck fails or f did not record the case's operation.
func (c Case) Run(seed uint64, n int, opt autograd.CheckOptions) []Result {
	rng := tensor.NewRNG(seed)
	res := make([]Result, 0, n)
	seen := map[string]bool{}
	for k := 0; k < n; k++ {
		var in []*tensor.Tensor
		var shapes [][]int
		for try := 0; try < 20; try++ {
			in = c.Inputs(rng)
			shapes = make([][]int, len(in))
			for i, t := range in {
				shapes[i] = slices.Clone(t.Shape())
			}
			if !seen[fmt.Sprint(shapes)] {
				break
			}
		}
		seen[fmt.Sprint(shapes)] = true
		chk, err := autograd.GradCheck(c.F, in, opt)
		if err == nil && chk.Ops[c.Op] == 0 {
			err = fmt.Errorf("opcheck: case %q did not record operation %q (recorded %v)", c.Name, c.Op, chk.Ops)
		}
		res = append(res, Result{Case: c, Shapes: shapes, Check: chk, Err: err})
	}
	return res
}

func dim(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

func shapes(ss ...[]int) [][]int { return ss }

// Cases returns every case, in the order of autograd.Ops() names.
func Cases() []Case {
	var cs []Case
	cs = append(cs, elementwiseCases()...)
	cs = append(cs, linalgCases()...)
	cs = append(cs, normCases()...)
	cs = append(cs, shapeCases()...)
	cs = append(cs, reduceCases()...)
	slices.SortStableFunc(cs, func(a, b Case) int {
		switch {
		case a.Op < b.Op:
			return -1
		case a.Op > b.Op:
			return 1
		}
		return 0
	})
	return cs
}
