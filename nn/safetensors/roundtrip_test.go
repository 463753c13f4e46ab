package safetensors

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/acaode/aca/tensor"
)

// Every way in and out gives back the same bits, names and metadata.
func TestRoundTrip(t *testing.T) {
	metas := map[string]map[string]string{
		"nil":   nil,
		"empty": {},
		"some":  {"format": "pt", "epoch": "12", "note": "quote \" backslash \\ tab \t ✓", "": ""},
	}
	for mname, md := range metas {
		ts := sample()
		t.Run(mname+"/bytes", func(t *testing.T) {
			got, gmd, err := Unmarshal(mustMarshal(t, ts, md))
			check(t, ts, md, got, gmd, err)
		})
		t.Run(mname+"/stream", func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, ts, md); err != nil {
				t.Fatal(err)
			}
			// One byte at a time, so that every short read is exercised.
			got, gmd, err := Decode(iotest.OneByteReader(&buf))
			check(t, ts, md, got, gmd, err)
		})
		t.Run(mname+"/file", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err := Write(path, ts, md); err != nil {
				t.Fatal(err)
			}
			got, gmd, err := Read(path)
			check(t, ts, md, got, gmd, err)
		})
	}
}

func check(t *testing.T, ts map[string]*tensor.Tensor, md map[string]string, got map[string]*tensor.Tensor, gmd map[string]string, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := sameTensors(ts, got); err != nil {
		t.Error(err)
	}
	if err := sameMetadata(md, gmd); err != nil {
		t.Error(err)
	}
}

// No tensors at all is a valid file too.
func TestRoundTripEmpty(t *testing.T) {
	b := mustMarshal(t, nil, nil)
	if want := file("{}      "); !bytes.Equal(b, want) {
		t.Fatalf("Marshal(nil) = %q, want %q", b, want)
	}
	got, md, err := Unmarshal(b)
	if err != nil || len(got) != 0 || md != nil {
		t.Fatalf("Unmarshal = %v, %v, %v", got, md, err)
	}
}

// A large tensor crosses the decoder's and encoder's chunk boundaries.
func TestRoundTripLarge(t *testing.T) {
	n := chunkSize/4 + 3
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i) * 1.5
	}
	w := make([]float64, chunkSize/8+5)
	for i := range w {
		w[i] = -float64(i)
	}
	ts := map[string]*tensor.Tensor{"a": tensor.FromFloat32(v, n), "b": tensor.FromFloat64(w, len(w))}
	b := mustMarshal(t, ts, nil)
	got, _, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameTensors(ts, got); err != nil {
		t.Fatal(err)
	}
	got, _, err = Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sameTensors(ts, got); err != nil {
		t.Fatal(err)
	}
}

// The same tensors give the same bytes, whatever order the map was built
// in and whichever way they are written.
func TestDeterministic(t *testing.T) {
	md := map[string]string{"b": "2", "a": "1", "c": "3"}
	first := mustMarshal(t, sample(), md)
	for i := 0; i < 5; i++ {
		// A map filled in another order (Go randomises iteration anyway).
		s := sample()
		re := make(map[string]*tensor.Tensor)
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		for j := len(keys) - 1; j >= 0; j-- {
			re[keys[j]] = s[keys[j]]
		}
		if b := mustMarshal(t, re, md); !bytes.Equal(b, first) {
			t.Fatal("Marshal gave different bytes for the same tensors")
		}
	}
	var buf bytes.Buffer
	if err := Encode(&buf, sample(), md); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), first) {
		t.Fatal("Encode and Marshal differ")
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Write(path, sample(), md); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, first) {
		t.Fatalf("Write and Marshal differ (%v)", err)
	}
	// The data starts 8-byte aligned, as the reference writer does it.
	if n := binary.LittleEndian.Uint64(first); (8+n)%8 != 0 {
		t.Errorf("header length %d leaves the data unaligned", n)
	}
}

// What we write is exactly what the format describes, byte for byte:
// the header JSON below is written out by hand, not by our encoder.
func TestEncodeExactBytes(t *testing.T) {
	ts := map[string]*tensor.Tensor{
		"w": tensor.FromFloat32([]float32{1, -2}, 2),
		"b": tensor.FromFloat64([]float64{0.5}),
	}
	md := map[string]string{"format": "pt"}
	hdr := `{"__metadata__":{"format":"pt"},` +
		`"b":{"dtype":"F64","shape":[],"data_offsets":[0,8]},` +
		`"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	data := []byte{
		0, 0, 0, 0, 0, 0, 0xe0, 0x3f, // 0.5 = 0x3FE0000000000000
		0, 0, 0x80, 0x3f, // 1 = 0x3F800000
		0, 0, 0, 0xc0, // -2 = 0xC0000000
	}
	want := file(hdr, data...)
	if got := mustMarshal(t, ts, md); !bytes.Equal(got, want) {
		t.Fatalf("Marshal:\n got %q\nwant %q", got, want)
	}
}

// A file assembled by hand from the specification decodes to the values it
// holds: tensors listed out of data order, a scalar, an empty tensor, and
// metadata in the middle of the header, with whitespace between tokens.
func TestDecodeHandBuilt(t *testing.T) {
	hdr := `{"b": {"dtype": "F64", "shape": [], "data_offsets": [8, 16]},
	  "__metadata__": {"format": "pt", "x": "y"},
	  "e": {"data_offsets": [16, 16], "shape": [2, 0], "dtype": "F32"},
	  "a": {"dtype": "F32", "shape": [2, 1], "data_offsets": [0, 8]}}`
	data := []byte{
		0x00, 0x00, 0xc0, 0x3f, // a[0] = 1.5 (0x3FC00000)
		0x00, 0x00, 0x00, 0xc0, // a[1] = -2  (0xC0000000)
		0, 0, 0, 0, 0, 0, 0xd0, 0x3f, // b = 0.25 (0x3FD0000000000000)
	}
	got, md, err := Unmarshal(file(hdr, data...))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*tensor.Tensor{
		"a": tensor.FromFloat32([]float32{1.5, -2}, 2, 1),
		"b": tensor.FromFloat64([]float64{0.25}),
		"e": tensor.FromFloat32(nil, 2, 0),
	}
	if err := sameTensors(want, got); err != nil {
		t.Fatal(err)
	}
	if err := sameMetadata(map[string]string{"format": "pt", "x": "y"}, md); err != nil {
		t.Fatal(err)
	}
}

// Readers accept a header padded with spaces (and other JSON whitespace)
// to any length, and fields they do not know.
func TestPaddingAccepted(t *testing.T) {
	base := `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":{"k":[1,{"z":null}]}}}`
	for _, pad := range []string{"", " ", "  ", "   ", "    ", "     ", "      ", "       ", "        ", strings.Repeat(" ", 100), " \n\t\r "} {
		b := file(base+pad, f32le(3.5)...)
		for _, dec := range decoders {
			got, _, err := dec.fn(t, b)
			if err != nil {
				t.Fatalf("%s, %d bytes of padding: %v", dec.name, len(pad), err)
			}
			if v := got["a"].Float32s()[0]; v != 3.5 {
				t.Fatalf("%s: a = %v, want 3.5", dec.name, v)
			}
		}
	}
}

// decoders are the three ways in, each given the same bytes.
var decoders = []struct {
	name string
	fn   func(t *testing.T, b []byte) (map[string]*tensor.Tensor, map[string]string, error)
}{
	{"Unmarshal", func(t *testing.T, b []byte) (map[string]*tensor.Tensor, map[string]string, error) {
		return Unmarshal(b)
	}},
	{"Decode", func(t *testing.T, b []byte) (map[string]*tensor.Tensor, map[string]string, error) {
		return Decode(iotest.HalfReader(bytes.NewReader(b)))
	}},
	{"Read", func(t *testing.T, b []byte) (map[string]*tensor.Tensor, map[string]string, error) {
		path := filepath.Join(t.TempDir(), "in.safetensors")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return Read(path)
	}},
}

// Decoded tensors own their storage: changing one does not change another
// or the input.
func TestDecodedTensorsIndependent(t *testing.T) {
	b := mustMarshal(t, map[string]*tensor.Tensor{
		"x": tensor.FromFloat32([]float32{1, 2}, 2),
		"y": tensor.FromFloat32([]float32{3, 4}, 2),
	}, nil)
	orig := bytes.Clone(b)
	got, _, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	got["x"].Float32s()[1] = 99
	if got["y"].Float32s()[0] != 3 || !bytes.Equal(b, orig) {
		t.Fatal("decoded tensors share storage")
	}
}

func TestEncodeErrors(t *testing.T) {
	ok := tensor.FromFloat32([]float32{1}, 1)
	cases := []struct {
		name string
		ts   map[string]*tensor.Tensor
		md   map[string]string
		want string
	}{
		{"nil tensor", map[string]*tensor.Tensor{"a": ok, "b": nil}, nil, `tensor "b" is nil`},
		{"invalid tensor", map[string]*tensor.Tensor{"z": {}}, nil, `tensor "z" has invalid dtype`},
		{"reserved name", map[string]*tensor.Tensor{"__metadata__": ok}, nil, "reserved for metadata"},
		{"bad UTF-8 name", map[string]*tensor.Tensor{"a\xff": ok}, nil, "not valid UTF-8"},
		{"bad UTF-8 metadata key", map[string]*tensor.Tensor{"a": ok}, map[string]string{"k\xfe": "v"}, "valid UTF-8"},
		{"bad UTF-8 metadata value", map[string]*tensor.Tensor{"a": ok}, map[string]string{"k": "\xc3"}, "valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, c.ts, c.md)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Encode error %v, want one containing %q", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Encode wrote %d bytes before failing", buf.Len())
			}
			if _, err := Marshal(c.ts, c.md); err == nil {
				t.Error("Marshal accepted it")
			}
		})
	}
}

// A writer's error is returned.
func TestEncodeWriterError(t *testing.T) {
	ts := map[string]*tensor.Tensor{"a": tensor.FromFloat64(make([]float64, 10), 10)}
	for n := 0; n < 3; n++ {
		w := &failWriter{after: n}
		if err := Encode(w, ts, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("fail at write %d: error %v", n, err)
		}
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, errDiskFull
	}
	w.after--
	return len(p), nil
}
