package ode

import (
	"math"
	"testing"
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
	for alias, want := range map[string]*Tableau{"rk45": Dopri5, "rk23": BogackiShampine, "rk2": Midpoint, "adaptive_heun": HeunEuler} {
		if got, err := ParseMethod(alias); err != nil || got != want {
			t.Errorf("ParseMethod(%q) = %v, %v; want %v", alias, got, err, want)
		}
	}
	if _, err := ParseMethod("rk99"); err == nil {
		t.Error("ParseMethod accepted rk99")
	}
}
