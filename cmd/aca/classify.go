package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/acaode/aca/data"
	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/internal/cpuinfo"
	"github.com/acaode/aca/internal/plot"
	"github.com/acaode/aca/internal/progress"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

// classifyPlanFile is the study's plan in its folder: what --resume
// continues.
const (
	classifyPlanFile   = "plan.json"
	classifyPlanFormat = "aca-classify-plan-1"
	maxClassifyRuns    = 10_000
)

// classifyPlan is a study: the data, the settings every run shares and the
// runs (model, method, index, seed) this process makes.
type classifyPlan struct {
	Format  string                        `json:"format"`
	Data    string                        `json:"data"`
	DataDir string                        `json:"data_dir"`
	Quick   bool                          `json:"quick"`
	Base    experiments.ClassifyConfig    `json:"base"`
	Runs    []experiments.ClassifyRunSpec `json:"runs"`
}

// check reports a plan that could not have been written by this command
// (hand-edited, or damaged): a data set it does not know, a run folder
// name that is not a plain name in the study folder (it would write
// elsewhere), a run listed twice, or a run whose settings cannot run.
func (p *classifyPlan) check() error {
	switch p.Data {
	case "fashion-mnist", "cifar10", "cifar100":
	default:
		return fmt.Errorf("data %q: want fashion-mnist, cifar10 or cifar100", p.Data)
	}
	if p.DataDir == "" {
		return errors.New("data_dir is empty")
	}
	seen := map[string]bool{}
	for i, s := range p.Runs {
		d := s.Dir()
		if d != filepath.Base(d) || d == "." || d == ".." || strings.ContainsAny(d, `/\`) {
			return fmt.Errorf("runs[%d]: model %q, method %q: not a run of this command", i, s.Model, s.Method)
		}
		if seen[d] {
			return fmt.Errorf("runs[%d]: %s is listed twice", i, d)
		}
		seen[d] = true
		c := p.Base
		c.Model, c.Method, c.Seed, c.Run = s.Model, s.Method, s.Seed, s.Run
		if c.Model == "resnet" && c.Method != "" {
			return fmt.Errorf("runs[%d]: a ResNet has no gradient method (%q)", i, c.Method)
		}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("runs[%d] (%s): %v", i, d, err)
		}
	}
	return nil
}

// quickClassify sets the sizes of --quick: both models, the three
// methods, three runs, on a small part of Fashion-MNIST (see the README).
//
// Two epochs of 16 batches are too short for the step schedule: the rate
// stays at --lr (a milestone given with --lr-milestones still applies).
func quickClassify(c *experiments.ClassifyConfig) {
	c.Width, c.Subset, c.TestSubset, c.Epochs, c.Batch = 4, 512, 300, 2, 32
	c.RTol, c.ATol = 0.1, 0.01
	c.Milestones = nil
}

const classifySynopsis = `Image classification (the paper's section 4.2): NODE18 (ResNet18 with the
second block of every stage an ODE block of the same parameters) trained
with ACA, the adjoint or naive backpropagation, against ResNet18, by SGD
(momentum 0.9, weight decay 5e-4, the rate ×--lr-factor at each of
--lr-milestones). Each run (a model, a method, a seed) trains in a folder
of its own under --out, with a checkpoint after every epoch; --resume DIR
continues a study. After each run the test set's class probabilities go to
predictions.csv and a NODE is evaluated under six solvers without
retraining (Table 2). At the end the study's runs are merged into a report:
accuracy curves with bands over runs (Fig. 7a/b), the accuracy of every run
(Fig. 7c/d), the solver swap and test-retest ICC (Table 3).

  aca classify --quick                  every part, in minutes
  aca classify --runs 3 --run-index 2   the runs of seed 2 only (job arrays)
  aca classify report DIR...            merge finished runs (see -h there)`

func runClassify(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "report" {
		return runClassifyReport(args[1:], stdout, stderr)
	}
	fs := newFlags("classify", classifySynopsis, stderr)
	rf := addRunFlags(fs, 1)
	def := experiments.DefaultClassify()
	dataName := fs.String("data", "fashion-mnist", "data set: fashion-mnist, cifar10 or cifar100 (fine labels)")
	dataDir := fs.String("data-dir", "", "folder of the data set's files (default: "+data.DefaultFashionMNISTDir+" for fashion-mnist, Debian's dataset-fashion-mnist package; CIFAR needs it: the official binary files)")
	model := fs.String("model", "all", "node, resnet or all")
	depth := fs.Int("depth", def.Depth, "network depth (18: ResNet18 / NODE18)")
	width := fs.Int("width", def.Width, "channels of the first stage (the paper: 64); the stages have w, 2w, 4w, 8w")
	method := fs.String("method", "all", "the NODE's gradient method: aca, adjoint, naive, comma-separated, or all")
	solver := fs.String("solver", def.Solver, "the NODE's solver: euler, rk2 (midpoint), rk4 with --steps; heuneuler, rk23 (bosh3), dopri5 with --rtol/--atol")
	steps := fs.Int("steps", def.Steps, "fixed steps on [0, 1] for euler, rk2, rk4 (training, and the solver swap's fixed-step solvers)")
	rtol := fs.Float64("rtol", def.RTol, "relative tolerance of an adaptive solver (training and the swap)")
	atol := fs.Float64("atol", def.ATol, "absolute tolerance of an adaptive solver (training and the swap)")
	epochs := fs.Int("epochs", def.Epochs, "training epochs (with --resume: extend the study to this many)")
	batch := fs.Int("batch", def.Batch, "mini-batch size")
	lr := fs.Float64("lr", def.LR, "initial learning rate (SGD, momentum 0.9, weight decay 5e-4)")
	milestones := fs.String("lr-milestones", "", "epochs after which the rate is multiplied by --lr-factor, comma-separated (default: 1/3 and 2/3 of --epochs, rounded)")
	factor := fs.Float64("lr-factor", def.LRFactor, "learning-rate factor at each milestone")
	subset := fs.Int("subset", 0, "train on the first N training images only (0: all)")
	testSubset := fs.Int("test-subset", 0, "test on the first N test images only (0: all)")
	flip := fs.String("flip", "auto", "random horizontal flip: auto (on for CIFAR; off for Fashion-MNIST, whose shoes and bags all face one way), on or off")
	crop := fs.Int("crop", -1, "random-crop padding in pixels (-1: 4 for 32×32 images, 2 for 28×28; 0: no crop)")
	runs := fs.Int("runs", 1, "runs of every model and method, with seeds --seed … --seed+N−1")
	runIndex := fs.Int("run-index", 0, "run only the runs of index I in 1..--runs (seed --seed+I−1), for job arrays; 0: all")
	resume := fs.String("resume", "", "continue the study in this folder (its plan.json holds the settings; only --epochs, --aca-memory, --data-dir, --json and --quiet may be given with it)")
	acaMemory := fs.String("aca-memory", "0", "ACA: memory per ODE block (NODE18 has 4) for the accepted steps' graphs kept from the forward pass, so that the backward pass need not re-run them (as 512MB or 2GiB; 0, the paper's ACA, keeps none and re-runs every step; all keeps every one). The weights and predictions are the same bits; the time, memory and NFE figures change")
	quick := fs.Bool("quick", false, "every part in minutes: both models, the three methods, 3 runs, width 4, 2 epochs of batches of 32 at a constant rate on the first 512 training images, tested on the first 300")
	if st := parse(fs, args); st >= 0 {
		return st
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	bad := func(name, format string, a ...any) int { return usageError(stderr, "classify", name, format, a...) }
	acaMem, err := parseBytes(*acaMemory)
	if err != nil {
		return bad("aca-memory", "%v", err)
	}

	var plan classifyPlan
	if *resume != "" {
		planPath := filepath.Join(*resume, classifyPlanFile)
		for name := range set {
			if name != "resume" && name != "epochs" && name != "aca-memory" && name != "data-dir" && name != "json" && name != "quiet" {
				return bad(name, "cannot be given with --resume: the study's settings are in %s", planPath)
			}
		}
		b, err := os.ReadFile(planPath)
		if err != nil {
			return bad("resume", "%s is not a classify study folder: %v", *resume, err)
		}
		if err := json.Unmarshal(b, &plan); err != nil || plan.Format != classifyPlanFormat {
			return bad("resume", "%s: not a plan this command wrote (%v)", planPath, err)
		}
		if err := plan.check(); err != nil {
			return bad("resume", "%s: %v", planPath, err)
		}
		if set["data-dir"] { // the data may sit elsewhere on this machine
			if plan.DataDir, err = filepath.Abs(*dataDir); err != nil {
				return bad("data-dir", "%v", err)
			}
		}
		if set["epochs"] {
			if *epochs < plan.Base.Epochs || *epochs > maxEpochs {
				return bad("epochs", "%d: a resumed study may extend its %d epochs, up to %d", *epochs, plan.Base.Epochs, maxEpochs)
			}
			plan.Base.Epochs = *epochs
		}
		if set["aca-memory"] {
			plan.Base.ACAMemory = acaMem
		}
	} else {
		c := def
		c.Data = *dataName
		switch *dataName {
		case "fashion-mnist", "cifar10", "cifar100":
		default:
			return bad("data", "%q: want fashion-mnist, cifar10 or cifar100", *dataName)
		}
		dir := *dataDir
		if dir == "" {
			if *dataName != "fashion-mnist" {
				return bad("data-dir", "is needed for %s: the folder of its official binary files", *dataName)
			}
			dir = data.DefaultFashionMNISTDir
		}
		var models []string
		switch *model {
		case "all":
			models = []string{"node", "resnet"}
		case "node", "resnet":
			models = []string{*model}
		default:
			return bad("model", "%q: want node, resnet or all", *model)
		}
		var methods []string
		if *method == "all" {
			methods = []string{"aca", "adjoint", "naive"}
		} else {
			for _, m := range strings.Split(*method, ",") {
				m = strings.TrimSpace(m)
				if m != "aca" && m != "adjoint" && m != "naive" {
					return bad("method", "%q: want aca, adjoint, naive, a comma-separated list, or all", m)
				}
				if slices.Contains(methods, m) {
					return bad("method", "%q is listed twice", m)
				}
				methods = append(methods, m)
			}
		}
		if *quick {
			quickClassify(&c)
			if !set["runs"] {
				*runs = 3
			}
		}
		ints := []struct {
			name     string
			v        int
			lo, hi   int
			dst      *int
			override bool
		}{
			{"depth", *depth, 18, 18, &c.Depth, true},
			{"width", *width, 1, 1024, &c.Width, !*quick || set["width"]},
			{"steps", *steps, 1, 1_000_000, &c.Steps, true},
			{"epochs", *epochs, 1, maxEpochs, &c.Epochs, !*quick || set["epochs"]},
			{"batch", *batch, 1, 1 << 20, &c.Batch, !*quick || set["batch"]},
			{"subset", *subset, 0, math.MaxInt32, &c.Subset, !*quick || set["subset"]},
			{"test-subset", *testSubset, 0, math.MaxInt32, &c.TestSubset, !*quick || set["test-subset"]},
			{"crop", *crop, -1, 64, &c.Crop, true},
		}
		for _, f := range ints {
			if f.v < f.lo || f.v > f.hi {
				if f.lo == f.hi {
					return bad(f.name, "%d: only %d is built", f.v, f.lo)
				}
				return bad(f.name, "%d: want %d..%d", f.v, f.lo, f.hi)
			}
			if f.override {
				*f.dst = f.v
			}
		}
		if *runs < 1 || *runs > maxClassifyRuns {
			return bad("runs", "%d: want 1..%d", *runs, maxClassifyRuns)
		}
		if *runIndex < 0 || *runIndex > *runs {
			return bad("run-index", "%d: want 1..%d (--runs), or 0 for every run", *runIndex, *runs)
		}
		if *rf.seed > math.MaxUint64-uint64(*runs-1) {
			return bad("seed", "%d: the %d runs' seeds --seed+I−1 would overflow", *rf.seed, *runs)
		}
		m, err := ode.ParseMethod(*solver)
		if err != nil {
			return bad("solver", "%q: want one of euler, rk2, rk4, heuneuler, rk23, dopri5 (or %s)", *solver, strings.Join(solverNames(), ", "))
		}
		c.Solver = m.Name
		if !*quick || set["rtol"] {
			c.RTol = *rtol
		}
		if !*quick || set["atol"] {
			c.ATol = *atol
		}
		if m.Adaptive() {
			if st := checkTols(stderr, "classify", c.RTol, c.ATol); st >= 0 {
				return st
			}
		}
		if !(*lr > 0) || math.IsInf(*lr, 0) {
			return bad("lr", "%g: want a positive number", *lr)
		}
		c.LR = *lr
		if !(*factor >= 0) || math.IsInf(*factor, 0) {
			return bad("lr-factor", "%g: want a non-negative number", *factor)
		}
		c.LRFactor = *factor
		c.ACAMemory = acaMem
		if acaMem != 0 && !(slices.Contains(models, "node") && slices.Contains(methods, "aca")) {
			fmt.Fprintln(stderr, "aca classify: note: --aca-memory applies to the NODE trained with ACA, and this study trains none")
		}
		if !*quick {
			c.Milestones = experiments.PaperMilestones(c.Epochs)
		}
		if *milestones != "" {
			vs, err := floatList(*milestones)
			if err != nil {
				return bad("lr-milestones", "%v", err)
			}
			c.Milestones = nil
			for i, v := range vs {
				if v != math.Trunc(v) || v < 1 || v > maxEpochs || (i > 0 && int(v) <= c.Milestones[i-1]) {
					return bad("lr-milestones", "%q: want positive whole epochs in increasing order", *milestones)
				}
				c.Milestones = append(c.Milestones, int(v))
			}
		}
		switch *flip {
		case "auto":
			c.Flip = *dataName != "fashion-mnist"
		case "on":
			c.Flip = true
		case "off":
			c.Flip = false
		default:
			return bad("flip", "%q: want auto, on or off", *flip)
		}
		if c.Crop < 0 { // 28×28 Fashion-MNIST: 2 pixels; 32×32 CIFAR: 4
			c.Crop = 4
			if *dataName == "fashion-mnist" {
				c.Crop = 2
			}
		}
		for _, m := range models {
			mc := c
			mc.Model = m
			if err := mc.Validate(); err != nil && strings.Contains(err.Error(), "width") {
				return bad("width", "%d: %v", c.Width, err)
			}
		}
		swapSteps := c.Steps
		c.Swap = experiments.DefaultSwap(swapSteps, c.RTol, c.ATol)
		c.Method, c.Model = "aca", "node"
		if err := c.Validate(); err != nil {
			return bad("solver", "%v", err)
		}
		specs, err := experiments.ClassifyPlan(models, methods, *runs, *runIndex, *rf.seed)
		if err != nil {
			return bad("runs", "%v", err)
		}
		// The folder as an absolute path, so that the study can be resumed
		// from any working directory.
		if dir, err = filepath.Abs(dir); err != nil {
			return bad("data-dir", "%v", err)
		}
		plan = classifyPlan{Format: classifyPlanFormat, Data: *dataName, DataDir: dir, Quick: *quick, Base: c, Runs: specs}
	}
	if onlyValidate() {
		return 0
	}

	trainSet, testSet, err := experiments.LoadClassifyData(plan.Data, plan.DataDir)
	if err != nil {
		fmt.Fprintf(stderr, "aca classify: %s\n", dataError(plan.Data, plan.DataDir, err))
		return 1
	}
	var dir *runDir
	if *resume != "" {
		dir = &runDir{path: *resume}
		// results.jsonl holds every result line of the study, the earlier
		// sessions' included.
		if dir.lines, err = readResultLines(dir.file("results.jsonl")); err != nil {
			fmt.Fprintf(stderr, "aca classify: --resume %s: %v\n", *resume, err)
			return 1
		}
	} else {
		if dir, err = makeRunDir("classify", *rf.out); err != nil {
			fmt.Fprintf(stderr, "aca classify: %v\n", err)
			return 2
		}
	}
	if err := dir.writeJSON(classifyPlanFile, plan); err != nil {
		fmt.Fprintf(stderr, "aca classify: %v\n", err)
		dir.remove()
		return 1
	}
	ctx, intr := interruptContext(context.Background())
	defer intr.stop()
	return classifyStudy(ctx, intr, plan, trainSet, testSet, dir, *rf.json, *rf.quiet, stdout, stderr)
}

// dataError explains a data set that cannot be loaded.
func dataError(name, dir string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		if name == "fashion-mnist" {
			return fmt.Sprintf("Fashion-MNIST is not in %s (%v). Install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), or give --data-dir, the folder of train-images-idx3-ubyte.gz and the three other files.", dir, err)
		}
		return fmt.Sprintf("%s is not in %s (%v). Give --data-dir, the folder of the official binary files (cifar-10-batches-bin or cifar-100-binary, or the folder that holds it).", name, dir, err)
	}
	return fmt.Sprintf("%s in %s: %v", name, dir, err)
}

// classifyStudy makes the plan's runs in dir, then merges every finished
// run in dir into the report.
func classifyStudy(ctx context.Context, intr *interrupt, plan classifyPlan, trainSet, testSet *data.Dataset, dir *runDir, asJSON, quiet bool, stdout, stderr io.Writer) int {
	host, _ := os.Hostname()
	var records []*experiments.ClassifyRecord
	metrics := func(stopped string) map[string]any {
		m := map[string]any{"command": "classify", "plan": plan, "runs": records}
		if stopped != "" {
			m["stopped"] = stopped
		}
		return m
	}
	writeMetrics := func(stopped string) error { return dir.writeJSON("metrics.json", metrics(stopped)) }
	// A stopped study leaves a STOPPED note (see runDir.stop); continuing
	// it removes the note.
	os.Remove(dir.file("STOPPED"))
	dropRunLines(dir, "", 0) // an earlier session's report, made again at the end
	header := true
	for _, spec := range plan.Runs {
		c := plan.Base
		c.Model, c.Method, c.Seed, c.Run = spec.Model, spec.Method, spec.Seed, spec.Run
		if c.Model == "resnet" {
			c.Swap = nil
		}
		rd := filepath.Join(dir.path, spec.Dir())
		if err := os.MkdirAll(rd, 0o755); err != nil {
			fmt.Fprintf(stderr, "aca classify: %v\n", err)
			return 1
		}
		rec := &experiments.ClassifyRecord{Status: "running", Host: host, CPU: cpuinfo.Name(), SIMD: tensor.SIMD(), BLAS: tensor.BLAS(),
			ClassifyResult: experiments.ClassifyResult{Config: c}}
		wasDone := false
		if old, err := experiments.ReadRecord(rd); err == nil {
			// Finished, unless the study was extended or the predictions
			// are gone (the checkpoint makes them again).
			if old.Status == "done" && len(old.Epochs) >= c.Epochs && hasPredictions(rd) {
				records = append(records, old)
				continue
			}
			rec.Epochs = old.Epochs
			wasDone = old.Status == "done"
		}
		records = append(records, rec)
		// A finished run's record stays as it is until the run has got
		// somewhere: should its checkpoint fail to load, it is still
		// finished.
		if !wasDone {
			if err := experiments.WriteRecord(rd, rec); err != nil {
				fmt.Fprintf(stderr, "aca classify: %v\n", err)
				return 1
			}
		}
		label := spec.Dir()
		batches := (trainSet.Len() + c.Batch - 1) / c.Batch
		if c.Subset > 0 && c.Subset < trainSet.Len() {
			batches = (c.Subset + c.Batch - 1) / c.Batch
		}
		bar := progress.New(stderr, label, batches*max(c.Epochs-len(rec.Epochs), 1), quiet)
		var werr error
		hooks := experiments.ClassifyHooks{
			Batch: func(int, int, int) { bar.Add(1) },
			Epoch: func(e experiments.ClassifyEpoch) {
				// The checkpoint's history is the truth; the record follows it.
				k := min(len(rec.Epochs), e.Epoch-1)
				rec.Epochs = append(rec.Epochs[:k:k], e)
				errs := []error{experiments.WriteRecord(rd, rec), writeMetrics(""), dir.result(stdout, asJSON, epochLine{Type: "epoch", ClassifyEpoch: e})}
				if !asJSON {
					bar.Done()
					if header {
						fmt.Fprintln(stdout, epochHeader)
						header = false
					}
					fmt.Fprintln(stdout, epochRow(e))
				}
				if err := errors.Join(errs...); err != nil && werr == nil {
					werr = err
				}
			},
		}
		res, err := experiments.RunClassify(ctx, c, trainSet, testSet, filepath.Join(rd, experiments.CheckpointFile), true, hooks)
		bar.Done()
		if err == nil {
			err = werr
		}
		var ie *experiments.InterruptedError
		if errors.As(err, &ie) {
			// The folder stays (it holds the checkpoint) even with no
			// finished result, so metrics.json says it stopped either way.
			why := stopReason(intr, nil)
			if _, err := dir.stop(why, metrics(why)); err != nil || len(dir.lines) == 0 {
				_ = writeMetrics(why)
			}
			return intr.exit(stderr, "classify", fmt.Sprintf("%s saved after batch %d of epoch %d; continue the study with: aca classify --resume %s", label, ie.Batch, ie.Epoch, dir.path))
		}
		var ce *experiments.CheckpointError
		if errors.As(err, &ce) {
			fmt.Fprintf(stderr, "aca classify: %s: %v\n", label, err)
			fmt.Fprintf(stderr, "aca classify: resuming cannot get past this: move %s aside (the run then starts from its first epoch) or put back a good copy, and resume again\n", ce.Path)
			if _, werr := dir.stop(err.Error(), metrics(err.Error())); werr != nil || len(dir.lines) == 0 {
				_ = writeMetrics(err.Error())
			}
			return 1
		}
		if err != nil {
			fmt.Fprintf(stderr, "aca classify: %s: %v\n", label, err)
			if _, serr := os.Stat(filepath.Join(rd, experiments.CheckpointFile)); serr != nil && len(dir.lines) == 0 && dir.created {
				// Nothing finished and nothing to resume: the folder this
				// run made goes, as for every subcommand.
				os.RemoveAll(dir.path)
				fmt.Fprintln(stderr, "aca classify: nothing was finished, so no run folder is left")
				return 1
			} else if serr != nil {
				fmt.Fprintf(stderr, "aca classify: %s failed before its first epoch finished, so it has no checkpoint; the finished results are in %s (see its STOPPED note)\n", label, dir.path)
			} else {
				fmt.Fprintf(stderr, "aca classify: the finished epochs are checkpointed: aca classify --resume %s continues (from the last checkpoint)\n", dir.path)
			}
			if _, werr := dir.stop(err.Error(), metrics(err.Error())); werr != nil || len(dir.lines) == 0 {
				_ = writeMetrics(err.Error())
			}
			return 1
		}
		if err := experiments.WritePredictions(filepath.Join(rd, experiments.PredictionsFile), res.Predictions); err != nil {
			fmt.Fprintf(stderr, "aca classify: %v\n", err)
			return 1
		}
		rec.ClassifyResult, rec.Status = *res, "done"
		if err := errors.Join(experiments.WriteRecord(rd, rec), writeMetrics("")); err != nil {
			fmt.Fprintf(stderr, "aca classify: %v\n", err)
			return 1
		}
		dropRunLines(dir, c.Label(), c.Run) // an earlier session's lines for this run, made again
		errs := []error{dir.result(stdout, asJSON, runLine{Type: "run", Label: c.Label(), Run: c.Run, Seed: c.Seed, TestAcc: res.TestAcc, Params: res.Params})}
		for _, s := range res.Swap {
			errs = append(errs, dir.result(stdout, asJSON, swapLine{Type: "swap", Label: c.Label(), Run: c.Run, Seed: c.Seed, SwapRow: s}))
		}
		if err := errors.Join(errs...); err != nil {
			fmt.Fprintf(stderr, "aca classify: %v\n", err)
			return 1
		}
		if !asJSON {
			fmt.Fprintf(stdout, "%s: test accuracy %.4f, %d parameters\n", label, res.TestAcc, res.Params)
			if len(res.Swap) > 0 {
				fmt.Fprintln(stdout, swapRunTable(res.Swap))
			}
			header = true
		}
	}
	// The report over every finished run in the folder (a job array's
	// element reports on what its folder holds).
	return classifyReport(dir, []string{dir.path}, records, asJSON, stdout, stderr)
}

// hasPredictions reports whether the run folder rd holds its test-set
// predictions (plain or gzipped).
func hasPredictions(rd string) bool {
	for _, name := range []string{experiments.PredictionsFile, experiments.PredictionsFile + ".gz"} {
		if _, err := os.Stat(filepath.Join(rd, name)); err == nil {
			return true
		}
	}
	return false
}

// dropRunLines removes from the results read back from an earlier session
// those the study writes again: the report's lines (accuracy,
// swap_summary, icc), always made anew at the end, and the run and swap
// lines of the run label/run (none for an empty label), which is being
// trained again (extended, or its predictions remade). Its epoch lines
// stay: the epochs it finished are not made again.
func dropRunLines(dir *runDir, label string, run int) {
	kept := dir.lines[:0]
	for _, l := range dir.lines {
		raw, ok := l.(json.RawMessage)
		if !ok { // this session's
			kept = append(kept, l)
			continue
		}
		var h struct {
			Type  string `json:"type"`
			Label string `json:"label"`
			Run   int    `json:"run"`
		}
		if json.Unmarshal(raw, &h) == nil {
			switch {
			case h.Type == "accuracy" || h.Type == "swap_summary" || h.Type == "icc":
				continue
			case (h.Type == "run" || h.Type == "swap") && label != "" && h.Label == label && h.Run == run:
				continue
			}
		}
		kept = append(kept, l)
	}
	dir.lines = kept
}

// The --json lines of aca classify; "type" says which: epoch (an epoch's
// metrics), run (a finished run), swap (a run's solver-swap row), and the
// report's accuracy, swap_summary and icc lines.
type (
	epochLine struct {
		Type string `json:"type"`
		experiments.ClassifyEpoch
	}
	runLine struct {
		Type    string  `json:"type"`
		Label   string  `json:"label"`
		Run     int     `json:"run"`
		Seed    uint64  `json:"seed"`
		TestAcc float64 `json:"test_acc"`
		Params  int     `json:"params"`
	}
	swapLine struct {
		Type  string `json:"type"`
		Label string `json:"label"`
		Run   int    `json:"run"`
		Seed  uint64 `json:"seed"`
		experiments.SwapRow
	}
	accuracyLine struct {
		Type string `json:"type"`
		experiments.AccuracySummary
	}
	swapSummaryLine struct {
		Type string `json:"type"`
		experiments.SwapSummary
	}
	iccLine struct {
		Type string `json:"type"`
		experiments.ICCRow
	}
)

const epochHeader = "RUN                 EPOCH  LR       LOSS    TRAIN   TEST    SEC     NFE F/B      GRAPH MB  RSS MB"

func epochRow(e experiments.ClassifyEpoch) string {
	label := e.Model
	if e.Method != "" {
		label += "-" + e.Method
	}
	label += fmt.Sprintf("-run%d", e.Run)
	nfe := "-"
	if e.NFEForward > 0 {
		nfe = fmt.Sprintf("%.1f/%.1f", e.NFEForward, e.NFEBackward)
	}
	return fmt.Sprintf("%-19s %5d  %-7.3g  %-6.4f  %-6.4f  %-6.4f  %-6.1f  %-11s  %-8.1f  %.0f",
		label, e.Epoch, e.LR, e.TrainLoss, e.TrainAcc, e.TestAcc, e.Seconds, nfe, float64(e.GraphPeakBytes)/(1<<20), float64(e.MaxRSSBytes)/(1<<20))
}

func swapRunTable(rows []experiments.SwapRow) string {
	var b strings.Builder
	var tab [][]string
	for _, r := range rows {
		tab = append(tab, []string{swapName(r.SwapSolver, r.Trained), fmt.Sprintf("%.2f%%", 100*r.ErrorRate), fmt.Sprintf("%.1f", r.NFE), r.Err})
	}
	table(&b, []string{"  SOLVER (NO RETRAINING)", "ERROR", "NFE", ""}, tab)
	return strings.TrimRight(b.String(), "\n")
}

// swapName describes a solver of the swap: "  rk4, 4 steps", "* heun_euler,
// rtol 0.1 atol 0.01" (* marks the solver the model was trained with).
func swapName(s experiments.SwapSolver, trained bool) string {
	mark := "  "
	if trained {
		mark = "* "
	}
	if s.Steps > 0 {
		return fmt.Sprintf("%s%s, %d steps", mark, s.Solver, s.Steps)
	}
	return fmt.Sprintf("%s%s, rtol %g atol %g", mark, s.Solver, s.RTol, s.ATol)
}

func runClassifyReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aca classify report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: aca classify report [flags] RUN_DIR...

Merges finished classification runs (folders holding run.json and
predictions.csv, or predictions.csv.gz for a run archived with gzip, or
folders above them, searched three levels down), made
on one machine or many, and writes the report: accuracy against epoch and
against training time with a min–max band over the runs (Fig. 7a/b), the
test accuracy of every run (Fig. 7c/d), the solver swap (Table 2) and
test-retest ICC1 and ICC1k with 95%% intervals over the runs of each model
(Table 3), on all test images and on those at least one run misclassifies.

Flags:
`)
		printFlags(stderr, fs)
	}
	rf := addRunFlags(fs, 1)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "aca classify report: give the run folders to merge")
		return 2
	}
	for _, a := range fs.Args() {
		if _, err := os.Stat(a); err != nil && strings.HasPrefix(a, "-") {
			fmt.Fprintf(stderr, "aca classify report: %s: flags go before the run folders\n", a)
			return 2
		}
	}
	if onlyValidate() {
		return 0
	}
	// Find the runs before making the report's folder: no empty folder
	// is left for a wrong argument.
	if _, err := experiments.FindClassifyRuns(fs.Args()); err != nil {
		fmt.Fprintf(stderr, "aca classify report: %v\n", err)
		return 1
	}
	dir, err := makeRunDir("classify-report", *rf.out)
	if err != nil {
		fmt.Fprintf(stderr, "aca classify report: %v\n", err)
		return 2
	}
	st := classifyReport(dir, fs.Args(), nil, *rf.json, stdout, stderr)
	if st != 0 {
		dir.remove() // the folder this made, if the report wrote nothing into it
	}
	return st
}

// classifyReport merges the finished runs under roots and writes the
// report into dir: tables (or --json lines), metrics.json (with the
// study's records, if given) and the plots.
func classifyReport(dir *runDir, roots []string, records []*experiments.ClassifyRecord, asJSON bool, stdout, stderr io.Writer) int {
	dirs, err := experiments.FindClassifyRuns(roots)
	if err != nil {
		fmt.Fprintf(stderr, "aca classify: report: %v\n", err)
		return 1
	}
	var runs []*experiments.ClassifyRunFiles
	var skipped []string
	for _, d := range dirs {
		r, err := experiments.LoadClassifyRun(d)
		if err != nil {
			skipped = append(skipped, err.Error())
			continue
		}
		runs = append(runs, r)
	}
	for _, s := range skipped {
		fmt.Fprintf(stderr, "aca classify: report: skipped: %s\n", s)
	}
	if len(runs) == 0 {
		fmt.Fprintln(stderr, "aca classify: report: no finished runs")
		return 1
	}
	rep, err := experiments.MergeClassify(runs)
	if err != nil {
		fmt.Fprintf(stderr, "aca classify: report: %v\n", err)
		return 1
	}
	metrics := map[string]any{"command": "classify", "report": rep}
	if records != nil {
		metrics["runs"] = records
		if b, err := os.ReadFile(filepath.Join(dir.path, classifyPlanFile)); err == nil {
			metrics["plan"] = json.RawMessage(b)
		}
	}
	var errs []error
	for i := range rep.Accuracy {
		errs = append(errs, dir.result(stdout, asJSON, accuracyLine{Type: "accuracy", AccuracySummary: rep.Accuracy[i]}))
	}
	for i := range rep.Swap {
		errs = append(errs, dir.result(stdout, asJSON, swapSummaryLine{Type: "swap_summary", SwapSummary: rep.Swap[i]}))
	}
	for i := range rep.ICC {
		errs = append(errs, dir.result(stdout, asJSON, iccLine{Type: "icc", ICCRow: rep.ICC[i]}))
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(stderr, "aca classify: %v\n", err)
		return 1
	}
	if err := dir.finish(metrics); err != nil {
		fmt.Fprintf(stderr, "aca classify: %v\n", err)
		return 1
	}
	if !asJSON {
		fmt.Fprintln(stdout)
		fmt.Fprint(stdout, classifyReportText(rep))
	}
	wrote := []string{dir.file("metrics.json")}
	for _, nf := range classifyFigures(rep) {
		name, f := nf.name, nf.fig
		if err := f.SavePNG(dir.file(name)); err != nil {
			plotWarning(stderr, "classify", name, err)
		} else {
			wrote = append(wrote, dir.file(name))
		}
	}
	reportWritten(stdout, stderr, "classify", asJSON, dir, wrote)
	return 0
}

// classifyReportText renders the report's tables.
func classifyReportText(rep *experiments.ClassifyReport) string {
	var b strings.Builder
	pct := func(v float64) string { return fmt.Sprintf("%.2f", 100*v) }
	mb := func(v int64) string { return fmt.Sprintf("%.1f", float64(v)/(1<<20)) }
	var tab [][]string
	for _, r := range rep.Runs {
		nfe := "-"
		if r.NFEForward > 0 {
			nfe = fmt.Sprintf("%.1f/%.1f", r.NFEForward, r.NFEBackward)
		}
		tab = append(tab, []string{r.Label, strconv.Itoa(r.Run), strconv.FormatUint(r.Seed, 10), strconv.Itoa(r.Epochs), pct(r.TestAcc), fmt.Sprintf("%.1f", r.SecondsPerEpoch), nfe, mb(r.GraphPeakBytes), mb(r.MaxRSSBytes), r.Host})
	}
	fmt.Fprintf(&b, "Runs on %s:\n", rep.Data)
	table(&b, []string{"MODEL", "RUN", "SEED", "EPOCHS", "TEST ACC %", "SEC/EPOCH", "NFE F/B", "GRAPH MB", "RSS MB", "HOST"}, tab)

	tab = nil
	for _, a := range rep.Accuracy {
		tab = append(tab, []string{a.Label, strconv.Itoa(a.Runs), pct(a.Mean) + " ± " + pct(a.Std), pct(a.Min), pct(a.Max)})
	}
	fmt.Fprintln(&b, "\nTest accuracy over runs (Fig. 7c/d; ± the sample std):")
	table(&b, []string{"MODEL", "RUNS", "MEAN ± STD %", "MIN %", "MAX %"}, tab)

	if len(rep.Swap) > 0 {
		tab = nil
		for _, s := range rep.Swap {
			e := pct(s.ErrMean) + " ± " + pct(s.ErrStd)
			if s.Failed > 0 {
				e += fmt.Sprintf(" (%d failed)", s.Failed)
			}
			tab = append(tab, []string{s.Label, swapName(s.SwapSolver, s.Trained), e, fmt.Sprintf("%.1f", s.NFEMean)})
		}
		fmt.Fprintln(&b, "\nSolver swap, no retraining (Table 2; * the training solver):")
		table(&b, []string{"MODEL", "SOLVER", "ERROR % (MEAN ± STD)", "NFE"}, tab)
	}

	tab = nil
	for _, r := range rep.ICC {
		if r.Note != "" {
			tab = append(tab, []string{r.Label, r.Subset, strconv.Itoa(r.Images), strconv.Itoa(r.Raters), r.Note, "", ""})
			continue
		}
		tab = append(tab, []string{r.Label, r.Subset, strconv.Itoa(r.Images), strconv.Itoa(r.Raters),
			fmt.Sprintf("%.4f [%.4f, %.4f]", r.ICC1, r.ICC1Lower, r.ICC1Upper),
			fmt.Sprintf("%.4f [%.4f, %.4f]", r.ICC1k, r.ICC1kLower, r.ICC1kUpper), sci(r.P)})
	}
	fmt.Fprintln(&b, "\nTest-retest reliability over runs (Table 3; rating = probability of the true class; 95% F intervals as psych::ICC):")
	table(&b, []string{"MODEL", "SUBSET", "IMAGES", "RUNS", "ICC1 [95% CI]", "ICC1k [95% CI]", "P"}, tab)
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

// classifyFigures draws the report: accuracy against epoch and against
// training time (the mean over runs solid, the min and max dashed in the
// same colour), and every run's final accuracy per model (a strip plot).
func classifyFigures(rep *experiments.ClassifyReport) []namedFigure {
	byEpoch := &plot.Figure{Title: "Test accuracy by epoch (mean; dashed: min and max over runs)", XLabel: "epoch", YLabel: "test accuracy", Width: 720, Height: 460, Legend: plot.BestCorner, IntegerX: true}
	byTime := &plot.Figure{Title: "Test accuracy by training time (mean; dashed: min and max over runs)", XLabel: "training wall time (s, mean over runs)", YLabel: "test accuracy", Width: 720, Height: 460, Legend: plot.BestCorner}
	for i, c := range rep.Curves {
		for _, f := range []*plot.Figure{byEpoch, byTime} {
			x := make([]float64, len(c.Epoch))
			for k := range x {
				if f == byEpoch {
					x[k] = float64(c.Epoch[k])
				} else {
					x[k] = c.Seconds[k]
				}
			}
			f.Series = append(f.Series,
				plot.Series{Name: c.Label, X: x, Y: c.Mean, Markers: true, Colour: i + 1},
				plot.Series{X: x, Y: c.Min, Dashed: true, Colour: i + 1},
				plot.Series{X: x, Y: c.Max, Dashed: true, Colour: i + 1})
		}
	}
	dist := &plot.Figure{Title: "Test accuracy of every run, by model (x: model in the order of the legend)", XLabel: "model", IntegerX: true, YLabel: "test accuracy", Width: 720, Height: 460, Legend: plot.BestCorner, XMin: 0.5, XMax: float64(len(rep.Accuracy)) + 0.5}
	for i, a := range rep.Accuracy {
		s := plot.Series{Name: fmt.Sprintf("%d: %s", i+1, a.Label), NoLine: true, Colour: i + 1}
		for k, v := range a.Values {
			// Spread the runs a little sideways so that equal values show.
			off := 0.0
			if len(a.Values) > 1 {
				off = 0.3 * (float64(k)/float64(len(a.Values)-1) - 0.5)
			}
			s.X, s.Y = append(s.X, float64(i+1)+off), append(s.Y, v)
		}
		dist.Series = append(dist.Series, s)
	}
	return []namedFigure{{"accuracy-epoch.png", byEpoch}, {"accuracy-time.png", byTime}, {"accuracy-runs.png", dist}}
}

// namedFigure is a figure and its file name.
type namedFigure struct {
	name string
	fig  *plot.Figure
}
