package data

import (
	"slices"
	"testing"

	"github.com/acaode/aca/tensor"
)

// indexedSet returns n images [n, 2, 2, 3] whose every pixel is the image's
// index, so a batch tells which examples it holds; label = index mod 3.
func indexedSet(n int, dt tensor.DType) *Dataset {
	x := tensor.New(dt, n, 2, 2, 3)
	labels := make([]int, n)
	for i := range n {
		labels[i] = i % 3
		for j := range 12 {
			x.Set(float64(i), i, j/6, (j/3)%2, j%3)
		}
	}
	return &Dataset{Name: "indexed", Images: x, Labels: labels, Classes: 3}
}

// epoch runs one epoch and returns the example indices of each batch,
// checking that images and labels agree.
func epoch(t *testing.T, ld *Loader) [][]int {
	t.Helper()
	var out [][]int
	for x, y := range ld.Epoch() {
		s := x.Shape()
		if len(s) != 4 || s[0] != len(y) || s[1] != 2 || s[2] != 2 || s[3] != 3 {
			t.Fatalf("batch shape %v with %d labels", s, len(y))
		}
		idx := make([]int, len(y))
		v := x.Values()
		for k := range y {
			idx[k] = int(v[k*12])
			if v[k*12+11] != v[k*12] || y[k] != idx[k]%3 {
				t.Fatalf("batch item %d mixes examples or labels", k)
			}
		}
		out = append(out, idx)
	}
	return out
}

func TestLoaderSequential(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		ld, err := NewLoader(indexedSet(10, dt), 4, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}
		if got := epoch(t, ld); !slices.EqualFunc(got, want, slices.Equal) || ld.Len() != 3 {
			t.Errorf("%v: batches %v (Len %d), want %v", dt, got, ld.Len(), want)
		}
		ld.DropLast = true
		if got := epoch(t, ld); len(got) != 2 || ld.Len() != 2 {
			t.Errorf("DropLast: %d batches (Len %d), want 2", len(got), ld.Len())
		}
	}
}

func TestLoaderShuffle(t *testing.T) {
	ds := indexedSet(23, tensor.Float32)
	run := func(seed uint64, epochs int) [][]int {
		ld, err := NewLoader(ds, 5, true, tensor.NewRNG(seed))
		if err != nil {
			t.Fatal(err)
		}
		var all [][]int
		for range epochs {
			b := epoch(t, ld)
			if len(b) != 5 || len(b[4]) != 3 {
				t.Fatalf("batch sizes %v, want 4×5 and 3", b)
			}
			perm := slices.Concat(b...)
			slices.Sort(perm)
			for i, v := range perm {
				if v != i {
					t.Fatalf("an epoch did not visit every example once: %v", b)
				}
			}
			all = append(all, slices.Concat(b...))
		}
		return all
	}
	a, b, c := run(7, 3), run(7, 3), run(8, 3)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Error("same seed, different order")
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Error("different seeds, same order")
	}
	if slices.Equal(a[0], a[1]) {
		t.Error("two epochs in the same order")
	}
	sorted := slices.Clone(a[0])
	slices.Sort(sorted)
	if slices.Equal(a[0], sorted) {
		t.Error("shuffled epoch is in order")
	}

	// EpochIndices consumes the rng exactly as Epoch does.
	ld, _ := NewLoader(ds, 5, true, tensor.NewRNG(7))
	if got := slices.Concat(ld.EpochIndices()...); !slices.Equal(got, a[0]) {
		t.Errorf("EpochIndices %v, Epoch %v", got, a[0])
	}
	if got := slices.Concat(epoch(t, ld)...); !slices.Equal(got, a[1]) {
		t.Errorf("second epoch after EpochIndices %v, want %v", got, a[1])
	}
}

func TestLoaderBreakEarly(t *testing.T) {
	ld, _ := NewLoader(indexedSet(6, tensor.Float32), 2, false, nil)
	n := 0
	for range ld.Epoch() {
		n++
		break
	}
	if n != 1 || len(epoch(t, ld)) != 3 {
		t.Error("breaking out of an epoch broke the next one")
	}
}

func TestNewLoaderErrors(t *testing.T) {
	good := indexedSet(4, tensor.Float32)
	bad := indexedSet(4, tensor.Float32)
	bad.Labels[2] = 3
	for name, f := range map[string]func() (*Loader, error){
		"batch 0":         func() (*Loader, error) { return NewLoader(good, 0, false, nil) },
		"shuffle, no rng": func() (*Loader, error) { return NewLoader(good, 2, true, nil) },
		"nil dataset":     func() (*Loader, error) { return NewLoader(nil, 2, false, nil) },
		"label range":     func() (*Loader, error) { return NewLoader(bad, 2, false, nil) },
		"too few labels": func() (*Loader, error) {
			return NewLoader(&Dataset{Images: good.Images, Labels: good.Labels[:3], Classes: 3}, 2, false, nil)
		},
		"images not 4-D": func() (*Loader, error) {
			return NewLoader(&Dataset{Images: tensor.New(tensor.Float32, 4, 12), Labels: good.Labels, Classes: 3}, 2, false, nil)
		},
		"zero classes": func() (*Loader, error) {
			return NewLoader(&Dataset{Images: good.Images, Labels: []int{}, Classes: 0}, 2, false, nil)
		},
		"no images at all": func() (*Loader, error) { return NewLoader(&Dataset{Labels: good.Labels, Classes: 3}, 2, false, nil) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDatasetSliceSubsetBatch(t *testing.T) {
	ds := indexedSet(10, tensor.Float32)
	s := ds.Slice(3, 7)
	if s.Len() != 4 || s.Images.At(0, 0, 0, 0) != 3 || s.Labels[3] != 0 {
		t.Fatalf("Slice: %v %v", s.Images.Shape(), s.Labels)
	}
	s.Images.Set(42, 0, 0, 0, 0) // shares storage
	if ds.Images.At(3, 0, 0, 0) != 42 {
		t.Error("Slice copied")
	}
	sub := ds.Subset([]int{9, 0, 9})
	if sub.Len() != 3 || sub.Images.At(0, 1, 1, 2) != 9 || !slices.Equal(sub.Labels, []int{0, 0, 0}) {
		t.Fatalf("Subset: %v", sub.Labels)
	}
	sub.Images.Set(-1, 1, 0, 0, 0) // copies
	if ds.Images.At(0, 0, 0, 0) != 0 {
		t.Error("Subset shares storage")
	}
	if c := ds.ClassCounts(); !slices.Equal(c, []int{4, 3, 3}) {
		t.Errorf("ClassCounts %v", c)
	}
	for name, f := range map[string]func(){
		"Slice":  func() { ds.Slice(5, 11) },
		"Subset": func() { ds.Subset([]int{10}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s out of range did not panic", name)
				}
			}()
			f()
		}()
	}
}
