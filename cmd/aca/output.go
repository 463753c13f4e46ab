package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/acaode/aca/internal/plot"
	"github.com/acaode/aca/ode"
)

// runFlags are the flags every experiment subcommand shares.
type runFlags struct {
	json  *bool
	quiet *bool
	out   *string
	seed  *uint64
}

func addRunFlags(fs *flag.FlagSet, seed uint64) *runFlags {
	return &runFlags{
		json:  fs.Bool("json", false, "print one JSON object per result on stdout instead of a table"),
		quiet: fs.Bool("quiet", false, "no progress bar"),
		out:   fs.String("out", "", "directory for results, plots and metrics.json (default: a new folder under runs/ named by subcommand and time; an existing run is never overwritten)"),
		seed:  fs.Uint64("seed", seed, "random seed"),
	}
}

// runDir is the directory of one run: its files are written atomically.
type runDir struct {
	path  string
	lines []any // the JSON results, for results.jsonl
}

// makeRunDir creates the run directory: --out if given (it must not exist
// or be empty), else runs/<sub>-<time>, with a suffix if taken.
func makeRunDir(sub, out string) (*runDir, error) {
	if out != "" {
		if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
			return nil, fmt.Errorf("--out %s already exists and is not empty; a run is never written over another: choose a new directory", out)
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--out %s: %v", out, err)
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, fmt.Errorf("--out %s: %v", out, err)
		}
		return &runDir{path: out}, nil
	}
	base := filepath.Join("runs", sub+"-"+time.Now().Format("20060102-150405"))
	if err := os.MkdirAll("runs", 0o755); err != nil {
		return nil, fmt.Errorf("creating runs/: %v", err)
	}
	for i := 1; ; i++ {
		p := base
		if i > 1 {
			p = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(p, 0o755)
		if err == nil {
			return &runDir{path: p}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("creating %s: %v", p, err)
		}
	}
}

// file returns the path of name in the run directory.
func (d *runDir) file(name string) string { return filepath.Join(d.path, name) }

// writeJSON writes v as indented JSON to name, atomically.
func (d *runDir) writeJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return plot.WriteFileAtomic(d.file(name), append(b, '\n'))
}

// finish writes metrics.json and results.jsonl.
func (d *runDir) finish(metrics any) error {
	if err := d.writeJSON("metrics.json", metrics); err != nil {
		return err
	}
	var b strings.Builder
	for _, l := range d.lines {
		j, err := json.Marshal(l)
		if err != nil {
			return err
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return plot.WriteFileAtomic(d.file("results.jsonl"), []byte(b.String()))
}

// result records a result line: printed as JSON if asked, and kept for
// results.jsonl.
func (d *runDir) result(w io.Writer, asJSON bool, v any) {
	if d != nil {
		d.lines = append(d.lines, v)
	}
	if asJSON {
		emitJSON(w, v)
	}
}

// floatList parses a comma-separated list of numbers; "a:b" (integers)
// expands to a, a+1, …, b.
func floatList(s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if a, b, ok := strings.Cut(part, ":"); ok {
			lo, err1 := strconv.Atoi(strings.TrimSpace(a))
			hi, err2 := strconv.Atoi(strings.TrimSpace(b))
			if err1 != nil || err2 != nil || hi < lo {
				return nil, fmt.Errorf("%q is not a range of integers lo:hi", part)
			}
			for v := lo; v <= hi; v++ {
				out = append(out, float64(v))
			}
			continue
		}
		v, err := strconv.ParseFloat(part, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a finite number", part)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("is empty")
	}
	return out, nil
}

// methodList parses gradient method names ("all" for the three).
func methodList(s string) ([]ode.Gradient, error) {
	if strings.TrimSpace(s) == "all" {
		return []ode.Gradient{ode.Naive, ode.Adjoint, ode.ACA}, nil
	}
	var out []ode.Gradient
	for _, part := range strings.Split(s, ",") {
		m, err := ode.ParseGradient(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("%q is not a gradient method (naive, adjoint, aca or all)", part)
		}
		out = append(out, m)
	}
	return out, nil
}

// solverFlag parses a solver name.
func solverFlag(s string) (*ode.Tableau, error) {
	m, err := ode.ParseMethod(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a solver (%s)", s, strings.Join(solverNames(), ", "))
	}
	return m, nil
}

func solverNames() []string {
	var out []string
	for _, m := range ode.Methods() {
		out = append(out, m.Name)
	}
	return out
}

// checkTols validates --rtol and --atol of subcommand cmd: it returns 2
// after reporting a bad value, or −1.
func checkTols(stderr io.Writer, cmd string, rtol, atol float64) int {
	if err := tolFlag(rtol); err != nil {
		return usageError(stderr, cmd, "rtol", "%v", err)
	}
	if err := tolFlag(atol); err != nil {
		return usageError(stderr, cmd, "atol", "%v", err)
	}
	if rtol == 0 && atol == 0 {
		return usageError(stderr, cmd, "rtol", "and --atol are both zero; set at least one")
	}
	return -1
}

// tolFlag checks a tolerance.
func tolFlag(v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) {
		return fmt.Errorf("must be a non-negative number, got %g", v)
	}
	return nil
}

// sci formats a number compactly for tables.
func sci(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e-3 && a < 1e4 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'e', 2, 64)
}
