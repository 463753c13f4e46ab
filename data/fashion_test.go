package data

import (
	"errors"
	"flag"
	"io/fs"
	"slices"
	"testing"
)

var fashionDir = flag.String("fashion-mnist", DefaultFashionMNISTDir,
	"directory holding the Fashion-MNIST files (train-images-idx3-ubyte.gz, ...)")

// TestFashionMNIST reads the real data set when it is installed (Debian:
// apt-get install dataset-fashion-mnist; elsewhere: go test -fashion-mnist=DIR).
func TestFashionMNIST(t *testing.T) {
	for _, c := range []struct {
		train    bool
		n, class int
	}{{true, 60000, 6000}, {false, 10000, 1000}} {
		ds, err := LoadFashionMNIST(*fashionDir, c.train)
		if errors.Is(err, fs.ErrNotExist) {
			t.Skipf("Fashion-MNIST is not installed: %v.\n"+
				"Install it with `sudo apt-get install dataset-fashion-mnist` "+
				"or point the test at a copy with `go test ./data/ -fashion-mnist=DIR`.", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if ds.Len() != c.n || !slices.Equal(ds.Images.Shape(), []int{c.n, 1, 28, 28}) {
			t.Errorf("%s: %d labels, images %v; want %d, [%d 1 28 28]", ds.Name, ds.Len(), ds.Images.Shape(), c.n, c.n)
		}
		if err := ds.Validate(); err != nil {
			t.Error(err)
		}
		for k, cnt := range ds.ClassCounts() {
			if cnt != c.class {
				t.Errorf("%s: class %d (%s) has %d examples, want %d", ds.Name, k, FashionMNISTClasses[k], cnt, c.class)
			}
		}
		lo, hi := float32(1), float32(0)
		for _, v := range ds.Images.Float32s() {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixels span [%v, %v], want [0, 1]", ds.Name, lo, hi)
		}
	}
}
