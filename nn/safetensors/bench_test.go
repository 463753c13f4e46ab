package safetensors

import (
	"bytes"
	"testing"

	"github.com/acaode/aca/tensor"
)

// benchTensors is about 8 MB: a few layers of a small model.
func benchTensors() map[string]*tensor.Tensor {
	return map[string]*tensor.Tensor{
		"conv.weight": tensor.New(tensor.Float32, 256, 256, 3, 3),
		"fc.weight":   tensor.New(tensor.Float32, 1000, 1000),
		"fc.bias":     tensor.New(tensor.Float64, 1000),
	}
}

func BenchmarkMarshal(b *testing.B) {
	ts := benchTensors()
	n := len(mustMarshal(b, ts, nil))
	b.SetBytes(int64(n))
	for b.Loop() {
		if _, err := Marshal(ts, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	data := mustMarshal(b, benchTensors(), nil)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeStream(b *testing.B) {
	data := mustMarshal(b, benchTensors(), nil)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
