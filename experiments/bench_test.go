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

// BenchmarkConvStep is one training step of the convolutional ODE-block
// workload under each gradient method (Dopri5 at 1e-3, float32).
func BenchmarkConvStep(b *testing.B) {
	for _, m := range []ode.Gradient{ode.Naive, ode.Adjoint, ode.ACA} {
		b.Run(m.String(), func(b *testing.B) {
			c, err := NewConvBench(1, m, 1e-3, 1e-3)
			if err != nil {
				b.Fatal(err)
			}
			var r IterResult
			for b.Loop() {
				if r, err = c.Step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Stats.Forward.NFE), "nfe_fwd")
			b.ReportMetric(float64(r.Stats.Backward.NFE), "nfe_bwd")
			b.ReportMetric(float64(r.Stats.PeakBytes())/1e6, "MB_graph")
		})
	}
}

// BenchmarkThreeBodyEpoch is one training epoch of the three-body ODE
// model (51 observations on [0, 1], rtol = atol = 1e-7) under each method.
func BenchmarkThreeBodyEpoch(b *testing.B) {
	c := DefaultThreeBody()
	truth, err := c.Truth()
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range []ode.Gradient{ode.Naive, ode.Adjoint, ode.ACA} {
		b.Run(m.String(), func(b *testing.B) {
			mod, err := NewThreeBodyODE(c, truth, "ODE", m, 1)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, _, err := mod.Epoch(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
