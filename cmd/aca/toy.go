package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/internal/plot"
	"github.com/acaode/aca/internal/progress"
	"github.com/acaode/aca/ode"
)

// maxToyRows bounds the sweep (methods × k × T), each row a solve and a
// backward pass.
const maxToyRows = 1_000_000

func runToy(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("toy", `The paper's toy problem (section 4.1, Fig. 6): dz/dt = k·z, z(0) = z0,
L = z(T)², whose gradients are exact: dL/dz0 = 2·z0·e^(2kT), dL/dk =
2·z0²·T·e^(2kT). Compares the gradient methods' errors over a sweep of T.
Prints a table (or JSON lines) and writes toy.png, a log-scale plot of the
errors against T, one line per method.`, stderr)
	rf := addRunFlags(fs, 1)
	ks := fs.String("k", "-1,1", "rates k, comma-separated")
	z0 := fs.Float64("z0", 1, "initial value z0")
	ts := fs.String("T", "1:10", "end times T: a comma-separated list, or lo:hi for the integers lo…hi")
	methods := fs.String("method", "all", "gradient methods: naive, adjoint, aca, comma-separated, or all")
	solver := fs.String("solver", "dopri5", "adaptive solver: "+joinAdaptive())
	rtol := fs.Float64("rtol", 1e-5, "relative tolerance")
	atol := fs.Float64("atol", 1e-5, "absolute tolerance")
	if st := parse(fs, args); st >= 0 {
		return st
	}
	c := experiments.DefaultToyConfig()
	var err error
	if c.Ks, err = floatList(*ks); err != nil {
		return usageError(stderr, "toy", "k", "%v", err)
	}
	if c.Ts, err = floatList(*ts); err != nil {
		return usageError(stderr, "toy", "T", "%v", err)
	}
	for _, T := range c.Ts {
		if !(T > 0) {
			return usageError(stderr, "toy", "T", "end times must be positive, got %g", T)
		}
	}
	if math.IsNaN(*z0) || math.IsInf(*z0, 0) || *z0 == 0 {
		return usageError(stderr, "toy", "z0", "must be a finite non-zero number, got %g", *z0)
	}
	c.Z0 = *z0
	if c.Methods, err = methodList(*methods); err != nil {
		return usageError(stderr, "toy", "method", "%v", err)
	}
	m, err := solverFlag(*solver)
	if err != nil {
		return usageError(stderr, "toy", "solver", "%v", err)
	}
	if !m.Adaptive() {
		return usageError(stderr, "toy", "solver", "%s has no error estimate; the toy problem compares adaptive solves (%s)", m.Name, joinAdaptive())
	}
	if n := len(c.Methods) * len(c.Ks) * len(c.Ts); n > maxToyRows {
		return usageError(stderr, "toy", "T", "with --k and --method makes %d solves; at most %d", n, maxToyRows)
	}
	if st := checkTols(stderr, "toy", *rtol, *atol); st >= 0 {
		return st
	}
	c.Options = ode.Options{Method: m, RTol: *rtol, ATol: *atol}
	if onlyValidate() {
		return 0
	}
	dir, err := makeRunDir("toy", *rf.out)
	if err != nil {
		fmt.Fprintf(stderr, "aca toy: %v\n", err)
		return 2
	}
	ctx, intr := interruptContext(context.Background())
	defer intr.stop()

	bar := progress.New(stderr, "toy", len(c.Methods)*len(c.Ks)*len(c.Ts), *rf.quiet)
	var werr error
	rows, err := experiments.ToySweepContext(ctx, c, func(r experiments.ToyRow) {
		if e := dir.result(stdout, *rf.json, r); e != nil && werr == nil {
			werr = e
		}
		bar.Add(1)
	})
	bar.Done()
	metrics := map[string]any{"command": "toy", "solver": m.Name, "rtol": *rtol, "atol": *atol, "z0": c.Z0, "rows": rows, "summary": toySummary(rows)}
	if code, done := conclude(stderr, "toy", dir, intr, err, werr, metrics, nil); done {
		return code
	}
	if !*rf.json {
		tab := make([][]string, 0, len(rows))
		for _, r := range rows {
			tab = append(tab, []string{r.Method, fmt.Sprint(r.K), fmt.Sprint(r.T), sci(r.GradZ0), sci(r.GradZ0True), sci(r.RelErrZ0), sci(r.GradK), sci(r.RelErrK), fmt.Sprint(r.NFEFwd), fmt.Sprint(r.NFEBwd)})
		}
		table(stdout, []string{"METHOD", "K", "T", "dL/dz0", "EXACT", "REL ERR", "dL/dk", "REL ERR", "NFE FWD", "NFE BWD"}, tab)
		fmt.Fprintln(stdout)
		for _, line := range toySummary(rows) {
			fmt.Fprintln(stdout, line)
		}
	}
	if n := failedRows(rows); n > 0 {
		fmt.Fprintf(stderr, "aca toy: %d of %d solves failed (their rows say why in \"error\", with NaN gradients)\n", n, len(rows))
	}
	wrote := []string{dir.file("metrics.json"), dir.file("results.jsonl")}
	if err := toyPlot(dir.file("toy.png"), c, rows); err != nil {
		plotWarning(stderr, "toy", "toy.png", err)
	} else {
		wrote = append(wrote, dir.file("toy.png"))
	}
	reportWritten(stdout, stderr, "toy", *rf.json, dir, wrote)
	return 0
}

// failedRows counts the rows whose method failed.
func failedRows(rows []experiments.ToyRow) int {
	n := 0
	for _, r := range rows {
		if r.Error != "" {
			n++
		}
	}
	return n
}

// toySummary compares the methods at the largest T for each k.
func toySummary(rows []experiments.ToyRow) []string {
	last := map[float64]map[string]experiments.ToyRow{}
	var ks []float64
	for _, r := range rows {
		if last[r.K] == nil {
			last[r.K] = map[string]experiments.ToyRow{}
			ks = append(ks, r.K)
		}
		if p, ok := last[r.K][r.Method]; !ok || r.T >= p.T {
			last[r.K][r.Method] = r
		}
	}
	var out []string
	for _, k := range ks {
		m := last[k]
		aca, okA := m["aca"]
		adj, okJ := m["adjoint"]
		switch {
		case okA && aca.Error != "":
			out = append(out, fmt.Sprintf("k = %g, T = %g: ACA failed: %s", k, aca.T, aca.Error))
		case okJ && adj.Error != "":
			out = append(out, fmt.Sprintf("k = %g, T = %g: the adjoint failed: %s", k, adj.T, adj.Error))
		case okA && okJ && aca.RelErrZ0 > 0:
			out = append(out, fmt.Sprintf("k = %g, T = %g: relative error in dL/dz0 is %.3g for the adjoint and %.3g for ACA (%.3g×).", k, aca.T, adj.RelErrZ0, aca.RelErrZ0, adj.RelErrZ0/aca.RelErrZ0))
		}
	}
	return out
}

// toyPlot draws, for each k, the relative errors of dL/dz0 and dL/dk
// against T on a log scale, one line per method.
func toyPlot(path string, c experiments.ToyConfig, rows []experiments.ToyRow) error {
	var figs []*plot.Figure
	for _, k := range c.Ks {
		for _, which := range []string{"dL/dz0", "dL/dk"} {
			f := &plot.Figure{Title: fmt.Sprintf("k = %g: relative error of %s", k, which), XLabel: "T", YLabel: "relative error", LogY: true, Width: 640, Height: 420, Legend: plot.TopLeft}
			for i, m := range c.Methods {
				s := plot.Series{Name: m.String(), Markers: true, Colour: i + 1}
				for _, r := range rows {
					if r.K == k && r.Method == m.String() {
						e := r.RelErrZ0
						if which == "dL/dk" {
							e = r.RelErrK
						}
						if math.IsInf(e, 0) || math.IsNaN(e) {
							continue // not drawable; the numbers are in the JSON
						}
						s.X = append(s.X, r.T)
						s.Y = append(s.Y, e)
					}
				}
				f.Series = append(f.Series, s)
			}
			figs = append(figs, f)
		}
	}
	return plot.SaveGridPNG(path, figs, 2)
}

// joinAdaptive lists the adaptive solvers.
func joinAdaptive() string {
	s := ""
	for _, m := range ode.Methods() {
		if m.Adaptive() {
			if s != "" {
				s += ", "
			}
			s += m.Name
		}
	}
	return s
}
