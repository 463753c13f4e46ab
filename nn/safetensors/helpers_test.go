package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/acaode/aca/tensor"
)

// sameBits reports whether a and b have the same dtype, shape and element
// bits (so NaN payloads and the sign of zero count).
func sameBits(a, b *tensor.Tensor) error {
	if a.DType() != b.DType() {
		return fmt.Errorf("dtype %v, want %v", b.DType(), a.DType())
	}
	if !sameShape(a.Shape(), b.Shape()) {
		return fmt.Errorf("shape %v, want %v", b.Shape(), a.Shape())
	}
	if a.DType() == tensor.Float32 {
		x, y := a.Float32s(), b.Float32s()
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return fmt.Errorf("element %d: bits %#08x, want %#08x", i, math.Float32bits(y[i]), math.Float32bits(x[i]))
			}
		}
		return nil
	}
	x, y := a.Float64s(), b.Float64s()
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return fmt.Errorf("element %d: bits %#016x, want %#016x", i, math.Float64bits(y[i]), math.Float64bits(x[i]))
		}
	}
	return nil
}

// sameTensors compares two tensor maps bit for bit.
func sameTensors(want, got map[string]*tensor.Tensor) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d tensors, want %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			return fmt.Errorf("tensor %q missing", name)
		}
		if err := sameBits(w, g); err != nil {
			return fmt.Errorf("tensor %q: %v", name, err)
		}
	}
	return nil
}

func sameMetadata(want, got map[string]string) error {
	if (want == nil) != (got == nil) {
		return fmt.Errorf("metadata %v, want %v (nil-ness differs)", got, want)
	}
	if len(want) != len(got) {
		return fmt.Errorf("metadata %v, want %v", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			return fmt.Errorf("metadata %v, want %v", got, want)
		}
	}
	return nil
}

// file assembles a safetensors file from a header string and data bytes,
// without padding: what the tests use to build inputs by hand.
func file(header string, data ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

// f32le returns the little-endian bytes of float32 values.
func f32le(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// sample returns tensors of both dtypes covering scalars, empty tensors,
// special values and awkward names.
func sample() map[string]*tensor.Tensor {
	f32 := []uint32{
		0x00000000, 0x80000000, // ±0
		0x7f800000, 0xff800000, // ±Inf
		0x7fc00000, 0x7fc00001, 0xffc12345, // quiet NaNs with payloads
		0x7f800001, 0x7fa5a5a5, // signalling NaNs
		0x00000001, 0x007fffff, 0x80000001, // subnormals
		0x00800000, 0x7f7fffff, 0x3f800000, 0xbf9d70a4, // normals
	}
	f64 := []uint64{
		0x0000000000000000, 0x8000000000000000,
		0x7ff0000000000000, 0xfff0000000000000,
		0x7ff8000000000000, 0x7ff8000000000001, 0xfff8dead0000beef,
		0x7ff0000000000001, 0x7ff4000000000000,
		0x0000000000000001, 0x000fffffffffffff, 0x8000000000000001,
		0x0010000000000000, 0x7fefffffffffffff, 0x3ff0000000000000, 0xbfb999999999999a,
	}
	a := make([]float32, len(f32))
	for i, u := range f32 {
		a[i] = math.Float32frombits(u)
	}
	b := make([]float64, len(f64))
	for i, u := range f64 {
		b[i] = math.Float64frombits(u)
	}
	return map[string]*tensor.Tensor{
		"specials.f32":                    tensor.FromFloat32(a, 4, 4),
		"specials.f64":                    tensor.FromFloat64(b, 2, 2, 4),
		"scalar.f32":                      tensor.FromFloat32([]float32{-1.5}),
		"scalar.f64":                      tensor.FromFloat64([]float64{math.Pi}),
		"empty.f32":                       tensor.FromFloat32(nil, 0),
		"empty.f64":                       tensor.FromFloat64([]float64{}, 3, 0, 2),
		"layer1.0.conv.weight":            tensor.FromValues(tensor.Float32, seq(2*3*3*3), 2, 3, 3, 3),
		"quote\"back\\slash\nnewline\x01": tensor.FromFloat64([]float64{1, 2}, 2),
		"ünïcødé 名前":                      tensor.FromFloat32([]float32{7}, 1, 1),
		"":                                tensor.FromFloat64([]float64{42}, 1),
	}
}

func seq(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)*0.25 - 3
	}
	return out
}

func mustMarshal(t testing.TB, ts map[string]*tensor.Tensor, md map[string]string) []byte {
	t.Helper()
	b, err := Marshal(ts, md)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
