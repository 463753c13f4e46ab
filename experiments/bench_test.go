package experiments

import (
	"fmt"
	"testing"

	"github.com/acaode/aca/ode"
)

// BenchmarkODEDemoIteration is one training iteration of torchdiffeq's
// ode_demo model (forward, backward, RMSprop update) under each gradient
// method at the two tolerances the peers are timed at. It reports the
// forward and backward NFE of the last iteration.
func BenchmarkODEDemoIteration(b *testing.B) {
	for _, tol := range [][2]float64{{1e-7, 1e-9}, {1e-3, 1e-4}} {
		for _, m := range []ode.Gradient{ode.Naive, ode.Adjoint, ode.ACA} {
			b.Run(fmt.Sprintf("%s/rtol=%g", m, tol[0]), func(b *testing.B) {
				d, err := NewODEDemo(1, m, tol[0], tol[1])
				if err != nil {
					b.Fatal(err)
				}
				var r IterResult
				b.ReportAllocs()
				for b.Loop() {
					if r, err = d.Step(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(r.Stats.Forward.NFE), "nfe_fwd")
				b.ReportMetric(float64(r.Stats.Backward.NFE), "nfe_bwd")
			})
		}
	}
}
