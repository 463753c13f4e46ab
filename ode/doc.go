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
//   - Options.MaxSteps bounds the attempts over the whole solve (default
//     100000); torchdiffeq counts per output interval.
//   - HeunEuler starts each step from f(t1, y1); torchdiffeq's adaptive_heun
//     reuses the derivative at the Euler predictor, so it spends half the
//     evaluations on a different (first-order) continuation.
//   - Dense output of the methods without their own continuous extension is
//     cubic Hermite; torchdiffeq fits a quartic through a midpoint for
//     bosh3 and adaptive_heun, and interpolates fixed-grid solves linearly.
//   - RK4 is the classic method; torchdiffeq's rk4 is the 3/8 rule.
//   - The first step is clamped to MaxStep.
//
// On a recording backend an output time that falls exactly on a step's end
// is that step's end state, so its dependence on the step size through the
// interpolation variable is not differentiated; this matters only for the
// naive method with a hand-set first step that makes a step end exactly on
// an output time.
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
// Every solve reports Stats (evaluations, accepted and rejected steps, wall
// time).
// Failures are typed: *OptionError before any work, *StepSizeError,
// *StepLimitError and *NonFiniteError during the solve, each carrying t and
// h. An adaptive solve whose steps shrink because the dynamics keep
// producing non-finite values just ahead fails with a *NonFiniteError at
// the time it reached, not with a step size underflow.
//
// # Gradients
//
// SolveGraph is the differentiable solve: its outputs are values on an
// autograd graph, and a backward pass from any loss of them gives the
// gradients with respect to the initial state and the dynamics' parameters
// (declared through Parametric; WithParams for a Func, and an nn module's
// Dynamics declares its own). Options.Gradient chooses the method, the
// paper's Table 1:
//
//   - ACA (the default): the forward pass records nothing and keeps the
//     accepted (t_i, h_i, z_i); the backward pass re-runs each accepted step
//     on a graph of its own, h_i a constant, backpropagates the running λ
//     through it and drops the graph. Memory: one step's graph plus the
//     checkpoints; backward evaluations: the stages of each accepted step
//     (6 for Dopri5, FSAL), plus one for a step holding an interpolated
//     output. Its gradient is exact for the discrete solve with its step
//     sizes frozen; it checks that each re-run reproduces the forward pass,
//     so dynamics that change between calls are an error, not a wrong
//     gradient. With Options.ACAMemory set, the forward pass records each
//     trial step on a graph of its own instead (a rejected trial's is
//     dropped) and keeps the accepted steps' graphs while they fit in the
//     budget, as the PyTorch peers' fast mode keeps the whole solve's: the
//     backward pass backpropagates through a kept graph at once and
//     re-runs only the other steps. The kept graphs are those the re-runs
//     would build, so the outputs and gradients are the same bits for
//     every budget; the backward NFE counts the re-runs only (0 when every
//     step was kept), GradStats.KeptSteps and KeptBytes what was kept.
//   - Naive: everything is recorded on the caller's graph, the rejected
//     trials and the step-size controller included, so the gradient also
//     follows the step sizes' dependence on the inputs: it is the derivative
//     of the adaptive solve. Dynamics that depend on time should then take
//     it as a value (TimeDynamics, TimeFunc): the stage times move with the
//     step sizes, and with a Func, whose t is a float64, that dependence is
//     lost (on a tanh(2t−1) dynamics the tests measure such a gradient
//     6–24 % off the adaptive solve's central differences, where the
//     TimeFunc one agrees to 1e-9). Memory grows with every attempted step.
//
// Naive here is not torchdiffeq's backpropagation through odeint: current
// torchdiffeq computes the next step size under torch.no_grad, so that its
// gradient is, the first step aside, the gradient with the step sizes
// frozen, which is ACA's (computed with all the activations held). The
// gradient of the adaptive map that Naive computes differs from it by the
// step sizes' dependence on the inputs, and neither is always the closer
// to the true gradient. On the toy problem (dz/dt = −z, T = 10, 1e-5)
// Naive's relative error in dL/dz0 is 0.20 against ACA's 0.092, both
// against the exact gradient (TestToyProblem, aca toy). On the three-body
// model (package experiments, the masses' gradient of the first epoch's
// loss, seed 1) against central differences of a solve at 1e-12: at rtol
// 1e-7 Naive 5.3e-5, ACA 1.4e-3, the adjoint 6.3e-5; at 1e-6 Naive
// 4.2e-4, ACA 1.4e-2, the adjoint 6.1e-4.
//   - Adjoint (Chen et al.): the forward pass keeps only the outputs; the
//     backward pass solves [z, a, a_θ] backward in time over each output
//     interval with its own error control (Options.Adjoint*), restarting z
//     from the forward output at each output time as torchdiffeq does, with
//     torchdiffeq's mixed norm. GradStats.ReconError reports how far its
//     reconstructed z(t0) lands from the true one.
//
// SolveGraphAt takes the output times as a value too, and differentiates
// with respect to them (a learned end time, say): dL/dt_0 and dL/dt_i for
// every method, the naive one the adaptive solve's, ACA's with the steps
// frozen, the adjoint's from the continuous formulas.
//
// GradStats (GraphSolution.Stats) reports the forward and backward
// evaluations, steps and wall times and the bytes held by graphs and
// checkpoints; the backward pass of ACA and the adjoint completes it in
// place. Misuse is an error: a second backward pass
// through the same solve (ErrConsumed), a non-finite λ (a *BackwardError
// naming the step; for Naive, a non-finite gradient of a step's starting
// state), dynamics that change the state's shape, or dynamics
// that compute with a leaf they did not declare.
//
// A caution measured on the three-body problem (package experiments): near
// a close encounter, the gradient of the frozen-step map that ACA computes
// can differ a lot from that of the adaptive map (the naive gradient) and
// from the continuous one, because the frozen step grid does not move with
// the encounter; at rtol 1e-7 one such gradient was 50× the true one. The
// experiment clips gradient norms for every method.
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
