package safetensors

import (
	"errors"
	"slices"
	"testing"

	"github.com/acaode/aca/tensor"
)

func TestCheckMatch(t *testing.T) {
	ts := sample()
	if err := Check(Specs(ts), ts); err != nil {
		t.Fatal(err)
	}
	// A nil and an empty shape are both the scalar shape; a zero DType is any.
	got := map[string]*tensor.Tensor{"s": tensor.FromFloat64([]float64{1}), "x": tensor.FromFloat32([]float32{1, 2}, 2)}
	want := map[string]Spec{"s": {DType: tensor.Float64}, "x": {Shape: []int{2}}}
	if err := Check(want, got); err != nil {
		t.Fatal(err)
	}
	if err := Check(nil, nil); err != nil {
		t.Fatal(err)
	}
}

// Every kind of difference is reported, all at once, in name order.
func TestCheckReportsEverything(t *testing.T) {
	f32 := func(shape ...int) *tensor.Tensor { return tensor.New(tensor.Float32, shape...) }
	f64 := func(shape ...int) *tensor.Tensor { return tensor.New(tensor.Float64, shape...) }
	want := map[string]Spec{
		"ok":       {tensor.Float32, []int{2}},
		"miss.b":   {tensor.Float32, []int{10}},
		"miss.a":   {tensor.Float64, nil},
		"shape":    {tensor.Float32, []int{784, 10}},
		"dtype":    {tensor.Float32, []int{3}},
		"both":     {tensor.Float64, []int{1}},
		"rank":     {tensor.Float32, []int{4}},
		"nilvalue": {tensor.Float32, []int{1}},
		"anydt":    {0, []int{2}},
	}
	got := map[string]*tensor.Tensor{
		"ok":       f32(2),
		"shape":    f32(10, 784),
		"dtype":    f64(3),
		"both":     f32(2),
		"rank":     f32(4, 1),
		"nilvalue": nil,
		"anydt":    f64(3),
		"extra.z":  f64(5),
		"extra.a":  nil,
	}
	err := Check(want, got)
	var ce *CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *CheckError", err)
	}
	names := func(ns []NamedSpec) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.Name)
		}
		return out
	}
	if g := names(ce.Missing); !slices.Equal(g, []string{"miss.a", "miss.b"}) {
		t.Errorf("Missing = %v", g)
	}
	if g := names(ce.Unexpected); !slices.Equal(g, []string{"extra.a", "extra.z"}) {
		t.Errorf("Unexpected = %v", g)
	}
	if g := names(ce.Nil); !slices.Equal(g, []string{"nilvalue"}) {
		t.Errorf("Nil = %v", g)
	}
	var mm []string
	for _, m := range ce.Mismatched {
		mm = append(mm, m.Name)
	}
	if !slices.Equal(mm, []string{"anydt", "both", "dtype", "rank", "shape"}) {
		t.Errorf("Mismatched = %v", mm)
	}
	if ce.Count() != 10 {
		t.Errorf("Count = %d, want 10", ce.Count())
	}
	const msg = `safetensors: 10 mismatches: ` +
		`missing "miss.a" (float64 []); missing "miss.b" (float32 [10]); ` +
		`unexpected "extra.a"; unexpected "extra.z" (float64 [5]); ` +
		`"nilvalue" is nil or invalid, want float32 [1]; ` +
		`"anydt": shape [3], want [2]; ` +
		`"both": dtype float32, want float64, shape [2], want [1]; ` +
		`"dtype": dtype float64, want float32; ` +
		`"rank": shape [4 1], want [4]; ` +
		`"shape": shape [10 784], want [784 10]`
	if err.Error() != msg {
		t.Errorf("message\n got %s\nwant %s", err, msg)
	}
}

func TestCheckSingular(t *testing.T) {
	err := Check(map[string]Spec{"a": {tensor.Float32, []int{1}}}, nil)
	if err == nil || err.Error() != `safetensors: 1 mismatch: missing "a" (float32 [1])` {
		t.Fatalf("error %v", err)
	}
}

// SpecOf copies the shape: changing the spec does not change the tensor.
func TestSpecOfCopies(t *testing.T) {
	x := tensor.New(tensor.Float32, 2, 3)
	s := SpecOf(x)
	s.Shape[0] = 9
	if x.Shape()[0] != 2 {
		t.Fatal("SpecOf shares the tensor's shape")
	}
	if s.String() != "float32 [9 3]" || (Spec{Shape: []int{1}}).String() != "any [1]" {
		t.Fatalf("String: %v", s)
	}
}
