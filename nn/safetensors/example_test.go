package safetensors_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/acaode/aca/nn/safetensors"
	"github.com/acaode/aca/tensor"
)

// Encode tensors and metadata in memory, decode them again, and check them
// against what a model expects.
func Example() {
	weights := map[string]*tensor.Tensor{
		"fc.weight": tensor.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3),
		"fc.bias":   tensor.FromFloat32([]float32{0.5, -0.5}, 2),
		"step":      tensor.FromFloat64([]float64{1000}), // a scalar
	}
	b, err := safetensors.Marshal(weights, map[string]string{"format": "pt"})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, meta, err := safetensors.Unmarshal(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Println(name, got[name].DType(), got[name].Shape())
	}
	fmt.Println("format:", meta["format"])

	// A model expecting a different layer shape is told everything at once.
	want := safetensors.Specs(weights)
	want["fc.weight"] = safetensors.Spec{DType: tensor.Float32, Shape: []int{3, 2}}
	delete(want, "step")
	fmt.Println(safetensors.Check(want, got))
	// Output:
	// fc.bias float32 [2]
	// fc.weight float32 [2 3]
	// step float64 []
	// format: pt
	// safetensors: 2 mismatches: unexpected "step" (float64 []); "fc.weight": shape [2 3], want [3 2]
}

// Write saves atomically: the file at path is either the old one or the
// new one, never a mixture. Read checks the whole file before returning.
func ExampleWrite() {
	dir, err := os.MkdirTemp("", "safetensors-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	x := tensor.FromFloat64([]float64{1, 2, 3}, 3)
	if err := safetensors.Write(path, map[string]*tensor.Tensor{"x": x}, nil); err != nil {
		fmt.Println(err)
		return
	}
	got, _, err := safetensors.Read(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got["x"].Values())
	// Output: [1 2 3]
}
