package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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

	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/internal/progress"
	"github.com/acaode/aca/ode"
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
	// Build details beyond the contract.
	BLAS       string  `json:"blas"`
	GraphMB    float64 `json:"graph_mb"`
	Checkpoint float64 `json:"checkpoint_mb"`
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
one training step. Build with -tags openblas for speed.`},
	"threebody": {1e-7, 1e-7, 100, 5, `one training epoch of the three-body ODE model (masses as parameters;
51 observation times on [0, 1]; float64; Adam).`},
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
		if err := json.Unmarshal(sc.Bytes(), &l); err == nil && l.Bench != "" {
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
		fmt.Fprintln(w, "Usage: aca bench mlp|conv|threebody [flags]")
		fmt.Fprintln(w, "\nTime one training iteration of a workload, as the PyTorch peers are timed:")
		for _, name := range []string{"mlp", "conv", "threebody"} {
			fmt.Fprintf(w, "\n  %s: %s\n", name, strings.ReplaceAll(benchWorkloads[name].about, "\n", "\n    "))
		}
		fmt.Fprintln(w, "\nRun 'aca bench <workload> -h' for its flags.")
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			usage(stdout)
			return 0
		}
		fmt.Fprintln(stderr, "aca bench: name a workload: mlp, conv or threebody")
		usage(stderr)
		return 2
	}
	name := args[0]
	def, ok := benchWorkloads[name]
	if !ok {
		fmt.Fprintf(stderr, "aca bench: unknown workload %q (want mlp, conv or threebody)\n", name)
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
	if st := parse(fs, args[1:]); st >= 0 {
		return st
	}
	methods, err := methodList(*method)
	if err != nil {
		return usageError(stderr, "bench", "method", "%v", err)
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
		l, err := benchOne(ctx, name, methods[0], *rtol, *atol, *iters, *warmup, *rf.seed, nil)
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
	for _, m := range methods {
		var l benchLine
		if ctx.Err() != nil {
			break
		}
		if len(methods) == 1 {
			bar := progress.New(stderr, "bench "+name+" "+m.String(), *iters+*warmup, *rf.quiet)
			l, err = benchOne(ctx, name, m, *rtol, *atol, *iters, *warmup, *rf.seed, bar)
			bar.Done()
		} else {
			if !*rf.quiet && progress.IsTerminal(stderr) {
				fmt.Fprintf(stderr, "bench %s: %s …\n", name, m)
			}
			l, err = spawnBench(ctx, []string{"bench", name, "--method", m.String(), "--rtol", fmt.Sprint(*rtol), "--atol", fmt.Sprint(*atol),
				"--iters", strconv.Itoa(*iters), "--warmup", strconv.Itoa(*warmup), "--threads", strconv.Itoa(*threads),
				"--seed", strconv.FormatUint(*rf.seed, 10), "--json", "--quiet"})
		}
		if intr.signal() != nil {
			break // the method's run was cut short: not a result
		}
		if err == nil {
			lines = append(lines, l)
			err = dir.result(stdout, *rf.json, l)
		}
		if err != nil {
			return stopRun(stderr, "bench", dir, intr, fmt.Errorf("%s (%s): %w", name, m, err), metrics(stopReason(intr, err)))
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
			rows = append(rows, []string{l.Bench, l.Method, sci(l.RTol), sci(l.ATol), fmt.Sprintf("%.3f", l.MedianMS), fmt.Sprintf("%.3f", l.P10MS), fmt.Sprintf("%.3f", l.P90MS),
				fmt.Sprintf("%d/%d", l.NFEFwd, l.NFEBwd), fmt.Sprintf("%.1f", l.PeakRSSMB), fmt.Sprintf("%.2f", l.GraphMB+l.Checkpoint), sci(l.LossFirst), sci(l.LossLast)})
		}
		table(stdout, []string{"BENCH", "METHOD", "RTOL", "ATOL", "MEDIAN MS", "P10 MS", "P90 MS", "NFE FWD/BWD", "PEAK RSS MB", "GRAPH+CKPT MB", "LOSS FIRST", "LOSS LAST"}, rows)
		fmt.Fprintf(stdout, "\n%d timed iterations after %d warm-up, %d threads, BLAS %s.\n", *iters, *warmup, tensor.Threads(), tensor.BLAS())
	}
	reportWritten(stdout, stderr, "bench", *rf.json, dir, []string{dir.file("metrics.json"), dir.file("results.jsonl")})
	return 0
}

// benchStep is one iteration of a workload.
type benchStep func() (experiments.IterResult, error)

func newBenchStep(name string, m ode.Gradient, rtol, atol float64, seed uint64) (benchStep, error) {
	switch name {
	case "mlp":
		d, err := experiments.NewODEDemo(seed, m, rtol, atol)
		if err != nil {
			return nil, err
		}
		return d.Step, nil
	case "conv":
		c, err := experiments.NewConvBench(seed, m, rtol, atol)
		if err != nil {
			return nil, err
		}
		return c.Step, nil
	default:
		c := experiments.DefaultThreeBody()
		c.RTol, c.ATol = rtol, atol
		truth, err := c.Truth()
		if err != nil {
			return nil, err
		}
		mod, err := experiments.NewThreeBodyODE(c, truth, "ODE", m, seed)
		if err != nil {
			return nil, err
		}
		return func() (experiments.IterResult, error) {
			loss, st, err := mod.Epoch()
			return experiments.IterResult{Loss: loss, Stats: st}, err
		}, nil
	}
}

// benchOne times a workload under one method; it stops between two
// iterations once ctx is cancelled, with an error.
func benchOne(ctx context.Context, name string, m ode.Gradient, rtol, atol float64, iters, warmup int, seed uint64, bar *progress.Bar) (benchLine, error) {
	step, err := newBenchStep(name, m, rtol, atol, seed)
	if err != nil {
		return benchLine{}, err
	}
	l := benchLine{Bench: name, Method: m.String(), RTol: rtol, ATol: atol, Threads: tensor.Threads(), Iters: iters, BLAS: tensor.BLAS()}
	var ms []float64
	var fwd, bwd []int
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
		}
		bar.Add(1)
	}
	sort.Float64s(ms)
	var errs [5]error
	l.MedianMS, errs[0] = quantile(ms, 0.5)
	l.P10MS, errs[1] = quantile(ms, 0.1)
	l.P90MS, errs[2] = quantile(ms, 0.9)
	l.NFEFwd, errs[3] = medianInt(fwd)
	l.NFEBwd, errs[4] = medianInt(bwd)
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
