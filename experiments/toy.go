package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

// ToyConfig configures the toy problem of the paper's section 4.1:
// dz/dt = k·z, z(0) = z0, L = z(T)², whose gradients are known exactly:
// dL/dz0 = 2·z0·e^(2kT) and dL/dk = 2·z0²·T·e^(2kT).
type ToyConfig struct {
	// Ks are the rates and Ts the end times to sweep; Z0 the initial value.
	Ks, Ts []float64
	Z0     float64
	// Methods are the gradient methods compared.
	Methods []ode.Gradient
	// Options are the solver's (their Gradient field is ignored).
	Options ode.Options
}

// DefaultToyConfig returns the paper's setting: k = −1 and +1, z0 = 1,
// T = 1…10, Dopri5 at rtol = atol = 1e-5, the three methods.
func DefaultToyConfig() ToyConfig {
	return ToyConfig{
		Ks:      []float64{-1, 1},
		Ts:      []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		Z0:      1,
		Methods: []ode.Gradient{ode.Naive, ode.Adjoint, ode.ACA},
		Options: ode.Options{Method: ode.Dopri5, RTol: 1e-5, ATol: 1e-5},
	}
}

// ToyRow is one (method, k, T) of the toy sweep. Its JSON keys are part of
// the command's contract.
type ToyRow struct {
	Method     string  `json:"method"`
	K          float64 `json:"k"`
	T          float64 `json:"T"`
	GradZ0     float64 `json:"grad_z0"`
	GradZ0True float64 `json:"grad_z0_true"`
	RelErrZ0   float64 `json:"rel_err_z0"`
	GradK      float64 `json:"grad_k"`
	GradKTrue  float64 `json:"grad_k_true"`
	RelErrK    float64 `json:"rel_err_k"`
	NFEFwd     int     `json:"nfe_fwd"`
	NFEBwd     int     `json:"nfe_bwd"`
}

// Toy runs one (method, k, T) of the toy problem.
func Toy(m ode.Gradient, k, z0, T float64, opts ode.Options) (ToyRow, error) {
	kv := autograd.Leaf(tensor.FromFloat64([]float64{k}, 1))
	zv := autograd.Leaf(tensor.FromFloat64([]float64{z0}, 1))
	f := ode.WithParams(ode.Func(func(g *autograd.Graph, _ float64, z *autograd.Value) *autograd.Value {
		return g.Mul(z, kv)
	}), kv)
	opts.Gradient = m
	g := autograd.NewGraph()
	sol, err := ode.SolveGraph(g, f, zv, []float64{0, T}, opts)
	if err != nil {
		return ToyRow{}, fmt.Errorf("toy (%s, k = %g, T = %g): %w", m, k, T, err)
	}
	if err := g.SumAll(g.Square(sol.Y[1])).Backward(); err != nil {
		return ToyRow{}, fmt.Errorf("toy (%s, k = %g, T = %g): %w", m, k, T, err)
	}
	e := math.Exp(2 * k * T)
	r := ToyRow{
		Method: m.String(), K: k, T: T,
		GradZ0: zv.Grad().Item(), GradZ0True: 2 * z0 * e,
		GradK: kv.Grad().Item(), GradKTrue: 2 * z0 * z0 * T * e,
		NFEFwd: sol.Stats.Forward.NFE, NFEBwd: sol.Stats.Backward.NFE,
	}
	r.RelErrZ0 = relErr(r.GradZ0, r.GradZ0True)
	r.RelErrK = relErr(r.GradK, r.GradKTrue)
	return r, nil
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// ToySweep runs the whole sweep, calling progress (if not nil) after each
// row, and returns the rows in the order method, k, T.
func ToySweep(c ToyConfig, progress func(ToyRow)) ([]ToyRow, error) {
	return ToySweepContext(context.Background(), c, progress)
}

// ToySweepContext is ToySweep that stops between two rows once ctx is
// cancelled: it returns the rows finished so far and an error wrapping
// ctx's cause (errors.Is(err, context.Canceled)).
func ToySweepContext(ctx context.Context, c ToyConfig, progress func(ToyRow)) ([]ToyRow, error) {
	var rows []ToyRow
	for _, m := range c.Methods {
		for _, k := range c.Ks {
			for _, T := range c.Ts {
				if ctx.Err() != nil {
					return rows, fmt.Errorf("toy: stopped after %d rows: %w", len(rows), context.Cause(ctx))
				}
				r, err := Toy(m, k, c.Z0, T, c.Options)
				if err != nil {
					return rows, err
				}
				rows = append(rows, r)
				if progress != nil {
					progress(r)
				}
			}
		}
	}
	return rows, nil
}
