package jsonx_test

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/acaode/aca/experiments"
	"github.com/acaode/aca/internal/jsonx"
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

// On finite values Marshal writes exactly what encoding/json writes;
// non-finite floats become the strings "NaN", "Inf" and "-Inf" and nothing
// else changes.
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	for _, v := range []float64{0, 1.5, -3e-7, 1e30, 1e-30} {
		for _, indent := range []bool{false, true} {
			got, err := jsonx.Marshal(sample(v), indent)
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
		got, err := jsonx.Marshal(sample(v), false)
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
	if _, err := jsonx.Marshal(map[int]float64{1: 2}, false); err == nil {
		t.Error("a map with int keys: no error")
	}
}

// What Marshal writes, Unmarshal reads back: non-finite floats in
// plain, nested and embedded fields, and the same strings left alone in
// string fields.
func TestUnmarshalRoundTrip(t *testing.T) {
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
		b, err := jsonx.Marshal(c, false)
		if err != nil {
			t.Fatal(err)
		}
		var got row
		if err := jsonx.Unmarshal(b, &got); err != nil {
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
	if err := jsonx.Unmarshal([]byte(`{"a":"nan"}`), &r); err == nil {
		t.Error(`"nan" (not the contract's spelling) was accepted for a float`)
	}
}

// Non-finite floats inside slices, arrays and pointers read back too (a
// run record holds its epochs as a slice of structs), at the top level and
// in fields.
func TestUnmarshalInsideSlicesAndPointers(t *testing.T) {
	type inner struct {
		X float64 `json:"x"`
	}
	type outer struct {
		S    []inner    `json:"s"`
		P    *inner     `json:"p"`
		Arr  [2]float64 `json:"arr"`
		Ptrs []*inner   `json:"ptrs"`
		F    []float32  `json:"f"`
		Nest [][]float64
	}
	nan, inf := math.NaN(), math.Inf(1)
	in := outer{
		S: []inner{{1}, {nan}, {-inf}}, P: &inner{inf}, Arr: [2]float64{nan, 2},
		Ptrs: []*inner{nil, {-inf}}, F: []float32{float32(nan), 3}, Nest: [][]float64{{1}, {inf, nan}},
	}
	b, err := jsonx.Marshal(in, false)
	if err != nil {
		t.Fatal(err)
	}
	var got outer
	if err := jsonx.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	again, err := jsonx.Marshal(got, false)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(b) {
		t.Errorf("read back and written again:\n%s\nwant\n%s", again, b)
	}
	if !math.IsNaN(got.S[1].X) || !math.IsInf(got.P.X, 1) || !math.IsNaN(got.Arr[0]) || got.Ptrs[0] != nil ||
		!math.IsInf(got.Ptrs[1].X, -1) || !math.IsNaN(float64(got.F[0])) || !math.IsNaN(got.Nest[1][1]) {
		t.Errorf("read back as %+v", got)
	}
	var top []inner
	if err := jsonx.Unmarshal([]byte(`[{"x":"Inf"},{"x":2}]`), &top); err != nil || !math.IsInf(top[0].X, 1) || top[1].X != 2 {
		t.Errorf("top-level slice: %v, %+v", err, top)
	}
}

// Where two fields claim one JSON name, Marshal keeps the one
// encoding/json keeps: the shallower; at equal depth the tagged one;
// neither if that does not decide. (classify's ICC line wrote "raters"
// twice, from its own field and the embedded stats.ICCResult's.)
func TestMarshalFieldDominance(t *testing.T) {
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
		got, err := jsonx.Marshal(v, false)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("Marshal %s\nencoding/json %s", got, want)
		}
	}
}

// Unmarshal finds a float where encoding/json decodes it: the shallower of
// two fields with one name (not the embedded one), a float behind an
// embedded pointer, an embedded float type; a string field named like an
// embedded float keeps its "NaN"; a JSON array longer than a Go array is
// cut as encoding/json cuts it; trailing data is an error.
func TestUnmarshalFollowsEncodingJSON(t *testing.T) {
	type Base struct {
		X float64 `json:"x"`
		Z float64 `json:"z"`
	}
	type Ptr struct {
		P float64 `json:"p"`
	}
	type Score float64
	type row struct {
		Base
		*Ptr
		Score
		X   float64    `json:"x"`
		Z   string     `json:"z"`
		Arr [2]float64 `json:"arr"`
	}
	var r row
	in := `{"x":"NaN","z":"NaN","p":"-Inf","Score":"Inf","arr":[1,2,"NaN"]}`
	if err := jsonx.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(r.X) || r.Base.X != 0 || r.Z != "NaN" || r.Base.Z != 0 || r.Ptr == nil || !math.IsInf(r.P, -1) ||
		!math.IsInf(float64(r.Score), 1) || r.Arr != [2]float64{1, 2} {
		t.Errorf("%s read as %+v (Base %+v, Ptr %+v)", in, r, r.Base, r.Ptr)
	}
	for _, bad := range []string{`{"x":"NaN"}garbage`, `{"x":"NaN"}}`, `{"x":1} 5`} {
		if err := jsonx.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
