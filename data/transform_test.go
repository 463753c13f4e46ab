package data

import (
	"math"
	"slices"
	"testing"

	"github.com/acaode/aca/tensor"
)

// distinct returns [n, c, h, w] with pixel value 1 + its flat index, so a
// moved pixel can be found and no pixel is 0 (the crop's fill).
func distinct(dt tensor.DType, n, c, h, w int) *tensor.Tensor {
	v := make([]float64, n*c*h*w)
	for i := range v {
		v[i] = float64(1 + i)
	}
	return tensor.FromValues(dt, v, n, c, h, w)
}

func TestNormalize(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		x := tensor.FromValues(dt, []float64{1, 2, 3, 4, 10, 20, 30, 40}, 2, 2, 1, 2)
		in := x.Values()
		y, err := Normalize(x, []float64{1, 10}, []float64{2, 5})
		if err != nil {
			t.Fatal(err)
		}
		want := []float64{0, 0.5, -1.4, -1.2, 4.5, 9.5, 4, 6}
		for i, v := range y.Values() {
			if math.Abs(v-want[i]) > 1e-6 {
				t.Errorf("%v: element %d = %v, want %v", dt, i, v, want[i])
			}
		}
		if !slices.Equal(x.Values(), in) {
			t.Error("Normalize changed its input")
		}
		if y.DType() != dt || !slices.Equal(y.Shape(), x.Shape()) {
			t.Errorf("dtype %v shape %v", y.DType(), y.Shape())
		}
	}
	x := tensor.New(tensor.Float32, 1, 2, 2, 2)
	for name, args := range map[string][2][]float64{
		"short mean": {{0}, {1, 1}},
		"short std":  {{0, 0}, {1}},
		"zero std":   {{0, 0}, {1, 0}},
		"NaN mean":   {{math.NaN(), 0}, {1, 1}},
		"inf std":    {{0, 0}, {1, math.Inf(1)}},
	} {
		if _, err := Normalize(x, args[0], args[1]); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Normalize(tensor.New(tensor.Float32, 3, 4), []float64{0}, []float64{1}); err == nil {
		t.Error("2-D input accepted")
	}
}

func TestChannelStatsNormalize(t *testing.T) {
	x := tensor.RandU(tensor.NewRNG(3), tensor.Float64, 0, 1, 5, 3, 4, 4)
	x.Float64s()[0] = 7 // make channel 0 different
	mean, std, err := ChannelStats(x)
	if err != nil {
		t.Fatal(err)
	}
	y, err := Normalize(x, mean, std)
	if err != nil {
		t.Fatal(err)
	}
	m2, s2, _ := ChannelStats(y)
	for c := range 3 {
		if math.Abs(m2[c]) > 1e-12 || math.Abs(s2[c]-1) > 1e-12 {
			t.Errorf("channel %d after Normalize: mean %g std %g", c, m2[c], s2[c])
		}
	}
	if _, _, err := ChannelStats(tensor.New(tensor.Float32, 0, 1, 2, 2)); err == nil {
		t.Error("no pixels accepted")
	}
}

func TestRandomCrop(t *testing.T) {
	const n, c, h, w, pad = 40, 2, 5, 4, 2
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		x := distinct(dt, n, c, h, w)
		in := x.Values()
		y, err := RandomCrop(x, pad, tensor.NewRNG(11))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x.Values(), in) {
			t.Fatal("RandomCrop changed its input")
		}
		// Replay the documented draws and check every pixel.
		rng := tensor.NewRNG(11)
		seen := map[[2]int]bool{}
		for i := range n {
			dy, dx := rng.IntN(2*pad+1)-pad, rng.IntN(2*pad+1)-pad
			seen[[2]int{dy, dx}] = true
			for ch := range c {
				for r := range h {
					for col := range w {
						want := 0.0
						if sr, sc := r+dy, col+dx; sr >= 0 && sr < h && sc >= 0 && sc < w {
							want = x.At(i, ch, sr, sc)
						}
						if got := y.At(i, ch, r, col); got != want {
							t.Fatalf("%v image %d shift (%d,%d) pixel (%d,%d,%d) = %v, want %v", dt, i, dy, dx, ch, r, col, got, want)
						}
					}
				}
			}
		}
		if len(seen) < 10 {
			t.Errorf("only %d distinct offsets in %d images", len(seen), n)
		}
		// Same seed, same crops.
		z, _ := RandomCrop(x, pad, tensor.NewRNG(11))
		if !slices.Equal(y.Values(), z.Values()) {
			t.Error("same seed, different crops")
		}
	}
}

func TestRandomCropHandPicked(t *testing.T) {
	// One 3×3 image; find a seed whose first draws give shift (+1, -1):
	// output (y, x) = input (y+1, x-1).
	x := tensor.FromValues(tensor.Float32, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3)
	for seed := uint64(0); ; seed++ {
		r := tensor.NewRNG(seed)
		if r.IntN(3)-1 == 1 && r.IntN(3)-1 == -1 {
			y, err := RandomCrop(x, 1, tensor.NewRNG(seed))
			if err != nil {
				t.Fatal(err)
			}
			if want := []float64{0, 4, 5, 0, 7, 8, 0, 0, 0}; !slices.Equal(y.Values(), want) {
				t.Errorf("got %v, want %v", y.Values(), want)
			}
			break
		}
	}
	// pad 0: a copy, no draws needed.
	y, err := RandomCrop(x, 0, nil)
	if err != nil || !slices.Equal(y.Values(), x.Values()) {
		t.Errorf("pad 0: %v %v", y, err)
	}
	// A pad wider than the image can move it right out.
	if _, err := RandomCrop(x, 5, tensor.NewRNG(1)); err != nil {
		t.Error(err)
	}
	for name, err := range map[string]error{
		"negative pad": func() error { _, err := RandomCrop(x, -1, tensor.NewRNG(1)); return err }(),
		"nil rng":      func() error { _, err := RandomCrop(x, 1, nil); return err }(),
		"3-D": func() error {
			_, err := RandomCrop(tensor.New(tensor.Float32, 1, 3, 3), 1, tensor.NewRNG(1))
			return err
		}(),
		"nil images": func() error { _, err := RandomCrop(nil, 1, tensor.NewRNG(1)); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRandomHorizontalFlip(t *testing.T) {
	const n, c, h, w = 200, 3, 2, 5
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		x := distinct(dt, n, c, h, w)
		in := x.Values()
		y, err := RandomHorizontalFlip(x, 0.5, tensor.NewRNG(5))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x.Values(), in) {
			t.Fatal("RandomHorizontalFlip changed its input")
		}
		rng := tensor.NewRNG(5)
		flips := 0
		for i := range n {
			flip := rng.Float64() < 0.5
			if flip {
				flips++
			}
			for ch := range c {
				for r := range h {
					for col := range w {
						src := col
						if flip {
							src = w - 1 - col
						}
						if got, want := y.At(i, ch, r, col), x.At(i, ch, r, src); got != want {
							t.Fatalf("%v image %d (flip %v) pixel (%d,%d,%d) = %v, want %v", dt, i, flip, ch, r, col, got, want)
						}
					}
				}
			}
		}
		if flips < 70 || flips > 130 {
			t.Errorf("%d of %d flipped at p = 0.5", flips, n)
		}
	}
	x := distinct(tensor.Float32, 3, 1, 1, 3)
	none, _ := RandomHorizontalFlip(x, 0, tensor.NewRNG(1))
	all, _ := RandomHorizontalFlip(x, 1, tensor.NewRNG(1))
	if !slices.Equal(none.Values(), x.Values()) || !slices.Equal(all.Values(), []float64{3, 2, 1, 6, 5, 4, 9, 8, 7}) {
		t.Errorf("p=0 %v, p=1 %v", none.Values(), all.Values())
	}
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		if _, err := RandomHorizontalFlip(x, p, tensor.NewRNG(1)); err == nil {
			t.Errorf("p = %v accepted", p)
		}
	}
	if _, err := RandomHorizontalFlip(x, 0.5, nil); err == nil {
		t.Error("nil rng accepted")
	}
}
