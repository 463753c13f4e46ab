package data_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/acaode/aca/data"
	"github.com/acaode/aca/tensor"
)

// A synthetic set, split into training and held-out parts, batched with a
// seeded shuffle and augmented. An epoch visits every training image once,
// in an order the seed fixes; a crop with one pixel of zero padding moves
// each image by at most a pixel, so the pixels' mean changes little.
func Example() {
	ds, err := data.Synthetic2Class(1000, 12, 1)
	if err != nil {
		log.Fatal(err)
	}
	train, test := ds.Slice(0, 800), ds.Slice(800, 1000)
	fmt.Println(ds.Images.Shape(), train.ClassCounts(), test.ClassCounts())
	mean, std, err := data.ChannelStats(train.Images)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pixels: mean %.4f, std %.4f\n", mean[0], std[0])

	rng := tensor.NewRNG(7)
	ld, err := data.NewLoader(train, 256, true, rng)
	if err != nil {
		log.Fatal(err)
	}
	seen := make([]int, ds.Classes)
	sum, count := 0.0, 0
	for x, y := range ld.Epoch() {
		x, err = data.RandomCrop(x, 1, rng)
		if err != nil {
			log.Fatal(err)
		}
		batch := make([]int, ds.Classes)
		for _, c := range y {
			batch[c]++
			seen[c]++
		}
		for _, v := range x.Values() {
			sum += v
		}
		count += x.Len()
		fmt.Println(x.Shape(), batch)
	}
	fmt.Println("labels in the epoch:", seen)
	fmt.Printf("cropped pixels: mean %.4f\n", sum/float64(count))
	// Output:
	// [1000 1 12 12] [400 400] [100 100]
	// pixels: mean 0.2295, std 0.1615
	// [256 1 12 12] [130 126]
	// [256 1 12 12] [126 130]
	// [256 1 12 12] [131 125]
	// [32 1 12 12] [13 19]
	// labels in the epoch: [400 400]
	// cropped pixels: mean 0.2076
}

// Decoding an MNIST-style pair of IDX files from memory; the files on disk
// may be raw or gzip-compressed alike.
func ExampleDecodeIDXDataset() {
	var images, labels bytes.Buffer
	// Two 2×2 images and their labels.
	_ = data.EncodeIDX(&images, &data.IDX{Type: data.IDXUint8, Dims: []int{2, 2, 2}, Data: []byte{0, 255, 51, 102, 255, 0, 0, 0}})
	_ = data.EncodeIDX(&labels, &data.IDX{Type: data.IDXUint8, Dims: []int{2}, Data: []byte{7, 3}})

	ds, err := data.DecodeIDXDataset("tiny", &images, &labels, 10)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ds.Images.Shape(), ds.Labels, ds.Images.Values()[:4])

	// A label out of range is an error that says where.
	labels.Reset()
	_ = data.EncodeIDX(&labels, &data.IDX{Type: data.IDXUint8, Dims: []int{2}, Data: []byte{7, 12}})
	_, err = data.DecodeIDXLabels(&labels, 10)
	fmt.Println(err)
	// Output:
	// [2 1 2 2] [7 3] [0 1 0.20000000298023224 0.4000000059604645]
	// data: label 12 at index 1 is out of range 0..9
}

// Loading Fashion-MNIST from where Debian's dataset-fashion-mnist package
// puts it, and normalising with the training set's statistics.
func ExampleLoadFashionMNIST() {
	train, err := data.LoadFashionMNIST(data.DefaultFashionMNISTDir, true)
	if err != nil {
		log.Fatal(err) // wraps fs.ErrNotExist if the package is not installed
	}
	mean, std, err := data.ChannelStats(train.Images)
	if err != nil {
		log.Fatal(err)
	}
	ld, err := data.NewLoader(train, 128, true, tensor.NewRNG(1))
	if err != nil {
		log.Fatal(err)
	}
	for x, y := range ld.Epoch() {
		x, err = data.Normalize(x, mean, std)
		if err != nil {
			log.Fatal(err)
		}
		_, _ = x, y // forward, loss, backward, step
	}
}
