// Package autograd is define-by-run reverse-mode differentiation over package
// tensor, built for what the adaptive checkpoint adjoint needs: graphs with an
// explicit lifetime, recording that can be switched off per computation, and
// memory that can be measured.
//
// # Graphs, values and leaves
//
// A *Graph records operations as they run. Operations are methods on the
// graph (g.Tanh(x), g.Linear(x, w, b), …) taking and returning *Value. A nil
// *Graph is valid and records nothing: the same code computes with or
// without a tape depending only on the graph it is handed, and there is no
// package-level "grad enabled" switch, so two goroutines can train two models
// at once.
//
// Leaf values (Leaf) are the variables gradients are taken with respect to:
// model parameters, or an input whose gradient is wanted. Their gradients
// accumulate across backward passes until ZeroGrad. Constant values
// (Constant) never receive gradients. An operation is recorded only if at
// least one input is a leaf or a recorded value; otherwise its result is a
// constant and costs the graph nothing.
//
// # Lifetime
//
// Backward runs the chain rule from one output back to the leaves, adds the
// leaves' gradients and frees the graph: every node and the tensors it saved
// are released, and calling Backward again is an error. Grad computes the
// same vector-Jacobian products but returns them instead of accumulating them.
// Free drops a graph without a backward pass. A value recorded on one graph
// cannot be an input to another; Detach turns it into a constant.
//
// # Memory
//
// Bytes and PeakBytes report what a graph holds: the outputs of recorded
// operations and the extra tensors their backward passes saved. A Meter
// aggregates that across graphs (for example the sequence of one-step graphs
// of the checkpoint adjoint), which is how Table 1's memory column is
// measured rather than asserted.
//
// # Checking gradients
//
// Every operation has a hand-written vector-Jacobian product. GradCheck
// compares one with central finite differences in float64; package opcheck
// holds a case for every operation Ops lists.
package autograd
