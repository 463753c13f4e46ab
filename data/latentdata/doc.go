// Package latentdata makes the irregularly sampled time series of the
// latent ODE experiment (the paper's section 4.3, after Rubanova, Chen and
// Duvenaud 2019): a substitute for the MuJoCo Hopper set, which needs
// DeepMind's control suite, and Rubanova's 1-D periodic toy set.
//
// # The pendulum chain (a Hopper substitute)
//
// Chain is a planar chain of N links hanging from a fixed pivot under
// gravity. Each link is a massless rod of length L_k carrying a point mass
// m_k at its far end (point masses, not uniform rods); the joints have
// light viscous damping on the relative angles. The state is the N
// absolute link angles q (from the downward vertical) and their rates q̇,
// 2N numbers: 14 for the default 7 links, like Hopper's 14. The equations
// of motion come from the Lagrangian T − V:
//
//	M(q) q̈ = τ(q, q̇)
//	M_ij = μ_max(i,j) L_i L_j cos(q_i − q_j),  μ_k = Σ_{l≥k} m_l
//	τ_i  = −Σ_j μ_max(i,j) L_i L_j sin(q_i − q_j) q̇_j² − g μ_i L_i sin q_i + Q_i
//
// with the damping force Q = −∂D/∂q̇ of D = ½ c Σ_k (q̇_k − q̇_{k−1})²
// (q̇_0 = 0 at the pivot). M is symmetric positive definite and solved by
// Cholesky. Energy(q, q̇) = T + V is conserved without damping, which the
// tests check.
//
// Pendulum generates the data set: sequences of equally spaced times on
// [0, T], each from a random initial state (by default a random mixture of
// the chain's 3 slowest normal modes, Chain.NormalModes; see
// PendulumConfig.Modes for why) drawn from its own seeded source
// (so the set does not depend on the number of goroutines), solved with the
// project's Dopri5 (ode.SolveFunc) at rtol = atol = 1e-10, split 80/20 into
// training and test sequences, each dimension scaled to [0, 1] by the
// minimum and maximum over the training set (the preprocessing of
// Rubanova's MuJoCo set). LoadOrGenerate caches the raw trajectories in a
// file whose header records every generator parameter: a cache made with
// other parameters is regenerated, a corrupt one is an error naming the
// file.
//
// # Irregular sampling
//
// Mask keeps a random fraction of each sequence's times as observations,
// always the first, reproducibly from a seed. Models see only the observed
// points; the interpolation error is measured on all times.
//
// # The periodic toy set
//
// Periodic makes 1-D sinusoids of random frequency and phase with a little
// Gaussian noise, for quick tests (see PeriodicConfig).
package latentdata
