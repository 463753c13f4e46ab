package opcheck_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/autograd/opcheck"
	"github.com/acaode/aca/tensor"
)

// TestEveryOpHasACase fails when an operation is registered without a
// gradient check, or a case names an operation that does not exist.
func TestEveryOpHasACase(t *testing.T) {
	ops := autograd.Ops()
	if len(ops) < 40 {
		t.Fatalf("autograd.Ops() lists %d operations; the registry looks broken: %v", len(ops), ops)
	}
	have := map[string]int{}
	for _, c := range opcheck.Cases() {
		have[c.Op]++
		if !slices.Contains(ops, c.Op) {
			t.Errorf("case %q checks %q, which autograd.Ops() does not list", c.Name, c.Op)
		}
	}
	for _, op := range ops {
		if have[op] == 0 {
			t.Errorf("operation %q has no gradient check in opcheck.Cases()", op)
		}
	}
}

// seedOf is the seed aca gradcheck uses by default (--seed 1), so a failure
// here reproduces with the command.
func seedOf(name string) uint64 { return opcheck.Seed(name, 1) }

func TestCaseNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range opcheck.Cases() {
		if seen[c.Name] {
			t.Errorf("two cases are named %q", c.Name)
		}
		seen[c.Name] = true
	}
}

// TestGradCheckEveryOp runs every case on three random shape configurations
// and requires a relative error of at most 1e-6 against central differences.
func TestGradCheckEveryOp(t *testing.T) {
	for _, c := range opcheck.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			res := c.Run(seedOf(c.Name), 3, autograd.CheckOptions{Tol: 1e-6})
			distinct := map[string]bool{}
			for _, r := range res {
				distinct[fmt.Sprint(r.Shapes)] = true
				if r.Err != nil {
					t.Errorf("shapes %v: %v", r.Shapes, r.Err)
				}
			}
			if len(distinct) < 2 {
				t.Errorf("all configurations drew the same shapes %v; want at least two", res[0].Shapes)
			}
		})
	}
}

// TestFloat32MatchesFloat64 runs every case in both dtypes on the same
// (float32-representable) inputs: outputs and input gradients computed in
// float32 must match the float64 ones to single precision (relative 1e-5 in
// norm).
func TestFloat32MatchesFloat64(t *testing.T) {
	for _, c := range opcheck.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			in64 := c.Inputs(tensor.NewRNG(seedOf(c.Name)))
			for i, x := range in64 {
				in64[i] = x.Cast(tensor.Float32).Cast(tensor.Float64)
			}
			run := func(dt tensor.DType) (*tensor.Tensor, []*tensor.Tensor) {
				g := autograd.NewGraph()
				leaves := make([]*autograd.Value, len(in64))
				for i, x := range in64 {
					leaves[i] = autograd.Leaf(x.Cast(dt))
				}
				out := c.F(g, leaves)
				if out.DType() != dt {
					t.Fatalf("%v inputs gave a %v output", dt, out.DType())
				}
				seed := tensor.RandN(tensor.NewRNG(5), tensor.Float64, 0, 1, out.Shape()...).Cast(dt)
				grads, err := g.Grad(out, seed, leaves...)
				if err != nil {
					t.Fatal(err)
				}
				return out.Data(), grads
			}
			o64, g64 := run(tensor.Float64)
			o32, g32 := run(tensor.Float32)
			if e := relNormErr(o32, o64); e > 1e-5 {
				t.Errorf("output: float32 differs from float64 by %.3g (relative)", e)
			}
			for i := range g64 {
				if e := relNormErr(g32[i], g64[i]); e > 1e-5 {
					t.Errorf("gradient of input %d: float32 differs from float64 by %.3g (relative)", i, e)
				}
			}
		})
	}
}

func relNormErr(a, b *tensor.Tensor) float64 {
	av, bv := a.Values(), b.Values()
	var d, n float64
	for i := range av {
		d += (av[i] - bv[i]) * (av[i] - bv[i])
		n += bv[i] * bv[i]
	}
	if n < 1e-24 {
		return math.Sqrt(d)
	}
	return math.Sqrt(d / n)
}
