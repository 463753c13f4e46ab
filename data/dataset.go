package data

import (
	"fmt"

	"github.com/acaode/aca/tensor"
)

// Dataset is a labelled set of images held in memory.
//
// Images is a float32 tensor [N, C, H, W] (float64 works everywhere too);
// the loaders here fill it with pixel values in [0, 1]. Labels[i] is the
// class of image i, in 0..Classes-1. Name says where the set came from
// ("fashion-mnist/train", "synthetic-bars"), for reports.
//
// The images are kept as float32 rather than bytes so that every set (the
// synthetic one is not made of bytes) has one type that goes straight into a
// model; the price is 4 bytes a pixel: 188 MB for Fashion-MNIST's training
// set, 614 MB for CIFAR-10's.
type Dataset struct {
	Name    string
	Images  *tensor.Tensor
	Labels  []int
	Classes int
}

// Len returns the number of examples.
func (d *Dataset) Len() int { return len(d.Labels) }

// ImageShape returns the channels, height and width of one image.
func (d *Dataset) ImageShape() (c, h, w int) {
	s := d.Images.Shape()
	return s[1], s[2], s[3]
}

// Validate checks that the fields agree: a 4-D float tensor, one label per
// image, Classes ≥ 1 and every label in range.
func (d *Dataset) Validate() error {
	if d == nil || d.Images == nil {
		return fmt.Errorf("data: dataset %q has no images", d.name())
	}
	if s := d.Images.Shape(); len(s) != 4 {
		return fmt.Errorf("data: dataset %q: images have shape %v, want [N, C, H, W]", d.name(), s)
	}
	if n := d.Images.Dim(0); n != len(d.Labels) {
		return fmt.Errorf("data: dataset %q: %d images but %d labels", d.name(), n, len(d.Labels))
	}
	if d.Classes < 1 {
		return fmt.Errorf("data: dataset %q: %d classes", d.name(), d.Classes)
	}
	for i, y := range d.Labels {
		if y < 0 || y >= d.Classes {
			return fmt.Errorf("data: dataset %q: label %d at index %d is out of range 0..%d", d.name(), y, i, d.Classes-1)
		}
	}
	return nil
}

func (d *Dataset) name() string {
	if d == nil {
		return ""
	}
	return d.Name
}

// ClassCounts returns how many examples each class has.
func (d *Dataset) ClassCounts() []int {
	c := make([]int, d.Classes)
	for _, y := range d.Labels {
		if y >= 0 && y < d.Classes {
			c[y]++
		}
	}
	return c
}

// Slice returns examples lo..hi-1 as a Dataset that shares d's storage
// (like a Go slice): cheap, for splitting off a validation set. It panics if
// the range is out of bounds, as slicing does.
func (d *Dataset) Slice(lo, hi int) *Dataset {
	if lo < 0 || hi < lo || hi > d.Len() {
		panic(fmt.Sprintf("data: Slice(%d, %d) out of range for %d examples", lo, hi, d.Len()))
	}
	c, h, w := d.ImageShape()
	per := c * h * w
	var x *tensor.Tensor
	switch d.Images.DType() {
	case tensor.Float32:
		x = tensor.FromFloat32(d.Images.Float32s()[lo*per:hi*per:hi*per], hi-lo, c, h, w)
	default:
		x = tensor.FromFloat64(d.Images.Float64s()[lo*per:hi*per:hi*per], hi-lo, c, h, w)
	}
	return &Dataset{Name: d.Name, Images: x, Labels: d.Labels[lo:hi:hi], Classes: d.Classes}
}

// Subset returns a copy of the examples at idx, in that order (repeats
// allowed). It panics on an index out of range, as indexing does.
func (d *Dataset) Subset(idx []int) *Dataset {
	x, y := d.Batch(idx)
	return &Dataset{Name: d.Name, Images: x, Labels: y, Classes: d.Classes}
}

// Batch copies the examples at idx into a new tensor [len(idx), C, H, W] of
// d's dtype and a new label slice. It panics on an index out of range.
func (d *Dataset) Batch(idx []int) (*tensor.Tensor, []int) {
	c, h, w := d.ImageShape()
	per := c * h * w
	n := d.Len()
	labels := make([]int, len(idx))
	for k, i := range idx {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("data: index %d out of range for %d examples", i, n))
		}
		labels[k] = d.Labels[i]
	}
	x := tensor.New(d.Images.DType(), len(idx), c, h, w)
	switch d.Images.DType() {
	case tensor.Float32:
		gather(x.Float32s(), d.Images.Float32s(), idx, per)
	default:
		gather(x.Float64s(), d.Images.Float64s(), idx, per)
	}
	return x, labels
}

func gather[T float32 | float64](dst, src []T, idx []int, per int) {
	for k, i := range idx {
		copy(dst[k*per:(k+1)*per], src[i*per:(i+1)*per])
	}
}
