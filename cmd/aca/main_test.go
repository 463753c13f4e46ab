package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func runArgs(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestUsage(t *testing.T) {
	code, _, errOut := runArgs()
	if code != 2 || !strings.Contains(errOut, "gradcheck") || !strings.Contains(errOut, "info") {
		t.Errorf("no arguments: status %d, stderr %q", code, errOut)
	}
	if code, out, _ := runArgs("help"); code != 0 || !strings.Contains(out, "Subcommands") {
		t.Errorf("help: status %d, output %q", code, out)
	}
	code, _, errOut = runArgs("nonsense")
	if code != 2 || !strings.Contains(errOut, `unknown subcommand "nonsense"`) {
		t.Errorf("unknown subcommand: status %d, stderr %q", code, errOut)
	}
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gradcheck", "--configs", "1"}, "--configs"},
		{[]string{"gradcheck", "--tol", "-1"}, "--tol"},
		{[]string{"gradcheck", "--eps", "0"}, "--eps"},
		{[]string{"gradcheck", "--op", "nosuchop"}, `"nosuchop"`},
		{[]string{"gradcheck", "--seed", "abc"}, "-seed"},
		{[]string{"gradcheck", "--bogus"}, "-bogus"},
		{[]string{"gradcheck", "extra"}, `"extra"`},
		{[]string{"info", "--threads", "-3"}, "--threads"},
	} {
		code, _, errOut := runArgs(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: status %d, stderr %q; want 2 and a message naming %s", tc.args, code, errOut, tc.want)
		}
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	for sub, flags := range map[string][]string{
		"gradcheck": {"-json", "-seed", "-configs", "-tol", "-eps", "-op", "-quiet"},
		"info":      {"-json", "-threads"},
	} {
		code, _, errOut := runArgs(sub, "-h")
		if code != 0 {
			t.Errorf("%s -h: status %d", sub, code)
		}
		for _, f := range flags {
			if !strings.Contains(errOut, f) {
				t.Errorf("%s -h does not document %s:\n%s", sub, f, errOut)
			}
		}
		if !strings.Contains(errOut, "default") {
			t.Errorf("%s -h shows no defaults", sub)
		}
	}
}

func TestInfoJSON(t *testing.T) {
	code, out, _ := runArgs("info", "--json")
	if code != 0 {
		t.Fatalf("status %d", code)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for key, kind := range map[string]string{"version": "string", "go": "string", "blas": "string", "simd": "string", "cpu": "string", "threads": "number", "cpus": "number", "ops": "number", "dtypes": "array"} {
		if got := jsonKind(m[key]); got != kind {
			t.Errorf("key %q is %s, want %s", key, got, kind)
		}
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case nil:
		return "missing"
	}
	return "object"
}

func TestGradcheckSubset(t *testing.T) {
	code, out, _ := runArgs("gradcheck", "--op", "tanh,conv2d", "--json")
	if code != 0 {
		t.Fatalf("status %d:\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	ops := map[string]bool{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		for key, kind := range map[string]string{"op": "string", "case": "string", "shapes": "array", "max_rel_err": "number", "evals": "number", "ok": "bool"} {
			if got := jsonKind(m[key]); got != kind {
				t.Errorf("key %q is %s, want %s", key, got, kind)
			}
		}
		ops[m["op"].(string)] = true
		if m["ok"] != true || m["max_rel_err"].(float64) > 1e-6 {
			t.Errorf("failed check: %s", l)
		}
	}
	if len(ops) != 2 || !ops["tanh"] || !ops["conv2d"] {
		t.Errorf("checked ops %v, want tanh and conv2d", ops)
	}
	// The human table.
	code, out, _ = runArgs("gradcheck", "--op", "relu")
	if code != 0 || !strings.Contains(out, "relu") || !strings.Contains(out, "All 1 operations pass") {
		t.Errorf("table: status %d\n%s", code, out)
	}
}

// TestGradcheckFailsLoudly sets an impossible tolerance: the command must
// report failures and exit 1.
func TestGradcheckFailsLoudly(t *testing.T) {
	code, out, _ := runArgs("gradcheck", "--op", "exp", "--tol", "1e-30")
	if code != 1 || !strings.Contains(out, "FAIL") {
		t.Errorf("impossible tolerance: status %d\n%s", code, out)
	}
}

// TestGradcheckSubsetReproducesFullRun: --op must draw the same
// configurations for a case as the full run with the same seed.
func TestGradcheckSubsetReproducesFullRun(t *testing.T) {
	shapesOf := func(args ...string) map[string]string {
		code, out, _ := runArgs(append([]string{"gradcheck", "--json", "--seed", "5"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: status %d", args, code)
		}
		m := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var r struct {
				Case   string  `json:"case"`
				Shapes [][]int `json:"shapes"`
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(r.Shapes)
			m[r.Case] += string(b)
		}
		return m
	}
	full, sub := shapesOf(), shapesOf("--op", "mul,softmax")
	if len(sub) == 0 {
		t.Fatal("no cases checked")
	}
	for name, shapes := range sub {
		if full[name] != shapes {
			t.Errorf("%s: --op drew %s, the full run %s", name, shapes, full[name])
		}
	}
}

// TestGCPercent checks the collector policy: 400 for small heaps, the
// default for large ones, about 256 MB of headroom between.
func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{{0, 400}, {1 << 20, 400}, {64 << 20, 400}, {128 << 20, 200}, {256 << 20, 100}, {4 << 30, 100}} {
		if got := gcPercent(c.live); got != c.want {
			t.Errorf("live %d MB: percent %d, want %d", c.live>>20, got, c.want)
		}
	}
}
