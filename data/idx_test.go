package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestIDXRoundTripAllTypes(t *testing.T) {
	f32 := binary.BigEndian.AppendUint32(nil, math.Float32bits(-1.5))
	f32 = binary.BigEndian.AppendUint32(f32, math.Float32bits(3))
	f64 := binary.BigEndian.AppendUint64(nil, math.Float64bits(2.25))
	cases := []struct {
		typ  IDXType
		dims []int
		data []byte
		want []float64
	}{
		{IDXUint8, []int{2, 2}, []byte{0, 1, 128, 255}, []float64{0, 1, 128, 255}},
		{IDXInt8, []int{3}, []byte{0x7f, 0x80, 0xff}, []float64{127, -128, -1}},
		{IDXInt16, []int{1, 2}, []byte{0x01, 0x00, 0xff, 0xfe}, []float64{256, -2}},
		{IDXInt32, []int{1}, []byte{0xff, 0xff, 0xff, 0xfd}, []float64{-3}},
		{IDXFloat32, []int{2, 1, 1}, f32, []float64{-1.5, 3}},
		{IDXFloat64, []int{1}, f64, []float64{2.25}},
		{IDXUint8, []int{0, 28, 28}, nil, []float64{}},
	}
	for _, c := range cases {
		t.Run(c.typ.String(), func(t *testing.T) {
			in := &IDX{Type: c.typ, Dims: c.dims, Data: c.data}
			var buf bytes.Buffer
			if err := EncodeIDX(&buf, in); err != nil {
				t.Fatal(err)
			}
			raw := buf.Bytes()
			if got := binary.BigEndian.Uint32(raw); got != in.Magic() {
				t.Errorf("magic %#x, want %#x", got, in.Magic())
			}
			for name, b := range map[string][]byte{"raw": raw, "gzip": gzipped(t, raw)} {
				out, err := DecodeIDX(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if out.Type != c.typ || !slices.Equal(out.Dims, c.dims) || !bytes.Equal(out.Data, c.data) {
					t.Errorf("%s: got %v %v %v, want %v %v %v", name, out.Type, out.Dims, out.Data, c.typ, c.dims, c.data)
				}
				if v := out.Values(); !slices.Equal(v, c.want) {
					t.Errorf("%s: Values %v, want %v", name, v, c.want)
				}
				if out.Len()*c.typ.Size() != len(c.data) {
					t.Errorf("%s: Len %d", name, out.Len())
				}
			}
		})
	}
}

func TestEncodeIDXRejectsInconsistent(t *testing.T) {
	for _, x := range []*IDX{
		{Type: 0x0a, Dims: []int{1}, Data: []byte{0}},
		{Type: IDXUint8, Dims: nil},
		{Type: IDXUint8, Dims: []int{2}, Data: []byte{0}},
		{Type: IDXInt16, Dims: []int{1}, Data: []byte{0}},
		{Type: IDXUint8, Dims: []int{-1}},
	} {
		if err := EncodeIDX(&bytes.Buffer{}, x); err == nil {
			t.Errorf("EncodeIDX(%+v) succeeded", x)
		}
	}
}

func TestDecodeIDXImagesAndLabels(t *testing.T) {
	pix := seqBytes(3*2*4, 256)
	pix[5] = 255
	x, err := DecodeIDXImages(bytes.NewReader(idxBytes(IDXImageMagic, []uint32{3, 2, 4}, pix)))
	if err != nil {
		t.Fatal(err)
	}
	if s := x.Shape(); !slices.Equal(s, []int{3, 1, 2, 4}) {
		t.Fatalf("shape %v", s)
	}
	for i, v := range x.Float32s() {
		if want := float32(pix[i]) / 255; v != want {
			t.Fatalf("pixel %d = %v, want %v", i, v, want)
		}
	}
	if v := x.At(0, 0, 1, 1); v != 1 {
		t.Errorf("byte 255 became %v, want 1", v)
	}
	y, err := DecodeIDXLabels(bytes.NewReader(idxBytes(IDXLabelMagic, []uint32{3}, []byte{9, 0, 4})), 10)
	if err != nil || !slices.Equal(y, []int{9, 0, 4}) {
		t.Fatalf("labels %v, %v", y, err)
	}
	if _, err := DecodeIDXLabels(bytes.NewReader(nil), 0); err == nil {
		t.Error("0 classes accepted")
	}
}

func TestIDXErrors(t *testing.T) {
	img := func(n uint32, data []byte) []byte { return idxBytes(IDXImageMagic, []uint32{n, 2, 2}, data) }
	lbl := func(data ...byte) []byte { return idxBytes(IDXLabelMagic, []uint32{uint32(len(data))}, data) }
	badChecksum := gzipped(t, lbl(1, 2, 3))
	badChecksum[len(badChecksum)-8] ^= 0xff // CRC-32 in the gzip trailer
	gzTrunc := gzipped(t, img(3, seqBytes(12, 256)))
	gzTrunc = gzTrunc[:len(gzTrunc)-12]

	type decoder func([]byte) error
	anyIDX := func(b []byte) error { _, err := DecodeIDX(bytes.NewReader(b)); return err }
	images := func(b []byte) error { _, err := DecodeIDXImages(bytes.NewReader(b)); return err }
	labels := func(b []byte) error { _, err := DecodeIDXLabels(bytes.NewReader(b), 10); return err }

	cases := []struct {
		name   string
		decode decoder
		in     []byte
		kind   error
		msg    string
	}{
		{"empty", anyIDX, nil, ErrTruncated, "truncated: 0 bytes, but an IDX file starts with a 4-byte magic number"},
		{"short magic", images, []byte{0, 0, 8}, ErrTruncated, "truncated: 3 bytes"},
		{"magic not zero-prefixed", anyIDX, idxBytes(0x01000801, []uint32{1}, []byte{0}), ErrBadMagic, "magic 0x01000801 is not an IDX file"},
		{"unknown type", anyIDX, idxBytes(0x00000a01, []uint32{1}, []byte{0}), ErrBadMagic, "magic 0x00000a01"},
		{"no dimensions", anyIDX, idxBytes(0x00000800, nil, nil), ErrBadMagic, "magic 0x00000800"},
		{"labels given to images", images, lbl(1), ErrBadMagic, "magic 0x00000801 is not an IDX image file (want 0x00000803)"},
		{"images given to labels", labels, img(1, seqBytes(4, 256)), ErrBadMagic, "magic 0x00000803 is not an IDX label file (want 0x00000801)"},
		{"truncated dims", images, idxBytes(IDXImageMagic, []uint32{1}, []byte{0, 0}), ErrTruncated, "declares 3 dimensions (12 bytes) but only 6 bytes follow"},
		{"truncated images", images, img(3, seqBytes(7, 256)), ErrTruncated, "truncated: header says 3 images of 2×2 (12 bytes) but only 7 bytes follow"},
		{"truncated labels", labels, idxBytes(IDXLabelMagic, []uint32{5}, []byte{1, 2}), ErrTruncated, "header says 5 labels (5 bytes) but only 2 bytes follow"},
		{"truncated gzip", images, gzTrunc, ErrTruncated, "truncated"},
		{"trailing data", images, append(img(1, seqBytes(4, 256)), 7), ErrMalformed, "unexpected data after the 4 bytes of 1 images of 2×2"},
		{"gzip checksum", labels, badChecksum, ErrMalformed, "corrupt gzip stream"},
		{"gzip trailer cut", labels, gzipped(t, lbl(1, 2, 3))[:len(gzipped(t, lbl(1, 2, 3)))-3], ErrTruncated, "ends inside its trailer, or stray bytes follow it"},
		{"a stray byte after gzip", labels, append(gzipped(t, lbl(1, 2, 3)), 0x1f), ErrTruncated, "ends inside its trailer, or stray bytes follow it"},
		{"bad gzip header", anyIDX, []byte{0x1f, 0x8b, 0, 0, 0, 0, 0, 0, 0, 0}, ErrMalformed, "corrupt gzip stream"},
		{"zero-sized images", images, idxBytes(IDXImageMagic, []uint32{2, 0, 28}, nil), ErrMalformed, "images of 0×28 pixels"},
		{"label out of range", labels, lbl(3, 9, 12), ErrLabelRange, "label 12 at index 2 is out of range 0..9"},
		{"header too large", images, idxBytes(IDXImageMagic, []uint32{60000, 65536, 65536}, nil), ErrTooLarge, "header says 60000 images of 65536×65536"},
		{"dimension too large", anyIDX, idxBytes(0x00000802, []uint32{0xffffffff, 0}, nil), ErrTooLarge, "dimension 0 is 4294967295"},
		{"float64 too large", anyIDX, idxBytes(0x00000e01, []uint32{1 << 28}, nil), ErrTooLarge, "more than the limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.decode(c.in)
			if err == nil {
				t.Fatalf("no error, want %v", c.kind)
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %q is not %v", err, c.kind)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %q is a %T, not a *FormatError", err, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

// TestIDXLyingHeaderDoesNotAllocate: a header that claims nearly MaxBytes
// with only a few bytes behind it must not make the reader allocate it.
func TestIDXLyingHeaderDoesNotAllocate(t *testing.T) {
	in := idxBytes(IDXImageMagic, []uint32{1000, 1000, 1000}, seqBytes(100, 256))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := DecodeIDXImages(bytes.NewReader(in))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("error %v, want truncated", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("allocated %d bytes for a 116-byte input", got)
	}
}

// writeIDXPair writes split-images-idx3-ubyte and split-labels-idx1-ubyte
// (n 2×3 images, labels i mod 10) into dir, gzip-compressed when gz.
func writeIDXPair(t *testing.T, dir, split string, n, nLabels int, gz bool) {
	t.Helper()
	imgs := idxBytes(IDXImageMagic, []uint32{uint32(n), 2, 3}, seqBytes(6*n, 251))
	lbls := idxBytes(IDXLabelMagic, []uint32{uint32(nLabels)}, seqBytes(nLabels, 10))
	suffix := ""
	if gz {
		imgs, lbls, suffix = gzipped(t, imgs), gzipped(t, lbls), ".gz"
	}
	writeFile(t, dir, split+"-images-idx3-ubyte"+suffix, imgs)
	writeFile(t, dir, split+"-labels-idx1-ubyte"+suffix, lbls)
}

func TestLoadMNISTFiles(t *testing.T) {
	dir := t.TempDir()
	writeIDXPair(t, dir, "train", 25, 25, false)
	writeIDXPair(t, dir, "t10k", 7, 7, true)
	for _, load := range []func(string, bool) (*Dataset, error){LoadMNIST, LoadFashionMNIST} {
		for _, c := range []struct {
			train bool
			n     int
		}{{true, 25}, {false, 7}} {
			ds, err := load(dir, c.train)
			if err != nil {
				t.Fatal(err)
			}
			if err := ds.Validate(); err != nil {
				t.Fatal(err)
			}
			if ds.Len() != c.n || ds.Classes != 10 || !slices.Equal(ds.Images.Shape(), []int{c.n, 1, 2, 3}) {
				t.Errorf("%s: %d examples, %d classes, shape %v", ds.Name, ds.Len(), ds.Classes, ds.Images.Shape())
			}
			if ds.Labels[c.n-1] != (c.n-1)%10 || ds.Images.At(1, 0, 1, 2) != float64(float32(11)/255) {
				t.Errorf("%s: wrong content", ds.Name)
			}
		}
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	t.Run("count mismatch", func(t *testing.T) {
		dir := t.TempDir()
		writeIDXPair(t, dir, "train", 5, 4, true)
		_, err := LoadMNIST(dir, true)
		if !errors.Is(err, ErrCountMismatch) {
			t.Fatalf("error %v, want a count mismatch", err)
		}
		for _, s := range []string{"train-images-idx3-ubyte.gz: 5 images but ", "train-labels-idx1-ubyte.gz has 4 labels"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
	})
	t.Run("missing", func(t *testing.T) {
		dir := t.TempDir()
		_, err := LoadFashionMNIST(dir, false)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "t10k-images-idx3-ubyte.gz") {
			t.Fatalf("error %v, want not-exist naming the file", err)
		}
	})
	t.Run("names the file", func(t *testing.T) {
		dir := t.TempDir()
		writeIDXPair(t, dir, "train", 2, 2, false)
		p := writeFile(t, dir, "train-labels-idx1-ubyte", idxBytes(IDXLabelMagic, []uint32{2}, []byte{1, 10}))
		_, err := LoadMNIST(dir, true)
		var fe *FormatError
		if !errors.As(err, &fe) || fe.File != p || !errors.Is(err, ErrLabelRange) {
			t.Fatalf("error %v (%#v), want a label error in %s", err, fe, p)
		}
		if want := p + ": label 10 at index 1 is out of range 0..9"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})
	t.Run("ReadIDX", func(t *testing.T) {
		dir := t.TempDir()
		p := writeFile(t, dir, "x.idx", idxBytes(0x00000801, []uint32{4}, []byte{1}))
		_, err := ReadIDX(p)
		if !errors.Is(err, ErrTruncated) || !strings.HasPrefix(err.Error(), p+": truncated") {
			t.Errorf("error %v", err)
		}
		if x, err := ReadIDX(writeFile(t, dir, "y.idx.gz", gzipped(t, idxBytes(0x00000801, []uint32{1}, []byte{1})))); err != nil || x.Len() != 1 {
			t.Errorf("ReadIDX gz: %v", err)
		}
	})
}

func TestDecodeIDXDataset(t *testing.T) {
	img := idxBytes(IDXImageMagic, []uint32{3, 1, 1}, []byte{0, 51, 255})
	ds, err := DecodeIDXDataset("tiny", bytes.NewReader(img), bytes.NewReader(idxBytes(IDXLabelMagic, []uint32{3}, []byte{1, 0, 1})), 2)
	if err != nil || ds.Len() != 3 || ds.Name != "tiny" || ds.Images.At(1, 0, 0, 0) != float64(float32(0.2)) {
		t.Fatalf("%+v, %v", ds, err)
	}
	_, err = DecodeIDXDataset("tiny", bytes.NewReader(img), bytes.NewReader(idxBytes(IDXLabelMagic, []uint32{2}, []byte{1, 0})), 2)
	if !errors.Is(err, ErrCountMismatch) || !strings.Contains(err.Error(), "3 images but 2 labels") {
		t.Errorf("error %v", err)
	}
}
