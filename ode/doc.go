// Package ode solves ordinary differential equations dy/dt = f(t, y) with
// explicit Runge–Kutta methods, fixed-step or adaptive, and is the layer the
// gradient methods (naive backpropagation, the adjoint, the adaptive
// checkpoint adjoint) are built on.
//
// # Methods
//
// A method is a *Tableau: Butcher coefficients, an optional embedded error
// estimate and an optional continuous extension. The built-in ones are
// Euler, Midpoint and RK4 (fixed step only), and HeunEuler 2(1),
// BogackiShampine 3(2), Dopri5 5(4) and Tsit5 5(4) (adaptive, or fixed when
// given a step). Adding a method means adding a Tableau value.
//
// # Step-size control
//
// The controller is torchdiffeq's: the error ratio is the RMS over all
// elements of e/(atol + rtol·max(|y0|, |y1|)); a step is accepted when it is
// at most 1; the next step is h·min(ifactor, max(dfactor, safety·ratio^(−1/p)))
// with p the order of the propagated solution, and never shrinks right after
// an accepted step. The first step is chosen by Hairer's algorithm, as
// torchdiffeq does it. Dopri5 uses torchdiffeq's embedded weights. With
// these, the number of function evaluations matches torchdiffeq's on the
// paper's test problem exactly (128 and 86 for dz/dt = ±z on [0, 10] at
// 1e-5).
//
// Differences from torchdiffeq, each deliberate:
//   - A step the controller wants below Options.MinStep is an error, not a
//     step silently taken at MinStep.
//   - A trial step that produces a NaN or an infinity is rejected and retried
//     with h·DFactor, up to ten times in a row, before the solve fails with a
//     *NonFiniteError; torchdiffeq fails at once (or loops to an underflow).
//   - Options.MaxSteps bounds the attempts (default 100000).
//
// Like torchdiffeq, the adaptive solver does not shorten its last step to
// land on the final time: it may step past it and interpolates back.
//
// # Output
//
// Solve returns the state at every requested time; the times must be
// strictly monotonic and may decrease (integrating backward in time).
// Outputs between steps come from the method's dense output: Dopri5's
// fourth-order continuous extension, Tsit5's own, cubic Hermite
// interpolation for the rest. A state may have any shape and be float32 or
// float64; a batch shares one sequence of steps. SolveFunc is the same for
// a plain function on []float64.
//
// Every solve reports Stats (evaluations, accepted and rejected steps).
// Failures are typed: *OptionError before any work, *StepSizeError,
// *StepLimitError and *NonFiniteError during the solve, each carrying t and
// h.
//
// # Recording
//
// The stepping loop is written once, over an internal interface with two
// implementations: plain tensors (no recording, with buffers reused across
// steps) and autograd values (every operation recorded, the step-size
// controller included). Both run the same fused kernels, so a step re-run on
// a graph reproduces the unrecorded one bit for bit; this is what the
// gradient methods rely on.
package ode
