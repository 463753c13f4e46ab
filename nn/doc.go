// Package nn builds models from layers over package autograd: a Module
// interface, the usual layers (Linear, Conv2d, BatchNorm2d, GroupNorm,
// activations, Flatten, Dropout, pooling, Sequential, a residual wrapper,
// ResNet's basic block, LSTM and GRU cells and layers), initialisers
// (Kaiming and Xavier, normal and uniform) and losses (cross-entropy with
// optional label smoothing, MSE, L1).
//
// # Modules
//
// A Module has a Forward method, which computes on a graph (a nil graph
// records nothing: inference), and a Members method, which lists its own
// parameters, buffers and child modules in a fixed order. Everything else
// walks that tree:
//
//   - NamedParams and NamedBuffers give every parameter (an autograd.Leaf,
//     whose gradient accumulates across backward passes) and every buffer (a
//     plain tensor: batch normalisation's running statistics) with its
//     PyTorch state_dict name, such as "layer1.0.conv1.weight" or
//     "bn.running_mean", always in the same order. Together they are all a
//     model needs to be saved and restored bit for bit (a Dropout's random
//     source aside: it is not a tensor); Params is what an
//     optimizer updates.
//   - ZeroGrad zeroes the parameters' gradients.
//   - SetTraining switches the modules that implement TrainingMode
//     (BatchNorm2d, Dropout) between training and evaluation. Modules start
//     in training mode, as in PyTorch.
//
// A module of one's own implements the two methods; ParamMember,
// BufferMember and ChildMember make its members, and Func wraps a plain
// function as a module without parameters.
//
// # Time
//
// The dynamics f(t, z) of an ODE block is a Module; one whose output
// depends on t also implements TimeModule (ForwardT). The function ForwardT
// calls any module at a time t, using ForwardT where it exists and Forward
// otherwise, and Sequential and Residual pass t on to their children the
// same way. An ODE block is then a Module whose Forward solves dz/dt =
// ForwardT(g, f, t, z) — Dynamics{F: f} is that right-hand side, with the
// method set of package ode's Dynamics — and whose Members list f as a
// child, so its parameters are found like any other layer's. Batch normalisation in
// training mode and dropout are stateful: in a dynamics function they
// change from one evaluation to the next (and the running statistics are
// updated at every evaluation), which the gradient methods that re-run
// steps do not expect.
//
// # Recurrent layers
//
// LSTMCell, GRUCell, LSTM and GRU follow PyTorch's equations, gate order
// and parameter names exactly, so weights move to and from torch.nn.LSTM,
// GRU and the cells unchanged. Sequences are time-major: x is [T, B, F]
// (PyTorch's default batch_first=False); a cell's Step takes x [B, F]. Run
// returns the hidden state at every step and the final states.
//
// For irregularly sampled sequences, Run takes an optional tensor of time
// gaps Δt [T, B, 1] (the time since each sequence's previous observation,
// as the RNN baselines of the neural-ODE literature use). It is
// concatenated to the input features, so the first layer sees [T, B, F+1]:
// make such a layer with input size F+1.
//
// # Conventions
//
// Layers are made by constructors that take the dtype (tensor.Float32 or
// tensor.Float64) and, where they draw random numbers, an explicit
// *rand.Rand (tensor.NewRNG makes a seeded one): the same seed gives the
// same model. Default initialisation is PyTorch's. Constructors return an
// error for a bad configuration (a non-positive size, an invalid dtype);
// Must turns that into a panic for models fixed in the program. A shape
// mismatch at Forward is a programmer error and panics with a message naming
// the shapes. Images are [N, C, H, W]; sequences are time-major [T, B, F].
package nn
