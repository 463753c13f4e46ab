// Package optim holds the optimizers that train package nn's models — SGD
// (momentum, Nesterov, weight decay), Adam, AdamW and RMSprop — and
// learning-rate schedules (step decay, the paper's multi-step decay, cosine
// annealing).
//
// An optimizer works over a list of parameters (autograd leaves, as
// nn.Params returns them): Step reads each one's accumulated gradient and
// updates its tensor in place, keeping its own state per parameter. The
// update formulas are PyTorch's, term for term, so hyperparameters carry
// over; the arithmetic of one element is done in float64 and the result
// stored in the parameter's dtype, as is the state.
//
// # Checkpoints
//
// State returns everything an optimizer carries from one step to the next,
// as named tensors: the learning rate ("lr") and, per parameter index i,
// names like "i.momentum_buffer", "i.exp_avg" or "i.step". LoadState on an
// optimizer made with the same configuration over parameters holding the
// same values restores it exactly: the steps that follow are bit for bit
// those the original would have taken.
//
// # Schedules
//
// A Schedule is a function from the epoch (counted from 0) to the learning
// rate, with no state of its own; Apply sets an optimizer's rate from it.
//
//	sched, _ := optim.PaperLR(0.1) // ×0.1 at epochs 30 and 60
//	for epoch := range 90 {
//		sched.Apply(opt, epoch)
//		// … train one epoch …
//	}
package optim
