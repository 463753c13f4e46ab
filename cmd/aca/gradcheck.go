package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/autograd/opcheck"
	"github.com/acaode/aca/internal/progress"
)

// gradcheckLine is one JSON line of aca gradcheck: one configuration of one case.
type gradcheckLine struct {
	Op        string  `json:"op"`
	Case      string  `json:"case"`
	Shapes    [][]int `json:"shapes"`
	MaxRelErr float64 `json:"max_rel_err"`
	Evals     int     `json:"evals"`
	OK        bool    `json:"ok"`
	Error     string  `json:"error,omitempty"`
}

// maxConfigs bounds --configs: each configuration of each case is a full
// finite-difference check.
const maxConfigs = 10_000

func runGradcheck(args []string, stdout, stderr io.Writer) (st int) {
	fs := newFlags("gradcheck", `Check the hand-written gradient (VJP) of every differentiable operation
against central finite differences in float64, on random shapes and values.
Prints one row per operation; exits with status 1 if any check fails.`, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per checked configuration")
	seed := seedFlag(fs, "seed", 1, "random seed for shapes, values and projection directions")
	configs := fs.Int("configs", 3, "random shape configurations per case (at least 2)")
	tol := fs.Float64("tol", 1e-6, "largest accepted relative error")
	eps := fs.Float64("eps", 1e-6, "finite-difference step, relative to max(1, |x|)")
	only := fs.String("op", "", "comma-separated operation names to check (default: all)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if st := parse(fs, args); st >= 0 {
		return st
	}
	switch {
	case *configs < 2 || *configs > maxConfigs:
		return usageError(stderr, "gradcheck", "configs", "must be between 2 and %d, got %d", maxConfigs, *configs)
	case !(*tol > 0):
		return usageError(stderr, "gradcheck", "tol", "must be positive, got %g", *tol)
	case !(*eps > 0) || *eps > 0.1:
		return usageError(stderr, "gradcheck", "eps", "must be in (0, 0.1], got %g", *eps)
	}
	cases := opcheck.Cases()
	if *only != "" {
		want := strings.Split(*only, ",")
		for _, w := range want {
			if !slices.Contains(autograd.Ops(), w) {
				return usageError(stderr, "gradcheck", "op", "names unknown operation %q (see aca gradcheck without --op)", w)
			}
		}
		cases = slices.DeleteFunc(cases, func(c opcheck.Case) bool { return !slices.Contains(want, c.Op) })
	}

	if onlyValidate() {
		return 0
	}
	type summary struct {
		cases, configs, failed int
		maxErr                 float64
		firstErr               string
	}
	byOp := map[string]*summary{}
	var order []string
	bar := progress.New(stderr, "gradcheck", len(cases), *quiet)
	opt := autograd.CheckOptions{Tol: *tol, Eps: *eps}
	failed := 0
	ctx, intr := interruptContext(context.Background())
	defer intr.stop()
	for _, c := range cases {
		if ctx.Err() != nil {
			break // a safe point: between two cases
		}
		s := byOp[c.Op]
		if s == nil {
			s = &summary{}
			byOp[c.Op] = s
			order = append(order, c.Op)
		}
		s.cases++
		for _, r := range c.Run(opcheck.Seed(c.Name, *seed), *configs, opt) {
			s.configs++
			s.maxErr = max(s.maxErr, r.Check.MaxRelErr)
			line := gradcheckLine{Op: c.Op, Case: c.Name, Shapes: r.Shapes, MaxRelErr: r.Check.MaxRelErr, Evals: r.Check.Evals, OK: r.Err == nil}
			if r.Err != nil {
				s.failed++
				failed++
				line.Error = r.Err.Error()
				if s.firstErr == "" {
					s.firstErr = fmt.Sprintf("%s %v: %v", c.Name, r.Shapes, r.Err)
				}
			}
			if *asJSON {
				if err := emitJSON(stdout, line); err != nil {
					fmt.Fprintf(stderr, "aca gradcheck: %v\n", err)
					return 1
				}
			}
		}
		bar.Add(1)
	}
	bar.Done()
	if intr.signal() != nil {
		// The table below covers the cases checked before the signal.
		defer func() { st = intr.exit(stderr, "gradcheck", "the table covers the operations checked so far") }()
	}
	if !*asJSON {
		rows := make([][]string, 0, len(order))
		worst := 0.0
		for _, op := range order {
			s := byOp[op]
			worst = max(worst, s.maxErr)
			status := "ok"
			if s.failed > 0 {
				status = fmt.Sprintf("FAIL (%d)", s.failed)
			}
			rows = append(rows, []string{op, fmt.Sprint(s.cases), fmt.Sprint(s.configs), fmt.Sprintf("%.2e", s.maxErr), status})
		}
		table(stdout, []string{"OPERATION", "CASES", "CONFIGS", "MAX REL ERR", "STATUS"}, rows)
		fmt.Fprintln(stdout)
		if failed == 0 && intr.signal() != nil {
			fmt.Fprintf(stdout, "The %d operations checked before the interruption pass: worst relative error %.2e ≤ %.0e (seed %d).\n", len(order), worst, *tol, *seed)
		} else if failed == 0 {
			fmt.Fprintf(stdout, "All %d operations pass: worst relative error %.2e ≤ %.0e (seed %d).\n", len(order), worst, *tol, *seed)
		} else {
			fmt.Fprintf(stdout, "%d configurations FAILED:\n", failed)
			for _, op := range order {
				if e := byOp[op].firstErr; e != "" {
					fmt.Fprintf(stdout, "  %s\n", e)
				}
			}
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}
