package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
)

// The fuzz targets feed arbitrary bytes to every decoder. The decoders must
// return an error or a value, never panic, and what they accept must
// round-trip: encoding it again gives the input back (uncompressed input)
// or a file that decodes to the same value (gzip).

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == gzipMagic[0] && b[1] == gzipMagic[1] }

// mustFormatError fails unless err is a *FormatError of a known kind: a bare
// bytes.Reader cannot fail, so any other error is a bug.
func mustFormatError(t *testing.T, err error) {
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FormatError", err, err)
	}
	for _, k := range []error{ErrTruncated, ErrBadMagic, ErrLabelRange, ErrCountMismatch, ErrTooLarge, ErrMalformed} {
		if errors.Is(err, k) {
			return
		}
	}
	t.Fatalf("error %v has no known kind", err)
}

func FuzzDecodeIDX(f *testing.F) {
	be32 := func(v float32) []byte { return binary.BigEndian.AppendUint32(nil, math.Float32bits(v)) }
	seeds := [][]byte{
		idxBytes(IDXImageMagic, []uint32{2, 3, 2}, seqBytes(12, 256)),
		idxBytes(IDXLabelMagic, []uint32{4}, []byte{0, 9, 3, 7}),
		idxBytes(IDXLabelMagic, []uint32{2}, []byte{0, 10}),
		idxBytes(0x00000902, []uint32{2, 2}, []byte{0x80, 0x7f, 0xff, 0}),
		idxBytes(0x00000b01, []uint32{2}, []byte{0x80, 0, 0, 1}),
		idxBytes(0x00000c01, []uint32{1}, []byte{0xff, 0, 0, 1}),
		idxBytes(0x00000d01, []uint32{1}, be32(-2.5)),
		idxBytes(0x00000e01, []uint32{1}, binary.BigEndian.AppendUint64(nil, math.Float64bits(1e300))),
		idxBytes(IDXImageMagic, []uint32{0, 28, 28}, nil),
		idxBytes(IDXImageMagic, []uint32{3, 2, 2}, seqBytes(5, 256)),
		idxBytes(IDXImageMagic, []uint32{1000, 1000, 1000}, nil),
		{},
		{0, 0, 8},
	}
	for _, s := range seeds {
		f.Add(s)
		f.Add(gzipped(f, s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := DecodeIDX(bytes.NewReader(in))
		if err != nil {
			mustFormatError(t, err)
		} else {
			if x.Len()*x.Type.Size() != len(x.Data) {
				t.Fatalf("dims %v of %v but %d bytes", x.Dims, x.Type, len(x.Data))
			}
			var out bytes.Buffer
			if err := EncodeIDX(&out, x); err != nil {
				t.Fatalf("EncodeIDX of a decoded file: %v", err)
			}
			if !isGzip(in) && !bytes.Equal(out.Bytes(), in) {
				t.Fatalf("round trip changed the bytes")
			}
			y, err := DecodeIDX(&out)
			if err != nil || y.Type != x.Type || !slices.Equal(y.Dims, x.Dims) || !bytes.Equal(y.Data, x.Data) {
				t.Fatalf("re-decoding: %v", err)
			}
			if v := x.Values(); len(v) != x.Len() {
				t.Fatalf("Values has %d elements, want %d", len(v), x.Len())
			}
		}

		images, err := DecodeIDXImages(bytes.NewReader(in))
		if err != nil {
			mustFormatError(t, err)
		} else {
			s := images.Shape()
			if x == nil || x.Magic() != IDXImageMagic || s[0] != x.Dims[0] || s[1] != 1 || s[2] != x.Dims[1] || s[3] != x.Dims[2] {
				t.Fatalf("images %v from a file DecodeIDX read as %+v", s, x)
			}
			if !bytes.Equal(pixelBytes(images), x.Data) {
				t.Fatal("pixels do not round-trip to bytes")
			}
		}

		labels, err := DecodeIDXLabels(bytes.NewReader(in), 10)
		if err != nil {
			mustFormatError(t, err)
		} else {
			if x == nil || x.Magic() != IDXLabelMagic || len(labels) != x.Dims[0] {
				t.Fatalf("%d labels from a file DecodeIDX read as %+v", len(labels), x)
			}
			for i, y := range labels {
				if y < 0 || y > 9 || byte(y) != x.Data[i] {
					t.Fatalf("label %d at %d", y, i)
				}
			}
		}
	})
}

func fuzzCIFAR(f *testing.F, labelBytes int, decode func([]byte) ([]byte, error)) {
	for _, n := range []int{1, 2} {
		rec := cifarRecords(n, func(i int) []byte { return make([]byte, labelBytes) })
		f.Add(rec)
		f.Add(gzipped(f, rec))
		f.Add(rec[:len(rec)-1])
	}
	bad := cifarRecords(1, func(int) []byte { return bytes.Repeat([]byte{200}, labelBytes) })
	f.Add(bad)
	f.Add([]byte{})
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := decode(in)
		if err != nil {
			mustFormatError(t, err)
			return
		}
		if !isGzip(in) && !bytes.Equal(out, in) {
			t.Fatal("round trip changed the bytes")
		}
		if _, err := decode(out); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
	})
}

func FuzzDecodeCIFAR10(f *testing.F) {
	fuzzCIFAR(f, 1, func(in []byte) ([]byte, error) {
		x, y, err := DecodeCIFAR10(bytes.NewReader(in))
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		if err := EncodeCIFAR10(&out, x, y); err != nil {
			panic(err) // what was decoded must encode
		}
		return out.Bytes(), nil
	})
}

func FuzzDecodeCIFAR100(f *testing.F) {
	fuzzCIFAR(f, 2, func(in []byte) ([]byte, error) {
		x, coarse, fine, err := DecodeCIFAR100(bytes.NewReader(in))
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		if err := EncodeCIFAR100(&out, x, coarse, fine); err != nil {
			panic(err)
		}
		return out.Bytes(), nil
	})
}
