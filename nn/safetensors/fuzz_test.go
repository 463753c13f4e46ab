package safetensors

import (
	"bytes"
	"testing"

	"github.com/acaode/aca/tensor"
)

// FuzzDecode feeds arbitrary bytes to the decoders. They must never panic;
// the in-memory and streaming decoders must agree; and whatever they accept
// must survive a re-encoding bit for bit.
func FuzzDecode(f *testing.F) {
	seeds := []struct {
		ts map[string]*tensor.Tensor
		md map[string]string
	}{
		{nil, nil},
		{sample(), nil},
		{sample(), map[string]string{"format": "pt"}},
		{map[string]*tensor.Tensor{"w": tensor.FromFloat32([]float32{1, 2, 3, 4}, 2, 2), "b": tensor.FromFloat64([]float64{0.5})}, map[string]string{}},
		{map[string]*tensor.Tensor{"e": tensor.FromFloat32(nil, 0, 3)}, nil},
	}
	for _, s := range seeds {
		f.Add(mustMarshal(f, s.ts, s.md))
	}
	f.Add(file(`{"b": {"dtype": "F64", "shape": [], "data_offsets": [8, 16]}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}   `,
		0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0xd0, 0x3f))
	f.Add(file(`{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, 0, 0, 0, 0))
	f.Add(file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)...))
	f.Add(file(`{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})

	f.Fuzz(func(t *testing.T, data []byte) {
		ts, md, err := Unmarshal(data)
		ts2, md2, err2 := Decode(bytes.NewReader(data))
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Unmarshal error %v, Decode error %v", err, err2)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			return
		}
		if e := sameTensors(ts, ts2); e != nil {
			t.Fatalf("Unmarshal and Decode differ: %v", e)
		}
		if e := sameMetadata(md, md2); e != nil {
			t.Fatalf("Unmarshal and Decode differ: %v", e)
		}
		again, err := Marshal(ts, md)
		if err != nil {
			t.Fatalf("re-encoding what was decoded: %v", err)
		}
		ts3, md3, err := Unmarshal(again)
		if err != nil {
			t.Fatalf("decoding the re-encoding: %v", err)
		}
		if e := sameTensors(ts, ts3); e != nil {
			t.Fatal(e)
		}
		if e := sameMetadata(md, md3); e != nil {
			t.Fatal(e)
		}
		if again2, _ := Marshal(ts3, md3); !bytes.Equal(again, again2) {
			t.Fatal("re-encoding is not stable")
		}
	})
}
