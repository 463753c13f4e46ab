package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acaode/aca/data"
)

// writeIDXSet writes a tiny MNIST-format data set (n images of 4×4, labels
// 0..2) into dir.
func writeIDXSet(t *testing.T, dir, prefix string, n int) { writeIDXSized(t, dir, prefix, n, 4) }

// writeIDXSized is writeIDXSet with images of size×size.
func writeIDXSized(t *testing.T, dir, prefix string, n, size int) {
	t.Helper()
	img := &data.IDX{Type: data.IDXUint8, Dims: []int{n, size, size}, Data: make([]byte, n*size*size)}
	lab := &data.IDX{Type: data.IDXUint8, Dims: []int{n}, Data: make([]byte, n)}
	for i := range n {
		lab.Data[i] = byte(i % 3)
		img.Data[i*size*size] = byte(i)
	}
	for name, x := range map[string]*data.IDX{prefix + "-images-idx3-ubyte": img, prefix + "-labels-idx1-ubyte": lab} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := data.EncodeIDX(f, x); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDataCommand(t *testing.T) {
	dir := t.TempDir()
	writeIDXSet(t, dir, "train", 9)
	writeIDXSet(t, dir, "t10k", 6)
	code, out, errOut := runArgs("data", "--fashion-mnist", "", "--mnist", dir, "--json")
	if code != 0 {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out)
	}
	var r dataResult
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Dataset != "mnist" || r.Split != "train" || r.Count != 9 || len(r.Shape) != 4 || r.Shape[2] != 4 || r.Error != "" {
		t.Errorf("train line %+v", r)
	}
	// A directory without the files: exit 1, the error names the file.
	code, _, errOut = runArgs("data", "--fashion-mnist", filepath.Join(dir, "nope"))
	if code != 1 || !strings.Contains(errOut, "train-images-idx3-ubyte") || !strings.Contains(errOut, "dataset-fashion-mnist") {
		t.Errorf("missing directory: status %d, stderr %q", code, errOut)
	}
	// Nothing to check is a usage error naming the flag.
	code, _, errOut = runArgs("data", "--fashion-mnist", "")
	if code != 2 || !strings.Contains(errOut, "fashion-mnist") {
		t.Errorf("nothing to check: status %d, stderr %q", code, errOut)
	}
}

// TestDataSplitsAgree checks that aca data fails a set whose test split is
// empty, or whose test images have another shape than its training
// images: a model could train on it but not be tested.
func TestDataSplitsAgree(t *testing.T) {
	empty, mixed := t.TempDir(), t.TempDir()
	writeIDXSet(t, empty, "train", 9)
	writeIDXSet(t, empty, "t10k", 0)
	writeIDXSet(t, mixed, "train", 9)
	writeIDXSized(t, mixed, "t10k", 6, 5)
	for _, tc := range []struct{ dir, want string }{{empty, "no images"}, {mixed, "test images are [1 5 5], training images [1 4 4]"}} {
		if code, _, errOut := runArgs("data", "--fashion-mnist", "", "--mnist", tc.dir); code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: status %d, stderr %q; want 1 and %q", tc.dir, code, errOut, tc.want)
		}
	}
}
