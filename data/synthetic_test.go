package data

import (
	"math"
	"slices"
	"sort"
	"testing"
)

func TestSynthetic2ClassDeterministicBalanced(t *testing.T) {
	a, err := Synthetic2Class(501, 12, 42)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Images.Shape(), []int{501, 1, 12, 12}) || a.Classes != 2 {
		t.Fatalf("shape %v classes %d", a.Images.Shape(), a.Classes)
	}
	if c := a.ClassCounts(); c[0] != 251 || c[1] != 250 {
		t.Errorf("class counts %v", c)
	}
	if c := a.Slice(0, 100).ClassCounts(); c[0] != 50 {
		t.Errorf("a prefix is unbalanced: %v", c)
	}
	b, _ := Synthetic2Class(501, 12, 42)
	pa, pb := a.Images.Float32s(), b.Images.Float32s()
	for i := range pa {
		if math.Float32bits(pa[i]) != math.Float32bits(pb[i]) {
			t.Fatalf("same seed, pixel %d differs", i)
		}
	}
	if !slices.Equal(a.Labels, b.Labels) || a.Name != b.Name {
		t.Error("same seed, different labels or name")
	}
	c, _ := Synthetic2Class(501, 12, 43)
	if slices.Equal(pa, c.Images.Float32s()) {
		t.Error("different seeds, same images")
	}
	for _, v := range pa {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("pixel %v outside [0, 1]", v)
		}
	}
	for _, bad := range [][2]int{{-1, 8}, {10, 3}, {10, 2000}} {
		if _, err := Synthetic2Class(bad[0], bad[1], 1); err == nil {
			t.Errorf("Synthetic2Class(%d, %d) accepted", bad[0], bad[1])
		}
	}
	if e, err := Synthetic2Class(0, 8, 1); err != nil || e.Len() != 0 {
		t.Errorf("empty set: %v", err)
	}
}

// TestSynthetic2ClassNotByMean: the best threshold on the mean intensity is
// close to a coin flip.
func TestSynthetic2ClassNotByMean(t *testing.T) {
	ds, _ := Synthetic2Class(2000, 12, 1)
	type item struct {
		mean  float64
		label int
	}
	items := make([]item, ds.Len())
	px := ds.Images.Float32s()
	for i := range items {
		var s float64
		for _, v := range px[i*144 : (i+1)*144] {
			s += float64(v)
		}
		items[i] = item{s / 144, ds.Labels[i]}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].mean < items[j].mean })
	// Sweep a threshold: predict class 1 above it (or below it).
	ones := 0
	for _, it := range items {
		ones += it.label
	}
	best, below1 := 0.0, 0
	for k := 0; k <= len(items); k++ {
		if k > 0 {
			below1 += items[k-1].label
		}
		// below the cut: class 0; above: class 1.
		acc := float64((k-below1)+(ones-below1)) / float64(len(items))
		best = max(best, acc, 1-acc)
	}
	t.Logf("best mean-threshold accuracy %.3f", best)
	if best > 0.6 {
		t.Errorf("a mean threshold reaches %.3f accuracy", best)
	}
}

// TestSynthetic2ClassSeparable: what one conv layer could learn, a
// horizontal and a vertical 3×3 line detector with ReLU and global average
// pooling, separates the classes.
func TestSynthetic2ClassSeparable(t *testing.T) {
	for _, size := range []int{8, 12} {
		ds, _ := Synthetic2Class(1000, size, 9)
		px := ds.Images.Float32s()
		correct := 0
		for i := range ds.Len() {
			img := px[i*size*size : (i+1)*size*size]
			at := func(r, c int) float64 {
				if r < 0 || r >= size || c < 0 || c >= size {
					return 0
				}
				return float64(img[r*size+c])
			}
			var hResp, vResp float64
			for r := range size {
				for c := range size {
					var h, v float64
					for d := -1; d <= 1; d++ {
						h += 2*at(r, c+d) - at(r-1, c+d) - at(r+1, c+d)
						v += 2*at(r+d, c) - at(r+d, c-1) - at(r+d, c+1)
					}
					hResp += max(0, h)
					vResp += max(0, v)
				}
			}
			pred := 0
			if vResp > hResp {
				pred = 1
			}
			if pred == ds.Labels[i] {
				correct++
			}
		}
		acc := float64(correct) / float64(ds.Len())
		t.Logf("size %d: line-detector accuracy %.3f", size, acc)
		if acc < 0.99 {
			t.Errorf("size %d: line detectors reach only %.3f", size, acc)
		}
	}
}
