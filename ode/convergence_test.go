package ode

import (
	"math"
	"testing"
)

// slope fits log(err) = p·log(h) + c by least squares and returns p.
func slope(hs, errs []float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(hs))
	for i := range hs {
		x, y := math.Log(hs[i]), math.Log(errs[i])
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// TestConvergenceOrder runs every method with fixed steps on
// y' = y·cos(t), y(0) = 1 (solution exp(sin t)) and requires the slope of
// log error against log h to be within 0.3 of the method's order.
func TestConvergenceOrder(t *testing.T) {
	f := func(t float64, y, dy []float64) { dy[0] = y[0] * math.Cos(t) }
	const T = 10.0
	// Outputs at the integers, all at step ends; the error is the largest
	// over them, so a sign change of the global error at one time does not
	// disturb the fit.
	times := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, T}
	for _, tb := range Methods() {
		t.Run(tb.Name, func(t *testing.T) {
			// Tsit5's leading error term is deliberately small, so its
			// asymptotic regime starts at shorter steps.
			steps := []int{40, 60, 80, 120, 160}
			if tb == Tsit5 {
				steps = []int{120, 160, 240, 320, 400}
			}
			var hs, errs []float64
			for _, n := range steps {
				sol, err := SolveFunc(f, []float64{1}, times, Options{Method: tb, Steps: n})
				if err != nil {
					t.Fatal(err)
				}
				var worst float64
				for i, ti := range times {
					worst = math.Max(worst, math.Abs(sol.Y[i][0]-math.Exp(math.Sin(ti))))
				}
				hs = append(hs, T/float64(n))
				errs = append(errs, worst)
			}
			p := slope(hs, errs)
			t.Logf("order %d, measured %.3f (errors %.2e … %.2e)", tb.Order, p, errs[0], errs[len(errs)-1])
			if math.Abs(p-float64(tb.Order)) > 0.3 {
				t.Errorf("measured order %.3f, want %d ± 0.3", p, tb.Order)
			}
		})
	}
}

// TestDenseOutputOrder checks that the interpolated state inside steps
// converges too: for the methods with their own continuous extension at
// order 4 or more, for the rest (cubic Hermite) at min(order, 3) or better.
func TestDenseOutputOrder(t *testing.T) {
	f := func(t float64, y, dy []float64) { dy[0] = y[0] * math.Cos(t) }
	const T = 10.0
	// Output times that fall inside steps for every step count used.
	times := []float64{0, 0.3131, 1.7777, 4.2345, 7.6789, 9.1}
	for _, tb := range Methods() {
		t.Run(tb.Name, func(t *testing.T) {
			var hs, errs []float64
			for _, n := range []int{40, 57, 80, 113, 160} {
				ts := append(append([]float64(nil), times...), T)
				sol, err := SolveFunc(f, []float64{1}, ts, Options{Method: tb, Steps: n})
				if err != nil {
					t.Fatal(err)
				}
				var worst float64
				for i, ti := range ts[1 : len(ts)-1] {
					worst = math.Max(worst, math.Abs(sol.Y[i+1][0]-math.Exp(math.Sin(ti))))
				}
				hs = append(hs, T/float64(n))
				errs = append(errs, worst)
			}
			p := slope(hs, errs)
			want := math.Min(float64(tb.Order), 3)
			if tb.Dense != nil {
				want = 4
			}
			t.Logf("method order %d, dense output order %.3f", tb.Order, p)
			if p < want-0.3 {
				t.Errorf("dense output converges at order %.3f, want at least %g", p, want)
			}
		})
	}
}
