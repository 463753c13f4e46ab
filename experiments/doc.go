// Package experiments holds the paper's experiments and the workloads the
// project times against the PyTorch peers, one file each, as library code
// returning typed results: the command aca runs them, the tests check them
// on small sizes, and the benchmarks time them.
//
//   - ODEDemo: torchdiffeq's ode_demo model (a 2-D spiral fitted by a tanh
//     MLP), one training iteration as the peers time it.
//   - ConvBench: a convolutional ODE block on MNIST-sized images, one
//     training step.
//   - Toy: the paper's section 4.1, dz/dt = kz with L = z(T)², whose exact
//     gradients are known.
//   - Reverse: the paper's Fig. 4–5, the adjoint method's reverse-time
//     reconstruction of a forward solve.
//   - ThreeBody: the paper's section 4.4 and Table 5, learning the masses of
//     three bodies (ODE), or their accelerations (NODE), from positions.
//   - Classify: the paper's section 4.2, Fig. 7 and Tables 2–3: NODE18
//     (with each gradient method) against ResNet18 on images, runs that
//     checkpoint and resume bit for bit, the solver swap, and the merge of
//     runs into a report with test-retest ICC.
package experiments
