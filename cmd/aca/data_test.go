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
func writeIDXSet(t *testing.T, dir, prefix string, n int) {
	t.Helper()
	img := &data.IDX{Type: data.IDXUint8, Dims: []int{n, 4, 4}, Data: make([]byte, n*16)}
	lab := &data.IDX{Type: data.IDXUint8, Dims: []int{n}, Data: make([]byte, n)}
	for i := range n {
		lab.Data[i] = byte(i % 3)
		img.Data[i*16] = byte(i)
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
