package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/acaode/aca/tensor"
)

// Each malformed input is rejected by every decoder with an *Error that
// says what is wrong (and, from Read, names the file).
func TestDecodeErrors(t *testing.T) {
	const okA = `"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`
	four := f32le(1)
	hugeLen := binary.LittleEndian.AppendUint64(nil, 1<<62)
	capLen := binary.LittleEndian.AppendUint64(nil, MaxHeaderSize+1)
	longLen := append(binary.LittleEndian.AppendUint64(nil, 100), `{}`...)
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty input", nil, "too short: 0 bytes"},
		{"7 bytes", []byte{2, 0, 0, 0, 0, 0, 0}, "too short: 7 bytes"},
		{"header length beyond input", longLen, "header length 100 is larger than the 2 bytes"},
		{"header length absurd", hugeLen, "exceeds the limit"},
		{"header length just above cap", capLen, "exceeds the limit of 100000000"},
		{"empty header", file(""), "invalid JSON in header: unexpected end"},
		{"invalid JSON", file(`{"a":`), "invalid JSON in header"},
		{"invalid JSON syntax", file(`{"a" 1}`), "invalid JSON in header at byte"},
		{"header not an object", file(`[1, 2]`), "header is not a JSON object"},
		{"header a string", file(`"x"`), "header is not a JSON object"},
		{"two objects", file(`{} {}`), "data after the top-level object"},
		{"garbage after object", file(`{}x`), "invalid JSON in header"},
		{"NUL padding", file("{}\x00\x00"), "invalid JSON in header"},
		{"invalid UTF-8", file("{\"a\xff\":1}"), "not valid UTF-8"},
		{"entry not an object", file(`{"a":5}`), `tensor "a": entry is not a JSON object`},
		{"missing dtype", file(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, four...), `tensor "a": missing field "dtype"`},
		{"missing shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, four...), `tensor "a": missing field "shape"`},
		{"missing offsets", file(`{"a":{"dtype":"F32","shape":[1]}}`, four...), `tensor "a": missing field "data_offsets"`},
		{"dtype not a string", file(`{"a":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}`, four...), `tensor "a": dtype is not a string`},
		{"unknown dtype", file(`{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, four...), `tensor "a": unknown dtype "F33"`},
		{"lower-case dtype", file(`{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, four...), `unknown dtype "f32"`},
		{"BF16", file(`{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, four...), `tensor "w" has dtype BF16; only F32, F64 and I64 can be read: unsupported dtype`},
		{"F16", file(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, four...), `tensor "w" has dtype F16`},
		{"I64 beyond 2^53", file(`{"step":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}`, []byte{1, 0, 0, 0, 0, 0, 0x20, 0}...), `int64 element 0 = 9007199254740993 cannot be held exactly`},
		{"shape not an array", file(`{"a":{"dtype":"F32","shape":1,"data_offsets":[0,4]}}`, four...), `tensor "a": shape is not an array`},
		{"shape holds a string", file(`{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, four...), `shape holds a string, not an integer`},
		{"shape nested", file(`{"a":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}`, four...), `shape holds an array`},
		{"fractional dim", file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, four...), `shape holds 1.5, not an integer`},
		{"exponent dim", file(`{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, four...), `shape holds 1e0, not an integer`},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, four...), `tensor "a": shape holds the negative number -1`},
		{"dim above 2^64", file(`{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}`, four...), `not an integer below 2^64`},
		{"dim above MaxInt", file(`{"a":{"dtype":"F32","shape":[0,18446744073709551615],"data_offsets":[0,0]}}`), `dimension 1 of shape`},
		{"too many elements", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, four...), `has too many elements`},
		{"offsets not an array", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":{}}}`, four...), `data_offsets is not an array`},
		{"one offset", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, four...), `data_offsets has 1 numbers, want 2`},
		{"three offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, four...), `data_offsets has 3 numbers`},
		{"negative offset", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, four...), `data_offsets holds the negative number -4`},
		{"offsets reversed", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, four...), `data_offsets [4, 0] end before they begin`},
		{"size mismatch", file(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f32le(1, 2)...), `tensor "a": shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8`},
		{"size mismatch F64", file(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,4]}}`, four...), `needs 8 bytes`},
		{"scalar size mismatch", file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,0]}}`), `needs 4 bytes`},
		{"does not start at 0", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32le(1, 2)...), `tensor "a": data_offsets [4, 8] leave a gap: the data before it ends at byte 0`},
		{"gap", file(`{`+okA+`,"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32le(1, 2, 3)...), `tensor "b": data_offsets [8, 12] leave a gap`},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32le(1, 2)...), `tensor "b": data_offsets [4, 8] overlap tensor "a" at [0, 8]`},
		{"same range twice", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four...), `overlap tensor "a"`},
		{"empty inside another", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, f32le(1, 2)...), `tensor "e": data_offsets [4, 4] overlap`},
		{"out of range", file(`{`+okA+`,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, f32le(1, 2)...), `data truncated: tensor "b"`},
		{"huge offsets", file(`{"a":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`, four...), `data truncated: tensor "a"`},
		{"no data", file(`{` + okA + `}`), `data truncated: tensor "a"`},
		{"trailing bytes", file(`{`+okA+`}`, f32le(1, 2)...), `trailing bytes after the last tensor`},
		{"trailing byte without tensors", file(`{}`, 0), `trailing bytes after the last tensor`},
		{"duplicate name", file(`{`+okA+`,`+okA+`}`, four...), `duplicate name "a" in header`},
		{"duplicate name, other data", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32le(1, 2)...), `duplicate name "a"`},
		{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`), `duplicate name "__metadata__"`},
		{"duplicate field", file(`{"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}`, four...), `tensor "a": duplicate field "dtype"`},
		{"duplicate shape field", file(`{"a":{"dtype":"F32","shape":[2],"shape":[1],"data_offsets":[0,4]}}`, four...), `duplicate field "shape"`},
		{"metadata not an object", file(`{"__metadata__":[]}`), `__metadata__ is not a JSON object`},
		{"metadata value not a string", file(`{"__metadata__":{"epoch":3}}`), `__metadata__: value of "epoch" is not a string`},
		{"metadata nested", file(`{"__metadata__":{"k":{"x":"y"}}}`), `value of "k" is not a string`},
		{"duplicate metadata key", file(`{"__metadata__":{"k":"1","k":"2"}}`), `duplicate key "k" in __metadata__`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, dec := range decoders {
				ts, md, err := dec.fn(t, c.in)
				if err == nil {
					t.Fatalf("%s accepted it: %v %v", dec.name, ts, md)
				}
				if ts != nil || md != nil {
					t.Errorf("%s returned data with its error", dec.name)
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: error\n  %v\nwant one containing\n  %s", dec.name, err, c.want)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Errorf("%s: error %T is not an *Error", dec.name, err)
				} else if dec.name == "Read" && (e.Path == "" || !strings.Contains(err.Error(), e.Path)) {
					t.Errorf("Read: error %q does not name the file", err)
				}
			}
		})
	}
}

// An unsupported dtype can be told apart from a corrupt file.
func TestUnsupportedDTypeIs(t *testing.T) {
	_, _, err := Unmarshal(file(`{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, 0, 0, 0, 0))
	if !errors.Is(err, ErrUnsupportedDType) {
		t.Fatalf("error %v does not wrap ErrUnsupportedDType", err)
	}
	_, _, err = Unmarshal(file(`{"w":{"dtype":"X","shape":[2],"data_offsets":[0,4]}}`, 0, 0, 0, 0))
	if errors.Is(err, ErrUnsupportedDType) {
		t.Fatalf("unknown dtype reported as unsupported: %v", err)
	}
}

// "__metadata__": null is accepted as no metadata, as the reference does.
func TestNullMetadata(t *testing.T) {
	_, md, err := Unmarshal(file(`{"__metadata__":null}`))
	if err != nil || md != nil {
		t.Fatalf("got %v, %v", md, err)
	}
}

// Errors of the reader other than EOF are reported, not taken for truncation.
func TestDecodeReaderError(t *testing.T) {
	b := mustMarshal(t, sample(), nil)
	for _, n := range []int64{0, 4, 8, 20, int64(len(b)) - 3, int64(len(b))} {
		r := io.MultiReader(io.LimitReader(bytes.NewReader(b), n), iotest.ErrReader(errDiskFull))
		_, _, err := Decode(r)
		if !errors.Is(err, errDiskFull) {
			t.Errorf("reader failing after %d bytes: error %v", n, err)
		}
	}
}

// A stream whose header claims far more data than follows costs memory in
// proportion to what arrives: a header claiming 2^26 floats (256 MB) over
// 16 bytes is rejected as truncated without allocating the claim. (A claim
// of 2^40 once killed the process: an out-of-memory crash, not a panic.)
func TestDecodeLyingStream(t *testing.T) {
	for _, c := range []struct{ dt, end string }{{"F32", "268435456"}, {"F64", "536870912"}} {
		dt := c.dt
		hdr := `{"a":{"dtype":"` + dt + `","shape":[67108864],"data_offsets":[0,` + c.end + `]}}`
		in := file(hdr, make([]byte, 16)...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := Decode(io.MultiReader(bytes.NewReader(in))) // no size known
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s: error %v, want one saying the data are truncated", dt, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
			t.Errorf("%s: decoding allocated %d MB for 16 bytes of data", dt, got>>20)
		}
	}
}

// Every strict prefix of a valid file is rejected.
func TestTruncatedPrefixes(t *testing.T) {
	b := mustMarshal(t, sample(), map[string]string{"k": "v"})
	for n := 0; n < len(b); n++ {
		if _, _, err := Unmarshal(b[:n]); err == nil {
			t.Fatalf("Unmarshal accepted the first %d of %d bytes", n, len(b))
		}
		if _, _, err := Decode(bytes.NewReader(b[:n])); err == nil {
			t.Fatalf("Decode accepted the first %d of %d bytes", n, len(b))
		}
	}
}

func TestReadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.safetensors")
	_, _, err := Read(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v", err)
	}
}

// TestDecodeI64 reads an int64 counter the way PyTorch writes batch norm's
// num_batches_tracked: as an exact Float64.
func TestDecodeI64(t *testing.T) {
	data := []byte{7, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	b := file(`{"n":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}`, data...)
	ts, _, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	n := ts["n"]
	if n.DType() != tensor.Float64 || n.Float64s()[0] != 7 || n.Float64s()[1] != -2 {
		t.Fatalf("got %v %v", n.DType(), n.Values())
	}
}
