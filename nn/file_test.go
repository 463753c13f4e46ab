package nn

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn/safetensors"
	"github.com/acaode/aca/tensor"
)

func fileTestModel(seed uint64, hidden int) *Sequential {
	rng := tensor.NewRNG(seed)
	return NewSequential(
		Must(NewConv2d(rng, tensor.Float32, Conv2dConfig{In: 1, Out: 4, Kernel: 3, Padding: 1})),
		Must(NewBatchNorm2d(tensor.Float32, 4)),
		ReLU{},
		GlobalAvgPool2d{},
		Must(NewLinear(rng, tensor.Float32, 4, hidden, true)),
	)
}

// TestSaveLoadBitExact saves a model whose batch-norm statistics have moved,
// loads it into a differently initialised model and compares every bit,
// NaN payloads and negative zero included.
func TestSaveLoadBitExact(t *testing.T) {
	src := fileTestModel(1, 3)
	x := autograd.Constant(tensor.RandN(tensor.NewRNG(9), tensor.Float32, 0, 1, 5, 1, 6, 6))
	src.Forward(nil, x) // moves the running statistics
	w := NamedParams(src)[0].Value.Data().Float32s()
	w[0] = float32(math.Copysign(0, -1))
	w[1] = math.Float32frombits(0x7fc01234) // a NaN with a payload
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := Save(path, src, map[string]string{"epoch": "7"}); err != nil {
		t.Fatal(err)
	}
	dst := fileTestModel(2, 3)
	meta, err := Load(path, dst)
	if err != nil {
		t.Fatal(err)
	}
	if meta["epoch"] != "7" {
		t.Errorf("metadata %v", meta)
	}
	a, b := StateDict(src), StateDict(dst)
	if len(a) != len(b) {
		t.Fatalf("%d tensors saved, %d loaded", len(a), len(b))
	}
	for name, ta := range a {
		tb := b[name]
		switch ta.DType() {
		case tensor.Float32:
			for i, v := range ta.Float32s() {
				if math.Float32bits(v) != math.Float32bits(tb.Float32s()[i]) {
					t.Fatalf("%s[%d]: saved %08x, loaded %08x", name, i, math.Float32bits(v), math.Float32bits(tb.Float32s()[i]))
				}
			}
		case tensor.Float64:
			for i, v := range ta.Float64s() {
				if math.Float64bits(v) != math.Float64bits(tb.Float64s()[i]) {
					t.Fatalf("%s[%d] differs", name, i)
				}
			}
		}
	}
	// Loading copies in place: the parameters are still the same values.
	if NamedParams(dst)[0].Value.Data().Float32s()[1] == 0 {
		t.Error("parameters were not loaded in place")
	}
}

// TestLoadReportsEveryMismatch loads a file into a model with a different
// head: the error lists the mismatched shapes, and the model is unchanged.
func TestLoadReportsEveryMismatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := Save(path, fileTestModel(1, 3), nil); err != nil {
		t.Fatal(err)
	}
	dst := fileTestModel(2, 5)
	before := NamedParams(dst)[0].Value.Data().Clone()
	_, err := Load(path, dst)
	var ce *safetensors.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *safetensors.CheckError", err)
	}
	if len(ce.Mismatched) != 2 { // 4.weight and 4.bias
		t.Errorf("mismatches %+v, want 4.weight and 4.bias", ce.Mismatched)
	}
	for _, want := range []string{"4.weight", "4.bias", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if tensor.MaxAbsDiff(before, NamedParams(dst)[0].Value.Data()) != 0 {
		t.Error("a failed load changed the model")
	}
	// Missing and unexpected names, both reported.
	sd := StateDict(fileTestModel(1, 3))
	delete(sd, "0.weight")
	sd["extra"] = tensor.Zeros(tensor.Float32, 1)
	err = LoadStateDict(fileTestModel(1, 3), sd)
	if !errors.As(err, &ce) || len(ce.Missing) != 1 || len(ce.Unexpected) != 1 {
		t.Fatalf("got %v, want one missing and one unexpected tensor", err)
	}
}

// TestLoadCorruptFile: a truncated file is an error naming the file.
func TestLoadCorruptFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := Save(path, fileTestModel(1, 3), nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.safetensors")
	if err := os.WriteFile(cut, b[:len(b)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(cut, fileTestModel(1, 3))
	if err == nil || !strings.Contains(err.Error(), "cut.safetensors") {
		t.Fatalf("got %v, want an error naming cut.safetensors", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.safetensors"), fileTestModel(1, 3)); err == nil {
		t.Fatal("loading a missing file succeeded")
	}
}

// ExampleSave saves a model's weights and loads them into a new model of
// the same shape.
func ExampleSave() {
	dir, _ := os.MkdirTemp("", "model")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	a := NewSequential(Must(NewLinear(tensor.NewRNG(1), tensor.Float32, 3, 2, true)), Tanh{})
	if err := Save(path, a, map[string]string{"task": "demo"}); err != nil {
		fmt.Println(err)
		return
	}
	b := NewSequential(Must(NewLinear(tensor.NewRNG(2), tensor.Float32, 3, 2, true)), Tanh{})
	meta, err := Load(path, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range NamedParams(b) {
		fmt.Println(p.Name, p.Value.Shape())
	}
	fmt.Println(meta["task"], tensor.MaxAbsDiff(StateDict(a)["0.weight"], StateDict(b)["0.weight"]) == 0)
	// Output:
	// 0.weight [2 3]
	// 0.bias [2]
	// demo true
}

// TestLoadPyTorchBatchNorm loads a file laid out as PyTorch's
// safetensors.torch.save_file writes a BatchNorm2d(2) state dict, with
// num_batches_tracked as int64.
func TestLoadPyTorchBatchNorm(t *testing.T) {
	var body []byte
	f32 := func(vs ...float32) {
		for _, v := range vs {
			b := math.Float32bits(v)
			body = append(body, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
		}
	}
	f32(1.5, 2)   // weight
	f32(0.25, -1) // bias
	f32(0.1, 0.2) // running_mean
	f32(0.9, 1.1) // running_var
	body = append(body, 42, 0, 0, 0, 0, 0, 0, 0)
	header := `{"bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},` +
		`"num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[32,40]},` +
		`"running_mean":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},` +
		`"running_var":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},` +
		`"weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	n := len(header)
	file := append([]byte{byte(n), byte(n >> 8), 0, 0, 0, 0, 0, 0}, header...)
	file = append(file, body...)
	path := filepath.Join(t.TempDir(), "bn.safetensors")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	bn := Must(NewBatchNorm2d(tensor.Float32, 2))
	if _, err := Load(path, bn); err != nil {
		t.Fatal(err)
	}
	sd := StateDict(bn)
	if sd["num_batches_tracked"].Item() != 42 || sd["weight"].Float32s()[0] != 1.5 || sd["running_var"].Float32s()[1] != 1.1 {
		t.Errorf("loaded %v", sd)
	}
}
