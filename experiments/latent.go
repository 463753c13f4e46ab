package experiments

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/data/latentdata"
	"github.com/acaode/aca/models/latentode"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/train"
)

// LatentModels are the model names of the latent ODE experiment, in the
// order of the paper's Table 4.
var LatentModels = []string{"rnn", "gru", "latent-ode"}

// LatentConfig configures the latent ODE experiment of the paper's section
// 4.3 (Table 4): interpolation of irregularly sampled sequences by RNN-Δt,
// GRU-Δt and the latent ODE trained with each gradient method (see package
// models/latentode for the models and data/latentdata for the data).
type LatentConfig struct {
	// Observed are the fractions of each sequence's times observed.
	Observed []float64
	// Models are the models to train ("rnn", "gru", "latent-ode"); Methods
	// the gradient methods the latent ODE is trained with (the baselines
	// have no solve and run once per fraction and seed).
	Models  []string
	Methods []ode.Gradient
	// Seeds: one run of every model, method and fraction per seed (the
	// weights, ε and the batch order are drawn from it).
	Seeds []uint64
	// Epochs over the training sequences, in batches of Batch, with Adam
	// at learning rate LR decayed by 0.999 per step (Rubanova's schedule).
	Epochs, Batch int
	LR            float64
	// Solver, RTol and ATol are the latent ODE's solver and tolerances
	// (encoder and decoder).
	Solver     *ode.Tableau
	RTol, ATol float64
	// Sizes are the models' sizes (Dim is taken from the data).
	Sizes latentode.Config
	// MaskSeed seeds the observation masks, which are the same for every
	// model, method and seed: the training masks from MaskSeed, the test
	// masks from MaskSeed + 1.
	MaskSeed uint64
	// TrainLimit and TestLimit use only the first sequences of each split
	// (0: all).
	TrainLimit, TestLimit int
	// Examples is the number of test sequences whose reconstructions the
	// rows keep (for plots).
	Examples int
}

// DefaultLatent is the full experiment: Rubanova's MuJoCo sizes (latent 15,
// encoder state 30, ODE functions of 3 layers of 300 units, recurrent
// baselines of 100 units), 10/20/50 % observed, three seeds, 30 epochs of
// batches of 50 at learning rate 0.01, Dopri5 at rtol 1e-3, atol 1e-4
// (Rubanova's), every model and method.
func DefaultLatent() LatentConfig {
	return LatentConfig{
		Observed: []float64{0.1, 0.2, 0.5},
		Models:   LatentModels,
		Methods:  []ode.Gradient{ode.Naive, ode.Adjoint, ode.ACA},
		Seeds:    []uint64{1, 2, 3},
		Epochs:   30, Batch: 50, LR: 0.01,
		Solver: ode.Dopri5, RTol: 1e-3, ATol: 1e-4,
		Sizes:    latentode.DefaultConfig(0),
		MaskSeed: 1,
		Examples: 3,
	}
}

// QuickLatent is a reduced run: one fraction (50 %), one seed, smaller
// models (latent 10, encoder state 20, ODE functions of 2 layers of 50
// units, baselines of 50 units), 20 epochs of batches of 50. (The command's
// --quick also generates 1000 pendulum sequences instead of 10 000.)
func QuickLatent() LatentConfig {
	c := DefaultLatent()
	c.Observed = []float64{0.5}
	c.Seeds = []uint64{1}
	c.Epochs = 20
	c.Sizes.Latent, c.Sizes.Rec, c.Sizes.Units, c.Sizes.Layers, c.Sizes.Hidden = 10, 20, 50, 2, 50
	return c
}

// Validate reports a configuration that cannot run.
func (c *LatentConfig) Validate() error {
	switch {
	case len(c.Observed) == 0:
		return errors.New("latent: no observed fractions")
	case len(c.Models) == 0:
		return errors.New("latent: no models")
	case len(c.Seeds) == 0:
		return errors.New("latent: no seeds")
	case c.Epochs < 1:
		return fmt.Errorf("latent: %d epochs, want ≥ 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("latent: batch %d, want ≥ 1", c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("latent: learning rate %g, want > 0", c.LR)
	case c.TrainLimit < 0 || c.TestLimit < 0:
		return errors.New("latent: negative sequence limit")
	case c.Examples < 0:
		return errors.New("latent: negative example count")
	}
	for _, f := range c.Observed {
		if !(f > 0 && f <= 1) {
			return fmt.Errorf("latent: observed fraction %g is not in (0, 1]", f)
		}
	}
	for _, m := range c.Models {
		if m != "rnn" && m != "gru" && m != "latent-ode" {
			return fmt.Errorf("latent: model %q, want rnn, gru or latent-ode", m)
		}
		if m == "latent-ode" && len(c.Methods) == 0 {
			return errors.New("latent: the latent ODE needs at least one gradient method")
		}
	}
	if slices.Contains(c.Models, "latent-ode") {
		// The latent ODE's solves take only tolerances: a fixed-step
		// solver would fail at the first one.
		switch {
		case c.Solver == nil:
			return errors.New("latent: the latent ODE needs a solver")
		case !c.Solver.Adaptive():
			return fmt.Errorf("latent: solver %s has no error estimate, and the latent ODE's solves are adaptive (RTol, ATol): want an adaptive solver", c.Solver.Name)
		case !(c.RTol >= 0) || math.IsInf(c.RTol, 0) || !(c.ATol >= 0) || math.IsInf(c.ATol, 0) || c.RTol == 0 && c.ATol == 0:
			return fmt.Errorf("latent: tolerances rtol %g, atol %g: want non-negative numbers, not both zero", c.RTol, c.ATol)
		}
	}
	if d := firstRepeat(c.Observed); d >= 0 {
		return fmt.Errorf("latent: observed fraction %g listed twice", c.Observed[d])
	}
	if d := firstRepeat(c.Models); d >= 0 {
		return fmt.Errorf("latent: model %s listed twice", c.Models[d])
	}
	if d := firstRepeat(c.Methods); d >= 0 {
		return fmt.Errorf("latent: method %s listed twice", c.Methods[d])
	}
	if d := firstRepeat(c.Seeds); d >= 0 {
		return fmt.Errorf("latent: seed %d listed twice", c.Seeds[d])
	}
	sz := c.Sizes
	sz.Dim = 1
	return sz.Check()
}

// firstRepeat returns the index of the first element equal to an earlier
// one, or −1: a run is named by its model, method, fraction and seed, so
// each may appear once.
func firstRepeat[T comparable](xs []T) int {
	seen := map[T]bool{}
	for i, x := range xs {
		if seen[x] {
			return i
		}
		seen[x] = true
	}
	return -1
}

// LatentRow is one trained model.
type LatentRow struct {
	Model    string  `json:"model"`
	Method   string  `json:"method,omitempty"` // the latent ODE's gradient method
	Observed float64 `json:"observed"`
	Seed     uint64  `json:"seed"`
	// TestMSE is the mean squared error over every time and dimension of
	// the test sequences (data scaled to [0, 1]), the latent ODE decoding
	// the mean of q(z0).
	TestMSE float64 `json:"test_mse"`
	// TrainLoss is the mean training loss of the last epoch.
	TrainLoss float64 `json:"train_loss"`
	Epochs    int     `json:"epochs"`
	// Seconds is the training wall time; SecondsPerEpoch its mean per epoch.
	Seconds         float64 `json:"seconds"`
	SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	// NFEForward and NFEBackward are the evaluations of the ODE functions
	// per epoch (forward solves, and the gradient's backward pass), 0 for
	// the baselines.
	NFEForward  float64 `json:"nfe_forward_per_epoch"`
	NFEBackward float64 `json:"nfe_backward_per_epoch"`
	// Examples are the reconstructions of the first test sequences.
	Examples []LatentExample `json:"-"`
}

// LatentExample is one reconstructed test sequence (scaled values).
type LatentExample struct {
	Index    int       // test sequence index
	Observed []bool    // [T]
	Pred     []float64 // [T·D]
}

// LatentRunKey names one run (model, method, fraction, seed), to skip runs
// already finished when resuming.
func LatentRunKey(model, method string, observed float64, seed uint64) string {
	return fmt.Sprintf("%s/%s/%g/%d", model, method, observed, seed)
}

// Key returns the row's LatentRunKey.
func (r LatentRow) Key() string { return LatentRunKey(r.Model, r.Method, r.Observed, r.Seed) }

// latentRun is one run to make.
type latentRun struct {
	model    string
	method   ode.Gradient
	hasM     bool
	observed float64
	seed     uint64
}

func (r latentRun) methodName() string {
	if !r.hasM {
		return ""
	}
	return r.method.String()
}

// runs lists the runs in order: fraction, seed, model, method.
func (c *LatentConfig) runs() []latentRun {
	var out []latentRun
	for _, f := range c.Observed {
		for _, s := range c.Seeds {
			for _, m := range c.Models {
				if m != "latent-ode" {
					out = append(out, latentRun{model: m, observed: f, seed: s})
					continue
				}
				for _, g := range c.Methods {
					out = append(out, latentRun{model: m, method: g, hasM: true, observed: f, seed: s})
				}
			}
		}
	}
	return out
}

// LatentWeight is the rough relative cost of one batch of a model, for a
// progress bar: the latent ODE's solves cost far more than a recurrent step.
func LatentWeight(model string) int {
	switch model {
	case "rnn":
		return 1
	case "gru":
		return 2
	}
	return 20
}

// LatentWork returns the total work of the runs not in skip, in
// LatentWeight units per batch, for a set of n training sequences.
func (c *LatentConfig) LatentWork(n int, skip map[string]bool) int {
	n = c.limit(n, c.TrainLimit)
	batches := (n + c.Batch - 1) / c.Batch
	w := 0
	for _, r := range c.runs() {
		if !skip[LatentRunKey(r.model, r.methodName(), r.observed, r.seed)] {
			w += c.Epochs * batches * LatentWeight(r.model)
		}
	}
	return w
}

func (c *LatentConfig) limit(n, lim int) int {
	if lim > 0 && lim < n {
		return lim
	}
	return n
}

// RunLatent trains and tests every run of c on the data set, skipping the
// runs whose keys are in skip. tick is called after every training batch
// with its LatentWeight; emit with every finished row. A cancelled ctx
// stops at the next batch with ctx's error; the rows finished are
// returned with it.
func RunLatent(ctx context.Context, set *latentdata.Set, c LatentConfig, skip map[string]bool, tick func(work int), emit func(LatentRow)) ([]LatentRow, error) {
	return RunLatentCheckpointed(ctx, set, c, skip, "", tick, emit)
}

// LatentCheckpoint is the file in dir that holds the unfinished run key's
// state after each epoch (see RunLatentCheckpointed).
func LatentCheckpoint(dir, key string) string {
	return filepath.Join(dir, "checkpoint-"+strings.NewReplacer("/", "_").Replace(key)+".safetensors")
}

// RunLatentCheckpointed is RunLatent saving each run's state (weights,
// Adam's moments, the random sources, the step and the counts so far) to
// LatentCheckpoint(dir, key) after every epoch, atomically, and starting a
// run from its checkpoint if one is there: a run stopped between epochs
// continues where it stopped and ends with the same numbers (the time
// excepted). A run's checkpoint is removed once its row has been emitted.
// A checkpoint that cannot be loaded is a *CheckpointError. An empty
// dir saves nothing.
func RunLatentCheckpointed(ctx context.Context, set *latentdata.Set, c LatentConfig, skip map[string]bool, dir string, tick func(work int), emit func(LatentRow)) ([]LatentRow, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	nTrain, nTest := set.Len()
	nTrain, nTest = c.limit(nTrain, c.TrainLimit), c.limit(nTest, c.TestLimit)
	var rows []LatentRow
	for _, r := range c.runs() {
		if skip[LatentRunKey(r.model, r.methodName(), r.observed, r.seed)] {
			continue
		}
		ckpt := ""
		if dir != "" {
			ckpt = LatentCheckpoint(dir, LatentRunKey(r.model, r.methodName(), r.observed, r.seed))
		}
		row, err := c.runOne(ctx, set, r, nTrain, nTest, ckpt, tick)
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
		if emit != nil {
			emit(row)
		}
		if ckpt != "" {
			if err := os.Remove(ckpt); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return rows, err
			}
		}
	}
	return rows, nil
}

// subSeed derives a seed for one purpose of one run.
func subSeed(seed uint64, parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return seed ^ h.Sum64()
}

// latentBatches splits the sequences idx of vals into batches.
func latentBatches(set *latentdata.Set, vals []float64, idx []int, masks [][]bool, size int, sizes latentode.Config) ([]*latentode.Batch, error) {
	var out []*latentode.Batch
	for lo := 0; lo < len(idx); lo += size {
		hi := min(lo+size, len(idx))
		seqs := make([][]float64, 0, hi-lo)
		obs := make([][]bool, 0, hi-lo)
		for _, i := range idx[lo:hi] {
			seqs = append(seqs, set.Sequence(vals, i))
			obs = append(obs, masks[i])
		}
		b, err := latentode.NewBatch(sizes.DType, set.Times, set.Dim, seqs, obs)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func (c *LatentConfig) newModel(r latentRun, dim int) (latentode.Model, error) {
	sz := c.Sizes
	sz.Dim = dim
	rng := rand.New(rand.NewPCG(subSeed(r.seed, "init", r.model), 0))
	if r.model == "latent-ode" {
		opts := ode.Options{Method: c.Solver, RTol: c.RTol, ATol: c.ATol, Gradient: r.method}
		return latentode.NewLatentODE(rng, sz, opts)
	}
	return latentode.NewRecurrent(rng, r.model, sz)
}

func (c *LatentConfig) runOne(ctx context.Context, set *latentdata.Set, r latentRun, nTrain, nTest int, ckpt string, tick func(int)) (LatentRow, error) {
	row := LatentRow{Model: r.model, Method: r.methodName(), Observed: r.observed, Seed: r.seed, Epochs: c.Epochs}
	fail := func(err error) (LatentRow, error) {
		return row, fmt.Errorf("latent: %s: %w", r.describe(), err)
	}
	T := len(set.Times)
	trainMasks, err := latentdata.Mask(c.MaskSeed, nTrain, T, r.observed)
	if err != nil {
		return fail(err)
	}
	testMasks, err := latentdata.Mask(c.MaskSeed+1, nTest, T, r.observed)
	if err != nil {
		return fail(err)
	}
	m, err := c.newModel(r, set.Dim)
	if err != nil {
		return fail(err)
	}
	opt, err := optim.NewAdam(nn.Params(m), optim.AdamConfig{LR: c.LR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		return fail(err)
	}
	shuffle := train.NewRNG(subSeed(r.seed, "shuffle", r.model, row.Method))
	noise := train.NewRNG(subSeed(r.seed, "noise", r.model, row.Method))
	state := &train.Checkpoint{Model: m, Optimizer: opt, RNGs: map[string]*train.RNG{"shuffle": shuffle, "noise": noise}}
	step, first := 0, 0
	var nfeF, nfeB int
	var before float64 // seconds of training before a resume
	if ckpt != "" {
		switch _, err := os.Stat(ckpt); {
		case err == nil:
			bad := func(err error) (LatentRow, error) { return fail(&CheckpointError{Path: ckpt, Err: err}) }
			if err := train.Load(ckpt, state); err != nil {
				return bad(err)
			}
			first = state.Epoch
			var perr error
			geti := func(k string) int {
				v, err := strconv.Atoi(state.Metadata[k])
				if err != nil && perr == nil {
					perr = fmt.Errorf("%s: metadata %q: %v", ckpt, k, err)
				}
				return v
			}
			getf := func(k string) float64 {
				v, err := strconv.ParseFloat(state.Metadata[k], 64)
				if err != nil && perr == nil {
					perr = fmt.Errorf("%s: metadata %q: %v", ckpt, k, err)
				}
				return v
			}
			step, nfeF, nfeB = geti("step"), geti("nfe_forward"), geti("nfe_backward")
			before, row.TrainLoss = getf("seconds"), getf("train_loss")
			if perr != nil {
				return bad(perr)
			}
			if first > c.Epochs {
				return bad(fmt.Errorf("%s holds %d epochs, the run has %d", ckpt, first, c.Epochs))
			}
		case !errors.Is(err, fs.ErrNotExist):
			return fail(err)
		}
	}
	order := make([]int, nTrain)
	start := time.Now()
	for epoch := first; epoch < c.Epochs; epoch++ {
		// The order depends only on the random source's state, so that a
		// resumed run shuffles as the uninterrupted one does.
		for i := range order {
			order[i] = i
		}
		shuffle.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		batches, err := latentBatches(set, set.Train, order, trainMasks, c.Batch, m.Config())
		if err != nil {
			return fail(err)
		}
		sum := 0.0
		for _, b := range batches {
			if err := ctx.Err(); err != nil {
				return row, err
			}
			// Rubanova's KL annealing: 0 for ten steps, then 1 − 0.99^(step−10).
			kl := 0.0
			if step > 10 {
				kl = 1 - math.Pow(0.99, float64(step-10))
			}
			opt.SetLR(c.LR * math.Pow(0.999, float64(step)))
			opt.ZeroGrad()
			g := autograd.NewGraph()
			out, err := m.Run(g, b, noise.Rand, kl)
			if err != nil {
				g.Free()
				return fail(err)
			}
			loss := out.Loss.Item()
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				g.Free()
				return fail(fmt.Errorf("training loss is %v at step %d", loss, step))
			}
			if err := out.Loss.Backward(); err != nil {
				return fail(err)
			}
			for _, s := range out.Solves {
				nfeF += s.Stats.Forward.NFE
				nfeB += s.Stats.Backward.NFE
			}
			opt.Step()
			sum += loss
			step++
			if tick != nil {
				tick(LatentWeight(r.model))
			}
		}
		row.TrainLoss = sum / float64(len(batches))
		if ckpt != "" {
			state.Epoch = epoch + 1
			state.Metadata = map[string]string{
				"step": strconv.Itoa(step), "nfe_forward": strconv.Itoa(nfeF), "nfe_backward": strconv.Itoa(nfeB),
				"seconds":    strconv.FormatFloat(before+time.Since(start).Seconds(), 'g', -1, 64),
				"train_loss": strconv.FormatFloat(row.TrainLoss, 'g', -1, 64),
			}
			if err := train.Save(ckpt, state); err != nil {
				return fail(err)
			}
		}
	}
	row.Seconds = before + time.Since(start).Seconds()
	row.SecondsPerEpoch = row.Seconds / float64(c.Epochs)
	row.NFEForward = float64(nfeF) / float64(c.Epochs)
	row.NFEBackward = float64(nfeB) / float64(c.Epochs)

	// Test: every time of every test sequence.
	idx := make([]int, nTest)
	for i := range idx {
		idx[i] = i
	}
	batches, err := latentBatches(set, set.Test, idx, testMasks, c.Batch, m.Config())
	if err != nil {
		return fail(err)
	}
	sq, count := 0.0, 0
	for bi, b := range batches {
		if err := ctx.Err(); err != nil {
			return row, err
		}
		out, err := m.Run(nil, b, nil, 0)
		if err != nil {
			return fail(err)
		}
		_, n, d := b.Size()
		sq += b.MSE(out.Pred.Data()) * float64(T*n*d)
		count += T * n * d
		pred := out.Pred.Data().Values() // [T, n, D]
		for s := 0; s < n && bi*c.Batch+s < c.Examples; s++ {
			ex := LatentExample{Index: bi*c.Batch + s, Observed: testMasks[bi*c.Batch+s], Pred: make([]float64, T*d)}
			for i := range T {
				copy(ex.Pred[i*d:(i+1)*d], pred[(i*n+s)*d:(i*n+s+1)*d])
			}
			row.Examples = append(row.Examples, ex)
		}
	}
	row.TestMSE = sq / float64(count)
	return row, nil
}

func (r latentRun) describe() string {
	s := r.model
	if r.hasM {
		s += " (" + r.method.String() + ")"
	}
	return fmt.Sprintf("%s, %g%% observed, seed %d", s, 100*r.observed, r.seed)
}

// LatentSummary is one cell group of Table 4: a model (and method) at one
// observed fraction, over seeds.
type LatentSummary struct {
	Model           string  `json:"model"`
	Method          string  `json:"method,omitempty"`
	Observed        float64 `json:"observed"`
	Runs            int     `json:"runs"`
	TestMean        float64 `json:"test_mse_mean"`
	TestStd         float64 `json:"test_mse_std"`
	SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	NFEForward      float64 `json:"nfe_forward_per_epoch"`
	NFEBackward     float64 `json:"nfe_backward_per_epoch"`
}

// SummarizeLatent groups rows by model, method and fraction, in first-seen
// order, with the mean and sample standard deviation of the test MSE over
// seeds and the mean time and NFE per epoch.
func SummarizeLatent(rows []LatentRow) []LatentSummary {
	type key struct {
		model, method string
		obs           float64
	}
	var order []key
	groups := map[key][]LatentRow{}
	for _, r := range rows {
		k := key{r.Model, r.Method, r.Observed}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []LatentSummary
	for _, k := range order {
		g := groups[k]
		s := LatentSummary{Model: k.model, Method: k.method, Observed: k.obs, Runs: len(g)}
		for _, r := range g {
			s.TestMean += r.TestMSE / float64(len(g))
			s.SecondsPerEpoch += r.SecondsPerEpoch / float64(len(g))
			s.NFEForward += r.NFEForward / float64(len(g))
			s.NFEBackward += r.NFEBackward / float64(len(g))
		}
		if len(g) > 1 {
			v := 0.0
			for _, r := range g {
				v += (r.TestMSE - s.TestMean) * (r.TestMSE - s.TestMean)
			}
			s.TestStd = math.Sqrt(v / float64(len(g)-1))
		}
		out = append(out, s)
	}
	return out
}
