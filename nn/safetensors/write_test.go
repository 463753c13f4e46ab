package safetensors

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/acaode/aca/tensor"
)

var errDiskFull = errors.New("disk full")

// oldFile writes a good file at dir/m.safetensors and returns its path and bytes.
func oldFile(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, "m.safetensors")
	if err := Write(path, sample(), map[string]string{"v": "1"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// intact checks that path still holds old and that dir holds nothing else.
func intact(t *testing.T, dir, path string, old []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, old) {
		t.Error("the previous file was changed")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != filepath.Base(path) {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if _, _, err := Read(path); err != nil {
		t.Errorf("the previous file no longer reads: %v", err)
	}
}

func TestWriteInvalidTensorKeepsOldFile(t *testing.T) {
	for name, ts := range map[string]map[string]*tensor.Tensor{
		"nil":     {"a": tensor.FromFloat32([]float32{1}, 1), "b": nil},
		"invalid": {"a": {}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path, old := oldFile(t, dir)
			if err := Write(path, ts, nil); err == nil {
				t.Fatal("Write accepted an invalid tensor")
			}
			intact(t, dir, path, old)
		})
	}
}

// A failure after the temporary file was created and partly written
// leaves the old file as it was and removes the temporary file.
func TestWriteFailureMidwayKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path, old := oldFile(t, dir)
	err := writeAtomic(path, func(w io.Writer) error {
		if _, err := w.Write([]byte("partial garbage")); err != nil {
			return err
		}
		return errDiskFull
	})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("error %v", err)
	}
	intact(t, dir, path, old)
}

// A failing rename (the destination is a non-empty directory) removes the
// temporary file too.
func TestWriteRenameFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, sample(), nil); err == nil {
		t.Fatal("Write over a directory succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("directory holds %d entries, want only the destination", len(ents))
	}
}

// A directory without write permission: Write fails, the old file stays.
func TestWriteReadOnlyDir(t *testing.T) {
	dir := t.TempDir()
	path, old := oldFile(t, dir)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	// Root (or a file system that ignores modes) can write anyway.
	if f, err := os.CreateTemp(dir, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("permissions are not enforced here (running as root?)")
	}
	if err := Write(path, map[string]*tensor.Tensor{"new": tensor.FromFloat32([]float32{1}, 1)}, nil); err == nil {
		t.Fatal("Write into a read-only directory succeeded")
	}
	intact(t, dir, path, old)
}

// Replacing a file keeps its permission bits; a new file gets 0644.
func TestWriteMode(t *testing.T) {
	dir := t.TempDir()
	path, _ := oldFile(t, dir)
	if fi, _ := os.Stat(path); fi.Mode().Perm()&0o600 != 0o600 {
		t.Fatalf("new file mode %v", fi.Mode())
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, sample(), nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Fatalf("replaced file mode %v, want 0640", fi.Mode())
	}
}

// A successful Write replaces the old file and leaves nothing else.
func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	path, _ := oldFile(t, dir)
	ts := map[string]*tensor.Tensor{"new": tensor.FromFloat64([]float64{1, 2, 3}, 3)}
	if err := Write(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	want := mustMarshal(t, ts, nil)
	intact(t, dir, path, want)
}

// A relative path (no directory part) is written in the current directory.
func TestWriteRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	ts := map[string]*tensor.Tensor{"a": tensor.FromFloat32([]float32{1}, 1)}
	if err := Write("m.safetensors", ts, nil); err != nil {
		t.Fatal(err)
	}
	intact(t, ".", "m.safetensors", mustMarshal(t, ts, nil))
}
