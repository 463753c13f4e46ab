package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/ode"
)

type jsonInner struct {
	A float64 `json:"a"`
	B float32 `json:"b,omitempty"`
}

type jsonEmbedded struct {
	E int `json:"e"`
}

type jsonSample struct {
	jsonEmbedded
	Name    string             `json:"name"`
	X       float64            `json:"x"`
	Skip    float64            `json:"-"`
	Opt     *float64           `json:"opt,omitempty"`
	List    []float64          `json:"list"`
	Arr     [2]float64         `json:"arr"`
	Map     map[string]any     `json:"map"`
	Inner   jsonInner          `json:"inner"`
	Ptr     *jsonInner         `json:"ptr"`
	Method  ode.Gradient       `json:"method"`
	Methods []ode.Gradient     `json:"methods"`
	NilMap  map[string]float64 `json:"nil_map"`
	Bytes   []byte             `json:"bytes"`
	Untag   float64
	private float64
}

// sample fills a jsonSample with v wherever a float goes.
func sample(v float64) jsonSample {
	return jsonSample{jsonEmbedded: jsonEmbedded{E: 3}, Name: "n\"q", X: v, Skip: v, List: []float64{1, v, -2.5e-300},
		Arr: [2]float64{v, 7}, Map: map[string]any{"z": v, "a": []any{v, "s", nil, true}}, Inner: jsonInner{A: v, B: float32(v)},
		Ptr: &jsonInner{A: 1}, Method: ode.ACA, Methods: []ode.Gradient{ode.Naive, ode.Adjoint}, Bytes: []byte{1, 2}, Untag: v, private: v}
}

// On finite values marshalJSON writes exactly what encoding/json writes;
// non-finite floats become the strings "NaN", "Inf" and "-Inf" and nothing
// else changes.
func TestMarshalJSONMatchesEncodingJSON(t *testing.T) {
	for _, v := range []float64{0, 1.5, -3e-7, 1e30, 1e-30} {
		for _, indent := range []bool{false, true} {
			got, err := marshalJSON(sample(v), indent)
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			if indent {
				want, err = json.MarshalIndent(sample(v), "", "  ")
			} else {
				want, err = json.Marshal(sample(v))
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("v = %g, indent %v:\n got %s\nwant %s", v, indent, got, want)
			}
		}
	}
	for v, s := range map[float64]string{math.NaN(): `"NaN"`, math.Inf(1): `"Inf"`, math.Inf(-1): `"-Inf"`} {
		got, err := marshalJSON(sample(v), false)
		if err != nil {
			t.Fatalf("%g: %v", v, err)
		}
		// The same encoding with the marker 12345 for v, then the marker
		// replaced by the string, is the reference.
		ref, err := json.Marshal(sample(12345))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(string(ref), "12345", s)
		if string(got) != want {
			t.Errorf("%g:\n got %s\nwant %s", v, got, want)
		}
		var back map[string]any
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%g: output is not JSON: %v", v, err)
		}
	}
	if _, err := marshalJSON(map[int]float64{1: 2}, false); err == nil {
		t.Error("a map with int keys: no error")
	}
}

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
	t.Logf("%d non-finite relative errors", infs)
	if !strings.Contains(errOut, "run folder "+dir) {
		t.Errorf("--json does not name the run folder on stderr: %q", errOut)
	}
	checkRunFiles(t, dir)
}

// What marshalJSON writes, unmarshalJSON reads back: non-finite floats in
// plain, nested and embedded fields, and the same strings left alone in
// string fields.
func TestUnmarshalJSONRoundTrip(t *testing.T) {
	type inner struct {
		X float64 `json:"x"`
		Y float32
	}
	type base struct {
		B float64 `json:"b"`
	}
	type row struct {
		base
		Name  string  `json:"name"`
		A     float64 `json:"a"`
		In    inner   `json:"in"`
		Count int     `json:"count"`
		Skip  float64 `json:"-"`
	}
	for _, c := range []row{
		{base{math.Inf(-1)}, "NaN", math.NaN(), inner{math.Inf(1), float32(math.NaN())}, 3, 0},
		{base{1.5}, "Inf", 2, inner{-0.25, 4}, -1, 0},
	} {
		b, err := marshalJSON(c, false)
		if err != nil {
			t.Fatal(err)
		}
		var got row
		if err := unmarshalJSON(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		same := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
		if got.Name != c.Name || got.Count != c.Count || !same(got.A, c.A) || !same(got.B, c.B) ||
			!same(got.In.X, c.In.X) || !same(float64(got.In.Y), float64(c.In.Y)) {
			t.Errorf("%s read back as %+v, want %+v", b, got, c)
		}
		var plain row
		if err := json.Unmarshal(b, &plain); (err == nil) != (c.Count == -1) {
			t.Errorf("%s: encoding/json error %v (the test's premise: it rejects the strings)", b, err)
		}
	}
	var r row
	if err := unmarshalJSON([]byte(`{"a":"nan"}`), &r); err == nil {
		t.Error(`"nan" (not the contract's spelling) was accepted for a float`)
	}
}

// Where two fields claim one JSON name, marshalJSON keeps the one
// encoding/json keeps: the shallower; at equal depth the tagged one;
// neither if that does not decide. (classify's ICC line wrote "raters"
// twice, from its own field and the embedded stats.ICCResult's.)
func TestMarshalJSONFieldDominance(t *testing.T) {
	type A struct {
		N int `json:"n"`
		X int
		Y int `json:"y"`
	}
	type B struct {
		X int
		Y int
		Z int `json:"z"`
	}
	type C struct {
		Z int `json:"z"`
	}
	type Outer struct {
		N int `json:"n"` // shallower than A's n
		A
		B          // X: A's and B's, both untagged at depth 1: neither; Y: A's tagged wins
		*C         // nil: its z is skipped, B's z is at the same depth but tagged too: neither
		W  float64 `json:"w"`
	}
	for _, v := range []any{
		Outer{N: 1, A: A{N: 2, X: 3, Y: 4}, B: B{X: 5, Y: 6, Z: 7}, W: 0.5},
		Outer{N: 1, A: A{N: 2, X: 3, Y: 4}, B: B{X: 5, Y: 6, Z: 7}, C: &C{Z: 8}, W: 0.5},
		experiments.ICCRow{Label: "resnet", Subset: "all", Images: 3, Raters: 2},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalJSON(v, false)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("marshalJSON %s\nencoding/json %s", got, want)
		}
	}
}
