package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/acaode/aca/data"
	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/internal/plot"
	"github.com/acaode/aca/internal/progress"
)

// maxReversePoints bounds --points: each point is kept twice (forward and
// reverse) and drawn; a million is far past what a plot shows.
const maxReversePoints = 1_000_000

func runReverse(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("reverse", `The adjoint method's reverse-time error (the paper's Fig. 4 and 5). A
solve is run forward, then backward from its end state with the same
solver and tolerances, as the adjoint method reconstructs z(t); the
reconstruction misses z(0). Two problems: van der Pol (μ = 1, z(0) = (2, 0),
[0, T]) and dz/dt = conv(z, K) for a random 3×3 kernel K (made dissipative,
like a blur) on an image. Writes vdp.png (both trajectories), conv.png and
one PNG per image (input, forward result, each reconstruction).`, stderr)
	rf := addRunFlags(fs, 1)
	solver := fs.String("solver", "dopri5", "adaptive solver: "+joinAdaptive())
	rtols := fs.String("rtol", "1e-3,1e-5,1e-7", "relative tolerances, comma-separated (the first is MATLAB ode45's default, as in the paper)")
	atols := fs.String("atol", "1e-6,1e-8,1e-10", "absolute tolerances, one per rtol")
	T := fs.Float64("T", 20, "van der Pol end time")
	points := fs.Int("points", 401, "van der Pol output points for the plot")
	convT := fs.Float64("conv-T", 2, "convolution end time")
	imageDir := fs.String("image-dir", data.DefaultFashionMNISTDir, "Fashion-MNIST directory for the image (a generated image if it is not there)")
	if st := parse(fs, args); st >= 0 {
		return st
	}
	m, err := solverFlag(*solver)
	if err != nil {
		return usageError(stderr, "reverse", "solver", "%v", err)
	}
	if !m.Adaptive() {
		return usageError(stderr, "reverse", "solver", "%s has no error estimate (%s)", m.Name, joinAdaptive())
	}
	rt, err := floatList(*rtols)
	if err != nil {
		return usageError(stderr, "reverse", "rtol", "%v", err)
	}
	at, err := floatList(*atols)
	if err != nil {
		return usageError(stderr, "reverse", "atol", "%v", err)
	}
	if len(at) != len(rt) {
		return usageError(stderr, "reverse", "atol", "has %d values for %d --rtol values", len(at), len(rt))
	}
	for i := range rt {
		if err := tolFlag(rt[i]); err != nil {
			return usageError(stderr, "reverse", "rtol", "%v", err)
		}
		if err := tolFlag(at[i]); err != nil {
			return usageError(stderr, "reverse", "atol", "%v", err)
		}
		if rt[i] == 0 && at[i] == 0 {
			return usageError(stderr, "reverse", "rtol", "value %d and its --atol are both zero", i+1)
		}
	}
	if !(*T > 0) || math.IsInf(*T, 0) {
		return usageError(stderr, "reverse", "T", "must be a positive number, got %g", *T)
	}
	if !(*convT > 0) || math.IsInf(*convT, 0) {
		return usageError(stderr, "reverse", "conv-T", "must be a positive number, got %g", *convT)
	}
	if *points < 2 || *points > maxReversePoints {
		return usageError(stderr, "reverse", "points", "must be between 2 and %d, got %d", maxReversePoints, *points)
	}
	if onlyValidate() {
		return 0
	}
	dir, err := makeRunDir("reverse", *rf.out)
	if err != nil {
		fmt.Fprintf(stderr, "aca reverse: %v\n", err)
		return 2
	}
	ctx, intr := interruptContext(context.Background())
	defer intr.stop()
	img, h, w, source := experiments.ReverseImage(*imageDir)
	bar := progress.New(stderr, "reverse", 2*len(rt), *rf.quiet)
	var rows []experiments.ReverseRow
	var vdps []*experiments.VdPReverse
	var convs []*experiments.ConvReverse
	metrics := func(stopped string) map[string]any {
		m := map[string]any{"command": "reverse", "solver": m.Name, "T": *T, "conv_T": *convT, "image": source, "kernel": experiments.ConvKernel(*rf.seed).Float64s(), "rows": rows}
		if stopped != "" {
			m["stopped"] = stopped
		}
		return m
	}
	// Each solve is a safe point: the loop stops before the next one once
	// a signal has arrived.
	err = func() error {
		for i := range rt {
			if ctx.Err() != nil {
				return nil
			}
			v, err := experiments.ReverseVdP(m, rt[i], at[i], *T, *points)
			if err != nil {
				return err
			}
			vdps = append(vdps, v)
			rows = append(rows, v.Row)
			bar.Add(1)
			if err := dir.result(stdout, *rf.json, v.Row); err != nil {
				return err
			}
		}
		for i := range rt {
			if ctx.Err() != nil {
				return nil
			}
			c, err := experiments.ReverseConv(m, rt[i], at[i], *convT, img, h, w, *rf.seed)
			if err != nil {
				return err
			}
			convs = append(convs, c)
			rows = append(rows, c.Row)
			bar.Add(1)
			if err := dir.result(stdout, *rf.json, c.Row); err != nil {
				return err
			}
		}
		return nil
	}()
	bar.Done()
	if err != nil || intr.signal() != nil {
		return stopRun(stderr, "reverse", dir, intr, err, metrics(stopReason(intr, err)))
	}
	if err := dir.finish(metrics("")); err != nil {
		fmt.Fprintf(stderr, "aca reverse: %v\n", err)
		return 1
	}
	if !*rf.json {
		var tab [][]string
		for _, r := range rows {
			e, rel, over := "diverged", "-", "-"
			if r.Diverged {
				e = fmt.Sprintf("diverged at t = %.3g", r.DivergedAt)
			} else {
				e, rel, over = sci(*r.ReconError), sci(*r.ReconRelError), sci(*r.ErrorOverTol)
			}
			tab = append(tab, []string{r.Problem, sci(r.RTol), sci(r.ATol), fmt.Sprint(r.NFEFwd), fmt.Sprint(r.NFEBwd), e, rel, over})
		}
		table(stdout, []string{"PROBLEM", "RTOL", "ATOL", "NFE FWD", "NFE REV", "MAX |z̃(0) − z(0)|", "RELATIVE", "× TOLERANCE"}, tab)
		fmt.Fprintf(stdout, "\nImage: %s. × TOLERANCE is the error over atol + rtol·max|z(0)|.\n", source)
	}
	wrote := []string{dir.file("metrics.json"), dir.file("results.jsonl")}
	if err := reversePlots(dir, vdps, convs); err != nil {
		plotWarning(stderr, "reverse", "a plot", err) // the others are written
	} else {
		wrote = append(wrote, dir.file("vdp.png"), dir.file("conv.png"), "the images in "+dir.path)
	}
	reportWritten(stdout, stderr, "reverse", *rf.json, dir, wrote)
	return 0
}

// reversePlots writes van der Pol's trajectories, one panel per tolerance
// (x against t, forward solid, reverse dashed), and the images.
func reversePlots(dir *runDir, vdps []*experiments.VdPReverse, convs []*experiments.ConvReverse) error {
	var figs []*plot.Figure
	for _, v := range vdps {
		figs = append(figs,
			&plot.Figure{Title: fmt.Sprintf("van der Pol, rtol %g, atol %g", v.Row.RTol, v.Row.ATol), XLabel: "t", YLabel: "x(t)", Width: 640, Height: 400,
				Series: []plot.Series{
					{Name: "forward", X: v.Times, Y: column(v.Forward, 0), Colour: 1},
					{Name: "reverse from z(T)", X: v.RevTimes, Y: column(v.Reverse, 0), Dashed: true, Colour: 2},
				}},
			&plot.Figure{Title: "phase plane (x, dx/dt)", XLabel: "x", YLabel: "dx/dt", Width: 640, Height: 400, EqualAspect: true,
				Series: []plot.Series{
					{Name: "forward", X: column(v.Forward, 0), Y: column(v.Forward, 1), Colour: 1},
					{Name: "reverse", X: column(v.Reverse, 0), Y: column(v.Reverse, 1), Dashed: true, Colour: 2},
				}})
	}
	// Each file is drawn on its own: one that cannot be drawn costs only
	// itself.
	var errs []error
	if err := plot.SaveGridPNG(dir.file("vdp.png"), figs, 2); err != nil {
		errs = append(errs, fmt.Errorf("vdp.png: %w", err))
	}
	if len(convs) == 0 {
		return errors.Join(errs...)
	}
	// The input's range for every image but the forward result's own file,
	// so that the reconstructions compare with the input.
	c0 := convs[0]
	lo, hi := minMax(c0.Input)
	type grayFile struct {
		name   string
		g      plot.Gray
		lo, hi float64
	}
	files := []grayFile{
		{"conv-input.png", plot.Gray{Caption: "input z(0)", W: c0.W, H: c0.H, Pix: c0.Input}, lo, hi},
		{"conv-forward.png", plot.Gray{Caption: "forward z(T)", W: c0.W, H: c0.H, Pix: c0.Forward}, 0, 0},
	}
	for _, c := range convs {
		if c.Reverse != nil {
			files = append(files, grayFile{fmt.Sprintf("conv-reverse-rtol%g.png", c.Row.RTol), plot.Gray{Caption: fmt.Sprintf("rev. rtol %.0e", c.Row.RTol), W: c.W, H: c.H, Pix: c.Reverse}, lo, hi})
		}
	}
	row := make([]plot.Gray, len(files))
	for i, f := range files {
		row[i] = f.g
		if err := plot.SaveGrayRow(dir.file(f.name), []plot.Gray{f.g}, f.lo, f.hi); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
		}
	}
	if err := plot.SaveGrayRow(dir.file("conv.png"), row, lo, hi); err != nil {
		errs = append(errs, fmt.Errorf("conv.png: %w", err))
	}
	return errors.Join(errs...)
}

// column returns element i of every state.
func column(ys [][]float64, i int) []float64 {
	out := make([]float64, len(ys))
	for k, y := range ys {
		out[k] = y[i]
	}
	return out
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}
