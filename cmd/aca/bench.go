package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/internal/cpuinfo"
	"github.com/acaode/aca/internal/jsonx"
	"github.com/acaode/aca/internal/progress"
	"github.com/acaode/aca/models"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// benchLine is one JSON line of aca bench: one workload under one method.
// Its keys are the command's contract.
type benchLine struct {
	Bench     string  `json:"bench"`
	Method    string  `json:"method"`
	RTol      float64 `json:"rtol"`
	ATol      float64 `json:"atol"`
	Threads   int     `json:"threads"`
	Iters     int     `json:"iters"`
	MedianMS  float64 `json:"median_ms"`
	P10MS     float64 `json:"p10_ms"`
	P90MS     float64 `json:"p90_ms"`
	NFEFwd    int     `json:"nfe_fwd"`
	NFEBwd    int     `json:"nfe_bwd"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	LossFirst float64 `json:"loss_first"`
	LossLast  float64 `json:"loss_last"`
	// ACAMemoryMB is ACA's budget for step graphs kept from the forward
	// pass (--aca-memory) in MB, −1 for all; KeptSteps the median number of
	// accepted steps kept per iteration (summed over a model's ODE blocks),
	// the others being re-run in the backward pass.
	ACAMemoryMB float64 `json:"aca_memory_mb"`
	KeptSteps   int     `json:"kept_steps"`
	// The classify workload's model and its configuration.
	Model  string `json:"model,omitempty"`
	Width  int    `json:"width,omitempty"`
	Batch  int    `json:"batch,omitempty"`
	Norm   string `json:"norm,omitempty"`
	Solver string `json:"solver,omitempty"`
	Params int    `json:"params,omitempty"`
	// Build details beyond the contract.
	BLAS       string  `json:"blas"`
	SIMD       string  `json:"simd"`
	CPU        string  `json:"cpu"`
	GraphMB    float64 `json:"graph_mb"`
	Checkpoint float64 `json:"checkpoint_mb"`
	KeptMB     float64 `json:"kept_mb"`
}

// benchDefaults are a workload's default tolerances and iteration counts.
type benchDefaults struct {
	rtol, atol    float64
	iters, warmup int
	about         string
}

var benchWorkloads = map[string]benchDefaults{
	"mlp": {1e-7, 1e-9, 1000, 50, `torchdiffeq's ode_demo: y ∈ ℝ², f = Linear(50→2)(tanh(Linear(2→50)(y³))),
a batch of 20 trajectories of 10 times spaced 25/999 apart, loss mean |pred − true|,
RMSprop lr 1e-3, Dopri5, float64; one iteration = forward, backward, update.`},
	"conv": {1e-3, 1e-3, 10, 2, `a conv ODE block: x (32, 1, 28, 28) ~ N(0, 1), random labels → Conv2d(1→32)
→ ODE block on [0, 1], f = ReLU(GroupNorm(32)(Conv2d(32→32, 3×3)))
→ mean pool → Linear(32→10); cross-entropy, SGD lr 0.1, Dopri5, float32;
one training step (the default build's own GEMM is on par with OpenBLAS on CPUs
with AVX2 and FMA, AVX-512 or not; see the README's "Which to pick").`},
	"threebody": {1e-7, 1e-7, 100, 5, `one training epoch of the three-body ODE model (masses as parameters;
51 observation times on [0, 1]; float64; Adam).`},
	"classify": {1e-3, 1e-3, 5, 2, `one training step of aca classify's models, as ../shared/peers/classify_step.py
times it: NODE18 (each method) and ResNet18 (--model), width 16, GroupNorm, Heun–Euler,
a batch of 128 synthetic 1×28×28 N(0, 1) images with random labels (fixed seed),
cross-entropy, SGD lr 0.01, momentum 0.9, weight decay 5e-4, float32. Slow: a NODE
step takes seconds. The peers' figures are also at --rtol 0.1 --atol 0.01.`},
}

// benchNames lists the workloads in the order the usage shows them.
var benchNames = []string{"mlp", "conv", "threebody", "classify"}

// benchConfig is one run of a workload: what a child process measures.
type benchConfig struct {
	name       string
	method     ode.Gradient
	rtol, atol float64
	seed       uint64
	// acaMemory is Options.ACAMemory for ACA (bytes; negative: all).
	acaMemory int64
	// The classify workload's model ("node" or "resnet"), width, batch,
	// normalisation ("group" or "batch") and solver.
	model        string
	width, batch int
	norm, solver string
}

// parseBytes parses a memory size: a number of bytes with an optional
// unit (B, KB, MB, GB, TB, decimal, or KiB, MiB, GiB, TiB), or "all" or
// "unlimited" (−1, ode.ACAMemoryAll).
func parseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "all" || t == "unlimited" {
		return ode.ACAMemoryAll, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v >= 0) || v*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a memory size (a number of bytes with an optional unit, as 512MB or 2GiB, 0 for none, or all)", s)
	}
	return int64(v * mult), nil
}

// formatBytes is parseBytes's inverse, for a child's flags.
func formatBytes(n int64) string {
	if n < 0 {
		return "all"
	}
	return strconv.FormatInt(n, 10)
}

// spawnBench runs one method of a benchmark in a child process (so that
// its peak resident set is its own) and returns its JSON line; tests
// replace it. When ctx is cancelled the child gets SIGTERM (and SIGKILL
// if it has not exited 10 s later); if the parent dies, the child is
// killed too (see childDiesWithParent).
var spawnBench = func(ctx context.Context, args []string) (benchLine, error) {
	exe, err := os.Executable()
	if err != nil {
		return benchLine{}, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = append(os.Environ(), "ACA_BENCH_CHILD=1")
	childDiesWithParent(cmd)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := runChild(cmd); err != nil {
		return benchLine{}, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	var l benchLine
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if err := jsonx.Unmarshal(sc.Bytes(), &l); err == nil && l.Bench != "" {
			return l, nil
		}
	}
	return benchLine{}, fmt.Errorf("no result line from %v", args)
}

// Bounds of aca bench's counts: more would not finish in a day for any
// workload, and their sum cannot overflow.
const (
	maxBenchIters  = 1_000_000
	maxBenchWarmup = 1_000_000
)

func runBench(args []string, stdout, stderr io.Writer) int {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: aca bench mlp|conv|threebody|classify [flags]")
		fmt.Fprintln(w, "\nTime one training iteration of a workload, as the PyTorch peers are timed:")
		for _, name := range benchNames {
			fmt.Fprintf(w, "\n  %s: %s\n", name, strings.ReplaceAll(benchWorkloads[name].about, "\n", "\n    "))
		}
		fmt.Fprintln(w, "\nRun 'aca bench <workload> -h' for its flags.")
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			usage(stdout)
			return 0
		}
		fmt.Fprintln(stderr, "aca bench: name a workload: mlp, conv, threebody or classify")
		usage(stderr)
		return 2
	}
	name := args[0]
	def, ok := benchWorkloads[name]
	if !ok {
		fmt.Fprintf(stderr, "aca bench: unknown workload %q (want mlp, conv, threebody or classify)\n", name)
		return 2
	}
	fs := newFlags("bench "+name, "Time "+def.about+"\nPrints one row (or JSON line) per method: median, 10th and 90th percentile\nwall time per iteration, NFE, the peak resident set and the loss.", stderr)
	rf := addRunFlags(fs, 1)
	method := fs.String("method", "all", "gradient methods: naive, adjoint, aca, comma-separated, or all (each method runs in its own process, so that its peak memory is its own)")
	rtol := fs.Float64("rtol", def.rtol, "relative tolerance")
	atol := fs.Float64("atol", def.atol, "absolute tolerance")
	iters := fs.Int("iters", def.iters, "timed iterations")
	warmup := fs.Int("warmup", def.warmup, "untimed iterations first")
	threads := fs.Int("threads", 0, "worker threads for the kernels (0: one per core)")
	acaMemory := fs.String("aca-memory", "0", "ACA: memory per ODE block (classify's NODE18 has 4, the others 1) for the accepted steps' graphs kept from the forward pass, so that the backward pass need not re-run them (as 512MB or 2GiB; 0 keeps none and re-runs every step; all keeps every one)")
	var model, norm, solver *string
	var width, batch *int
	if name == "classify" {
		model = fs.String("model", "all", "node, resnet, or all (ResNet18, then NODE18 with each method)")
		width = fs.Int("width", 16, "base width w (stages of w, 2w, 4w, 8w channels)")
		batch = fs.Int("batch", 128, "images per step")
		norm = fs.String("norm", "group", "normalisation: group (GroupNorm) or batch (BatchNorm, ResNet only); the peers' gn and bn also")
		solver = fs.String("solver", "heuneuler", "the ODE blocks' adaptive solver: heuneuler, rk23, dopri5 (the peers' names), or any of aca's ("+strings.Join(adaptiveSolverNames(), ", ")+")")
	}
	if st := parse(fs, args[1:]); st >= 0 {
		return st
	}
	methods, err := methodList(*method)
	if err != nil {
		return usageError(stderr, "bench", "method", "%v", err)
	}
	mem, err := parseBytes(*acaMemory)
	if err != nil {
		return usageError(stderr, "bench", "aca-memory", "%v", err)
	}
	base := benchConfig{name: name, rtol: *rtol, atol: *atol, seed: *rf.seed, acaMemory: mem}
	// runs are the configurations to measure, each in a child process
	// when there are several.
	var runs []benchConfig
	if name == "classify" {
		if base.solver, err = classifySolver(*solver); err != nil {
			return usageError(stderr, "bench", "solver", "%v", err)
		}
		switch *norm {
		case "group", "gn":
			base.norm = "group"
		case "batch", "bn":
			base.norm = "batch"
		default:
			return usageError(stderr, "bench", "norm", "%q is not group or batch", *norm)
		}
		if *width < 1 || *width > 1024 {
			return usageError(stderr, "bench", "width", "must be between 1 and 1024, got %d", *width)
		}
		if *batch < 1 || *batch > 1<<16 {
			return usageError(stderr, "bench", "batch", "must be between 1 and 65536, got %d", *batch)
		}
		base.width, base.batch = *width, *batch
		switch *model {
		case "all", "resnet", "node":
		default:
			return usageError(stderr, "bench", "model", "%q is not node, resnet or all", *model)
		}
		if *model != "node" {
			r := base
			r.model = "resnet"
			runs = append(runs, r)
		}
		if *model != "resnet" {
			if base.norm == "batch" {
				return usageError(stderr, "bench", "norm", "batch is for the ResNet only (a NODE's dynamics use GroupNorm); add --model resnet")
			}
			for _, m := range methods {
				r := base
				r.model, r.method = "node", m
				runs = append(runs, r)
			}
		}
		// The architecture's own limits (GroupNorm's groups divide every
		// stage's width) before any work, as aca classify checks them.
		for _, r := range runs {
			if err := (models.Config{Depth: 18, Width: r.width, InChannels: 1, Classes: 10, Norm: r.norm}).Validate(r.model == "node"); err != nil {
				return usageError(stderr, "bench", "width", "%d: %v", r.width, err)
			}
		}
	} else {
		for _, m := range methods {
			r := base
			r.method = m
			runs = append(runs, r)
		}
	}
	if st := checkTols(stderr, "bench", *rtol, *atol); st >= 0 {
		return st
	}
	if *iters < 1 || *iters > maxBenchIters {
		return usageError(stderr, "bench", "iters", "must be between 1 and %d, got %d", maxBenchIters, *iters)
	}
	if *warmup < 0 || *warmup > maxBenchWarmup {
		return usageError(stderr, "bench", "warmup", "must be between 0 and %d, got %d", maxBenchWarmup, *warmup)
	}
	if err := tensor.SetThreads(*threads); err != nil {
		return usageError(stderr, "bench", "threads", "%v", err)
	}
	if onlyValidate() {
		return 0
	}
	ctx, intr := interruptContext(context.Background())
	defer intr.stop()

	if os.Getenv("ACA_BENCH_CHILD") == "1" {
		// A child measures one method and prints its line.
		l, err := benchOne(ctx, runs[0], *iters, *warmup, nil)
		if intr.signal() != nil {
			return intr.exit(stderr, "bench "+name, "no result")
		}
		if err != nil {
			fmt.Fprintf(stderr, "aca bench %s: %v\n", name, err)
			return 1
		}
		if err := emitJSON(stdout, l); err != nil {
			fmt.Fprintf(stderr, "aca bench %s: %v\n", name, err)
			return 1
		}
		return 0
	}
	dir, err := makeRunDir("bench-"+name, *rf.out)
	if err != nil {
		fmt.Fprintf(stderr, "aca bench: %v\n", err)
		return 2
	}
	var lines []benchLine
	metrics := func(stopped string) map[string]any {
		m := map[string]any{"command": "bench", "bench": name, "results": lines}
		if stopped != "" {
			m["stopped"] = stopped
		}
		return m
	}
	for _, r := range runs {
		var l benchLine
		if ctx.Err() != nil {
			break
		}
		label := r.method.String()
		if r.model == "resnet" {
			label = "resnet"
		}
		if len(runs) == 1 {
			bar := progress.New(stderr, "bench "+name+" "+label, *iters+*warmup, *rf.quiet)
			l, err = benchOne(ctx, r, *iters, *warmup, bar)
			bar.Done()
		} else {
			if !*rf.quiet && progress.IsTerminal(stderr) {
				fmt.Fprintf(stderr, "bench %s: %s …\n", name, label)
			}
			args := []string{"bench", name, "--method", r.method.String(), "--rtol", fmt.Sprint(*rtol), "--atol", fmt.Sprint(*atol),
				"--iters", strconv.Itoa(*iters), "--warmup", strconv.Itoa(*warmup), "--threads", strconv.Itoa(*threads),
				"--seed", strconv.FormatUint(*rf.seed, 10), "--aca-memory", formatBytes(r.acaMemory), "--json", "--quiet"}
			if name == "classify" {
				args = append(args, "--model", r.model, "--width", strconv.Itoa(r.width), "--batch", strconv.Itoa(r.batch), "--norm", r.norm, "--solver", *solver)
			}
			l, err = spawnBench(ctx, args)
		}
		if intr.signal() != nil {
			break // the method's run was cut short: not a result
		}
		if err == nil {
			lines = append(lines, l)
			err = dir.result(stdout, *rf.json, l)
		}
		if err != nil {
			return stopRun(stderr, "bench", dir, intr, fmt.Errorf("%s (%s): %w", name, label, err), metrics(stopReason(intr, err)))
		}
	}
	if intr.signal() != nil {
		return stopRun(stderr, "bench", dir, intr, nil, metrics(stopReason(intr, nil)))
	}
	if err := dir.finish(metrics("")); err != nil {
		fmt.Fprintf(stderr, "aca bench: %v\n", err)
		return 1
	}
	if !*rf.json {
		var rows [][]string
		for _, l := range lines {
			bench := l.Bench
			if l.Model != "" {
				bench += " " + l.Model
			}
			rows = append(rows, []string{bench, l.Method, sci(l.RTol), sci(l.ATol), fmt.Sprintf("%.3f", l.MedianMS), fmt.Sprintf("%.3f", l.P10MS), fmt.Sprintf("%.3f", l.P90MS),
				fmt.Sprintf("%d/%d", l.NFEFwd, l.NFEBwd), fmt.Sprintf("%.1f", l.PeakRSSMB), fmt.Sprintf("%.2f", l.GraphMB+l.Checkpoint+l.KeptMB), strconv.Itoa(l.KeptSteps), sci(l.LossFirst), sci(l.LossLast)})
		}
		table(stdout, []string{"BENCH", "METHOD", "RTOL", "ATOL", "MEDIAN MS", "P10 MS", "P90 MS", "NFE FWD/BWD", "PEAK RSS MB", "GRAPH+CKPT+KEPT MB", "KEPT STEPS", "LOSS FIRST", "LOSS LAST"}, rows)
		fmt.Fprintf(stdout, "\n%d timed iterations after %d warm-up, %d threads, BLAS %s.\n", *iters, *warmup, tensor.Threads(), tensor.BLAS())
	}
	reportWritten(stdout, stderr, "bench", *rf.json, dir, []string{dir.file("metrics.json"), dir.file("results.jsonl")})
	return 0
}

// benchStep is one iteration of a workload.
type benchStep func() (experiments.IterResult, error)

func newBenchStep(name string, m ode.Gradient, rtol, atol float64, seed uint64) (benchStep, error) {
	return newBenchStepFor(benchConfig{name: name, method: m, rtol: rtol, atol: atol, seed: seed})
}

// newBenchStepFor builds one iteration of the workload c names.
func newBenchStepFor(c benchConfig) (benchStep, error) {
	m, rtol, atol, seed := c.method, c.rtol, c.atol, c.seed
	switch c.name {
	case "mlp":
		d, err := experiments.NewODEDemo(seed, m, rtol, atol)
		if err != nil {
			return nil, err
		}
		d.Options.ACAMemory = c.acaMemory
		return d.Step, nil
	case "conv":
		cb, err := experiments.NewConvBench(seed, m, rtol, atol)
		if err != nil {
			return nil, err
		}
		cb.Block.Options.ACAMemory = c.acaMemory
		return cb.Step, nil
	case "classify":
		return newClassifyStep(c)
	default:
		tc := experiments.DefaultThreeBody()
		tc.RTol, tc.ATol = rtol, atol
		truth, err := tc.Truth()
		if err != nil {
			return nil, err
		}
		mod, err := experiments.NewThreeBodyODE(tc, truth, "ODE", m, seed)
		if err != nil {
			return nil, err
		}
		mod.Options.ACAMemory = c.acaMemory
		return func() (experiments.IterResult, error) {
			loss, st, err := mod.Epoch()
			return experiments.IterResult{Loss: loss, Stats: st}, err
		}, nil
	}
}

// classifySolver returns the ode name of a classify solver, taking the
// peers' names (heuneuler, rk23, dopri5) and aca's: the canonical name of
// what ode.ParseMethod accepts. The workload's solves have tolerances and
// no step count, so a fixed-step solver is refused.
func classifySolver(s string) (string, error) {
	m, err := adaptiveSolverFlag(s, "the classify workload times adaptive solvers, as the peers do")
	if err != nil {
		return "", err
	}
	return m.Name, nil
}

// newClassifyStep builds one training step of a NODE18 or ResNet18 as
// ../shared/peers/classify_step.py times it: forward, cross-entropy,
// backward and an SGD update (lr 0.01, momentum 0.9, weight decay 5e-4)
// on a fixed batch of N(0, 1) 1×28×28 images with random labels. The
// statistics are summed over the ODE blocks (the largest step graph for
// GraphBytes).
func newClassifyStep(c benchConfig) (benchStep, error) {
	tb, err := ode.ParseMethod(c.solver)
	if err != nil {
		return nil, err
	}
	opts := ode.Options{Method: tb, RTol: c.rtol, ATol: c.atol, Gradient: c.method, ACAMemory: c.acaMemory}
	cfg := models.Config{Depth: 18, Width: c.width, InChannels: 1, Classes: 10, Norm: c.norm, ODE: opts}
	mk := models.NewNODE
	if c.model == "resnet" {
		mk = models.NewResNet
	}
	net, err := mk(tensor.NewRNG(c.seed), cfg)
	if err != nil {
		return nil, err
	}
	drng := tensor.NewRNG(c.seed + 1)
	x := autograd.Constant(tensor.RandN(drng, tensor.Float32, 0, 1, c.batch, 1, 28, 28))
	labels := make([]int, c.batch)
	for i := range labels {
		labels[i] = drng.IntN(10)
	}
	opt, err := optim.NewSGD(nn.Params(net), optim.SGDConfig{LR: 0.01, Momentum: 0.9, WeightDecay: 5e-4})
	if err != nil {
		return nil, err
	}
	return func() (experiments.IterResult, error) {
		opt.ZeroGrad()
		g := autograd.NewGraph()
		var loss *autograd.Value
		if err := nn.Try(func() { loss = nn.CrossEntropy(g, net.Forward(g, x), labels, 0) }); err != nil {
			g.Free()
			return experiments.IterResult{}, err
		}
		lv := loss.Item()
		if err := loss.Backward(); err != nil {
			return experiments.IterResult{}, err
		}
		opt.Step()
		st := &ode.GradStats{Method: c.method}
		for _, b := range net.ODEBlocks() {
			if s := b.LastStats(); s != nil {
				st.Forward.NFE += s.Forward.NFE
				st.Forward.Accepted += s.Forward.Accepted
				st.Forward.Rejected += s.Forward.Rejected
				st.Backward.NFE += s.Backward.NFE
				st.Backward.Accepted += s.Backward.Accepted
				st.GraphBytes = max(st.GraphBytes, s.GraphBytes)
				st.CheckpointBytes += s.CheckpointBytes
				st.KeptBytes += s.KeptBytes
				st.KeptSteps += s.KeptSteps
			}
		}
		return experiments.IterResult{Loss: lv, Stats: st}, nil
	}, nil
}

// benchOne times a workload under one method; it stops between two
// iterations once ctx is cancelled, with an error.
func benchOne(ctx context.Context, c benchConfig, iters, warmup int, bar *progress.Bar) (benchLine, error) {
	step, err := newBenchStepFor(c)
	if err != nil {
		return benchLine{}, err
	}
	l := benchLine{Bench: c.name, Method: c.method.String(), RTol: c.rtol, ATol: c.atol, Threads: tensor.Threads(), Iters: iters, BLAS: tensor.BLAS(), SIMD: tensor.SIMD(), CPU: cpuinfo.Name(),
		ACAMemoryMB: float64(c.acaMemory) / 1e6}
	if c.acaMemory < 0 {
		l.ACAMemoryMB = -1
	}
	if c.name == "classify" {
		l.Model, l.Width, l.Batch, l.Norm, l.Solver = c.model, c.width, c.batch, c.norm, c.solver
		if c.model == "resnet" {
			l.Method = "backprop"
		}
	}
	var ms []float64
	var fwd, bwd, kept []int
	for i := 0; i < warmup+iters; i++ {
		if ctx.Err() != nil {
			return l, fmt.Errorf("stopped before iteration %d: %w", i+1, context.Cause(ctx))
		}
		start := time.Now()
		r, err := step()
		el := time.Since(start)
		if err != nil {
			return l, fmt.Errorf("iteration %d: %w", i+1, err)
		}
		if i == 0 {
			l.LossFirst = r.Loss
		}
		l.LossLast = r.Loss
		if i >= warmup {
			ms = append(ms, float64(el.Nanoseconds())/1e6)
			fwd = append(fwd, r.Stats.Forward.NFE)
			bwd = append(bwd, r.Stats.Backward.NFE)
			l.GraphMB = max(l.GraphMB, float64(r.Stats.GraphBytes)/1e6)
			l.Checkpoint = max(l.Checkpoint, float64(r.Stats.CheckpointBytes)/1e6)
			l.KeptMB = max(l.KeptMB, float64(r.Stats.KeptBytes)/1e6)
			kept = append(kept, r.Stats.KeptSteps)
		}
		bar.Add(1)
	}
	sort.Float64s(ms)
	var errs [6]error
	l.MedianMS, errs[0] = quantile(ms, 0.5)
	l.P10MS, errs[1] = quantile(ms, 0.1)
	l.P90MS, errs[2] = quantile(ms, 0.9)
	l.NFEFwd, errs[3] = medianInt(fwd)
	l.NFEBwd, errs[4] = medianInt(bwd)
	l.KeptSteps, errs[5] = medianInt(kept)
	if err := errors.Join(errs[:]...); err != nil {
		return l, err
	}
	l.PeakRSSMB = peakRSSMB()
	return l, nil
}

// errEmptySample is the error of a summary of no values.
var errEmptySample = errors.New("bench: no timed iteration ran: a summary of an empty sample")

// quantile returns the q-quantile (0 ≤ q ≤ 1) of sorted values by linear
// interpolation; an empty sample or a q outside [0, 1] is an error.
func quantile(sorted []float64, q float64) (float64, error) {
	if len(sorted) == 0 {
		return 0, errEmptySample
	}
	if !(q >= 0 && q <= 1) {
		return 0, fmt.Errorf("bench: quantile %g is outside [0, 1]", q)
	}
	p := q * float64(len(sorted)-1)
	i := int(p)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1], nil
	}
	return sorted[i] + (p-float64(i))*(sorted[i+1]-sorted[i]), nil
}

// medianInt returns the median of v (the upper one of an even count); an
// empty sample is an error.
func medianInt(v []int) (int, error) {
	if len(v) == 0 {
		return 0, errEmptySample
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2], nil
}

// peakRSSMB returns the process's maximum resident set size in MB.
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}
