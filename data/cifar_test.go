package data

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/tensor"
)

func TestDecodeCIFAR10Layout(t *testing.T) {
	in := cifarRecords(3, func(i int) []byte { return []byte{byte(9 - i)} })
	for name, b := range map[string][]byte{"raw": in, "gzip": gzipped(t, in)} {
		x, y, err := DecodeCIFAR10(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(x.Shape(), []int{3, 3, 32, 32}) || !slices.Equal(y, []int{9, 8, 7}) {
			t.Fatalf("%s: shape %v labels %v", name, x.Shape(), y)
		}
		// Record i: byte 1 + c*1024 + row*32 + col is channel c (R, G, B), pixel (row, col).
		for _, p := range []struct{ i, c, row, col int }{{0, 0, 0, 0}, {1, 0, 0, 31}, {2, 1, 3, 5}, {2, 2, 31, 31}} {
			b := byte(p.i*7 + p.c*1024 + p.row*32 + p.col)
			if got, want := x.At(p.i, p.c, p.row, p.col), float64(float32(b)/255); got != want {
				t.Errorf("%s: image %d channel %d (%d,%d) = %v, want %v", name, p.i, p.c, p.row, p.col, got, want)
			}
		}
		var out bytes.Buffer
		if err := EncodeCIFAR10(&out, x, y); err != nil || !bytes.Equal(out.Bytes(), in) {
			t.Errorf("%s: re-encoding differs (%v)", name, err)
		}
	}
}

func TestDecodeCIFAR100(t *testing.T) {
	in := cifarRecords(4, func(i int) []byte { return []byte{byte(19 - i), byte(99 - 3*i)} })
	x, coarse, fine, err := DecodeCIFAR100(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if x.Dim(0) != 4 || !slices.Equal(coarse, []int{19, 18, 17, 16}) || !slices.Equal(fine, []int{99, 96, 93, 90}) {
		t.Fatalf("n %d coarse %v fine %v", x.Dim(0), coarse, fine)
	}
	if got, want := x.At(3, 0, 0, 0), float64(float32(byte(21))/255); got != want {
		t.Errorf("first pixel of record 3 = %v, want %v", got, want)
	}
	var out bytes.Buffer
	if err := EncodeCIFAR100(&out, x, coarse, fine); err != nil || !bytes.Equal(out.Bytes(), in) {
		t.Errorf("re-encoding differs (%v)", err)
	}
}

func TestEncodeCIFARChecks(t *testing.T) {
	good := tensor.New(tensor.Float32, 1, 3, 32, 32)
	for name, err := range map[string]error{
		"shape":          EncodeCIFAR10(&bytes.Buffer{}, tensor.New(tensor.Float32, 1, 1, 32, 32), []int{0}),
		"count":          EncodeCIFAR10(&bytes.Buffer{}, good, []int{0, 1}),
		"label":          EncodeCIFAR10(&bytes.Buffer{}, good, []int{10}),
		"coarse":         EncodeCIFAR100(&bytes.Buffer{}, good, []int{20}, []int{0}),
		"fine":           EncodeCIFAR100(&bytes.Buffer{}, good, []int{0}, []int{-1}),
		"fine too short": EncodeCIFAR100(&bytes.Buffer{}, good, []int{0}, nil),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Values are rounded and clamped; float64 works too.
	x := tensor.New(tensor.Float64, 1, 3, 32, 32)
	v := x.Float64s()
	v[0], v[1], v[2], v[3] = -0.5, 2, math.NaN(), 0.5
	var out bytes.Buffer
	if err := EncodeCIFAR10(&out, x, []int{3}); err != nil {
		t.Fatal(err)
	}
	if got := out.Bytes()[:5]; !bytes.Equal(got, []byte{3, 0, 255, 0, 128}) {
		t.Errorf("bytes %v", got)
	}
}

func TestCIFARErrors(t *testing.T) {
	rec10 := func(labels ...byte) []byte {
		return cifarRecords(len(labels), func(i int) []byte { return []byte{labels[i]} })
	}
	rec100 := func(pairs ...[2]byte) []byte {
		return cifarRecords(len(pairs), func(i int) []byte { return pairs[i][:] })
	}
	c10 := func(b []byte) error { _, _, err := DecodeCIFAR10(bytes.NewReader(b)); return err }
	c100 := func(b []byte) error { _, _, _, err := DecodeCIFAR100(bytes.NewReader(b)); return err }
	gzTrunc := gzipped(t, rec10(1, 2))
	gzTrunc = gzTrunc[:len(gzTrunc)/2]
	cases := []struct {
		name   string
		decode func([]byte) error
		in     []byte
		kind   error
		msg    string
	}{
		{"empty", c10, nil, ErrTruncated, "truncated: empty, want a whole number of 3073-byte records"},
		{"partial record", c10, rec10(1, 2, 3)[:2*3073+100], ErrTruncated, "6246 bytes are 2 whole 3073-byte records and 100 bytes of record 2"},
		{"partial 100", c100, rec100([2]byte{1, 2})[:3000], ErrTruncated, "0 whole 3074-byte records and 3000 bytes of record 0"},
		{"label 10", c10, rec10(0, 9, 10), ErrLabelRange, "label 10 at index 2 is out of range 0..9"},
		{"coarse 20", c100, rec100([2]byte{0, 0}, [2]byte{20, 5}), ErrLabelRange, "coarse label 20 at index 1 is out of range 0..19"},
		{"fine 100", c100, rec100([2]byte{19, 100}), ErrLabelRange, "fine label 100 at index 0 is out of range 0..99"},
		{"CIFAR-100 read as CIFAR-10", c10, rec100([2]byte{5, 50}), ErrTruncated, "1 whole 3073-byte records and 1 bytes"},
		{"truncated gzip", c10, gzTrunc, ErrTruncated, "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.decode(c.in)
			if !errors.Is(err, c.kind) {
				t.Fatalf("error %v, want %v", err, c.kind)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func TestLoadCIFAR10(t *testing.T) {
	dir := t.TempDir()
	sub := "cifar-10-batches-bin/"
	for k := 1; k <= 5; k++ {
		b := cifarRecords(k, func(i int) []byte { return []byte{byte(k)} })
		name := fmt.Sprintf("%sdata_batch_%d.bin", sub, k)
		if k == 3 {
			b, name = gzipped(t, b), name+".gz"
		}
		writeFile(t, dir, name, b)
	}
	writeFile(t, dir, sub+"test_batch.bin", cifarRecords(2, func(i int) []byte { return []byte{byte(i)} }))

	train, err := LoadCIFAR10(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	// Batches 1..5 hold 1..5 records labelled k: 15 in file order.
	want := []int{1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5}
	if !slices.Equal(train.Labels, want) || !slices.Equal(train.Images.Shape(), []int{15, 3, 32, 32}) || train.Classes != 10 {
		t.Fatalf("labels %v shape %v", train.Labels, train.Images.Shape())
	}
	if got, want := train.Images.At(2, 0, 0, 0), float64(float32(7)/255); got != want {
		t.Errorf("record 1 of batch 2 starts with %v, want %v", got, want)
	}
	test, err := LoadCIFAR10(dir+"/"+sub, false) // the inner directory works too
	if err != nil || test.Len() != 2 || test.Name != "cifar-10/test" {
		t.Fatalf("test: %v %v", test, err)
	}

	// A bad label names the file.
	p := writeFile(t, dir, sub+"data_batch_4.bin", cifarRecords(1, func(int) []byte { return []byte{11} }))
	_, err = LoadCIFAR10(dir, true)
	if !errors.Is(err, ErrLabelRange) || !strings.HasPrefix(err.Error(), p+": label 11 at index 0") {
		t.Errorf("error %v", err)
	}
	_, err = LoadCIFAR10(t.TempDir(), true)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "data_batch_1.bin") {
		t.Errorf("missing files: %v", err)
	}
}

func TestLoadCIFAR100(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "train.bin", cifarRecords(3, func(i int) []byte { return []byte{byte(i), byte(50 + i)} }))
	writeFile(t, dir, "cifar-100-binary/test.bin.gz", gzipped(t, cifarRecords(1, func(int) []byte { return []byte{19, 99} })))
	fine, err := LoadCIFAR100(dir, true, true)
	if err != nil || fine.Classes != 100 || !slices.Equal(fine.Labels, []int{50, 51, 52}) {
		t.Fatalf("fine: %+v %v", fine, err)
	}
	coarse, err := LoadCIFAR100(dir, true, false)
	if err != nil || coarse.Classes != 20 || !slices.Equal(coarse.Labels, []int{0, 1, 2}) {
		t.Fatalf("coarse: %+v %v", coarse, err)
	}
	test, err := LoadCIFAR100(dir, false, true)
	if err != nil || test.Len() != 1 || test.Labels[0] != 99 || test.Validate() != nil {
		t.Fatalf("test: %+v %v", test, err)
	}
}
