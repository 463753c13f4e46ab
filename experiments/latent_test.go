package experiments

import (
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/acaode/aca/data/latentdata"
	"github.com/acaode/aca/ode"
)

func tinyLatent(t *testing.T) (*latentdata.Set, LatentConfig) {
	t.Helper()
	pc := latentdata.DefaultPeriodic()
	pc.Sequences, pc.Times = 50, 20
	set, err := latentdata.Periodic(pc)
	if err != nil {
		t.Fatal(err)
	}
	c := QuickLatent()
	c.Epochs, c.Batch, c.LR = 3, 10, 0.01
	c.Sizes.Latent, c.Sizes.Rec, c.Sizes.Units, c.Sizes.Hidden = 3, 4, 8, 6
	c.TrainLimit, c.TestLimit, c.Examples = 0, 0, 2
	return set, c
}

// A tiny run of each model (the latent ODE with each method) on the
// periodic set trains: the rows are complete and finite, and every model's
// test MSE is below that of the same model untrained (one epoch at a
// learning rate of 1e-12, from the same initial weights).
func TestRunLatentTiny(t *testing.T) {
	set, c := tinyLatent(t)
	var emitted []LatentRow
	work := 0
	rows, err := RunLatent(context.Background(), set, c, nil, func(w int) { work += w }, func(r LatentRow) { emitted = append(emitted, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || len(emitted) != 5 {
		t.Fatalf("%d rows, %d emitted; want 5 (rnn, gru, latent ODE × 3 methods)", len(rows), len(emitted))
	}
	if want := c.LatentWork(40, nil); work != want {
		t.Fatalf("ticks add to %d, LatentWork says %d", work, want)
	}
	untrained := c
	untrained.Epochs, untrained.LR = 1, 1e-12
	before, err := RunLatent(context.Background(), set, untrained, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		t.Logf("%-10s %-7s test MSE %.4g (untrained %.4g), NFE %.0f/%.0f per epoch", r.Model, r.Method, r.TestMSE, before[i].TestMSE, r.NFEForward, r.NFEBackward)
		if !(r.TestMSE < before[i].TestMSE) {
			t.Errorf("%s %s: test MSE %v not below the untrained %v", r.Model, r.Method, r.TestMSE, before[i].TestMSE)
		}
		if len(r.Examples) != 2 || len(r.Examples[0].Pred) != 20 || !r.Examples[0].Observed[0] {
			t.Errorf("%s %s: examples %d", r.Model, r.Method, len(r.Examples))
		}
		if math.IsNaN(r.TrainLoss) || r.Seconds <= 0 {
			t.Errorf("%s %s: loss %v, seconds %v", r.Model, r.Method, r.TrainLoss, r.Seconds)
		}
		if (r.Model == "latent-ode") != (r.NFEForward > 0 && r.NFEBackward > 0) {
			t.Errorf("%s %s: NFE %v/%v", r.Model, r.Method, r.NFEForward, r.NFEBackward)
		}
	}
	// Same seed, same numbers (the training is deterministic).
	again, err := RunLatent(context.Background(), set, c, map[string]bool{rows[0].Key(): true, rows[1].Key(): true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 3 {
		t.Fatalf("skipping two runs left %d rows, want 3", len(again))
	}
	for i, r := range again {
		if r.TestMSE != rows[i+2].TestMSE {
			t.Errorf("%s %s: rerun MSE %v, first %v", r.Model, r.Method, r.TestMSE, rows[i+2].TestMSE)
		}
	}
	sum := SummarizeLatent(append(rows, again...))
	if len(sum) != 5 || sum[4].Runs != 2 || sum[4].TestStd != 0 || sum[0].Runs != 1 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestRunLatentCancelled(t *testing.T) {
	set, c := tinyLatent(t)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	rows, err := RunLatent(ctx, set, c, nil, nil, func(LatentRow) {
		n++
		if n == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || len(rows) != 2 {
		t.Fatalf("%d rows, error %v; want 2 and context.Canceled", len(rows), err)
	}
}

func TestLatentValidate(t *testing.T) {
	for name, mod := range map[string]func(*LatentConfig){
		"fraction":   func(c *LatentConfig) { c.Observed = []float64{0} },
		"model":      func(c *LatentConfig) { c.Models = []string{"lstm"} },
		"methods":    func(c *LatentConfig) { c.Methods = nil },
		"epochs":     func(c *LatentConfig) { c.Epochs = 0 },
		"batch":      func(c *LatentConfig) { c.Batch = 0 },
		"lr":         func(c *LatentConfig) { c.LR = math.NaN() },
		"sizes":      func(c *LatentConfig) { c.Sizes.Units = 0 },
		"repeat":     func(c *LatentConfig) { c.Methods = []ode.Gradient{ode.ACA, ode.Naive, ode.ACA} },
		"repeat 2":   func(c *LatentConfig) { c.Observed = []float64{0.1, 0.1} },
		"no solver":  func(c *LatentConfig) { c.Solver = nil },
		"fixed step": func(c *LatentConfig) { c.Solver = ode.Euler },
		"rtol":       func(c *LatentConfig) { c.RTol = -1 },
		"atol":       func(c *LatentConfig) { c.ATol = math.Inf(1) },
		"tols zero":  func(c *LatentConfig) { c.RTol, c.ATol = 0, 0 },
	} {
		c := DefaultLatent()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c := DefaultLatent()
	c.Methods = []ode.Gradient{ode.ACA}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// The baselines have no solve: the solver does not matter to them.
	c.Models, c.Solver = []string{"rnn", "gru"}, ode.Euler
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// A checkpoint that cannot be loaded (here not a safetensors file at all)
// is a *CheckpointError naming it, so that a caller can say that
// resuming cannot get past it.
func TestRunLatentBadCheckpoint(t *testing.T) {
	set, c := tinyLatent(t)
	c.Models = []string{"rnn"}
	dir := t.TempDir()
	ckpt := LatentCheckpoint(dir, LatentRunKey("rnn", "", c.Observed[0], c.Seeds[0]))
	if err := os.WriteFile(ckpt, []byte("not a checkpoint\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := RunLatentCheckpointed(context.Background(), set, c, nil, dir, nil, nil)
	var ce *CheckpointError
	if !errors.As(err, &ce) || ce.Path != ckpt || !strings.Contains(err.Error(), ckpt) {
		t.Fatalf("error %v (%T), want a *CheckpointError naming %s", err, err, ckpt)
	}
}

// A run stopped in its second epoch continues from its checkpoint and ends
// with the numbers of the uninterrupted run; the checkpoint is then gone.
func TestRunLatentCheckpointResume(t *testing.T) {
	set, c := tinyLatent(t)
	c.Models, c.Methods = []string{"latent-ode"}, []ode.Gradient{ode.ACA}
	want, err := RunLatent(context.Background(), set, c, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	// 40 training sequences in batches of 10: stop after 6 batches, in
	// the second epoch.
	_, err = RunLatentCheckpointed(ctx, set, c, nil, dir, func(int) {
		batches++
		if batches == 6 {
			cancel()
		}
	}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	ckpt := LatentCheckpoint(dir, want[0].Key())
	if _, err := os.Stat(ckpt); err != nil {
		t.Fatalf("no checkpoint after the first epoch: %v", err)
	}
	batches = 0
	got, err := RunLatentCheckpointed(context.Background(), set, c, nil, dir, func(int) { batches++ }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if batches != 8 {
		t.Errorf("the resumed run trained %d batches, want the last two epochs' 8", batches)
	}
	a, b := got[0], want[0]
	if a.TestMSE != b.TestMSE || a.TrainLoss != b.TrainLoss || a.NFEForward != b.NFEForward || a.NFEBackward != b.NFEBackward {
		t.Errorf("resumed %+v, uninterrupted %+v", a, b)
	}
	if _, err := os.Stat(ckpt); !os.IsNotExist(err) {
		t.Errorf("checkpoint left after the run: %v", err)
	}
}
