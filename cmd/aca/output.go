package main

import (
	"bytes"
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

	"github.com/acaode/aca/internal/jsonx"
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
		seed:  seedFlag(fs, "seed", seed, "random seed (0 to 18446744073709551615)"),
	}
}

// runDir is the directory of one run: its files are written atomically.
//
// Its life: makeRunDir creates it and checks that it is writable before any
// work; result records each finished result; finish writes metrics.json and
// results.jsonl (before any plot, so that a plot that cannot be drawn costs
// only itself); stop ends a failed or interrupted run. A run that stops
// leaves either nothing (no result was finished: the folder is removed if
// this run created it) or what was finished plus a STOPPED note.
type runDir struct {
	path    string
	created bool  // this run made the folder (so it may remove it)
	lines   []any // the JSON results, for results.jsonl
}

// makeRunDir creates the run directory: --out if given (it must not exist
// or be empty), else runs/<sub>-<time>, with a suffix if taken. It checks
// that a file can be written there.
func makeRunDir(sub, out string) (*runDir, error) {
	var d *runDir
	if out != "" {
		entries, err := os.ReadDir(out)
		switch {
		case err == nil && len(entries) > 0:
			return nil, fmt.Errorf("--out %s already exists and is not empty; a run is never written over another: choose a new directory", out)
		case err == nil:
			d = &runDir{path: out}
		case errors.Is(err, os.ErrNotExist):
			if err := os.MkdirAll(out, 0o755); err != nil {
				return nil, fmt.Errorf("--out %s: %v", out, err)
			}
			d = &runDir{path: out, created: true}
		default:
			return nil, fmt.Errorf("--out %s: %v", out, err)
		}
	} else {
		base := filepath.Join("runs", sub+"-"+time.Now().Format("20060102-150405"))
		if err := os.MkdirAll("runs", 0o755); err != nil {
			return nil, fmt.Errorf("creating runs/: %v", err)
		}
		for i := 1; d == nil; i++ {
			p := base
			if i > 1 {
				p = fmt.Sprintf("%s-%d", base, i)
			}
			err := os.Mkdir(p, 0o755)
			if err == nil {
				d = &runDir{path: p, created: true}
			} else if !errors.Is(err, os.ErrExist) {
				return nil, fmt.Errorf("creating %s: %v", p, err)
			}
		}
	}
	// A probe file: a folder that cannot take a file fails now, not after
	// the work.
	probe, err := os.CreateTemp(d.path, ".write-test-*")
	if err != nil {
		d.remove()
		return nil, fmt.Errorf("--out %s is not writable: %v", d.path, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return d, nil
}

// remove deletes the folder if this run created it and it is empty.
func (d *runDir) remove() {
	if d != nil && d.created {
		os.Remove(d.path) // fails, harmlessly, if anything is in it
	}
}

// file returns the path of name in the run directory.
func (d *runDir) file(name string) string { return filepath.Join(d.path, name) }

// writeJSON writes v as indented JSON to name, atomically, with
// non-finite floats as strings (see jsonx.Marshal).
func (d *runDir) writeJSON(name string, v any) error {
	b, err := jsonx.Marshal(v, true)
	if err != nil {
		return fmt.Errorf("%s: %w", d.file(name), err)
	}
	return plot.WriteFileAtomic(d.file(name), append(b, '\n'))
}

// writeResults writes results.jsonl: one line per finished result.
func (d *runDir) writeResults() error {
	var b bytes.Buffer
	for _, l := range d.lines {
		j, err := jsonx.Marshal(l, false)
		if err != nil {
			return fmt.Errorf("%s: %w", d.file("results.jsonl"), err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return plot.WriteFileAtomic(d.file("results.jsonl"), b.Bytes())
}

// finish writes metrics.json and results.jsonl.
func (d *runDir) finish(metrics any) error {
	if err := d.writeResults(); err != nil {
		return err
	}
	return d.writeJSON("metrics.json", metrics)
}

// stop ends a run that failed or was interrupted (why says which, in a
// sentence). With no finished result the folder is removed (if this run
// made it) and stop returns "". Otherwise it writes results.jsonl,
// metrics.json (if metrics is not nil; it should say the run stopped) and
// a STOPPED note, and returns the folder's path.
func (d *runDir) stop(why string, metrics any) (string, error) {
	if len(d.lines) == 0 {
		d.remove()
		return "", nil
	}
	note := fmt.Sprintf("This run stopped before it finished: %s\n%d result(s) finished; they are in results.jsonl.\n", why, len(d.lines))
	if err := plot.WriteFileAtomic(d.file("STOPPED"), []byte(note)); err != nil {
		return d.path, err
	}
	if err := d.writeResults(); err != nil {
		return d.path, err
	}
	if metrics != nil {
		if err := d.writeJSON("metrics.json", metrics); err != nil {
			return d.path, err
		}
	}
	return d.path, nil
}

// result records a result line: printed as JSON if asked, and kept for
// results.jsonl.
func (d *runDir) result(w io.Writer, asJSON bool, v any) error {
	if d != nil {
		d.lines = append(d.lines, v)
	}
	if asJSON {
		return emitJSON(w, v)
	}
	return nil
}

// maxListValues bounds a number list flag (after ranges are expanded):
// each value is at least one solve.
const maxListValues = 100_000

// floatList parses a comma-separated list of numbers; "a:b" (integers)
// expands to a, a+1, …, b. At most maxListValues values.
func floatList(s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(out) >= maxListValues {
			return nil, fmt.Errorf("has more than %d values", maxListValues)
		}
		if a, b, ok := strings.Cut(part, ":"); ok {
			lo, err1 := strconv.Atoi(strings.TrimSpace(a))
			hi, err2 := strconv.Atoi(strings.TrimSpace(b))
			if err1 != nil || err2 != nil || hi < lo {
				return nil, fmt.Errorf("%q is not a range of integers lo:hi", part)
			}
			// hi − lo may overflow; then it is negative.
			if n := hi - lo; n < 0 || n >= maxListValues-len(out) {
				return nil, fmt.Errorf("range %q has more than %d values", part, maxListValues)
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

// adaptiveSolverNames lists the solvers with an error estimate, which
// --rtol and --atol control.
func adaptiveSolverNames() []string {
	var out []string
	for _, m := range ode.Methods() {
		if m.Adaptive() {
			out = append(out, m.Name)
		}
	}
	return out
}

// adaptiveSolverFlag parses the name of a solver that must be adaptive: a
// subcommand whose solves have tolerances and no step count refuses a
// fixed-step one (it would fail at its first solve). why says what is
// solved adaptively.
func adaptiveSolverFlag(s, why string) (*ode.Tableau, error) {
	m, err := solverFlag(s)
	if err != nil {
		return nil, err
	}
	if !m.Adaptive() {
		return nil, fmt.Errorf("%q is a fixed-step solver, with no error estimate for --rtol and --atol to control; %s: %s", s, why, strings.Join(adaptiveSolverNames(), ", "))
	}
	return m, nil
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

// stopRun ends a run that was interrupted (intr has a signal) or failed
// with err: it writes what was finished (see runDir.stop; metrics, if not
// nil, goes to metrics.json and should say the run stopped), says so on
// stderr and returns the exit status: 130 or 143 for a signal, 1 for a
// failure.
func stopRun(stderr io.Writer, sub string, dir *runDir, intr *interrupt, err error, metrics any) int {
	sig := intr.signal()
	why := ""
	if sig != nil {
		why = "interrupted by " + signalName(sig)
	} else {
		fmt.Fprintf(stderr, "aca %s: %v\n", sub, err)
		why = err.Error()
	}
	path, werr := dir.stop(why, metrics)
	what := "nothing was finished, so no run folder is left"
	switch {
	case werr != nil:
		what = fmt.Sprintf("writing the finished results failed: %v", werr)
	case path != "":
		what = fmt.Sprintf("the %d finished result(s) are in %s (see its STOPPED note)", len(dir.lines), path)
	case !dir.created:
		// An existing --out folder, or a resumed run's: not ours to remove.
		what = fmt.Sprintf("nothing was finished; %s, which this run did not create, is left as it was", dir.path)
	default:
		if _, err := os.Stat(dir.path); err == nil {
			what = fmt.Sprintf("nothing was finished, but %s could not be removed", dir.path)
		}
	}
	if sig != nil {
		return intr.exit(stderr, sub, what)
	}
	fmt.Fprintf(stderr, "aca %s: %s\n", sub, what)
	return 1
}

// plotWarning reports a plot that could not be drawn or written: the run's
// numbers are already written, so it costs only the picture.
func plotWarning(stderr io.Writer, sub, file string, err error) {
	fmt.Fprintf(stderr, "aca %s: warning: %s not written: %v\n", sub, file, err)
}

// stopReason is the sentence metrics.json's "stopped" field holds.
func stopReason(intr *interrupt, err error) string {
	if s := intr.signal(); s != nil {
		return "interrupted by " + signalName(s)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// reportWritten says which files a finished run wrote: on stdout after the
// table, or, with --json (whose stdout holds only result lines), on stderr
// as "aca SUB: run folder DIR".
func reportWritten(stdout, stderr io.Writer, sub string, asJSON bool, dir *runDir, files []string) {
	if asJSON {
		fmt.Fprintf(stderr, "aca %s: run folder %s\n", sub, dir.path)
		return
	}
	fmt.Fprintf(stdout, "\nWrote %s.\n", strings.Join(files, ", "))
}

// conclude ends a run's work. When the run failed (err), writing a result
// failed (werr) or a signal arrived, it sets metrics["stopped"] to the
// reason, keeps what finished through stop (stopRun when stop is nil) and
// returns stop's status and true. Otherwise it writes metrics.json and
// results.jsonl and returns 0 and false, or 1 and true if that fails.
func conclude(stderr io.Writer, sub string, dir *runDir, intr *interrupt, err, werr error, metrics map[string]any, stop func(error, any) int) (int, bool) {
	if err == nil {
		err = werr
	}
	if err != nil || intr.signal() != nil {
		metrics["stopped"] = stopReason(intr, err)
		if stop == nil {
			return stopRun(stderr, sub, dir, intr, err, metrics), true
		}
		return stop(err, metrics), true
	}
	if err := dir.finish(metrics); err != nil {
		fmt.Fprintf(stderr, "aca %s: %v\n", sub, err)
		return 1, true
	}
	return 0, false
}

// readResultLines reads a results.jsonl that a run wrote (none: no lines),
// each line kept as it was written, so that a resumed run's results.jsonl
// still holds the earlier sessions' lines.
func readResultLines(path string) ([]any, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var lines []any
	for n, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if !json.Valid(l) {
			return nil, fmt.Errorf("%s: line %d is not JSON", path, n+1)
		}
		lines = append(lines, json.RawMessage(bytes.Clone(l)))
	}
	return lines, nil
}
