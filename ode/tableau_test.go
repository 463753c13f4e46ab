package ode

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// TestTableauConsistency checks the order-1 conditions and the structural
// claims each tableau makes (row sums, FSAL, error weights summing to zero,
// dense output matching the step's ends).
func TestTableauConsistency(t *testing.T) {
	for _, tb := range Methods() {
		t.Run(tb.Name, func(t *testing.T) {
			if err := checkTableau(tb); err != nil {
				t.Fatal(err)
			}
			s := tb.Stages()
			for i, row := range tb.A {
				var sum float64
				for _, a := range row {
					sum += a
				}
				if math.Abs(sum-tb.C[i]) > 1e-14 {
					t.Errorf("row %d of A sums to %.17g, want c = %.17g", i, sum, tb.C[i])
				}
			}
			var sb float64
			for _, b := range tb.B {
				sb += b
			}
			if math.Abs(sb-1) > 1e-14 {
				t.Errorf("weights sum to %.17g", sb)
			}
			if tb.BErr != nil {
				var se float64
				for _, e := range tb.BErr {
					se += e
				}
				if math.Abs(se) > 1e-14 {
					t.Errorf("error weights sum to %.3g, want 0 (both solutions consistent)", se)
				}
			}
			if tb.FSAL {
				for j := 0; j < s-1; j++ {
					if tb.A[s-1][j] != tb.B[j] {
						t.Errorf("FSAL but A[%d][%d] = %g != B[%d] = %g", s-1, j, tb.A[s-1][j], j, tb.B[j])
					}
				}
				if tb.B[s-1] != 0 {
					t.Errorf("FSAL but the last weight is %g", tb.B[s-1])
				}
			}
			if tb.Dense != nil {
				b0, b1, d := make([]float64, s), make([]float64, s), make([]float64, s)
				denseWeights(tb.Dense, 0, b0, d)
				denseWeights(tb.Dense, 1, b1, d)
				for j := range b1 {
					if math.Abs(b0[j]) > 1e-14 {
						t.Errorf("dense weight %d at θ=0 is %g, want 0", j, b0[j])
					}
					if math.Abs(b1[j]-tb.B[j]) > 1e-12 {
						t.Errorf("dense weight %d at θ=1 is %.17g, want B = %.17g", j, b1[j], tb.B[j])
					}
				}
				// d/dθ at 0 is the first stage alone: y'(t) = f(t, y).
				denseWeights(tb.Dense, 0, b0, d)
				for j := range d {
					want := 0.0
					if j == 0 {
						want = 1
					}
					if math.Abs(d[j]-want) > 1e-12 {
						t.Errorf("dense weight %d has slope %g at θ=0, want %g", j, d[j], want)
					}
				}
				// The derivatives denseWeights returns match central
				// differences of the weights.
				const eps = 1e-6
				wp, wm, dd := make([]float64, s), make([]float64, s), make([]float64, s)
				for _, th := range []float64{0.2, 0.5, 0.9} {
					denseWeights(tb.Dense, th+eps, wp, dd)
					denseWeights(tb.Dense, th-eps, wm, dd)
					denseWeights(tb.Dense, th, b0, d)
					for j := range d {
						if num := (wp[j] - wm[j]) / (2 * eps); math.Abs(num-d[j]) > 1e-7*(1+math.Abs(d[j])) {
							t.Errorf("θ=%g: weight %d derivative %g, central difference %g", th, j, d[j], num)
						}
					}
				}
			}
		})
	}
}

func TestParseMethod(t *testing.T) {
	for _, tb := range Methods() {
		got, err := ParseMethod(tb.Name)
		if err != nil || got != tb {
			t.Errorf("ParseMethod(%q) = %v, %v", tb.Name, got, err)
		}
	}
	for alias, want := range map[string]*Tableau{"rk45": Dopri5, "rk23": BogackiShampine, "rk2": Midpoint, "adaptive_heun": HeunEuler, "heun": HeunEuler, "heuneuler": HeunEuler, "bs3": BogackiShampine} {
		if got, err := ParseMethod(alias); err != nil || got != want {
			t.Errorf("ParseMethod(%q) = %v, %v; want %v", alias, got, err, want)
		}
	}
	if _, err := ParseMethod("rk99"); err == nil {
		t.Error("ParseMethod accepted rk99")
	}
}

// TestBuiltinTableausImmutable edits everything a caller can reach of the
// built-in methods (every field and slice element of the exported
// variables, of what Methods and ParseMethod return, and the whole
// structs) and checks that later solves, recorded or not, give the same
// bits as before.
func TestBuiltinTableausImmutable(t *testing.T) {
	f := Func(func(g *autograd.Graph, tt float64, y *autograd.Value) *autograd.Value {
		return g.Scale(g.Tanh(y), 1+math.Sin(tt))
	})
	y0 := tensor.FromFloat64([]float64{0.3, -1.2, 2}, 3)
	times := []float64{0, 0.4, 1.5}
	optsFor := func(m *Tableau, adaptive bool) Options {
		if adaptive {
			return Options{Method: m, RTol: 1e-6, ATol: 1e-8, AdjointMethod: m}
		}
		return Options{Method: m, Steps: 9, AdjointMethod: m}
	}
	// results solves with every method (the adaptive ones also adaptively),
	// plain and with ACA's and the adjoint's gradients, and returns the
	// outputs and gradients as one list of values.
	results := func(methods []*Tableau, adaptive []bool) []float64 {
		var out []float64
		for i, m := range methods {
			for _, ad := range []bool{false, true} {
				if ad && !adaptive[i] {
					continue
				}
				sol, err := Solve(f, y0, times, optsFor(m, ad))
				if err != nil {
					t.Fatalf("%d: %v", i, err)
				}
				out = append(out, float64(sol.Stats.NFE))
				for _, y := range sol.Y {
					out = append(out, y.Values()...)
				}
				for _, gm := range []Gradient{ACA, Adjoint, Naive} {
					o := optsFor(m, ad)
					o.Gradient = gm
					z := autograd.Leaf(y0.Clone())
					g := autograd.NewGraph()
					gs, err := SolveGraph(g, f, z, times, o)
					if err != nil {
						t.Fatalf("%d %s: %v", i, gm, err)
					}
					if err := g.SumAll(g.Mul(gs.Y[2], gs.Y[1])).Backward(); err != nil {
						t.Fatalf("%d %s: %v", i, gm, err)
					}
					out = append(out, z.Grad().Values()...)
				}
			}
		}
		return out
	}
	methods := Methods()
	saved := make([]Tableau, len(methods))
	adaptive := make([]bool, len(methods))
	for i, m := range methods {
		saved[i] = *m.clone()
		adaptive[i] = m.Adaptive()
	}
	defer func() {
		for i, m := range methods {
			*m = *saved[i].clone()
		}
	}()
	want := results(methods, adaptive)

	scribble := func(x []float64) {
		for i := range x {
			x[i] = math.NaN()
		}
	}
	for i, m := range methods {
		parsed, err := ParseMethod(saved[i].Name)
		if err != nil || parsed != m {
			t.Fatalf("ParseMethod(%q) = %v, %v", saved[i].Name, parsed, err)
		}
		scribble(m.C)
		scribble(m.B)
		scribble(m.BErr)
		for _, row := range m.A {
			scribble(row)
		}
		for _, row := range m.Dense {
			scribble(row)
		}
		m.A = append(m.A, []float64{1})
		m.Name, m.Order, m.FSAL = "scribbled", 99, !m.FSAL
	}
	if got := results(methods, adaptive); !sameBits(got, want) {
		t.Error("editing the built-in tableaus' fields changed later solves")
	}
	// Overwriting the whole structs, with another method or nothing.
	for i, m := range methods {
		*m = *saved[(i+1)%len(saved)].clone()
	}
	*methods[0] = Tableau{}
	if got := results(methods, adaptive); !sameBits(got, want) {
		t.Error("overwriting the built-in tableaus changed later solves")
	}
	for i := range methods {
		if got, err := ParseMethod(saved[i].Name); err != nil || got != methods[i] {
			t.Errorf("after the edits, ParseMethod(%q) = %v, %v", saved[i].Name, got, err)
		}
	}
}

// TestOwnTableauCopied: a tableau of one's own is copied when the solve
// starts, so editing it afterwards changes nothing the solve computed.
func TestOwnTableauCopied(t *testing.T) {
	mine := BogackiShampine.clone()
	mine.Name = "mine"
	f := Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value { return g.Neg(y) })
	z := autograd.Leaf(tensor.FromFloat64([]float64{1}, 1))
	g := autograd.NewGraph()
	sol, err := SolveGraph(g, f, z, []float64{0, 1}, Options{Method: mine, RTol: 1e-6, ATol: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	scribble := []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	copy(mine.B, scribble)
	copy(mine.A[3], scribble)
	if err := g.SumAll(sol.Y[1]).Backward(); err != nil {
		t.Fatal(err)
	}
	if d := z.Grad().Item() - math.Exp(-1); math.Abs(d) > 1e-5 {
		t.Errorf("dy(1)/dy0 = %v, want e^-1 (error %g)", z.Grad().Item(), d)
	}
}

// sameBits reports whether two lists hold the same float64 bits.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}
