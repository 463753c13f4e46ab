// Package latentode builds the models of the latent ODE experiment (the
// paper's section 4.3, Table 4; Rubanova, Chen and Duvenaud 2019) for
// irregularly sampled time series: two recurrent baselines and the latent
// ODE with an ODE-RNN encoder.
//
// # Data
//
// A Batch holds B sequences sampled at T shared times, the values X
// [T, B, D] and which times of each sequence are observed. Models read the
// observed values only; they predict every time.
//
// # RNN-Δt and GRU-Δt
//
// A recurrent cell (a tanh RNN or a GRU) reads, at each observed time t_i
// of a sequence, the observation and the gap Δ since the sequence's
// previous observation: h ← cell([x_i, Δ], h). Every time t_i (observed or
// not) is predicted before its observation is read, from the state and the
// gap since the last observation: x̂_i = W [h, Δ] + b. So the baselines
// interpolate from the past only. Loss: the mean squared error over the
// observed points.
//
// # Latent ODE
//
// The encoder is an ODE-RNN run backwards in time over the times at which
// any sequence of the batch is observed: from h = 0 at the last such time,
// the state is updated by a GRU cell at each time, h ← h + m ⊙ (GRU([x·m, m],
// h) − h) with m = 1 for the sequences observed there and 0 for the others,
// and evolved between times by dh/dt = f_enc(h), an MLP, solved backwards
// with ode.SolveGraph. A linear layer maps the final h to the mean μ and
// log-variance log σ² of q(z0). z0 = μ + σ ⊙ ε (ε ~ N(0, I) from the
// caller's seeded source; ε = 0 for evaluation), dz/dt = f_dec(z) (an MLP)
// is solved from t_0 through every time, and a linear decoder maps z(t_i)
// to x̂_i. Both solves use the same ode.Options, hence the same gradient
// method.
//
// Loss per batch: the Gaussian negative log-likelihood of the observed
// points with a fixed standard deviation ObsStd, averaged over each
// sequence's observed values, plus KLWeight · KL(q(z0) ‖ N(0, I)), both
// averaged over the batch (Rubanova's loss with one sample of z0 and without
// the constant ½ log 2π). Reported as the MSE.
//
// Differences from Rubanova's implementation: the GRU update is nn.GRUCell
// on [x·m, m] (Rubanova's GRU unit has MLP gates of 100 units and carries a
// mean and a standard deviation); one sample of z0 per sequence (Rubanova
// takes 3); every gap of the encoder is solved with the chosen solver
// (Rubanova takes one Euler step for short gaps).
package latentode
