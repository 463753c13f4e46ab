package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/ode"
)

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"all", ode.ACAMemoryAll}, {"Unlimited", ode.ACAMemoryAll}, {"512MB", 512e6}, {"512mb", 512e6},
		{"1.5GB", 1.5e9}, {"2GiB", 2 << 30}, {"100 KiB", 100 << 10}, {"4096", 4096}, {"7B", 7}, {"3k", 3000},
	} {
		got, err := parseBytes(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		if tc.want != 0 {
			if back, err := parseBytes(formatBytes(got)); err != nil || back != got {
				t.Errorf("formatBytes(%d) = %q parses as %d, %v", got, formatBytes(got), back, err)
			}
		}
	}
	for _, bad := range []string{"", "-1", "12XB", "MB", "NaN", "1e30GB", "inf"} {
		if v, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", bad, v)
		}
	}
}

// TestBenchACAMemory checks --aca-memory end to end on the MLP workload:
// keeping every step's graph reports the kept steps, re-runs nothing in
// the backward pass (NFE 0), and trains to the same losses (the
// gradients are the same bits).
func TestBenchACAMemory(t *testing.T) {
	rows := map[string]map[string]any{}
	for _, mem := range []string{"0", "all", "20KB"} {
		code, stdout, stderr := runArgs("bench", "mlp", "--method", "aca", "--iters", "2", "--warmup", "1", "--aca-memory", mem, "--json", "--out", filepath.Join(t.TempDir(), mem))
		if code != 0 {
			t.Fatalf("--aca-memory %s: status %d: %s", mem, code, stderr)
		}
		r := jsonLines(t, stdout)
		checkKeys(t, r, map[string]string{"aca_memory_mb": "number", "kept_steps": "number", "nfe_bwd": "number", "loss_last": "number"})
		rows[mem] = r[0]
	}
	none, all, some := rows["0"], rows["all"], rows["20KB"]
	if none["kept_steps"].(float64) != 0 || none["aca_memory_mb"].(float64) != 0 {
		t.Errorf("budget 0: %v", none)
	}
	if all["aca_memory_mb"].(float64) != -1 || all["kept_steps"].(float64) < 1 || all["nfe_bwd"].(float64) != 0 || none["nfe_bwd"].(float64) == 0 {
		t.Errorf("budget all: kept %v, backward NFE %v (budget 0: %v)", all["kept_steps"], all["nfe_bwd"], none["nfe_bwd"])
	}
	if some["aca_memory_mb"].(float64) != 0.02 || some["kept_steps"].(float64) > all["kept_steps"].(float64) {
		t.Errorf("budget 20KB: %v", some)
	}
	for _, r := range []map[string]any{all, some} {
		// The same steps; a kept step with outputs inside it evaluates f
		// once more (at most one per output time, 10 here).
		if d := r["nfe_fwd"].(float64) - none["nfe_fwd"].(float64); r["loss_last"] != none["loss_last"] || d < 0 || d > 10 {
			t.Errorf("budget %v: loss_last %v, nfe_fwd %v; budget 0: %v, %v", r["aca_memory_mb"], r["loss_last"], r["nfe_fwd"], none["loss_last"], none["nfe_fwd"])
		}
	}
}

// TestBenchClassify runs the classify workload tiny (width 4, batch 2,
// one step) for the ResNet and NODE with ACA, in-process, and checks its
// keys; then the whole list (ResNet and each method) through the child
// processes, run here in-process.
func TestBenchClassify(t *testing.T) {
	keys := map[string]string{"bench": "string", "method": "string", "model": "string", "width": "number", "batch": "number", "norm": "string", "solver": "string",
		"median_ms": "number", "p10_ms": "number", "p90_ms": "number", "nfe_fwd": "number", "nfe_bwd": "number", "peak_rss_mb": "number",
		"loss_first": "number", "loss_last": "number", "aca_memory_mb": "number", "kept_steps": "number", "cpu": "string", "simd": "string", "blas": "string"}
	tiny := []string{"--width", "4", "--batch", "2", "--iters", "1", "--warmup", "1", "--json"}
	losses := map[string]any{}
	for _, tc := range []struct{ model, mem string }{{"resnet", "0"}, {"node", "0"}, {"node", "all"}} {
		args := append([]string{"bench", "classify", "--model", tc.model, "--method", "aca", "--aca-memory", tc.mem, "--out", filepath.Join(t.TempDir(), tc.model+tc.mem)}, tiny...)
		code, stdout, stderr := runArgs(args...)
		if code != 0 {
			t.Fatalf("%v: status %d: %s", args, code, stderr)
		}
		rows := jsonLines(t, stdout)
		checkKeys(t, rows, keys)
		r := rows[0]
		if r["bench"] != "classify" || r["model"] != tc.model || r["width"].(float64) != 4 || r["batch"].(float64) != 2 || r["norm"] != "group" || r["solver"] != "heun_euler" {
			t.Errorf("%s: %v", tc.model, r)
		}
		switch tc.model {
		case "resnet":
			if r["method"] != "backprop" || r["nfe_fwd"].(float64) != 0 {
				t.Errorf("resnet: method %v, nfe_fwd %v", r["method"], r["nfe_fwd"])
			}
		case "node":
			// Four ODE blocks, each at least one step of Heun–Euler.
			if r["nfe_fwd"].(float64) < 4*3 {
				t.Errorf("node: nfe_fwd %v", r["nfe_fwd"])
			}
			losses[tc.mem] = r["loss_last"]
			if tc.mem == "all" && r["kept_steps"].(float64) < 1 {
				t.Errorf("node, all kept: %v steps", r["kept_steps"])
			}
		}
	}
	if losses["0"] != losses["all"] {
		t.Errorf("the second step's loss differs with the steps' graphs kept: %v against %v", losses["all"], losses["0"])
	}

	children := benchInProcess(t)
	code, stdout, stderr := runArgs("bench", "classify", "--width", "4", "--batch", "2", "--iters", "1", "--warmup", "0", "--aca-memory", "1MB", "--rtol", "0.1", "--atol", "0.01", "--out", filepath.Join(t.TempDir(), "all"))
	if code != 0 || len(*children) != 4 {
		t.Fatalf("status %d, %d children: %s %s", code, len(*children), stdout, stderr)
	}
	for i, want := range []string{"resnet", "node", "node", "node"} {
		a := (*children)[i]
		j := slices.Index(a, "--model")
		if j < 0 || a[j+1] != want || !slices.Contains(a, "--width") || !slices.Contains(a, "1000000") {
			t.Errorf("child %d: %v", i, a)
		}
	}
	for _, w := range []string{"resnet", "naive", "adjoint", "aca", "KEPT STEPS"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("the table has no %q:\n%s", w, stdout)
		}
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "mlp", "--aca-memory", "lots"}, "--aca-memory"},
		{[]string{"bench", "classify", "--model", "vgg"}, "--model"},
		{[]string{"bench", "classify", "--norm", "layer"}, "--norm"},
		{[]string{"bench", "classify", "--norm", "bn"}, "--norm"},
		{[]string{"bench", "classify", "--solver", "leapfrog"}, "--solver"},
		{[]string{"bench", "classify", "--width", "0"}, "--width"},
		{[]string{"bench", "classify", "--batch", "0"}, "--batch"},
		{[]string{"bench", "mlp", "--width", "4"}, "width"},
	} {
		code, _, stderr := runArgs(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: status %d, %q", tc.args, code, stderr)
		}
	}
}

// The classify workload's solves have tolerances and no step count, and
// its widths are the models' own: a fixed-step solver or a width GroupNorm
// cannot split used to pass the flag checks and fail in the measurement
// (exit 1). Both are usage errors now, naming the flag, before any folder
// is made.
func TestBenchClassifyRefusesBeforeWork(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--solver", "euler", "--model", "node", "--method", "aca"}, []string{"--solver", "fixed-step", "adaptive", "dopri5"}},
		{[]string{"--solver", "rk4", "--model", "node", "--method", "adjoint"}, []string{"--solver", "fixed-step"}},
		{[]string{"--width", "5", "--model", "node", "--method", "aca"}, []string{"--width 5", "GroupNorm"}},
		{[]string{"--width", "12", "--model", "resnet"}, []string{"--width 12", "GroupNorm"}},
	} {
		out := filepath.Join(t.TempDir(), "run")
		args := append([]string{"bench", "classify", "--batch", "2", "--iters", "1", "--warmup", "0", "--quiet", "--out", out}, tc.args...)
		code, _, stderr := runArgs(args...)
		if code != 2 {
			t.Errorf("%v: status %d, want 2; stderr %q", tc.args, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q does not say %q", tc.args, stderr, w)
			}
		}
	}
	// The ResNet with BatchNorm has no groups to divide: width 5 is fine.
	validateOnly = true
	defer func() { validateOnly = false }()
	if code, _, stderr := runArgs("bench", "classify", "--width", "5", "--model", "resnet", "--norm", "batch"); code != 0 {
		t.Errorf("--width 5 --model resnet --norm batch: status %d: %s", code, stderr)
	}
}
