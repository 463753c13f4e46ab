package data

import (
	"fmt"

	"github.com/acaode/aca/tensor"
)

// Parameters of Synthetic2Class images (see there).
const (
	SyntheticBackground = 0.2  // mean background intensity
	SyntheticBar        = 0.8  // mean intensity of a bar pixel
	SyntheticNoise      = 0.1  // standard deviation of the Gaussian noise on every pixel
	syntheticMaxSize    = 1024 // a sanity bound on the side
)

// Synthetic2Class returns n deterministic grayscale images [n, 1, size,
// size] in two classes, for tests that must show a small conv net learning:
// class 0 shows a horizontal bar, class 1 a vertical one.
//
// Each image has a background of SyntheticBackground and one bar of
// size/2+1 pixels at SyntheticBar, one pixel thick, at a random position
// (never on the border row or column across the bar), plus independent
// Gaussian noise of standard deviation SyntheticNoise on every pixel, the
// result clamped to [0, 1]. Both classes have the same number of bar pixels,
// so an image's mean intensity says nothing about its class; its orientation
// does, and a 3×3 line detector, a ReLU and a global average separate the
// classes almost perfectly.
//
// Labels alternate 0, 1, 0, 1, ..., so every prefix (and Slice) is balanced
// to within one. The same (n, size, seed) gives the same bits; a different
// seed gives an independent set, handy for held-out data. size must be
// 4..1024.
func Synthetic2Class(n, size int, seed uint64) (*Dataset, error) {
	if n < 0 {
		return nil, fmt.Errorf("data: Synthetic2Class: n = %d, want ≥ 0", n)
	}
	if size < 4 || size > syntheticMaxSize {
		return nil, fmt.Errorf("data: Synthetic2Class: size %d, want 4..%d", size, syntheticMaxSize)
	}
	rng := tensor.NewRNG(seed)
	length := size/2 + 1
	per := size * size
	pix := make([]float32, n*per)
	labels := make([]int, n)
	for i := range n {
		label := i % 2
		labels[i] = label
		img := pix[i*per : (i+1)*per]
		across := 1 + rng.IntN(size-2)       // the bar's row (class 0) or column (class 1)
		along := rng.IntN(size - length + 1) // where it starts along its length
		for j := range img {
			img[j] = SyntheticBackground
		}
		for k := range length {
			if label == 0 {
				img[across*size+along+k] = SyntheticBar
			} else {
				img[(along+k)*size+across] = SyntheticBar
			}
		}
		for j, v := range img {
			img[j] = float32(min(1, max(0, float64(v)+SyntheticNoise*rng.NormFloat64())))
		}
	}
	return &Dataset{
		Name:    fmt.Sprintf("synthetic-bars-%dx%d-seed%d", size, size, seed),
		Images:  tensor.FromFloat32(pix, n, 1, size, size),
		Labels:  labels,
		Classes: 2,
	}, nil
}
