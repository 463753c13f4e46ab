// Package train holds what a training run needs around the model and the
// optimizer: random sources whose state can be saved, and checkpoints that
// let an interrupted run resume bit for bit.
//
// A checkpoint is one safetensors file (so the weights inside stay readable
// by PyTorch): the model's parameters and buffers under "model.<name>", the
// optimizer's state under "optim.<name>", and in the metadata the epoch and
// the state of each named random source. It is written atomically.
package train
