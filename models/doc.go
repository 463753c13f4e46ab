// Package models builds the image classifiers of the paper's section 4.2:
// ResNet18 (He et al. 2016) and NODE18, the same network with the second
// basic block of every stage replaced by an ODE block.
//
// # Architecture
//
// Both models are, for a base width w:
//
//	conv1   3×3 convolution, InChannels → w, stride 1, padding 1, no bias
//	bn1     normalisation, then ReLU
//	layer1  two blocks at width w,  stride 1
//	layer2  two blocks at width 2w, stride 2 (the first block)
//	layer3  two blocks at width 4w, stride 2
//	layer4  two blocks at width 8w, stride 2
//	        global average pool
//	fc      linear 8w → Classes, with bias
//
// In ResNet18 every block is nn.BasicBlock: conv-norm-ReLU-conv-norm plus
// the shortcut (a 1×1 convolution and a normalisation when the stride or
// the width changes), then ReLU. Depth 10 keeps only the first block of
// each stage.
//
// In NODE18 the first block of every stage stays a basic block (it changes
// the width and the stride); the second becomes an nn.ODEBlock, z(1) = z(0)
// + ∫₀¹ f(z) dt with f = conv-norm-ReLU-conv-norm-ReLU (ODEFunc). f holds
// exactly the parameters of the basic block it replaces, drawn from the
// random source in the same order, so NODE18 and ResNet18 made from the
// same seed have the same number of parameters and the same initial
// weights. Parameter names follow torchvision's state_dict
// ("layer2.0.downsample.0.weight", "fc.bias"); inside an ODE block the
// dynamics is the member "f" ("layer2.1.f.conv1.weight").
//
// This is the structure of the PyTorch twin used to time the models
// (../shared/peers/classify_step.py, after TorchDiffEqPack's image
// classification models): convolutions without bias, GroupNorm with
// min(32, c) groups, the same member layout, so the parameter counts agree
// (701,178 for width 16, one input channel and ten classes).
//
// # Normalisation
//
// Config.Norm is "group" (the default) or "batch". Inside an ODE block
// only group normalisation is allowed, and NewNODE refuses "batch" with an
// error. Batch normalisation in training mode makes f(z) of one image
// depend on the whole batch and updates the running statistics at every
// evaluation of f: an adaptive solve evaluates f a varying number of
// times (rejected trial steps included), ACA re-runs the accepted steps in
// its backward pass and the adjoint evaluates f backward in time, so the
// running statistics would depend on the gradient method and the step
// count rather than on the data, and updating them "once per accepted
// evaluation" would need the solver to tell the layer which evaluations
// will be kept. Group normalisation has no running statistics and treats
// every image on its own, so f is a deterministic function of z, which is
// what ACA's re-runs check. ResNet may use either.
//
// # Solvers
//
// Config.ODE sets the solver, the tolerances or steps and the gradient
// method of every ODE block; its zero value means Heun–Euler with rtol =
// atol = 1e-3 and ACA (the twin's defaults). SetODEOptions changes them on
// a trained model without touching a weight (the paper's Table 2), and NFE
// sums the blocks' function evaluations of the latest forward and backward
// pass.
package models
