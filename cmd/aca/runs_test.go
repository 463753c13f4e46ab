package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plot that cannot be drawn (every relative error at T = 1e-300 is zero
// on a log axis) used to fail the run after all its work, writing neither
// metrics.json nor results.jsonl. Now the numbers are written first and the
// plot is a warning.
func TestPlotFailureKeepsResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := runArgs("toy", "--T", "1e-300", "--json", "--out", dir)
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "warning: toy.png not written") {
		t.Errorf("no warning about the plot: %q", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "toy.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("toy.png: %v", err)
	}
	checkRunFiles(t, dir)
	rows := jsonLines(t, out)
	if len(rows) != 6 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		// dL/dz0 = 2·z0·e^(2kT) = 2 to the last bit at T = 1e-300.
		if r["grad_z0_true"] != 2.0 || r["rel_err_z0"] != 0.0 {
			t.Errorf("row %v", r)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if string(b) != out {
		t.Errorf("results.jsonl is not the printed lines")
	}
}

// A run that fails before finishing any result leaves no folder, with
// --out (a folder the run created) and under runs/; an existing empty
// --out folder is the user's and stays. A failure after a finished result
// leaves the result and a STOPPED note. (The toy sweep records a method's
// failure as a row, so the failure is made here, through the same calls
// every subcommand makes: makeRunDir, result, stopRun.)
func TestFailedRunLeavesNoFolder(t *testing.T) {
	boom := errors.New("the solver failed: step size underflow at t = 3")
	fail := func(out string, results int) (int, string) {
		t.Helper()
		dir, err := makeRunDir("toy", out)
		if err != nil {
			t.Fatal(err)
		}
		_, intr := interruptContext(context.Background())
		defer intr.stop()
		for i := range results {
			if err := dir.result(io.Discard, false, map[string]int{"row": i}); err != nil {
				t.Fatal(err)
			}
		}
		var e bytes.Buffer
		code := stopRun(&e, "toy", dir, intr, boom, map[string]any{"stopped": boom.Error()})
		return code, e.String()
	}
	dir := filepath.Join(t.TempDir(), "run")
	if code, errOut := fail(dir, 0); code != 1 || !strings.Contains(errOut, "no run folder is left") || !strings.Contains(errOut, boom.Error()) {
		t.Errorf("status %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("left %s: %v", dir, err)
	}
	own := t.TempDir()
	if _, errOut := fail(own, 0); strings.Contains(errOut, "no run folder is left") || !strings.Contains(errOut, own+", which this run did not create, is left as it was") {
		t.Errorf("the user's folder: stderr %q", errOut)
	}
	if ents, err := os.ReadDir(own); err != nil || len(ents) != 0 {
		t.Errorf("the user's folder: %v, %v", ents, err)
	}
	wd, _ := os.Getwd()
	tmp := t.TempDir()
	if err := os.Chdir(tmp); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	fail("", 0)
	if ents, _ := os.ReadDir(filepath.Join(tmp, "runs")); len(ents) != 0 {
		t.Errorf("runs/ holds %v", ents)
	}
	dir = filepath.Join(t.TempDir(), "partial")
	code, errOut := fail(dir, 1)
	if code != 1 || !strings.Contains(errOut, "STOPPED") {
		t.Errorf("status %d, stderr %q", code, errOut)
	}
	note, err := os.ReadFile(filepath.Join(dir, "STOPPED"))
	if err != nil || !strings.Contains(string(note), "step size underflow") || !strings.Contains(string(note), "1 result(s)") {
		t.Errorf("STOPPED: %q %v", note, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "results.jsonl")); err != nil || string(b) != "{\"row\":0}\n" {
		t.Errorf("results.jsonl: %q %v", b, err)
	}
}

// A method that fails on one (k, T) of the toy sweep is a row saying why,
// with NaN gradients, and the sweep goes on: the adjoint cannot solve
// backward over T = 354 with k = 1 (its augmented state overflows), ACA can.
func TestToyFailedMethodIsARow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, out, errOut := runArgs("toy", "--k", "1", "--T", "354", "--method", "adjoint,aca", "--json", "--quiet", "--out", dir)
	if code != 0 || !strings.Contains(errOut, "1 of 2 solves failed") {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	rows := jsonLines(t, out)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	adj, aca := rows[0], rows[1]
	// The adjoint's augmented state overflows on the way back (dL/dz0 ≈
	// 6e307 at T = 354).
	if e, _ := adj["error"].(string); !strings.Contains(e, "non-finite augmented state") || adj["grad_z0"] != "NaN" {
		t.Errorf("adjoint row %v", adj)
	}
	if _, ok := aca["error"]; ok {
		t.Errorf("ACA row has an error: %v", aca)
	}
	if r, ok := aca["rel_err_z0"].(float64); !ok || r > 0.01 {
		t.Errorf("ACA's relative error in dL/dz0 = %v, want a number ≤ 0.01", aca["rel_err_z0"])
	}
	checkRunFiles(t, dir)
}

// --out must be a folder a file can be written to, checked before work.
func TestOutChecked(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(file, "sub"), file} {
		code, _, errOut := runArgs("toy", "--out", out)
		if code != 2 || !strings.Contains(errOut, "--out") {
			t.Errorf("--out %s: status %d, %q", out, code, errOut)
		}
	}
	if os.Geteuid() != 0 {
		ro := t.TempDir()
		os.Chmod(ro, 0o555)
		defer os.Chmod(ro, 0o755)
		code, _, errOut := runArgs("toy", "--out", ro)
		if code != 2 || !strings.Contains(errOut, "not writable") {
			t.Errorf("read-only --out: status %d, %q", code, errOut)
		}
	}
}

// Every summary of an empty sample is an error, not a panic; --iters
// 9223372036854775807 overflowed warmup + iters and ran nothing.
func TestBenchEmptySampleAndBounds(t *testing.T) {
	if _, err := quantile(nil, 0.5); err == nil {
		t.Error("quantile of nothing: no error")
	}
	if _, err := medianInt(nil); err == nil {
		t.Error("median of nothing: no error")
	}
	if _, err := quantile([]float64{1}, 1.5); err == nil {
		t.Error("quantile 1.5: no error")
	}
	// Linear interpolation checked by hand: 10%, 50% and 90% of 1…5.
	for q, want := range map[float64]float64{0.1: 1.4, 0.5: 3, 0.9: 4.6, 1: 5, 0: 1} {
		if got, err := quantile([]float64{1, 2, 3, 4, 5}, q); err != nil || got < want-1e-12 || got > want+1e-12 {
			t.Errorf("quantile %g = %g, %v; want %g", q, got, err, want)
		}
	}
	if m, err := medianInt([]int{5, 1, 3, 2}); m != 3 || err != nil {
		t.Errorf("median %d %v", m, err)
	}
	for _, args := range [][]string{
		{"bench", "mlp", "--iters", "9223372036854775807"},
		{"bench", "mlp", "--warmup", "9223372036854775807"},
		{"bench", "mlp", "--threads", "100000000000"},
		{"info", "--threads", "100000000000"},
	} {
		code, _, errOut := runArgs(args...)
		if code != 2 || !strings.Contains(errOut, args[len(args)-2]) {
			t.Errorf("%v: status %d, %q", args, code, errOut)
		}
	}
}

// Count flags are bounded with a message naming the flag: --points
// 100000000 grew without bound, a range of 2^63 integers never ended.
func TestCountBounds(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"reverse", "--points", "100000000"}, "--points"},
		{[]string{"reverse", "--rtol", "1:200000"}, "--rtol"},
		{[]string{"toy", "--T", "1:9223372036854775807"}, "--T"},
		{[]string{"toy", "--T", "-9223372036854775808:9223372036854775807"}, "--T"},
		{[]string{"toy", "--T", "1:60000,1:60000"}, "--T"},
		{[]string{"toy", "--T", "1:100000", "--k", "1:11"}, "--T"},
		{[]string{"gradcheck", "--configs", "1000000000"}, "--configs"},
		{[]string{"threebody", "--node-epochs", "9223372036854775807"}, "--node-epochs"},
	} {
		code, _, errOut := runArgs(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: status %d, %q", tc.args, code, errOut)
		}
	}
	// The bound itself is accepted.
	if v, err := floatList("1:100000"); err != nil || len(v) != 100000 || v[99999] != 100000 {
		t.Errorf("1:100000: %d values, %v", len(v), err)
	}
	if _, err := floatList("1:100000,5"); err == nil {
		t.Error("100001 values: no error")
	}
}
