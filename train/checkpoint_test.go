package train

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/data"
	"github.com/acaode/aca/internal/poisontest"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/nn/safetensors"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// run is a small training run with every kind of state a resume must
// restore: parameters, batch-norm buffers, Adam's moments and step counts,
// a learning-rate schedule, a shuffling data loader and dropout, each drawing
// from a saved random source.
type run struct {
	model  nn.Module
	opt    optim.Optimizer
	sched  optim.Schedule
	loader *data.Loader
	rngs   map[string]*RNG
}

func newRun(t testing.TB) *run {
	rngs := map[string]*RNG{"data": NewRNG(11), "dropout": NewRNG(12)}
	init := tensor.NewRNG(13)
	model := nn.NewSequential(
		nn.Must(nn.NewConv2d(init, tensor.Float32, nn.Conv2dConfig{In: 1, Out: 4, Kernel: 3, Padding: 1})),
		nn.Must(nn.NewBatchNorm2d(tensor.Float32, 4)),
		nn.ReLU{},
		nn.Must(nn.NewDropout(rngs["dropout"].Rand, 0.2)),
		nn.GlobalAvgPool2d{},
		nn.Must(nn.NewLinear(init, tensor.Float32, 4, 2, true)),
	)
	opt, err := optim.NewAdam(nn.Params(model), optim.AdamDefaults())
	if err != nil {
		t.Fatal(err)
	}
	sched, err := optim.CosineLR(1e-2, 1e-4, 4)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.Synthetic2Class(48, 8, 3)
	if err != nil {
		t.Fatal(err)
	}
	loader, err := data.NewLoader(ds, 16, true, rngs["data"].Rand)
	if err != nil {
		t.Fatal(err)
	}
	return &run{model: model, opt: opt, sched: sched, loader: loader, rngs: rngs}
}

func (r *run) epoch(e int) {
	r.sched.Apply(r.opt, e)
	for x, y := range r.loader.Epoch() {
		r.opt.ZeroGrad()
		g := autograd.NewGraph()
		loss := nn.CrossEntropy(g, r.model.Forward(g, autograd.Constant(x)), y, 0)
		if err := loss.Backward(); err != nil {
			panic(err)
		}
		r.opt.Step()
	}
}

func (r *run) checkpoint(epoch int) *Checkpoint {
	return &Checkpoint{Model: r.model, Optimizer: r.opt, RNGs: r.rngs, Epoch: epoch, Metadata: map[string]string{"note": "resume test"}}
}

const childEnv = "ACA_TRAIN_RESUME_CHILD"

// TestMain lets the test binary act as the "new process" of the resume
// test: with childEnv set to "checkpoint,output" it loads the checkpoint,
// trains one more epoch, saves the model and exits. Both it and the tests
// run with recycled tensor storage filled with NaN (see poisontest), so
// that a gradient the autograd engine recycled while still in use turns
// losses and weights into NaN instead of passing by luck.
func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		tensor.DebugPoisonRecycled(true)
		in, out, _ := strings.Cut(v, ",")
		if err := resumeChild(in, out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(poisontest.Main(m))
}

func resumeChild(in, out string) error {
	r := newRun(&testing.B{})
	c := r.checkpoint(0)
	if err := Load(in, c); err != nil {
		return err
	}
	if c.Epoch != 1 || c.Metadata["note"] != "resume test" {
		return fmt.Errorf("loaded epoch %d, metadata %v", c.Epoch, c.Metadata)
	}
	r.epoch(c.Epoch)
	return nn.Save(out, r.model, nil)
}

// TestResumeBitExact trains two epochs in one go, and separately one epoch,
// a checkpoint, and one more epoch in a new process that loads it: the
// parameters and buffers must be bit-equal.
func TestResumeBitExact(t *testing.T) {
	dir := t.TempDir()
	straight := newRun(t)
	straight.epoch(0)
	straight.epoch(1)
	want := filepath.Join(dir, "straight.safetensors")
	if err := nn.Save(want, straight.model, nil); err != nil {
		t.Fatal(err)
	}

	first := newRun(t)
	first.epoch(0)
	ckpt := filepath.Join(dir, "epoch1.ckpt")
	if err := Save(ckpt, first.checkpoint(1)); err != nil {
		t.Fatal(err)
	}
	got := filepath.Join(dir, "resumed.safetensors")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+ckpt+","+got)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("resuming in a new process: %v\n%s", err, out)
	}

	a, _, err := safetensors.Read(want)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := safetensors.Read(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d vs %d tensors", len(a), len(b))
	}
	moved := false
	init := nn.StateDict(newRun(t).model)
	for name, ta := range a {
		av, bv := ta.Values(), b[name].Values()
		for i := range av {
			if math.Float64bits(av[i]) != math.Float64bits(bv[i]) {
				t.Fatalf("%s[%d]: two epochs in one go %v, resumed %v", name, i, av[i], bv[i])
			}
		}
		if tensor.MaxAbsDiff(ta, init[name]) > 0 {
			moved = true
		}
	}
	if !moved {
		t.Fatal("training changed nothing: the comparison proves nothing")
	}
}

// TestResumeNeedsTheState: without the random sources' state the resumed
// run differs, so the bit-exact test above depends on restoring it.
func TestResumeNeedsTheState(t *testing.T) {
	straight := newRun(t)
	straight.epoch(0)
	straight.epoch(1)
	path := filepath.Join(t.TempDir(), "c.ckpt")
	first := newRun(t)
	first.epoch(0)
	if err := Save(path, first.checkpoint(1)); err != nil {
		t.Fatal(err)
	}
	r := newRun(t)
	if err := Load(path, r.checkpoint(0)); err != nil {
		t.Fatal(err)
	}
	r.rngs["data"].UnmarshalBinary(mustState(t, NewRNG(99)))
	r.epoch(1)
	a, b := nn.StateDict(straight.model), nn.StateDict(r.model)
	same := true
	for name := range a {
		if tensor.MaxAbsDiff(a[name], b[name]) != 0 {
			same = false
		}
	}
	if same {
		t.Fatal("a different shuffle gave the same parameters")
	}
}

func mustState(t *testing.T, r *RNG) []byte {
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoadRejects covers files that must not load, each leaving the run
// unchanged.
// Save refuses what Load would refuse, rather than writing it: no model,
// a negative epoch count.
func TestSaveRejects(t *testing.T) {
	r := newRun(t)
	path := filepath.Join(t.TempDir(), "c.ckpt")
	c := r.checkpoint(1)
	c.Epoch = -1
	if err := Save(path, c); err == nil || !strings.Contains(err.Error(), "epoch -1") {
		t.Errorf("epoch -1: %v", err)
	}
	if err := Save(path, nil); err == nil || !strings.Contains(err.Error(), "no model") {
		t.Errorf("nil checkpoint: %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a refused checkpoint was written")
	}
}

func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	r := newRun(t)
	r.epoch(0)
	good := filepath.Join(dir, "good.ckpt")
	if err := Save(good, r.checkpoint(1)); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "model.safetensors")
	if err := nn.Save(model, r.model, nil); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.ckpt")
	if err := os.WriteFile(cut, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		mod        func(c *Checkpoint)
		want       string
	}{
		{"truncated", cut, nil, "cut.ckpt"},
		{"a model file", model, nil, "not a checkpoint"},
		{"another model", good, func(c *Checkpoint) {
			c.Model = nn.NewSequential(nn.Must(nn.NewLinear(tensor.NewRNG(1), tensor.Float32, 3, 3, true)))
		}, "does not match"},
		{"an unknown random source", good, func(c *Checkpoint) { c.RNGs = map[string]*RNG{"data": c.RNGs["data"], "other": NewRNG(1)} }, `"dropout"`},
		{"a random source not in the file", good, func(c *Checkpoint) { c.RNGs["other"] = NewRNG(1) }, `"other" is not in the file`},
		{"no optimizer", good, func(c *Checkpoint) { c.Optimizer = nil }, "optimizer"},
	}
	cases = append(cases, struct {
		name, path string
		mod        func(c *Checkpoint)
		want       string
	}{"a nil random source", good, func(c *Checkpoint) { c.RNGs["data"] = nil }, `"data" is nil`})
	for _, tc := range cases {
		fresh := newRun(t)
		c := fresh.checkpoint(5)
		if tc.mod != nil {
			tc.mod(c)
		}
		// Snapshot everything Load may touch.
		model := map[string]*tensor.Tensor{}
		for k, v := range nn.StateDict(c.Model) {
			model[k] = v.Clone()
		}
		var opt map[string]*tensor.Tensor
		if c.Optimizer != nil {
			opt = c.Optimizer.State()
		}
		rngs := map[string][]byte{}
		for k, r := range c.RNGs {
			if r != nil {
				rngs[k] = mustState(t, r)
			}
		}
		err := Load(tc.path, c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
		for k, v := range nn.StateDict(c.Model) {
			if tensor.MaxAbsDiff(model[k], v) != 0 {
				t.Errorf("%s: a failed load changed model tensor %s", tc.name, k)
			}
		}
		if c.Optimizer != nil {
			for k, v := range c.Optimizer.State() {
				if tensor.MaxAbsDiff(opt[k], v) != 0 {
					t.Errorf("%s: a failed load changed optimizer state %s", tc.name, k)
				}
			}
		}
		for k, b := range rngs {
			if string(mustState(t, c.RNGs[k])) != string(b) {
				t.Errorf("%s: a failed load changed random source %s", tc.name, k)
			}
		}
		if c.Epoch != 5 || c.Metadata["note"] != "resume test" {
			t.Errorf("%s: a failed load changed the epoch or metadata", tc.name)
		}
	}
	if err := Save(filepath.Join(dir, "nil.ckpt"), &Checkpoint{Model: r.model, RNGs: map[string]*RNG{"x": nil}}); err == nil {
		t.Error("saving a nil random source succeeded")
	}
	if err := Save(filepath.Join(dir, "x.ckpt"), &Checkpoint{Model: r.model, Metadata: map[string]string{"aca.epoch": "3"}}); err == nil {
		t.Error("a reserved metadata key was accepted")
	}
	// A model mismatch carries the full list of differences.
	var ce *safetensors.CheckError
	c := r.checkpoint(0)
	c.Model = nn.NewSequential(nn.Must(nn.NewLinear(tensor.NewRNG(1), tensor.Float32, 3, 3, true)))
	if err := Load(good, c); !errors.As(err, &ce) || len(ce.Mismatched) != 2 || len(ce.Unexpected) != 7 {
		t.Errorf("got %v, want a *safetensors.CheckError listing both sides", err)
	}
}
