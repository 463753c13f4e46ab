package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/data"
	"github.com/acaode/aca/internal/jsonx"
	"github.com/acaode/aca/models"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/nn/safetensors"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
	"github.com/acaode/aca/train"
)

// ClassifyConfig configures one training run of the image classification
// experiment of the paper's section 4.2: a ResNet or a NODE (the ResNet
// with the second basic block of every stage an ODE block) trained by SGD
// with momentum and weight decay and a step schedule, on Fashion-MNIST or
// CIFAR.
type ClassifyConfig struct {
	// Data names the data set, for reports ("fashion-mnist", "cifar10",
	// "cifar100", or anything for a set passed in by a test).
	Data string `json:"data"`
	// Model is "node" or "resnet"; Depth (18) and Width (the first stage's
	// channels) shape it; Norm is the normalisation inside the blocks
	// ("group", the default, or "batch").
	Model string `json:"model"`
	Depth int    `json:"depth"`
	Width int    `json:"width"`
	Norm  string `json:"norm"`
	// Method is the NODE's gradient method: "aca", "adjoint" or "naive"
	// ("" for a ResNet).
	Method string `json:"method"`
	// Solver is the NODE's solver (a name ode.ParseMethod
	// accepts); Steps is its number of fixed steps on [0, 1] for a method
	// without error control, RTol and ATol its tolerances otherwise.
	Solver string  `json:"solver"`
	Steps  int     `json:"steps"`
	RTol   float64 `json:"rtol"`
	ATol   float64 `json:"atol"`
	// Epochs, Batch and the optimizer: SGD with Momentum and WeightDecay,
	// learning rate LR multiplied by LRFactor at each of Milestones
	// (epochs counted from 0: the rate changes when that many epochs are
	// done).
	Epochs      int     `json:"epochs"`
	Batch       int     `json:"batch"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	Milestones  []int   `json:"lr_milestones"`
	LRFactor    float64 `json:"lr_factor"`
	// Crop is the padding of the random crop (0: none); Flip turns on the
	// random horizontal flip (probability 1/2).
	Crop int  `json:"crop"`
	Flip bool `json:"flip"`
	// Subset and TestSubset keep only the first that many training and test
	// images (0: all). The first images are the same for every run, so runs
	// differ only by their seed.
	Subset     int `json:"subset"`
	TestSubset int `json:"test_subset"`
	// Seed draws the initial weights, the batch order and the augmentation;
	// Run is the run's index (1-based) in a study, for reports.
	Seed uint64 `json:"seed"`
	Run  int    `json:"run"`
	// Swap lists the solvers the trained NODE is evaluated under after
	// training (the paper's Table 2); nil: none.
	Swap []SwapSolver `json:"swap,omitempty"`
	// ACAMemory is ACA's budget in bytes, per ODE block, for the graphs of
	// accepted steps kept from the forward pass (ode.Options.ACAMemory):
	// 0, the default and the paper's ACA, keeps none and re-runs every
	// step in the backward pass; ode.ACAMemoryAll keeps every one. The
	// weights, losses, accuracies and predictions are the same bits for
	// every budget; the time, memory and NFE figures change (no re-run
	// evaluations in the backward pass, one more per kept step with an
	// output in the forward pass). So a resumed run may change it, and
	// each epoch records the budget it trained with. The other methods
	// ignore it.
	ACAMemory int64 `json:"aca_memory,omitempty"`
}

// SwapSolver is one solver of the solver swap: a fixed-step method with
// Steps steps on [0, 1], or an adaptive one with RTol and ATol.
type SwapSolver struct {
	Solver string  `json:"solver"`
	Steps  int     `json:"steps,omitempty"`
	RTol   float64 `json:"rtol,omitempty"`
	ATol   float64 `json:"atol,omitempty"`
}

// DefaultSwap returns the paper's Table 2 solvers: Euler, RK2 (midpoint)
// and RK4 with steps fixed steps; HeunEuler, RK23 (Bogacki–Shampine) and
// Dopri5 with the tolerances rtol and atol.
func DefaultSwap(steps int, rtol, atol float64) []SwapSolver {
	return []SwapSolver{
		{Solver: "euler", Steps: steps}, {Solver: "midpoint", Steps: steps}, {Solver: "rk4", Steps: steps},
		{Solver: "heun_euler", RTol: rtol, ATol: atol}, {Solver: "bosh3", RTol: rtol, ATol: atol}, {Solver: "dopri5", RTol: rtol, ATol: atol},
	}
}

// DefaultClassify returns the defaults of the study on Fashion-MNIST at
// width 16: a NODE18 trained with ACA and HeunEuler at rtol 0.1 and atol
// 0.01 (the tolerances of TorchDiffEqPack's classification script), batch
// 128, lr 0.1, momentum 0.9, weight decay 5e-4, 15 epochs with the rate
// ×0.1 after 5 and 10, crop padding 2, no flip, seed 1.
func DefaultClassify() ClassifyConfig {
	return ClassifyConfig{
		Data: "fashion-mnist", Model: "node", Depth: 18, Width: 16, Norm: "group",
		Method: "aca", Solver: "heun_euler", Steps: 4, RTol: 0.1, ATol: 0.01,
		Epochs: 15, Batch: 128, LR: 0.1, Momentum: 0.9, WeightDecay: 5e-4,
		Milestones: []int{5, 10}, LRFactor: 0.1, Crop: 2, Seed: 1, Run: 1,
	}
}

// PaperMilestones returns the paper's schedule for epochs: the rate drops
// after one and two thirds of the epochs (rounded; repeated or zero
// milestones, for very short runs, are dropped).
func PaperMilestones(epochs int) []int {
	var out []int
	for _, m := range []int{int(math.Round(float64(epochs) / 3)), int(math.Round(2 * float64(epochs) / 3))} {
		if m > 0 && m < epochs && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// Validate reports a configuration that cannot run, naming the field.
func (c *ClassifyConfig) Validate() error {
	bad := func(format string, a ...any) error { return fmt.Errorf("classify: "+format, a...) }
	switch {
	case c.Model != "node" && c.Model != "resnet":
		return bad("model %q: want node or resnet", c.Model)
	case c.Depth != 18:
		return bad("depth %d: only 18 is built", c.Depth)
	case c.Width < 1:
		return bad("width %d: want ≥ 1", c.Width)
	case c.Norm != "group" && c.Norm != "batch":
		return bad("norm %q: want group or batch", c.Norm)
	case c.Epochs < 1:
		return bad("epochs %d: want ≥ 1", c.Epochs)
	case c.Batch < 1:
		return bad("batch %d: want ≥ 1", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return bad("lr %g: want a positive number", c.LR)
	case !(c.LRFactor >= 0) || math.IsInf(c.LRFactor, 0):
		return bad("lr factor %g: want a non-negative number", c.LRFactor)
	case c.Crop < 0:
		return bad("crop padding %d: want ≥ 0", c.Crop)
	case c.Subset < 0 || c.TestSubset < 0:
		return bad("subset %d / test subset %d: want ≥ 0", c.Subset, c.TestSubset)
	case c.Run < 1:
		return bad("run %d: want ≥ 1", c.Run)
	case c.ACAMemory < 0 && c.ACAMemory != ode.ACAMemoryAll:
		return bad("ACA memory %d: want ≥ 0 bytes, or %d for all", c.ACAMemory, ode.ACAMemoryAll)
	}
	// The architecture's own limits (GroupNorm's groups divide every
	// stage's width), before any data is loaded. The channels and classes
	// do not change them.
	if err := (models.Config{Depth: c.Depth, Width: c.Width, InChannels: 1, Classes: 10, Norm: c.Norm}).Validate(c.Model == "node"); err != nil {
		return bad("%v", err)
	}
	for i, m := range c.Milestones {
		if m < 1 || (i > 0 && m <= c.Milestones[i-1]) {
			return bad("lr milestones %v: want positive and strictly increasing", c.Milestones)
		}
	}
	if c.Model == "node" {
		if _, err := ode.ParseGradient(c.Method); err != nil {
			return bad("method %q: want aca, adjoint or naive", c.Method)
		}
		if _, err := c.odeOptions(); err != nil {
			return err
		}
		for _, s := range c.Swap {
			if _, err := s.options(); err != nil {
				return err
			}
		}
	}
	return nil
}

// options returns the solver options of s (without a gradient method).
func (s SwapSolver) options() (ode.Options, error) {
	m, err := ode.ParseMethod(s.Solver)
	if err != nil {
		return ode.Options{}, fmt.Errorf("classify: solver %q: %v", s.Solver, err)
	}
	if !m.Adaptive() {
		if s.Steps < 1 {
			return ode.Options{}, fmt.Errorf("classify: solver %s has no error control: steps %d, want ≥ 1", m.Name, s.Steps)
		}
		return ode.Options{Method: m, Steps: s.Steps}, nil
	}
	if !(s.RTol >= 0) || !(s.ATol >= 0) || math.IsInf(s.RTol, 0) || math.IsInf(s.ATol, 0) || s.RTol+s.ATol == 0 {
		return ode.Options{}, fmt.Errorf("classify: solver %s: rtol %g and atol %g must be non-negative, finite and not both zero", m.Name, s.RTol, s.ATol)
	}
	return ode.Options{Method: m, RTol: s.RTol, ATol: s.ATol}, nil
}

// odeOptions returns the NODE's solve options.
func (c *ClassifyConfig) odeOptions() (ode.Options, error) {
	o, err := SwapSolver{Solver: c.Solver, Steps: c.Steps, RTol: c.RTol, ATol: c.ATol}.options()
	if err != nil {
		return o, err
	}
	if o.Gradient, err = ode.ParseGradient(c.Method); err != nil {
		return o, fmt.Errorf("classify: method %q: want aca, adjoint or naive", c.Method)
	}
	if o.Gradient == ode.ACA {
		o.ACAMemory = c.ACAMemory
	}
	return o, nil
}

// Label names the run's model and method: "node-aca", "resnet".
func (c *ClassifyConfig) Label() string {
	if c.Model == "resnet" {
		return "resnet"
	}
	return c.Model + "-" + c.Method
}

// ClassifyEpoch is what one epoch of training measured.
type ClassifyEpoch struct {
	Model  string `json:"model"`
	Method string `json:"method,omitempty"`
	Run    int    `json:"run"`
	Seed   uint64 `json:"seed"`
	// Epoch counts from 1; LR is the rate it trained with.
	Epoch int     `json:"epoch"`
	LR    float64 `json:"lr"`
	// TrainLoss and TrainAcc are the means over the epoch's training
	// batches (augmented, in training mode, as the weights changed);
	// TestAcc is the accuracy on the test set after the epoch.
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	TestAcc   float64 `json:"test_acc"`
	// Seconds is the epoch's training wall time (test evaluation and
	// checkpoint excluded; summed over the sessions of a resumed epoch);
	// TrainSeconds the run's total so far; TestSeconds the evaluation's.
	Seconds      float64 `json:"seconds"`
	TrainSeconds float64 `json:"train_seconds"`
	TestSeconds  float64 `json:"test_seconds"`
	// NFEForward and NFEBackward are the mean function evaluations per
	// ODE block per training batch (0 for a ResNet); NFETest per test
	// batch.
	NFEForward  float64 `json:"nfe_forward"`
	NFEBackward float64 `json:"nfe_backward"`
	NFETest     float64 `json:"nfe_test"`
	// GraphPeakBytes is the largest memory autograd held for one training
	// batch, by its own accounting: the batch graph's peak (which holds,
	// for ACA and the adjoint, the ODE blocks' checkpoints and kept step
	// graphs) plus, for those two, the largest graph an ODE block's
	// backward pass builds. (Before 2026-12-07 the checkpoints were counted
	// twice.) MaxRSSBytes is the
	// process's peak resident set size (getrusage): it never decreases,
	// so in a process that trains several models in turn it is the
	// largest of them so far.
	GraphPeakBytes int64 `json:"graph_peak_bytes"`
	MaxRSSBytes    int64 `json:"max_rss_bytes"`
	// ACAMemory is the ACA memory budget the epoch trained with
	// (ClassifyConfig.ACAMemory; for an epoch split over sessions, the
	// last session's): the time, NFE and memory figures depend on it.
	// 0 for the other methods.
	ACAMemory int64 `json:"aca_memory,omitempty"`
}

// SwapRow is the trained NODE evaluated under one solver (Table 2).
type SwapRow struct {
	SwapSolver
	// Trained marks the solver the model was trained with.
	Trained bool `json:"trained"`
	// ErrorRate is the test error (1 − accuracy); NFE the mean evaluations
	// per ODE block per test batch; Err the solver's failure, if it failed
	// (then ErrorRate is 1).
	ErrorRate float64 `json:"error_rate"`
	NFE       float64 `json:"nfe"`
	Err       string  `json:"error,omitempty"`
}

// Predictions are a trained model's predicted class probabilities on the
// test set: Probs[i][k] is the probability of class k for the test image
// with index Index[i] (its position in the full test set) and true label
// Label[i].
type Predictions struct {
	Index []int
	Label []int
	Probs [][]float64
}

// ClassifyResult is a finished run.
type ClassifyResult struct {
	Config  ClassifyConfig  `json:"config"`
	Epochs  []ClassifyEpoch `json:"epochs"`
	TestAcc float64         `json:"test_acc"`
	Params  int             `json:"params"`
	Swap    []SwapRow       `json:"swap,omitempty"`
	// Predictions are the final model's test-set probabilities.
	Predictions *Predictions `json:"-"`
}

// ClassifyHooks receive progress. Any may be nil.
type ClassifyHooks struct {
	// Batch is called after each training batch (epoch from 1, batch from
	// 1, of batches).
	Batch func(epoch, batch, batches int)
	// Epoch is called after each epoch's checkpoint is written.
	Epoch func(ClassifyEpoch)
}

// InterruptedError is returned when the context is cancelled: the batch
// under way was finished and a checkpoint saved from which the run
// resumes bit for bit.
type InterruptedError struct {
	Checkpoint string
	// Epoch (from 1) and Batch (completed batches of it) say where the run
	// stopped.
	Epoch, Batch int
}

// Error says where the run stopped and where it was saved.
func (e *InterruptedError) Error() string {
	return fmt.Sprintf("classify: interrupted after batch %d of epoch %d; saved to %s, from which the run resumes", e.Batch, e.Epoch, e.Checkpoint)
}

// LoadClassifyData loads the training and test sets of name
// ("fashion-mnist", "cifar10", "cifar100" with the fine labels) from dir.
// A missing file gives an error wrapping fs.ErrNotExist.
func LoadClassifyData(name, dir string) (trainSet, testSet *data.Dataset, err error) {
	load := func(train bool) (*data.Dataset, error) {
		switch name {
		case "fashion-mnist":
			return data.LoadFashionMNIST(dir, train)
		case "cifar10":
			return data.LoadCIFAR10(dir, train)
		case "cifar100":
			return data.LoadCIFAR100(dir, train, true)
		}
		return nil, fmt.Errorf("classify: data set %q: want fashion-mnist, cifar10 or cifar100", name)
	}
	if trainSet, err = load(true); err != nil {
		return nil, nil, err
	}
	if testSet, err = load(false); err != nil {
		return nil, nil, err
	}
	return trainSet, testSet, nil
}

// Keys of the checkpoint's metadata and names of its random sources.
const (
	metaConfig  = "classify.config"
	metaHistory = "classify.history"
	metaPartial = "classify.partial"
	rngOrder    = "order" // the batch-order source as it was when the unfinished epoch began
	rngAug      = "augment"
)

// partial is the state of an unfinished epoch, kept in the checkpoint:
// Batch batches of epoch Epoch are done and their sums are these.
type partial struct {
	Epoch, Batch      int
	LossSum           float64 // Σ mean batch loss × batch size
	Correct, Seen     int
	Seconds           float64
	NFEF, NFEB        float64 // Σ over batches of the mean NFE per block
	GraphPeak, MaxRSS int64
	TrainSeconds      float64 // finished epochs' total
}

// classifyRun holds a run's state.
type classifyRun struct {
	c          ClassifyConfig
	net        *models.Net
	opt        *optim.SGD
	sched      optim.Schedule
	order, aug *train.RNG
	orderStart []byte // order's state at the start of the unfinished epoch
	trainSet   *data.Dataset
	testSet    *data.Dataset
	mean, std  []float64
	history    []ClassifyEpoch
	p          partial
	path       string
}

// RunClassify trains the model c describes on trainSet and evaluates it on
// testSet, writing a checkpoint to checkpoint (atomically) after every
// epoch. With resume, an existing checkpoint at that path is loaded first
// and the run continues where it stopped, bit for bit (its configuration
// must equal c but for Epochs, which may grow). When ctx is cancelled the
// batch under way is finished, a checkpoint of the unfinished epoch saved
// and an *InterruptedError returned.
//
// At the end the test set's probabilities are predicted and, for a NODE,
// the trained model is evaluated under each solver of c.Swap.
func RunClassify(ctx context.Context, c ClassifyConfig, trainSet, testSet *data.Dataset, checkpoint string, resume bool, h ClassifyHooks) (*ClassifyResult, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if checkpoint == "" {
		return nil, errors.New("classify: no checkpoint path")
	}
	r, err := newClassifyRun(c, trainSet, testSet, checkpoint)
	if err != nil {
		return nil, err
	}
	if resume {
		if _, err := os.Stat(checkpoint); err == nil {
			if err := r.load(); err != nil {
				return nil, &CheckpointError{Path: checkpoint, Err: err}
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("classify: %v", err)
		}
	}
	if err := r.train(ctx, h); err != nil {
		return nil, err
	}
	return r.finish()
}

func newClassifyRun(c ClassifyConfig, trainSet, testSet *data.Dataset, path string) (*classifyRun, error) {
	for i, d := range []*data.Dataset{trainSet, testSet} {
		if err := d.Validate(); err != nil {
			return nil, err
		}
		if d.Len() == 0 { // nothing to learn from, or no accuracy to measure
			return nil, fmt.Errorf("classify: the %s set %q has no images", [2]string{"training", "test"}[i], d.Name)
		}
	}
	if c.Subset > 0 && c.Subset < trainSet.Len() {
		trainSet = trainSet.Slice(0, c.Subset)
	}
	if c.TestSubset > 0 && c.TestSubset < testSet.Len() {
		testSet = testSet.Slice(0, c.TestSubset)
	}
	ch, hh, ww := trainSet.ImageShape()
	if c2, h2, w2 := testSet.ImageShape(); c2 != ch || h2 != hh || w2 != ww || testSet.Classes != trainSet.Classes {
		return nil, fmt.Errorf("classify: test images %d×%d×%d in %d classes, training images %d×%d×%d in %d", c2, h2, w2, testSet.Classes, ch, hh, ww, trainSet.Classes)
	}
	mean, std, err := data.ChannelStats(trainSet.Images)
	if err != nil {
		return nil, err
	}
	for i := range std {
		if std[i] == 0 {
			std[i] = 1
		}
	}
	mc := models.Config{Depth: c.Depth, Width: c.Width, InChannels: ch, Classes: trainSet.Classes, DType: tensor.Float32, Norm: c.Norm}
	init := train.NewRNG(c.Seed)
	var net *models.Net
	if c.Model == "node" {
		if mc.ODE, err = c.odeOptions(); err != nil {
			return nil, err
		}
		net, err = models.NewNODE(init.Rand, mc)
	} else {
		net, err = models.NewResNet(init.Rand, mc)
	}
	if err != nil {
		return nil, fmt.Errorf("classify: %v", err)
	}
	opt, err := optim.NewSGD(nn.Params(net), optim.SGDConfig{LR: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay})
	if err != nil {
		return nil, err
	}
	sched, err := optim.MultiStepLR(c.LR, c.Milestones, c.LRFactor)
	if err != nil {
		return nil, err
	}
	// Independent streams for the order and the augmentation, so that
	// turning augmentation off does not change the batch order.
	r := &classifyRun{c: c, net: net, opt: opt, sched: sched,
		order: train.NewRNG(c.Seed ^ 0x6f72646572000000), aug: train.NewRNG(c.Seed ^ 0x6175676d656e7400),
		trainSet: trainSet, testSet: testSet, mean: mean, std: std, path: path}
	r.p.Epoch = 1
	r.orderStart, _ = r.order.MarshalBinary()
	return r, nil
}

// configJSON is the configuration as stored in a checkpoint, without the
// epochs (which a resumed run may extend) and ACA's memory budget (which
// changes no result).
func configJSON(c ClassifyConfig) string {
	c.Epochs, c.ACAMemory = 0, 0
	b, _ := json.Marshal(c)
	return string(b)
}

// save writes the checkpoint: the weights, the optimizer, the random
// sources (the order source as it was when the unfinished epoch began),
// the finished epochs' metrics and the unfinished epoch's sums.
func (r *classifyRun) save() error {
	order := train.NewRNG(0)
	if err := order.UnmarshalBinary(r.orderStart); err != nil {
		return err
	}
	hist, err := jsonx.Marshal(r.history, false)
	if err != nil {
		return fmt.Errorf("classify: saving metrics: %v", err)
	}
	part, err := json.Marshal(partialJSON(r.p))
	if err != nil {
		return err
	}
	return train.Save(r.path, &train.Checkpoint{Model: r.net, Optimizer: r.opt, Epoch: r.p.Epoch - 1,
		RNGs:     map[string]*train.RNG{rngOrder: order, rngAug: r.aug},
		Metadata: map[string]string{metaConfig: configJSON(r.c), metaHistory: string(hist), metaPartial: string(part)}})
}

// partialJSON stores the floats as exact decimal strings (NaN included).
func partialJSON(p partial) map[string]string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return map[string]string{
		"epoch": strconv.Itoa(p.Epoch), "batch": strconv.Itoa(p.Batch), "loss_sum": f(p.LossSum),
		"correct": strconv.Itoa(p.Correct), "seen": strconv.Itoa(p.Seen), "seconds": f(p.Seconds),
		"nfe_f": f(p.NFEF), "nfe_b": f(p.NFEB), "graph_peak": strconv.FormatInt(p.GraphPeak, 10),
		"max_rss": strconv.FormatInt(p.MaxRSS, 10), "train_seconds": f(p.TrainSeconds),
	}
}

func parsePartial(m map[string]string) (partial, error) {
	var p partial
	var errs []error
	i := func(k string) int {
		v, err := strconv.Atoi(m[k])
		errs = append(errs, err)
		return v
	}
	i64 := func(k string) int64 {
		v, err := strconv.ParseInt(m[k], 10, 64)
		errs = append(errs, err)
		return v
	}
	f := func(k string) float64 {
		v, err := strconv.ParseFloat(m[k], 64)
		errs = append(errs, err)
		return v
	}
	p.Epoch, p.Batch, p.LossSum = i("epoch"), i("batch"), f("loss_sum")
	p.Correct, p.Seen, p.Seconds = i("correct"), i("seen"), f("seconds")
	p.NFEF, p.NFEB, p.GraphPeak, p.MaxRSS, p.TrainSeconds = f("nfe_f"), f("nfe_b"), i64("graph_peak"), i64("max_rss"), f("train_seconds")
	return p, errors.Join(errs...)
}

// load restores a checkpoint written by save.
func (r *classifyRun) load() error {
	// The configuration first: a checkpoint of another model would fail
	// to load with a list of mismatched tensors, which says less.
	_, meta, err := safetensors.Read(r.path)
	if err != nil {
		return fmt.Errorf("classify: resuming: %w", err)
	}
	if got, want := meta[metaConfig], configJSON(r.c); got != want {
		return fmt.Errorf("classify: %s was written by another configuration:\n  file: %s\n  this: %s", r.path, got, want)
	}
	order := train.NewRNG(0)
	ck := &train.Checkpoint{Model: r.net, Optimizer: r.opt, RNGs: map[string]*train.RNG{rngOrder: order, rngAug: r.aug}}
	if err := train.Load(r.path, ck); err != nil {
		return err
	}
	var hist []ClassifyEpoch
	if err := jsonx.Unmarshal([]byte(ck.Metadata[metaHistory]), &hist); err != nil {
		return fmt.Errorf("classify: %s: metrics: %v", r.path, err)
	}
	var pm map[string]string
	if err := json.Unmarshal([]byte(ck.Metadata[metaPartial]), &pm); err != nil {
		return fmt.Errorf("classify: %s: unfinished epoch: %v", r.path, err)
	}
	p, err := parsePartial(pm)
	if err != nil || p.Epoch != len(hist)+1 || p.Batch < 0 {
		return fmt.Errorf("classify: %s: unfinished epoch %v does not follow %d finished ones (%v)", r.path, pm, len(hist), err)
	}
	r.history, r.p = hist, p
	r.orderStart, _ = order.MarshalBinary()
	_ = r.order.UnmarshalBinary(r.orderStart)
	return nil
}

// train runs the epochs not yet done.
func (r *classifyRun) train(ctx context.Context, h ClassifyHooks) error {
	loader, err := data.NewLoader(r.trainSet, r.c.Batch, true, r.order.Rand)
	if err != nil {
		return err
	}
	blocks := r.net.ODEBlocks()
	for ; r.p.Epoch <= r.c.Epochs; r.p.Epoch++ {
		lr := r.sched(r.p.Epoch - 1)
		r.opt.SetLR(lr)
		nn.SetTraining(r.net, true)
		batches := loader.EpochIndices() // draws the epoch's order from r.order
		for b := r.p.Batch; b < len(batches); b++ {
			if err := ctx.Err(); err != nil {
				if err := r.save(); err != nil {
					return err
				}
				return &InterruptedError{Checkpoint: r.path, Epoch: r.p.Epoch, Batch: r.p.Batch}
			}
			start := time.Now()
			if err := r.step(batches[b], blocks); err != nil {
				return fmt.Errorf("classify: epoch %d, batch %d: %w", r.p.Epoch, b+1, err)
			}
			r.p.Seconds += time.Since(start).Seconds()
			r.p.Batch = b + 1
			if h.Batch != nil {
				h.Batch(r.p.Epoch, b+1, len(batches))
			}
		}
		e, err := r.endEpoch(lr, len(batches), blocks)
		if err != nil {
			return err
		}
		if h.Epoch != nil {
			h.Epoch(e)
		}
	}
	// A finished run whose epochs were extended by a resume loops here.
	return nil
}

// step trains on one batch.
func (r *classifyRun) step(idx []int, blocks []*nn.ODEBlock) error {
	x, y := r.trainSet.Batch(idx)
	var err error
	if r.c.Crop > 0 {
		if x, err = data.RandomCrop(x, r.c.Crop, r.aug.Rand); err != nil {
			return err
		}
	}
	if r.c.Flip {
		if x, err = data.RandomHorizontalFlip(x, 0.5, r.aug.Rand); err != nil {
			return err
		}
	}
	if x, err = data.Normalize(x, r.mean, r.std); err != nil {
		return err
	}
	r.opt.ZeroGrad()
	g := autograd.NewGraph()
	var logits, loss *autograd.Value
	if err := nn.Try(func() {
		logits = r.net.Forward(g, autograd.Constant(x))
		loss = nn.CrossEntropy(g, logits, y, 0)
	}); err != nil {
		return err
	}
	lv := loss.Data().Values()[0]
	if math.IsNaN(lv) || math.IsInf(lv, 0) {
		return fmt.Errorf("the training loss is %g: training diverged (try a smaller --lr)", lv)
	}
	graphPeak := g.PeakBytes()
	correct := int(math.Round(nn.Accuracy(logits.Data(), y) * float64(len(y))))
	if err := loss.Backward(); err != nil {
		return err
	}
	r.opt.Step()
	var nf, nb float64
	// The batch's graph already holds the ODE blocks' checkpoints and kept
	// step graphs (their solve operations save them); what it does not
	// see is the largest graph an ODE block's backward pass builds.
	var local int64
	for _, b := range blocks {
		if s := b.LastStats(); s != nil {
			nf += float64(s.Forward.NFE)
			nb += float64(s.Backward.NFE)
			if s.Method != ode.Naive {
				local = max(local, s.GraphBytes)
			}
		}
	}
	if n := len(blocks); n > 0 {
		r.p.NFEF += nf / float64(n)
		r.p.NFEB += nb / float64(n)
	}
	r.p.GraphPeak = max(r.p.GraphPeak, graphPeak+local)
	r.p.LossSum += lv * float64(len(y))
	r.p.Correct += correct
	r.p.Seen += len(y)
	return nil
}

// endEpoch evaluates, records the epoch's metrics, starts the next epoch's
// sums and saves the checkpoint.
func (r *classifyRun) endEpoch(lr float64, batches int, blocks []*nn.ODEBlock) (ClassifyEpoch, error) {
	t0 := time.Now()
	acc, nfe, _, err := r.evaluate()
	if err != nil {
		return ClassifyEpoch{}, fmt.Errorf("classify: epoch %d: test: %w", r.p.Epoch, err)
	}
	p := r.p
	e := ClassifyEpoch{Model: r.c.Model, Method: r.c.Method, Run: r.c.Run, Seed: r.c.Seed, Epoch: p.Epoch, LR: lr,
		TestAcc: acc, Seconds: p.Seconds, TrainSeconds: p.TrainSeconds + p.Seconds, TestSeconds: time.Since(t0).Seconds(),
		NFETest: nfe, GraphPeakBytes: p.GraphPeak, MaxRSSBytes: max(p.MaxRSS, maxRSS())}
	if r.c.Model == "node" && r.c.Method == "aca" {
		e.ACAMemory = r.c.ACAMemory
	}
	if p.Seen > 0 {
		e.TrainLoss, e.TrainAcc = p.LossSum/float64(p.Seen), float64(p.Correct)/float64(p.Seen)
	}
	if batches > 0 && len(blocks) > 0 {
		e.NFEForward, e.NFEBackward = p.NFEF/float64(batches), p.NFEB/float64(batches)
	}
	r.history = append(r.history, e)
	r.p = partial{Epoch: p.Epoch + 1, TrainSeconds: e.TrainSeconds}
	r.orderStart, _ = r.order.MarshalBinary()
	// save stores Epoch − 1 finished epochs.
	err = r.save()
	r.p.Epoch-- // the loop's increment moves it on
	if err != nil {
		return e, err
	}
	return e, nil
}

// maxRSS returns the process's peak resident set size in bytes (0 if
// getrusage fails).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) * 1024 // kilobytes on Linux
}

// evaluate returns the test accuracy, the mean NFE per ODE block per
// batch, and the predictions, in evaluation mode without recording.
func (r *classifyRun) evaluate() (acc, nfe float64, pred *Predictions, err error) {
	nn.SetTraining(r.net, false)
	defer nn.SetTraining(r.net, true)
	blocks := r.net.ODEBlocks()
	n := r.testSet.Len()
	k := r.testSet.Classes
	pred = &Predictions{Index: make([]int, n), Label: slices.Clone(r.testSet.Labels), Probs: make([][]float64, n)}
	correct, nb := 0, 0
	for lo := 0; lo < n; lo += r.c.Batch {
		hi := min(n, lo+r.c.Batch)
		idx := make([]int, hi-lo)
		for i := range idx {
			idx[i] = lo + i
		}
		x, y := r.testSet.Batch(idx)
		if x, err = data.Normalize(x, r.mean, r.std); err != nil {
			return 0, 0, nil, err
		}
		var logits *autograd.Value
		if err := nn.Try(func() { logits = r.net.Forward(nil, autograd.Constant(x)) }); err != nil {
			return 0, 0, nil, err
		}
		p := tensor.Softmax(logits.Data(), 1).Values()
		for i := range y {
			row := p[i*k : (i+1)*k]
			pred.Index[lo+i] = lo + i
			pred.Probs[lo+i] = row
			best := 0
			for j := range row {
				if row[j] > row[best] {
					best = j
				}
			}
			if best == y[i] {
				correct++
			}
		}
		for _, b := range blocks {
			if s := b.LastStats(); s != nil {
				nfe += float64(s.Forward.NFE) / float64(len(blocks))
			}
		}
		nb++
	}
	if nb > 0 {
		nfe /= float64(nb)
	}
	return float64(correct) / float64(max(n, 1)), nfe, pred, nil
}

// finish predicts the test set and runs the solver swap.
func (r *classifyRun) finish() (*ClassifyResult, error) {
	acc, _, pred, err := r.evaluate()
	if err != nil {
		return nil, fmt.Errorf("classify: final test: %w", err)
	}
	res := &ClassifyResult{Config: r.c, Epochs: r.history, TestAcc: acc, Params: nn.NumParams(r.net), Predictions: pred}
	if r.c.Model != "node" {
		return res, nil
	}
	blocks := r.net.ODEBlocks()
	saved := make([]ode.Options, len(blocks))
	for i, b := range blocks {
		saved[i] = b.Options
	}
	defer func() {
		for i, b := range blocks {
			b.Options = saved[i]
		}
	}()
	trained, _ := ode.ParseMethod(r.c.Solver)
	for _, s := range r.c.Swap {
		o, _ := s.options()
		row := SwapRow{SwapSolver: s, Trained: o.Method == trained && o.Steps == trainedSteps(r.c, trained) && o.RTol == trainedTol(r.c, trained, true) && o.ATol == trainedTol(r.c, trained, false)}
		row.Solver = o.Method.Name
		for i, b := range blocks {
			o.Gradient = saved[i].Gradient
			b.Options = o
		}
		a, nfe, _, err := r.evaluate()
		if err != nil {
			row.ErrorRate, row.Err = 1, err.Error()
		} else {
			row.ErrorRate, row.NFE = 1-a, nfe
		}
		res.Swap = append(res.Swap, row)
	}
	return res, nil
}

func trainedSteps(c ClassifyConfig, m *ode.Tableau) int {
	if m.Adaptive() {
		return 0
	}
	return c.Steps
}

func trainedTol(c ClassifyConfig, m *ode.Tableau, rel bool) float64 {
	if !m.Adaptive() {
		return 0
	}
	if rel {
		return c.RTol
	}
	return c.ATol
}

// ClassifyRunSpec is one run of a study: a model, its gradient method
// ("" for a ResNet) and the run's index and seed.
type ClassifyRunSpec struct {
	Model  string `json:"model"`
	Method string `json:"method,omitempty"`
	Run    int    `json:"run"`
	Seed   uint64 `json:"seed"`
}

// Dir is the run's folder name: "node-aca-run2", "resnet-run1".
func (s ClassifyRunSpec) Dir() string {
	if s.Method == "" {
		return fmt.Sprintf("%s-run%d", s.Model, s.Run)
	}
	return fmt.Sprintf("%s-%s-run%d", s.Model, s.Method, s.Run)
}

// ClassifyPlan lists the runs of a study of runs runs of every model and
// (for the NODE) every method: run i (1-based) has seed seed+i−1, so the
// default seed 1 gives seeds 1…N. With runIndex > 0 only run runIndex is
// planned (a job array's element I runs the runs of seed I, whichever
// machine it lands on, and they are the same runs a single --runs N
// process would make). Runs are ordered by index, then model, then method.
func ClassifyPlan(modelNames, methods []string, runs, runIndex int, seed uint64) ([]ClassifyRunSpec, error) {
	if runs < 1 {
		return nil, fmt.Errorf("classify: %d runs: want ≥ 1", runs)
	}
	if runIndex < 0 || runIndex > runs {
		return nil, fmt.Errorf("classify: run index %d: want 1..%d (the runs), or 0 for all", runIndex, runs)
	}
	if len(modelNames) == 0 {
		return nil, errors.New("classify: no models")
	}
	var out []ClassifyRunSpec
	for i := 1; i <= runs; i++ {
		if runIndex > 0 && i != runIndex {
			continue
		}
		for _, m := range modelNames {
			switch m {
			case "resnet":
				out = append(out, ClassifyRunSpec{Model: m, Run: i, Seed: seed + uint64(i-1)})
			case "node":
				if len(methods) == 0 {
					return nil, errors.New("classify: no gradient methods for the NODE")
				}
				for _, g := range methods {
					if _, err := ode.ParseGradient(g); err != nil {
						return nil, fmt.Errorf("classify: method %q: want aca, adjoint or naive", g)
					}
					out = append(out, ClassifyRunSpec{Model: m, Method: g, Run: i, Seed: seed + uint64(i-1)})
				}
			default:
				return nil, fmt.Errorf("classify: model %q: want node or resnet", m)
			}
		}
	}
	return out, nil
}
