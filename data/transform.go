package data

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/acaode/aca/tensor"
)

// The transforms below take a batch [N, C, H, W] (float32 or float64) and,
// following package tensor's rule, return a new tensor and leave their input
// alone: a batch from a Loader can be augmented without touching the data
// set, and a test can compare before with after. Bad arguments (a wrong
// rank, a negative pad, a zero std) are errors, not panics.

func shape4(op string, x *tensor.Tensor) (n, c, h, w int, err error) {
	if x == nil {
		return 0, 0, 0, 0, fmt.Errorf("data: %s: nil images", op)
	}
	s := x.Shape()
	if len(s) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("data: %s: images have shape %v, want [N, C, H, W]", op, s)
	}
	return s[0], s[1], s[2], s[3], nil
}

// ChannelStats returns the mean and (population) standard deviation of each
// channel of images [N, C, H, W], accumulated in float64: the numbers
// Normalize wants, computed on a training set.
func ChannelStats(images *tensor.Tensor) (mean, std []float64, err error) {
	n, c, h, w, err := shape4("ChannelStats", images)
	if err != nil {
		return nil, nil, err
	}
	if n*h*w == 0 {
		return nil, nil, fmt.Errorf("data: ChannelStats: no pixels in shape %v", images.Shape())
	}
	mean, std = make([]float64, c), make([]float64, c)
	if images.DType() == tensor.Float32 {
		channelStats(images.Float32s(), n, c, h*w, mean, std)
	} else {
		channelStats(images.Float64s(), n, c, h*w, mean, std)
	}
	return mean, std, nil
}

func channelStats[T float32 | float64](x []T, n, c, hw int, mean, std []float64) {
	cnt := float64(n * hw)
	for ch := range c {
		var s float64
		for i := range n {
			for _, v := range x[(i*c+ch)*hw : (i*c+ch+1)*hw] {
				s += float64(v)
			}
		}
		m := s / cnt
		var ss float64
		for i := range n {
			for _, v := range x[(i*c+ch)*hw : (i*c+ch+1)*hw] {
				d := float64(v) - m
				ss += d * d
			}
		}
		mean[ch], std[ch] = m, math.Sqrt(ss/cnt)
	}
}

// Normalize returns (x - mean[c]) / std[c] for each channel c of images
// [N, C, H, W]. mean and std need one finite value per channel, std > 0.
func Normalize(images *tensor.Tensor, mean, std []float64) (*tensor.Tensor, error) {
	n, c, h, w, err := shape4("Normalize", images)
	if err != nil {
		return nil, err
	}
	if len(mean) != c || len(std) != c {
		return nil, fmt.Errorf("data: Normalize: %d channels but %d means and %d stds", c, len(mean), len(std))
	}
	for i := range c {
		if math.IsNaN(mean[i]) || math.IsInf(mean[i], 0) || !(std[i] > 0) || math.IsInf(std[i], 0) {
			return nil, fmt.Errorf("data: Normalize: channel %d has mean %g and std %g; want finite values, std > 0", i, mean[i], std[i])
		}
	}
	out := tensor.ZerosLike(images)
	if images.DType() == tensor.Float32 {
		normalize(out.Float32s(), images.Float32s(), n, c, h*w, mean, std)
	} else {
		normalize(out.Float64s(), images.Float64s(), n, c, h*w, mean, std)
	}
	return out, nil
}

func normalize[T float32 | float64](dst, x []T, n, c, hw int, mean, std []float64) {
	for i := range n {
		for ch := range c {
			m, s := mean[ch], std[ch]
			o := (i*c + ch) * hw
			for j, v := range x[o : o+hw] {
				dst[o+j] = T((float64(v) - m) / s)
			}
		}
	}
}

// RandomCrop pads each image of images [N, C, H, W] with pad zeros on every
// side and crops an H×W window at a random offset: the image moves by
// (dy, dx), each uniform in -pad..pad, and the pixels it uncovers are 0.
// Per image, in order, it draws dy+pad = rng.IntN(2·pad+1) and then dx+pad
// the same way; all channels of an image move together. Pixel (y, x) of the
// output is pixel (y+dy, x+dx) of the input, or 0 outside it. With pad 0 it
// returns a copy and draws nothing.
func RandomCrop(images *tensor.Tensor, pad int, rng *rand.Rand) (*tensor.Tensor, error) {
	n, c, h, w, err := shape4("RandomCrop", images)
	if err != nil {
		return nil, err
	}
	if pad < 0 {
		return nil, fmt.Errorf("data: RandomCrop: pad %d, want ≥ 0", pad)
	}
	if pad > 0 && rng == nil {
		return nil, fmt.Errorf("data: RandomCrop: nil rng")
	}
	out := tensor.ZerosLike(images)
	for i := range n {
		dy, dx := 0, 0
		if pad > 0 {
			dy = rng.IntN(2*pad+1) - pad
			dx = rng.IntN(2*pad+1) - pad
		}
		if images.DType() == tensor.Float32 {
			shift(out.Float32s(), images.Float32s(), i, c, h, w, dy, dx)
		} else {
			shift(out.Float64s(), images.Float64s(), i, c, h, w, dy, dx)
		}
	}
	return out, nil
}

// shift writes image i of x, moved so that dst(y, x) = src(y+dy, x+dx),
// into the zeroed dst.
func shift[T float32 | float64](dst, src []T, i, c, h, w, dy, dx int) {
	y0, y1 := max(0, -dy), min(h, h-dy)
	x0, x1 := max(0, -dx), min(w, w-dx)
	if y0 >= y1 || x0 >= x1 {
		return
	}
	for ch := range c {
		o := (i*c + ch) * h * w
		for y := y0; y < y1; y++ {
			copy(dst[o+y*w+x0:o+y*w+x1], src[o+(y+dy)*w+x0+dx:o+(y+dy)*w+x1+dx])
		}
	}
}

// RandomHorizontalFlip mirrors each image of images [N, C, H, W] left to
// right with probability p: per image, in order, it draws u = rng.Float64()
// (always, whatever p, so the rng advances by N draws) and flips when u < p.
// Pixel (y, x) of a flipped image is pixel (y, W-1-x) of the input.
func RandomHorizontalFlip(images *tensor.Tensor, p float64, rng *rand.Rand) (*tensor.Tensor, error) {
	n, c, h, w, err := shape4("RandomHorizontalFlip", images)
	if err != nil {
		return nil, err
	}
	if !(p >= 0 && p <= 1) {
		return nil, fmt.Errorf("data: RandomHorizontalFlip: p = %g, want 0 ≤ p ≤ 1", p)
	}
	if rng == nil {
		return nil, fmt.Errorf("data: RandomHorizontalFlip: nil rng")
	}
	out := tensor.ZerosLike(images)
	for i := range n {
		flip := rng.Float64() < p
		if images.DType() == tensor.Float32 {
			mirror(out.Float32s(), images.Float32s(), i, c*h, w, flip)
		} else {
			mirror(out.Float64s(), images.Float64s(), i, c*h, w, flip)
		}
	}
	return out, nil
}

// mirror copies the rows rows of image i, reversed when flip.
func mirror[T float32 | float64](dst, src []T, i, rows, w int, flip bool) {
	o := i * rows * w
	if !flip {
		copy(dst[o:o+rows*w], src[o:o+rows*w])
		return
	}
	for r := range rows {
		s, d := src[o+r*w:o+(r+1)*w], dst[o+r*w:o+(r+1)*w]
		for x := range w {
			d[x] = s[w-1-x]
		}
	}
}
