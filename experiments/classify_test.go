package experiments

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/data"
	"github.com/acaode/aca/nn/safetensors"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/stats"
)

// tinyClassify is a configuration that trains in a fraction of a second on
// 8×8 synthetic images.
func tinyClassify(model, method string) ClassifyConfig {
	c := DefaultClassify()
	c.Data, c.Model, c.Method, c.Width = "synthetic", model, method, 4
	c.Solver, c.RTol, c.ATol = "heun_euler", 0.1, 0.01
	c.Epochs, c.Batch, c.LR, c.Milestones = 2, 16, 0.05, []int{1}
	c.Crop, c.Flip = 1, true
	return c
}

func syntheticSets(t *testing.T, n, size int) (*data.Dataset, *data.Dataset) {
	t.Helper()
	tr, err := data.Synthetic2Class(n, size, 1)
	if err != nil {
		t.Fatal(err)
	}
	te, err := data.Synthetic2Class(n/2, size, 2)
	if err != nil {
		t.Fatal(err)
	}
	return tr, te
}

// sameEpochs compares epoch metrics but for the wall times and the peak
// RSS, which a resumed run cannot reproduce.
func sameEpochs(t *testing.T, a, b []ClassifyEpoch) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d epochs against %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		for _, e := range []*ClassifyEpoch{&x, &y} {
			e.Seconds, e.TrainSeconds, e.TestSeconds, e.MaxRSSBytes = 0, 0, 0, 0
		}
		if x != y {
			t.Errorf("epoch %d:\n uninterrupted %+v\n resumed       %+v", i+1, x, y)
		}
	}
}

func sameCheckpoint(t *testing.T, pa, pb string) {
	t.Helper()
	ta, _, err := safetensors.Read(pa)
	if err != nil {
		t.Fatal(err)
	}
	tb, _, err := safetensors.Read(pb)
	if err != nil {
		t.Fatal(err)
	}
	if len(ta) != len(tb) {
		t.Fatalf("%d tensors against %d", len(ta), len(tb))
	}
	n := 0
	for name, x := range ta {
		y := tb[name]
		if y == nil || !slices.Equal(x.Shape(), y.Shape()) {
			t.Fatalf("tensor %s missing or reshaped", name)
		}
		xv, yv := x.Values(), y.Values()
		for i := range xv {
			if math.Float64bits(xv[i]) != math.Float64bits(yv[i]) {
				t.Fatalf("%s[%d]: %v uninterrupted, %v resumed", name, i, xv[i], yv[i])
			}
		}
		n += len(xv)
	}
	if n == 0 {
		t.Fatal("no weights compared")
	}
}

// TestClassifyResumeBitExact interrupts a run in the middle of an epoch
// and again at an epoch's end, resumes it each time from its checkpoint,
// and checks that every weight and optimizer buffer, every epoch's metrics
// and the final predictions are the bits of an uninterrupted run.
func TestClassifyResumeBitExact(t *testing.T) {
	tr, te := syntheticSets(t, 96, 8)
	for _, tc := range []struct{ model, method string }{{"node", "aca"}, {"node", "adjoint"}, {"resnet", ""}} {
		t.Run(tc.model+tc.method, func(t *testing.T) {
			c := tinyClassify(tc.model, tc.method)
			c.Swap = DefaultSwap(2, 0.1, 0.01)
			dir := t.TempDir()
			pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			ra, err := RunClassify(context.Background(), c, tr, te, pa, false, ClassifyHooks{})
			if err != nil {
				t.Fatal(err)
			}
			// Interrupt after batch 2 of epoch 1, then after the last
			// batch of epoch 1 (the epoch ends, the next one stops before
			// its first batch).
			stops := []int{2, 6}
			var rb *ClassifyResult
			for k := 0; ; k++ {
				ctx, cancel := context.WithCancel(context.Background())
				h := ClassifyHooks{Batch: func(epoch, batch, batches int) {
					if k < len(stops) && epoch == 1 && batch == stops[k] {
						cancel()
					}
				}}
				rb, err = RunClassify(ctx, c, tr, te, pb, k > 0, h)
				cancel()
				var ie *InterruptedError
				if errors.As(err, &ie) {
					if k >= len(stops) {
						t.Fatalf("interrupted %d times", k+1)
					}
					wantEpoch, wantBatch := 1, stops[k]
					if stops[k] == 6 {
						wantEpoch, wantBatch = 2, 0
					}
					if ie.Epoch != wantEpoch || ie.Batch != wantBatch || ie.Checkpoint != pb {
						t.Fatalf("interrupted at epoch %d batch %d (%s), want epoch %d batch %d", ie.Epoch, ie.Batch, ie.Checkpoint, wantEpoch, wantBatch)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if k != len(stops) {
					t.Fatalf("finished after %d interruptions, want %d", k, len(stops))
				}
				break
			}
			sameCheckpoint(t, pa, pb)
			sameEpochs(t, ra.Epochs, rb.Epochs)
			if !reflect.DeepEqual(ra.Predictions, rb.Predictions) || ra.TestAcc != rb.TestAcc || !reflect.DeepEqual(ra.Swap, rb.Swap) {
				t.Errorf("final results differ: %v %v / %+v %+v", ra.TestAcc, rb.TestAcc, ra.Swap, rb.Swap)
			}
			if tc.model == "node" {
				if len(ra.Swap) != 6 {
					t.Fatalf("%d solver-swap rows, want 6", len(ra.Swap))
				}
				trained := 0
				for _, r := range ra.Swap {
					if r.Trained {
						trained++
						if r.Solver != "heun_euler" {
							t.Errorf("trained solver marked on %s", r.Solver)
						}
					}
					if r.Err != "" || !(r.NFE > 0) || r.ErrorRate < 0 || r.ErrorRate > 1 {
						t.Errorf("swap row %+v", r)
					}
				}
				if trained != 1 {
					t.Errorf("%d rows marked trained, want 1", trained)
				}
				for _, r := range ra.Swap[:3] { // fixed steps: Euler 1, midpoint 2, RK4 4 evaluations a step
					want := map[string]float64{"euler": 2, "midpoint": 4, "rk4": 8}[r.Solver]
					if r.NFE != want {
						t.Errorf("%s with 2 steps: NFE %g, want %g", r.Solver, r.NFE, want)
					}
				}
				if !(ra.Epochs[0].NFEForward > 0 && ra.Epochs[0].NFEBackward > 0) {
					t.Errorf("NFE forward %g backward %g", ra.Epochs[0].NFEForward, ra.Epochs[0].NFEBackward)
				}
			} else if ra.Swap != nil || ra.Epochs[0].NFEForward != 0 {
				t.Errorf("ResNet has swap rows or NFE: %+v", ra.Epochs[0])
			}
			if ra.Epochs[0].LR != c.LR || ra.Epochs[1].LR != c.LR*c.LRFactor {
				t.Errorf("learning rates %g, %g; want %g then %g", ra.Epochs[0].LR, ra.Epochs[1].LR, c.LR, c.LR*c.LRFactor)
			}
		})
	}
}

// TestClassifyResumeOtherConfig checks that a checkpoint is not resumed
// under another configuration, and that a resume may extend the epochs.
func TestClassifyResumeOtherConfig(t *testing.T) {
	tr, te := syntheticSets(t, 32, 8)
	c := tinyClassify("resnet", "")
	c.Epochs = 1
	p := filepath.Join(t.TempDir(), "ck")
	if _, err := RunClassify(context.Background(), c, tr, te, p, false, ClassifyHooks{}); err != nil {
		t.Fatal(err)
	}
	d := c
	d.Width = 8
	if _, err := RunClassify(context.Background(), d, tr, te, p, true, ClassifyHooks{}); err == nil || !strings.Contains(err.Error(), "another configuration") {
		t.Errorf("resumed under another width: %v", err)
	}
	// A damaged checkpoint is a *CheckpointError naming it: resuming
	// again cannot help.
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut")
	if err := os.WriteFile(cut, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	var ce *CheckpointError
	if _, err := RunClassify(context.Background(), c, tr, te, cut, true, ClassifyHooks{}); !errors.As(err, &ce) || ce.Path != cut {
		t.Errorf("resumed from a truncated checkpoint: %v, want a *CheckpointError naming it", err)
	}
	// An empty test set is refused before training: there would be no
	// accuracy to report.
	if _, err := RunClassify(context.Background(), c, tr, te.Slice(0, 0), filepath.Join(t.TempDir(), "ck"), false, ClassifyHooks{}); err == nil || !strings.Contains(err.Error(), "no images") {
		t.Errorf("an empty test set: %v", err)
	}
	d = c
	d.Epochs = 2
	res, err := RunClassify(context.Background(), d, tr, te, p, true, ClassifyHooks{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Epochs) != 2 {
		t.Errorf("extended run has %d epochs, want 2", len(res.Epochs))
	}
}

// TestClassifyACAMemory trains the NODE with ACA keeping every accepted
// step's graph for an epoch (and its test evaluation), interrupted early in
// the second and resumed keeping none, and checks that weights, losses,
// accuracies, test NFE and predictions are the bits of a run that kept
// none throughout: the budget changes the training time, memory and NFE
// figures only, and each epoch records its budget. Only ACA's solve
// options carry the budget.
func TestClassifyACAMemory(t *testing.T) {
	tr, te := syntheticSets(t, 96, 8)
	c := tinyClassify("node", "aca")
	dir := t.TempDir()
	pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	ra, err := RunClassify(context.Background(), c, tr, te, pa, false, ClassifyHooks{})
	if err != nil {
		t.Fatal(err)
	}
	kept := c
	kept.ACAMemory = ode.ACAMemoryAll
	o, err := kept.odeOptions()
	if err != nil || o.ACAMemory != ode.ACAMemoryAll || o.Gradient != ode.ACA {
		t.Fatalf("ACA options %+v (%v): want the budget passed on", o, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := ClassifyHooks{Batch: func(epoch, batch, batches int) {
		if epoch == 2 && batch == 1 {
			cancel()
		}
	}}
	_, err = RunClassify(ctx, kept, tr, te, pb, false, h)
	cancel()
	var ie *InterruptedError
	if !errors.As(err, &ie) {
		t.Fatalf("run keeping every step: %v, want an interruption", err)
	}
	rb, err := RunClassify(context.Background(), c, tr, te, pb, true, ClassifyHooks{})
	if err != nil {
		t.Fatalf("resumed with another budget: %v", err)
	}
	sameCheckpoint(t, pa, pb)
	// Keeping graphs spends no re-run evaluations in the backward pass,
	// some more in the forward one (f at the kept steps' ends, for their
	// dense output), and more memory.
	costless := func(es []ClassifyEpoch) []ClassifyEpoch {
		out := slices.Clone(es)
		for i := range out {
			out[i].NFEForward, out[i].NFEBackward, out[i].GraphPeakBytes, out[i].ACAMemory = 0, 0, 0, 0
		}
		return out
	}
	sameEpochs(t, costless(ra.Epochs), costless(rb.Epochs))
	if got := []int64{rb.Epochs[0].ACAMemory, rb.Epochs[1].ACAMemory}; got[0] != ode.ACAMemoryAll || got[1] != 0 {
		t.Errorf("epochs record budgets %v, want [-1 0]", got)
	}
	if rb.Epochs[0].NFEBackward != 0 || ra.Epochs[0].NFEBackward == 0 {
		t.Errorf("NFE backward %g keeping every step, %g keeping none: want 0 and more", rb.Epochs[0].NFEBackward, ra.Epochs[0].NFEBackward)
	}
	if !reflect.DeepEqual(ra.Predictions, rb.Predictions) || ra.TestAcc != rb.TestAcc {
		t.Errorf("final results differ: %v against %v", ra.TestAcc, rb.TestAcc)
	}
	adj := kept
	adj.Method = "adjoint"
	if o, err := adj.odeOptions(); err != nil || o.ACAMemory != 0 {
		t.Errorf("adjoint options %+v (%v): want no ACA budget", o, err)
	}
	bad := c
	bad.ACAMemory = -5
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "ACA memory -5") {
		t.Errorf("budget -5 validated: %v", err)
	}
}

// TestClassifyLearns trains both models on the two-class bars, which a
// 3×3 filter separates: test accuracy must be far above chance. (The NODE
// uses two Euler steps to keep the test short.)
func TestClassifyLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two models")
	}
	tr, te := syntheticSets(t, 256, 12)
	for _, model := range []string{"resnet", "node"} {
		c := tinyClassify(model, "aca")
		c.Width, c.Batch, c.Epochs, c.Milestones, c.Crop, c.Flip, c.LR = 8, 32, 5, nil, 0, false, 0.1
		c.Solver, c.Steps = "euler", 2
		res, err := RunClassify(context.Background(), c, tr, te, filepath.Join(t.TempDir(), "ck"), false, ClassifyHooks{})
		if err != nil {
			t.Fatal(err)
		}
		if res.TestAcc < 0.8 {
			t.Errorf("%s: test accuracy %.3f on the bars, want ≥ 0.8 (chance 0.5); epochs %+v", model, res.TestAcc, res.Epochs)
		}
	}
}

func TestClassifyValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*ClassifyConfig)
		want string
	}{
		{func(c *ClassifyConfig) { c.Model = "vit" }, "model"},
		{func(c *ClassifyConfig) { c.Method = "backprop" }, "method"},
		{func(c *ClassifyConfig) { c.Solver = "rk9" }, "solver"},
		{func(c *ClassifyConfig) { c.Solver, c.Steps = "euler", 0 }, "steps"},
		{func(c *ClassifyConfig) { c.RTol, c.ATol = 0, 0 }, "rtol"},
		{func(c *ClassifyConfig) { c.Milestones = []int{5, 3} }, "milestones"},
		{func(c *ClassifyConfig) { c.Epochs = 0 }, "epochs"},
		{func(c *ClassifyConfig) { c.Width = 0 }, "width"},
		{func(c *ClassifyConfig) { c.Swap = []SwapSolver{{Solver: "rk4"}} }, "steps"},
	} {
		c := DefaultClassify()
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %s", err, tc.want)
		}
	}
	c := DefaultClassify()
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestPaperMilestones(t *testing.T) {
	for _, tc := range []struct {
		epochs int
		want   []int
	}{{90, []int{30, 60}}, {15, []int{5, 10}}, {10, []int{3, 7}}, {2, []int{1}}, {1, nil}} {
		if got := PaperMilestones(tc.epochs); !slices.Equal(got, tc.want) {
			t.Errorf("PaperMilestones(%d) = %v, want %v", tc.epochs, got, tc.want)
		}
	}
}

// TestClassifyPlan checks the job-array index logic: the runs of index I
// alone are exactly the runs with index I of the whole study.
func TestClassifyPlan(t *testing.T) {
	models, methods := []string{"node", "resnet"}, []string{"aca", "adjoint", "naive"}
	all, err := ClassifyPlan(models, methods, 3, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 12 {
		t.Fatalf("%d runs, want 3 × (3 NODE + 1 ResNet) = 12", len(all))
	}
	dirs := map[string]bool{}
	var union []ClassifyRunSpec
	for i := 1; i <= 3; i++ {
		part, err := ClassifyPlan(models, methods, 3, i, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range part {
			if s.Run != i || s.Seed != uint64(i) {
				t.Errorf("index %d planned %+v", i, s)
			}
			if dirs[s.Dir()] {
				t.Errorf("folder %s planned twice", s.Dir())
			}
			dirs[s.Dir()] = true
		}
		union = append(union, part...)
	}
	if !reflect.DeepEqual(union, all) {
		t.Errorf("the indices' runs\n%v\ndiffer from the whole study's\n%v", union, all)
	}
	if got := all[0].Dir(); got != "node-aca-run1" {
		t.Errorf("first folder %s", got)
	}
	if got := all[3].Dir(); got != "resnet-run1" {
		t.Errorf("fourth folder %s", got)
	}
	s, _ := ClassifyPlan([]string{"resnet"}, nil, 4, 0, 10)
	if s[3].Seed != 13 {
		t.Errorf("run 4 from seed 10 has seed %d, want 13", s[3].Seed)
	}
	for _, bad := range []struct {
		runs, index int
		models      []string
	}{{0, 0, models}, {3, 4, models}, {3, -1, models}, {3, 1, []string{"vit"}}, {3, 1, nil}} {
		if _, err := ClassifyPlan(bad.models, methods, bad.runs, bad.index, 1); err == nil {
			t.Errorf("runs %d index %d models %v: no error", bad.runs, bad.index, bad.models)
		}
	}
}

func TestPredictionsRoundTrip(t *testing.T) {
	p := &Predictions{Index: []int{0, 1, 7}, Label: []int{2, 0, 1},
		Probs: [][]float64{{0.1, 0.2, 0.7}, {float64(float32(1) / 3), float64(float32(2) / 3), 0}, {1e-30, 1, 0}}}
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := WritePredictions(path, p); err != nil {
		t.Fatal(err)
	}
	q, err := ReadPredictions(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Probs {
		for j := range p.Probs[i] {
			if float32(p.Probs[i][j]) != float32(q.Probs[i][j]) {
				t.Errorf("prob [%d][%d] %v read back as %v", i, j, p.Probs[i][j], q.Probs[i][j])
			}
		}
	}
	if !slices.Equal(p.Index, q.Index) || !slices.Equal(p.Label, q.Label) {
		t.Errorf("read back %v %v", q.Index, q.Label)
	}
	for _, bad := range []string{"", "index,label\n", "idx,label,p0\n", "index,label,p0,p1\n0,2,0.5,0.5\n", "index,label,p0\n0,0,1.5\n",
		"index,label,p0\n0,0,1\n0,0,1\n", "index,label,p0,p1\n0,1,0.5\n", "index,label,p0\n0,0,NaN\n", "index,label,p0,p1\n0,0,1,1\n"} {
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPredictions(path); err == nil {
			t.Errorf("%q read without error", bad)
		}
	}
}

// fakeRun builds a finished run whose probability of the true class for
// image i is pTrue[i] (the rest spread over the other classes).
func fakeRun(label string, seed uint64, pTrue []float64, acc []float64) *ClassifyRunFiles {
	c := DefaultClassify()
	c.Seed, c.Run = seed, int(seed)
	c.Model, c.Method = "node", "aca"
	if label == "resnet" {
		c.Model, c.Method = "resnet", ""
	}
	rec := &ClassifyRecord{Status: "done", ClassifyResult: ClassifyResult{Config: c, TestAcc: acc[len(acc)-1]}}
	for e, a := range acc {
		rec.Epochs = append(rec.Epochs, ClassifyEpoch{Epoch: e + 1, TestAcc: a, TrainSeconds: float64(10 * (e + 1) * int(seed)), Seconds: 10})
	}
	if c.Model == "node" {
		rec.Swap = []SwapRow{{SwapSolver: SwapSolver{Solver: "euler", Steps: 2}, ErrorRate: 0.1 * float64(seed), NFE: 2}}
	}
	p := &Predictions{}
	for i, v := range pTrue {
		lab := i % 3
		row := make([]float64, 3)
		for j := range row {
			row[j] = (1 - v) / 2
		}
		row[lab] = v
		p.Index, p.Label, p.Probs = append(p.Index, i), append(p.Label, lab), append(p.Probs, row)
	}
	return &ClassifyRunFiles{Dir: label + "-" + string(rune('0'+seed)), Record: rec, Pred: p}
}

func TestMergeClassify(t *testing.T) {
	// Three NODE runs and two ResNet runs over five images; image 3 is
	// misclassified (p < 1/3 with two other classes at (1−p)/2) by NODE
	// run 2 only, image 4 by every run.
	node := [][]float64{{0.9, 0.8, 0.7, 0.6, 0.1}, {0.85, 0.75, 0.7, 0.2, 0.15}, {0.95, 0.8, 0.65, 0.55, 0.05}}
	runs := []*ClassifyRunFiles{
		fakeRun("node", 1, node[0], []float64{0.5, 0.7}),
		fakeRun("resnet", 1, []float64{0.9, 0.9, 0.9, 0.9, 0.1}, []float64{0.6, 0.8}),
		fakeRun("node", 2, node[1], []float64{0.6, 0.8}),
		fakeRun("node", 3, node[2], []float64{0.4, 0.9}),
		fakeRun("resnet", 2, []float64{0.8, 0.9, 0.7, 0.9, 0.2}, []float64{0.7, 0.8}),
	}
	rep, err := MergeClassify(runs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Curves) != 2 || rep.Curves[0].Label != "node-aca" || rep.Curves[1].Label != "resnet" {
		t.Fatalf("curves %+v", rep.Curves)
	}
	cv := rep.Curves[0]
	if !slices.Equal(cv.Min, []float64{0.4, 0.7}) || !slices.Equal(cv.Max, []float64{0.6, 0.9}) || math.Abs(cv.Mean[1]-0.8) > 1e-15 || cv.Seconds[0] != 20 {
		t.Errorf("NODE curve %+v", cv)
	}
	a := rep.Accuracy[0]
	if a.Runs != 3 || math.Abs(a.Mean-0.8) > 1e-15 || math.Abs(a.Std-0.1) > 1e-15 {
		t.Errorf("NODE accuracy %+v", a)
	}
	if s := rep.Swap[0]; s.Runs != 3 || math.Abs(s.ErrMean-0.2) > 1e-15 || s.NFEMean != 2 {
		t.Errorf("swap %+v", s)
	}
	// The ICC rows must be stats.ICC of the ratings matrix built by hand.
	var all, wrong [][]float64
	for i := range 5 {
		row := []float64{node[0][i], node[1][i], node[2][i]}
		all = append(all, row)
		if i >= 3 {
			wrong = append(wrong, row)
		}
	}
	for k, m := range [][][]float64{all, wrong} {
		want, werr := stats.ICC(m)
		got := rep.ICC[k]
		if got.Label != "node-aca" || got.Raters != 3 || got.Images != len(m) {
			t.Errorf("ICC row %+v", got)
		}
		if werr == nil && got.ICCResult != want {
			t.Errorf("ICC %s: %+v, want %+v", got.Subset, got.ICCResult, want)
		}
	}
	if rep.ICC[3].Images != 1 || rep.ICC[3].Note == "" {
		t.Errorf("ResNet misclassified ICC over one image: %+v", rep.ICC[3])
	}
	// A run merged twice, and runs on different data, are errors.
	if _, err := MergeClassify(append(runs, fakeRun("node", 2, node[1], []float64{0.6}))); err == nil || !strings.Contains(err.Error(), "merged once") {
		t.Errorf("duplicate run: %v", err)
	}
	other := fakeRun("node", 9, node[0], []float64{0.5})
	other.Record.Config.Data = "cifar10"
	if _, err := MergeClassify(append(runs[:1:1], other)); err == nil {
		t.Error("runs on two data sets merged")
	}
	// Runs of one label trained with different ACA memory budgets merge
	// (the results do not depend on it), with a note on the cost figures.
	for _, n := range rep.Notes {
		if strings.Contains(n, "budget") {
			t.Errorf("a note on budgets without any: %q", n)
		}
	}
	kept := fakeRun("node", 4, node[0], []float64{0.5, 0.7})
	kept.Record.Config.ACAMemory = ode.ACAMemoryAll
	kept.Record.Epochs[1].ACAMemory = ode.ACAMemoryAll
	rep, err = MergeClassify(append(slices.Clone(runs), kept))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Join(rep.Notes, "\n"); !strings.Contains(n, "node-aca: epochs trained with different ACA memory budgets (0 bytes, all)") || strings.Contains(n, "different settings") {
		t.Errorf("notes %q: want one on the budgets only", n)
	}
	for _, r := range rep.Runs {
		if want := map[bool]int64{true: ode.ACAMemoryAll, false: 0}[r.Dir == kept.Dir]; r.ACAMemory != want {
			t.Errorf("run %s: budget %d, want %d", r.Dir, r.ACAMemory, want)
		}
	}
}

// TestFindAndLoadRuns writes run folders as the command does, nested at
// two depths, and finds and loads them.
func TestFindAndLoadRuns(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a/node-aca-run1", "b/job2/resnet-run2"} {
		dir := filepath.Join(root, d)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		r := fakeRun("node", 1, []float64{0.5, 0.2}, []float64{0.5}) // image 1 misclassified
		if err := WriteRecord(dir, r.Record); err != nil {
			t.Fatal(err)
		}
		if err := WritePredictions(filepath.Join(dir, PredictionsFile), r.Pred); err != nil {
			t.Fatal(err)
		}
	}
	dirs, err := FindClassifyRuns([]string{filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "a", "node-aca-run1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 2 {
		t.Fatalf("found %v, want 2 folders", dirs)
	}
	for _, d := range dirs {
		r, err := LoadClassifyRun(d)
		if err != nil {
			t.Fatal(err)
		}
		if r.Record.TestAcc != 0.5 || len(r.Pred.Index) != 2 {
			t.Errorf("%s: %+v", d, r.Record)
		}
	}
	if _, err := FindClassifyRuns([]string{t.TempDir()}); err == nil {
		t.Error("an empty folder gave runs")
	}
}

// TestLoadArchivedRun loads a run whose predictions were compressed with
// gzip (predictions.csv.gz only), and names the file when it is corrupt.
func TestLoadArchivedRun(t *testing.T) {
	dir := t.TempDir()
	r := fakeRun("node", 1, []float64{0.25, 0.75}, []float64{0.5})
	if err := WriteRecord(dir, r.Record); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, PredictionsFile)
	if err := WritePredictions(plain, r.Pred); err != nil {
		t.Fatal(err)
	}
	want, err := LoadClassifyRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain+".gz", z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(plain); err != nil {
		t.Fatal(err)
	}
	got, err := LoadClassifyRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Pred.Index, want.Pred.Index) || !slices.Equal(got.Pred.Label, want.Pred.Label) {
		t.Fatalf("archived run read as %v %v, want %v %v", got.Pred.Index, got.Pred.Label, want.Pred.Index, want.Pred.Label)
	}
	for i := range want.Pred.Probs {
		if !slices.Equal(got.Pred.Probs[i], want.Pred.Probs[i]) {
			t.Fatalf("row %d read as %v, want %v", i, got.Pred.Probs[i], want.Pred.Probs[i])
		}
	}
	// Damaged archives: cut in the middle of the data, cut before the
	// trailer (the data whole, its CRC and length missing), a wrong CRC,
	// and not gzip at all. The last three decode to whole lines, so only
	// gzip's own checks at the end of the stream catch them.
	zb := z.Bytes()
	badCRC := slices.Clone(zb)
	badCRC[len(badCRC)-8] ^= 0xff
	for name, bad := range map[string][]byte{"cut in half": zb[:len(zb)/2], "no trailer": zb[:len(zb)-8],
		"wrong CRC": badCRC, "not gzip": []byte("not gzip")} {
		if err := os.WriteFile(plain+".gz", bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadClassifyRun(dir); err == nil || !strings.Contains(err.Error(), "predictions.csv.gz") || strings.Contains(err.Error(), "fields") {
			t.Errorf("%s: error %v, want one naming predictions.csv.gz (and not the line it breaks)", name, err)
		}
	}
	if err := os.Remove(plain + ".gz"); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadClassifyRun(dir); err == nil || !strings.Contains(err.Error(), "predictions.csv.gz") || !strings.Contains(err.Error(), "missing") {
		t.Errorf("no predictions: error %v, want one naming both files", err)
	}
}

// TestLoadRunChecks checks that a finished run whose record or
// predictions were damaged is refused, naming the file, rather than merged
// into the report: a test accuracy that is not a fraction, a configuration
// that could not have run (or none), and predictions that lost rows.
func TestLoadRunChecks(t *testing.T) {
	write := func(t *testing.T, edit func(rec map[string]any), rows int) string {
		t.Helper()
		dir := t.TempDir()
		r := fakeRun("node", 1, []float64{0.5, 0.2, 0.6, 0.9}, []float64{0.75}) // image 1 misclassified
		if err := WriteRecord(dir, r.Record); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, RunRecordFile)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		if b, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		p := r.Pred
		p.Index, p.Label, p.Probs = p.Index[:rows], p.Label[:rows], p.Probs[:rows]
		if err := WritePredictions(filepath.Join(dir, PredictionsFile), p); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	keep := func(map[string]any) {}
	if _, err := LoadClassifyRun(write(t, keep, 4)); err != nil {
		t.Fatalf("the undamaged run: %v", err)
	}
	for _, tc := range []struct {
		name, want string
		edit       func(map[string]any)
		rows       int
	}{
		{"NaN accuracy", "run.json", func(m map[string]any) { m["test_acc"] = "NaN" }, 4},
		{"accuracy above 1", "run.json", func(m map[string]any) { m["test_acc"] = 75.0 }, 4},
		{"unknown method", "method", func(m map[string]any) { m["config"].(map[string]any)["method"] = "bogus" }, 4},
		{"no configuration", "run.json", func(m map[string]any) { delete(m, "config") }, 4},
		{"no epochs", "run.json", func(m map[string]any) { delete(m, "epochs") }, 4},
		{"predictions cut short", "incomplete", keep, 2},
	} {
		if _, err := LoadClassifyRun(write(t, tc.edit, tc.rows)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

// A run record holding non-finite numbers (a diverged epoch's loss, a swap
// solver whose NFE is undefined) is written and read back whole; with
// encoding/json it could not be written at all.
func TestRecordNonFinite(t *testing.T) {
	dir := t.TempDir()
	rec := &ClassifyRecord{Status: "running", Host: "h", ClassifyResult: ClassifyResult{
		Config: tinyClassify("node", "aca"),
		Epochs: []ClassifyEpoch{{Model: "node", Epoch: 1, TrainLoss: 0.5}, {Model: "node", Epoch: 2, TrainLoss: math.NaN(), TestAcc: 0.1}},
		Swap:   []SwapRow{{ErrorRate: 1, NFE: math.Inf(1), Err: "step size underflow"}},
	}}
	if err := WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Epochs) != 2 || got.Epochs[0].TrainLoss != 0.5 || !math.IsNaN(got.Epochs[1].TrainLoss) ||
		got.Epochs[1].TestAcc != 0.1 || len(got.Swap) != 1 || !math.IsInf(got.Swap[0].NFE, 1) || got.Host != "h" {
		t.Errorf("read back %+v", got)
	}
}
