package main

import (
	"bufio"
	"bytes"
	"encoding/json"
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
// replace it.
var spawnBench = func(args []string) (benchLine, error) {
	exe, err := os.Executable()
	if err != nil {
		return benchLine{}, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "ACA_BENCH_CHILD=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
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
	if *iters < 1 {
		return usageError(stderr, "bench", "iters", "must be at least 1, got %d", *iters)
	}
	if *warmup < 0 {
		return usageError(stderr, "bench", "warmup", "must not be negative, got %d", *warmup)
	}
	if *threads < 0 {
		return usageError(stderr, "bench", "threads", "must not be negative, got %d", *threads)
	}
	tensor.SetThreads(*threads)

	if os.Getenv("ACA_BENCH_CHILD") == "1" {
		// A child measures one method and prints its line.
		l, err := benchOne(name, methods[0], *rtol, *atol, *iters, *warmup, *rf.seed, nil)
		if err != nil {
			fmt.Fprintf(stderr, "aca bench %s: %v\n", name, err)
			return 1
		}
		emitJSON(stdout, l)
		return 0
	}
	dir, err := makeRunDir("bench-"+name, *rf.out)
	if err != nil {
		fmt.Fprintf(stderr, "aca bench: %v\n", err)
		return 2
	}
	var lines []benchLine
	for _, m := range methods {
		var l benchLine
		if len(methods) == 1 {
			bar := progress.New(stderr, "bench "+name+" "+m.String(), *iters+*warmup, *rf.quiet)
			l, err = benchOne(name, m, *rtol, *atol, *iters, *warmup, *rf.seed, bar)
			bar.Done()
		} else {
			if !*rf.quiet && progress.IsTerminal(stderr) {
				fmt.Fprintf(stderr, "bench %s: %s …\n", name, m)
			}
			l, err = spawnBench([]string{"bench", name, "--method", m.String(), "--rtol", fmt.Sprint(*rtol), "--atol", fmt.Sprint(*atol),
				"--iters", strconv.Itoa(*iters), "--warmup", strconv.Itoa(*warmup), "--threads", strconv.Itoa(*threads),
				"--seed", strconv.FormatUint(*rf.seed, 10), "--json", "--quiet"})
		}
		if err != nil {
			fmt.Fprintf(stderr, "aca bench %s (%s): %v\n", name, m, err)
			return 1
		}
		lines = append(lines, l)
		dir.result(stdout, *rf.json, l)
	}
	if !*rf.json {
		var rows [][]string
		for _, l := range lines {
			rows = append(rows, []string{l.Bench, l.Method, sci(l.RTol), sci(l.ATol), fmt.Sprintf("%.3f", l.MedianMS), fmt.Sprintf("%.3f", l.P10MS), fmt.Sprintf("%.3f", l.P90MS),
				fmt.Sprintf("%d/%d", l.NFEFwd, l.NFEBwd), fmt.Sprintf("%.1f", l.PeakRSSMB), fmt.Sprintf("%.2f", l.GraphMB+l.Checkpoint), sci(l.LossFirst), sci(l.LossLast)})
		}
		table(stdout, []string{"BENCH", "METHOD", "RTOL", "ATOL", "MEDIAN MS", "P10 MS", "P90 MS", "NFE FWD/BWD", "PEAK RSS MB", "GRAPH+CKPT MB", "LOSS FIRST", "LOSS LAST"}, rows)
		fmt.Fprintf(stdout, "\n%d timed iterations after %d warm-up, %d threads, BLAS %s. Wrote %s.\n", *iters, *warmup, tensor.Threads(), tensor.BLAS(), dir.file("metrics.json"))
	}
	if err := dir.finish(map[string]any{"command": "bench", "bench": name, "results": lines}); err != nil {
		fmt.Fprintf(stderr, "aca bench: %v\n", err)
		return 1
	}
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

// benchOne times a workload under one method.
func benchOne(name string, m ode.Gradient, rtol, atol float64, iters, warmup int, seed uint64, bar *progress.Bar) (benchLine, error) {
	step, err := newBenchStep(name, m, rtol, atol, seed)
	if err != nil {
		return benchLine{}, err
	}
	l := benchLine{Bench: name, Method: m.String(), RTol: rtol, ATol: atol, Threads: tensor.Threads(), Iters: iters, BLAS: tensor.BLAS()}
	var ms []float64
	var fwd, bwd []int
	for i := 0; i < warmup+iters; i++ {
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
	l.MedianMS, l.P10MS, l.P90MS = quantile(ms, 0.5), quantile(ms, 0.1), quantile(ms, 0.9)
	l.NFEFwd, l.NFEBwd = medianInt(fwd), medianInt(bwd)
	l.PeakRSSMB = peakRSSMB()
	return l, nil
}

// quantile returns the q-quantile of sorted values (linear interpolation).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	p := q * float64(len(sorted)-1)
	i := int(p)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (p-float64(i))*(sorted[i+1]-sorted[i])
}

func medianInt(v []int) int {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// peakRSSMB returns the process's maximum resident set size in MB.
func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}
