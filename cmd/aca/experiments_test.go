package main

import (
	"context"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/ode"
)

// jsonLines parses every stdout line as a JSON object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", l, err)
		}
		rows = append(rows, m)
	}
	return rows
}

// checkKeys requires every row to have the keys with the given JSON kinds.
func checkKeys(t *testing.T, rows []map[string]any, keys map[string]string) {
	t.Helper()
	if len(rows) == 0 {
		t.Fatal("no JSON rows")
	}
	for i, r := range rows {
		for k, kind := range keys {
			if got := jsonKind(r[k]); got != kind {
				t.Errorf("row %d: key %q is %s, want %s", i, k, got, kind)
			}
		}
	}
}

// checkPNG requires a decodable PNG at path.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 200 && b.Dy() < 100 {
		t.Errorf("%s: only %v", path, b)
	}
}

// checkRunFiles requires metrics.json (valid JSON) and results.jsonl.
func checkRunFiles(t *testing.T, dir string, pngs ...string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("metrics.json: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "results.jsonl")); err != nil {
		t.Error(err)
	}
	for _, p := range pngs {
		checkPNG(t, filepath.Join(dir, p))
	}
}

func TestToyCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "toy")
	code, stdout, stderr := runArgs("toy", "--json", "--T", "1,10", "--out", out)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	rows := jsonLines(t, stdout)
	checkKeys(t, rows, map[string]string{"method": "string", "k": "number", "T": "number", "grad_z0": "number", "grad_z0_true": "number",
		"rel_err_z0": "number", "grad_k": "number", "grad_k_true": "number", "rel_err_k": "number", "nfe_fwd": "number", "nfe_bwd": "number"})
	if len(rows) != 3*2*2 {
		t.Errorf("%d rows, want 3 methods × 2 k × 2 T", len(rows))
	}
	// The paper's point: for k = −1 at T = 10 the adjoint's error is at
	// least 10× ACA's.
	errAt := map[string]float64{}
	for _, r := range rows {
		if r["k"].(float64) == -1 && r["T"].(float64) == 10 {
			errAt[r["method"].(string)] = r["rel_err_z0"].(float64)
		}
	}
	if errAt["adjoint"] < 10*errAt["aca"] || errAt["aca"] == 0 {
		t.Errorf("k = −1, T = 10: adjoint %g, ACA %g; want adjoint ≥ 10× ACA", errAt["adjoint"], errAt["aca"])
	}
	checkRunFiles(t, out, "toy.png")
	// The table, and the run directory never reused.
	code, _, stderr = runArgs("toy", "--T", "2", "--method", "aca", "--out", out)
	if code != 2 || !strings.Contains(stderr, "--out") {
		t.Errorf("reusing --out: status %d, %s", code, stderr)
	}
	out2 := filepath.Join(t.TempDir(), "toy2")
	code, stdout, _ = runArgs("toy", "--T", "2", "--method", "aca", "--out", out2)
	if code != 0 || !strings.Contains(stdout, "REL ERR") || !strings.Contains(stdout, "toy.png") {
		t.Errorf("table: status %d\n%s", code, stdout)
	}
}

func TestReverseCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rev")
	code, stdout, stderr := runArgs("reverse", "--json", "--points", "51", "--image-dir", "", "--out", out)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	rows := jsonLines(t, stdout)
	checkKeys(t, rows, map[string]string{"problem": "string", "method": "string", "rtol": "number", "atol": "number", "nfe_fwd": "number", "nfe_bwd": "number", "diverged": "bool"})
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 2 problems × 3 tolerances", len(rows))
	}
	// Van der Pol misses z(0) by orders of magnitude more than the
	// tolerance (or diverges), at each of the three tolerances.
	for _, r := range rows {
		if r["problem"] != "vdp" {
			continue
		}
		if r["diverged"] == true {
			continue
		}
		if over := r["error_over_tol"].(float64); over < 100 {
			t.Errorf("van der Pol at rtol %v: error only %.3g × tolerance", r["rtol"], over)
		}
	}
	checkRunFiles(t, out, "vdp.png", "conv.png", "conv-input.png", "conv-forward.png")
}

func TestThreeBodyCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tb")
	code, stdout, stderr := runArgs("threebody", "--quick", "--json", "--method", "aca", "--ode-epochs", "20", "--node-epochs", "3", "--lstm-epochs", "3", "--out", out)
	if code != 0 {
		t.Fatalf("status %d: %s", code, stderr)
	}
	rows := jsonLines(t, stdout)
	checkKeys(t, rows, map[string]string{"model": "string", "method": "string", "seed": "number", "train_mse": "number", "test_mse": "number", "epochs": "number", "seconds": "number"})
	if len(rows) != 4 {
		t.Errorf("%d rows, want ODE, NODE, LSTM, LSTM-aug", len(rows))
	}
	if jsonKind(rows[0]["masses"]) != "array" {
		t.Fatalf("the ODE row has no masses: %v", rows[0])
	}
	// The same model trained directly: the command's row is its row, and
	// 20 epochs move the masses towards the truth.
	c := experiments.QuickThreeBody()
	c.ODEEpochs = 20
	truth, err := c.Truth()
	if err != nil {
		t.Fatal(err)
	}
	want, err := experiments.TrainThreeBodyODE(c, truth, "ODE", ode.ACA, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rows[0]["test_mse"] != want.TestMSE || rows[0]["train_mse"] != want.TrainMSE || rows[0]["mass_rel_err"] != want.MassRelErr {
		t.Errorf("ODE row %v; trained directly: test %g, train %g, mass error %g", rows[0], want.TestMSE, want.TrainMSE, want.MassRelErr)
	}
	init, err := experiments.NewThreeBodyODE(c, truth, "ODE", ode.ACA, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := 0.0
	for i, v := range init.Mass.Data().Float64s() {
		before = math.Max(before, math.Abs(v-c.Masses[i])/c.Masses[i])
	}
	if got := rows[0]["mass_rel_err"].(float64); !(got < 0.9*before) {
		t.Errorf("20 epochs: mass error %.3g, initially %.3g", got, before)
	}
	checkRunFiles(t, out, "threebody.png")
}

func TestBenchCommand(t *testing.T) {
	keys := map[string]string{"bench": "string", "method": "string", "rtol": "number", "atol": "number", "threads": "number", "iters": "number",
		"median_ms": "number", "p10_ms": "number", "p90_ms": "number", "nfe_fwd": "number", "nfe_bwd": "number", "peak_rss_mb": "number",
		"loss_first": "number", "loss_last": "number"}
	for _, w := range []string{"mlp", "threebody"} {
		out := filepath.Join(t.TempDir(), w)
		code, stdout, stderr := runArgs("bench", w, "--method", "aca", "--iters", "2", "--warmup", "1", "--json", "--out", out)
		if code != 0 {
			t.Fatalf("%s: status %d: %s", w, code, stderr)
		}
		rows := jsonLines(t, stdout)
		checkKeys(t, rows, keys)
		if rows[0]["bench"] != w || rows[0]["iters"].(float64) != 2 || rows[0]["median_ms"].(float64) <= 0 || rows[0]["nfe_fwd"].(float64) <= 0 {
			t.Errorf("%s: %v", w, rows[0])
		}
		if p10, med, p90 := rows[0]["p10_ms"].(float64), rows[0]["median_ms"].(float64), rows[0]["p90_ms"].(float64); !(p10 <= med && med <= p90) {
			t.Errorf("%s: percentiles out of order: %g %g %g", w, p10, med, p90)
		}
		// The first loss and the NFE are those of the workload's first
		// steps run directly (same seed and tolerances).
		d := benchWorkloads[w]
		step, err := newBenchStep(w, ode.ACA, d.rtol, d.atol, 1)
		if err != nil {
			t.Fatal(err)
		}
		var first experiments.IterResult
		var nfe []int
		for i := range 3 {
			r, err := step()
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = r
			}
			if i >= 1 {
				nfe = append(nfe, r.Stats.Forward.NFE)
			}
		}
		slices.Sort(nfe)
		if rows[0]["loss_first"] != first.Loss || rows[0]["nfe_fwd"] != float64(nfe[1]) {
			t.Errorf("%s: loss_first %v, nfe_fwd %v; run directly: %g, %d", w, rows[0]["loss_first"], rows[0]["nfe_fwd"], first.Loss, nfe[1])
		}
		checkRunFiles(t, out)
	}
	// Several methods run in child processes; here in-process.
	children := benchInProcess(t)
	code, stdout, stderr := runArgs("bench", "mlp", "--iters", "1", "--warmup", "0", "--rtol", "1e-3", "--atol", "1e-4", "--out", filepath.Join(t.TempDir(), "all"))
	if code != 0 || len(*children) != 3 || !strings.Contains(stdout, "adjoint") || !strings.Contains(stdout, "MEDIAN MS") {
		t.Errorf("--method all: status %d, %d children, %s %s", code, len(*children), stdout, stderr)
	}
}

func TestExperimentFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"toy", "--T", "0"}, "--T"},
		{[]string{"toy", "--T", "x"}, "--T"},
		{[]string{"toy", "--k", ""}, "--k"},
		{[]string{"toy", "--method", "magic"}, "--method"},
		{[]string{"toy", "--solver", "rk4"}, "--solver"},
		{[]string{"toy", "--solver", "nope"}, "--solver"},
		{[]string{"toy", "--rtol", "-1"}, "--rtol"},
		{[]string{"toy", "--rtol", "0", "--atol", "0"}, "--rtol"},
		{[]string{"toy", "--z0", "0"}, "--z0"},
		{[]string{"reverse", "--rtol", "1e-3,1e-4", "--atol", "1e-6"}, "--atol"},
		{[]string{"reverse", "--T", "-1"}, "--T"},
		{[]string{"reverse", "--points", "1"}, "--points"},
		{[]string{"reverse", "--conv-T", "0"}, "--conv-T"},
		{[]string{"threebody", "--masses", "1,2"}, "--masses"},
		{[]string{"threebody", "--masses", "1,-2,3"}, "--masses"},
		{[]string{"threebody", "--seeds", "1.5"}, "--seeds"},
		{[]string{"threebody", "--ode-epochs", "-1"}, "--ode-epochs"},
		{[]string{"threebody", "--rtol", "-1"}, "--rtol"},
		{[]string{"bench"}, "workload"},
		{[]string{"bench", "gpu"}, `"gpu"`},
		{[]string{"bench", "mlp", "--iters", "0"}, "--iters"},
		{[]string{"bench", "mlp", "--warmup", "-1"}, "--warmup"},
		{[]string{"bench", "mlp", "--threads", "-1"}, "--threads"},
		{[]string{"bench", "mlp", "--method", "x"}, "--method"},
		{[]string{"bench", "conv", "--atol", "nan"}, "--atol"},
	} {
		code, _, errOut := runArgs(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: status %d, stderr %q; want 2 and a message naming %s", tc.args, code, errOut, tc.want)
		}
	}
}

func TestExperimentHelp(t *testing.T) {
	for sub, flags := range map[string][]string{
		"toy":       {"-k", "-z0", "-T", "-method", "-solver", "-rtol", "-atol", "-json", "-quiet", "-out", "-seed"},
		"reverse":   {"-solver", "-rtol", "-atol", "-T", "-points", "-conv-T", "-image-dir", "-json", "-out"},
		"threebody": {"-quick", "-seeds", "-method", "-masses", "-rtol", "-atol", "-ode-epochs", "-node-epochs", "-lstm-epochs", "-json", "-out"},
	} {
		code, _, errOut := runArgs(sub, "-h")
		if code != 0 {
			t.Errorf("%s -h: status %d", sub, code)
		}
		for _, f := range flags {
			if !strings.Contains(errOut, f) {
				t.Errorf("%s -h does not document %s", sub, f)
			}
		}
	}
	code, _, errOut := runArgs("bench", "mlp", "-h")
	for _, f := range []string{"-method", "-rtol", "-atol", "-iters", "-warmup", "-threads", "-json", "-out"} {
		if code != 0 || !strings.Contains(errOut, f) {
			t.Errorf("bench mlp -h (status %d) does not document %s", code, f)
		}
	}
	if code, out, _ := runArgs("bench", "-h"); code != 0 || !strings.Contains(out, "threebody") {
		t.Errorf("bench -h: status %d, %s", code, out)
	}
}

// benchInProcess makes aca bench run its per-method children in this
// process for the rest of the test, and returns the list their arguments
// are appended to.
func benchInProcess(t *testing.T) *[][]string {
	t.Helper()
	saved := spawnBench
	t.Cleanup(func() { spawnBench = saved })
	spawned := new([][]string)
	spawnBench = func(_ context.Context, args []string) (benchLine, error) {
		*spawned = append(*spawned, args)
		t.Setenv("ACA_BENCH_CHILD", "1")
		defer os.Unsetenv("ACA_BENCH_CHILD")
		code, stdout, stderr := runArgs(args...)
		if code != 0 {
			t.Fatalf("child %v: %d %s", args, code, stderr)
		}
		var l benchLine
		if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &l); err != nil {
			t.Fatal(err)
		}
		return l, nil
	}
	return spawned
}
