package models

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/data"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

// CIFAR files generated here load through package data as [N, 3, 32, 32]
// and both models take the batches: logits [batch, classes] for CIFAR-10
// and CIFAR-100 (fine), a finite loss and gradients.
func TestCIFARFilesThroughModels(t *testing.T) {
	const n = 5
	dir := t.TempDir()
	rng := tensor.NewRNG(4)
	images := tensor.RandU(rng, tensor.Float32, 0, 1, n, 3, 32, 32)
	labels10 := []int{0, 9, 3, 3, 7}
	coarse, fine := []int{0, 19, 4, 4, 11}, []int{0, 99, 42, 43, 57}
	var b10, b100 bytes.Buffer
	if err := data.EncodeCIFAR10(&b10, images, labels10); err != nil {
		t.Fatal(err)
	}
	if err := data.EncodeCIFAR100(&b100, images, coarse, fine); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test_batch.bin"), b10.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test.bin"), b100.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c10, err := data.LoadCIFAR10(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	c100, err := data.LoadCIFAR100(dir, false, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range []*data.Dataset{c10, c100} {
		if ch, h, w := ds.ImageShape(); ch != 3 || h != 32 || w != 32 || ds.Len() != n {
			t.Fatalf("%s: %d images of %d×%d×%d, want %d of 3×32×32", ds.Name, ds.Len(), ch, h, w, n)
		}
		c := Config{Depth: 18, Width: 2, InChannels: 3, Classes: ds.Classes, ODE: ode.Options{Method: ode.HeunEuler, RTol: 0.1, ATol: 0.1}}
		node, err := NewNODE(tensor.NewRNG(1), c)
		if err != nil {
			t.Fatal(err)
		}
		resnet, err := NewResNet(tensor.NewRNG(1), c)
		if err != nil {
			t.Fatal(err)
		}
		ld, err := data.NewLoader(ds, 3, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		var seen int
		for x, y := range ld.Epoch() {
			for _, m := range []*Net{node, resnet} {
				g := autograd.NewGraph()
				logits := m.Forward(g, autograd.Constant(x))
				if want := []int{len(y), ds.Classes}; !slices.Equal(logits.Shape(), want) {
					t.Fatalf("%s: logits %v, want %v", ds.Name, logits.Shape(), want)
				}
				loss := nn.CrossEntropy(g, logits, y, 0)
				if err := loss.Backward(); err != nil {
					t.Fatal(err)
				}
				if l := loss.Item(); !(l > 0 && l < 100) {
					t.Errorf("%s: loss %g", ds.Name, l)
				}
			}
			seen += len(y)
		}
		if seen != n {
			t.Errorf("%s: %d images in an epoch, want %d", ds.Name, seen, n)
		}
	}
}
