package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/acaode/aca/data"
)

// dataResult is one line of aca data's JSON output: one split of one data
// set.
type dataResult struct {
	Dataset     string `json:"dataset"`
	Split       string `json:"split"`
	Dir         string `json:"dir"`
	Count       int    `json:"count,omitempty"`
	Shape       []int  `json:"shape,omitempty"`
	Classes     int    `json:"classes,omitempty"`
	ClassCounts []int  `json:"class_counts,omitempty"`
	Error       string `json:"error,omitempty"`
}

func runData(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("data", "Check the image data sets aca can read: load each split, verify it, and print counts and shapes.", stderr)
	fashion := fset.String("fashion-mnist", data.DefaultFashionMNISTDir, "Fashion-MNIST directory (IDX files, raw or .gz; Debian: apt-get install dataset-fashion-mnist); empty to skip")
	mnist := fset.String("mnist", "", "MNIST directory (IDX files, raw or .gz); empty to skip")
	cifar10 := fset.String("cifar10", "", "CIFAR-10 binary directory (data_batch_1.bin … test_batch.bin); empty to skip")
	cifar100 := fset.String("cifar100", "", "CIFAR-100 binary directory (train.bin, test.bin); empty to skip")
	asJSON := fset.Bool("json", false, "print one JSON object per split instead of a table")
	if st := parse(fset, args); st >= 0 {
		return st
	}
	type source struct {
		name, dir string
		load      func(dir string, train bool) (*data.Dataset, error)
	}
	var sources []source
	if *fashion != "" {
		sources = append(sources, source{"fashion-mnist", *fashion, data.LoadFashionMNIST})
	}
	if *mnist != "" {
		sources = append(sources, source{"mnist", *mnist, data.LoadMNIST})
	}
	if *cifar10 != "" {
		sources = append(sources, source{"cifar10", *cifar10, data.LoadCIFAR10})
	}
	if *cifar100 != "" {
		sources = append(sources, source{"cifar100", *cifar100, func(dir string, train bool) (*data.Dataset, error) {
			return data.LoadCIFAR100(dir, train, true)
		}})
	}
	if len(sources) == 0 {
		return usageError(stderr, "data", "fashion-mnist", "every data set is skipped; name at least one directory")
	}
	if onlyValidate() {
		return 0
	}
	var results []dataResult
	failed := false
	ctx, intr := interruptContext(context.Background())
	defer intr.stop()
	for _, s := range sources {
		var trainShape []int // the training images' shape, which the test images must share
		for _, train := range []bool{true, false} {
			if ctx.Err() != nil {
				return intr.exit(stderr, "data", "stopped before "+s.name+" was read")
			}
			r := dataResult{Dataset: s.name, Split: map[bool]string{true: "train", false: "test"}[train], Dir: s.dir}
			ds, err := s.load(s.dir, train)
			if err == nil {
				err = ds.Validate()
			}
			if err == nil && ds.Len() == 0 {
				err = fmt.Errorf("the %s split has no images", r.Split)
			}
			if err == nil && train {
				trainShape = ds.Images.Shape()[1:]
			}
			if err == nil && !train && trainShape != nil && !slices.Equal(ds.Images.Shape()[1:], trainShape) {
				err = fmt.Errorf("test images are %v, training images %v: a model cannot take both", ds.Images.Shape()[1:], trainShape)
			}
			if err != nil {
				failed = true
				r.Error = err.Error()
				if errors.Is(err, fs.ErrNotExist) && s.name == "fashion-mnist" {
					r.Error += " (install Debian's dataset-fashion-mnist package, or pass --fashion-mnist DIR)"
				}
			} else {
				r.Count = ds.Len()
				r.Shape = ds.Images.Shape()
				r.Classes = ds.Classes
				r.ClassCounts = ds.ClassCounts()
			}
			results = append(results, r)
		}
	}
	if *asJSON {
		for _, r := range results {
			if err := emitJSON(stdout, r); err != nil {
				fmt.Fprintf(stderr, "aca data: %v\n", err)
				return 1
			}
		}
	} else {
		var rows [][]string
		for _, r := range results {
			if r.Error != "" {
				rows = append(rows, []string{r.Dataset, r.Split, "error", r.Error})
				continue
			}
			lo, hi := r.ClassCounts[0], r.ClassCounts[0]
			for _, c := range r.ClassCounts {
				lo, hi = min(lo, c), max(hi, c)
			}
			rows = append(rows, []string{r.Dataset, r.Split, fmt.Sprint(r.Count),
				fmt.Sprintf("%v, %d classes, %d–%d per class", r.Shape, r.Classes, lo, hi)})
		}
		table(stdout, []string{"DATASET", "SPLIT", "COUNT", "DETAILS"}, rows)
	}
	if failed {
		fmt.Fprintln(stderr, "aca data: some data sets could not be read:")
		for _, r := range results {
			if r.Error != "" {
				fmt.Fprintf(stderr, "  %s %s: %s\n", r.Dataset, r.Split, strings.TrimSpace(r.Error))
			}
		}
		return 1
	}
	return 0
}
