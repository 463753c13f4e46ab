package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// aca toy panicked in emitJSON on NaN and ±Inf results: `--k 1 --T 354`
// (naive's gradient overflows to NaN) and `--k -5 --T 1:80` (the exact
// gradient underflows to 0, so a relative error may be infinite).
func TestToyNonFiniteJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a")
	code, out, errOut := runArgs("toy", "--k", "1", "--T", "354", "--json", "--quiet", "--out", dir)
	if strings.Contains(errOut, "panic") {
		t.Fatalf("panicked: %s", errOut)
	}
	rows := jsonLines(t, out)
	// Naive's dL/dz0 overflows: z0·e^(2kT) = e^708 is finite, the
	// backward pass through 4000 steps is not.
	naive := rows[0]
	if naive["method"] != "naive" || naive["grad_z0"] != "NaN" || naive["grad_k_true"] != "Inf" {
		t.Errorf("naive row %v: want grad_z0 \"NaN\" and grad_k_true \"Inf\"", naive)
	}
	if got, want := naive["grad_z0_true"], 2*math.Exp(2*354); got != want {
		t.Errorf("grad_z0_true = %v, want the number %g", got, want)
	}
	if code != 0 {
		// The adjoint cannot solve backward over T = 354; then the
		// finished rows stay with a STOPPED note.
		if !strings.Contains(errOut, "STOPPED") {
			t.Errorf("status %d without a STOPPED note: %s", code, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "STOPPED")); err != nil {
			t.Error(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != out {
		t.Errorf("results.jsonl differs from the --json lines:\n%s\n%s", b, out)
	}

	dir = filepath.Join(t.TempDir(), "b")
	code, out, errOut = runArgs("toy", "--k", "-5", "--T", "1:80", "--json", "--quiet", "--out", dir)
	if code != 0 {
		t.Fatalf("status %d: %s", code, errOut)
	}
	rows = jsonLines(t, out)
	if len(rows) != 3*80 {
		t.Fatalf("%d rows, want 240", len(rows))
	}
	infs := 0
	for _, r := range rows {
		T := r["T"].(float64)
		// Exact gradient 2·e^(−10T): a number while it is representable.
		want := 2 * math.Exp(-10*T)
		if got, ok := r["grad_z0_true"].(float64); !ok || got != want {
			t.Errorf("T = %g: grad_z0_true %v, want %g", T, r["grad_z0_true"], want)
		}
		for _, k := range []string{"rel_err_z0", "rel_err_k"} {
			switch v := r[k].(type) {
			case string:
				if v != "Inf" && v != "NaN" {
					t.Errorf("%s = %q", k, v)
				}
				infs++
			case float64:
			default:
				t.Errorf("%s is %T", k, v)
			}
		}
	}
	// exp(−10T) underflows to 0 by T = 75, so the last rows' relative
	// errors must be non-finite: the case this half is for.
	if infs == 0 {
		t.Error("no non-finite relative error in T = 1…80")
	}
	t.Logf("%d non-finite relative errors", infs)
	if !strings.Contains(errOut, "run folder "+dir) {
		t.Errorf("--json does not name the run folder on stderr: %q", errOut)
	}
	checkRunFiles(t, dir)
}
