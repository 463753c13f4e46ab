package plot

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.png")
	for _, data := range []string{"first", "second, longer", "3"} {
		if err := WriteFileAtomic(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		if got := readString(t, path); got != data {
			t.Errorf("content %q, want %q", got, data)
		}
	}
	if got := names(t, dir); !slices.Equal(got, []string{"a.png"}) {
		t.Errorf("directory holds %q, want only a.png", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after overwrite, want the old 0600", fi.Mode().Perm())
	}
}

func TestWriteFileAtomicFailures(t *testing.T) {
	t.Run("target is a directory", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "out.png")
		if err := os.Mkdir(target, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(target, "keep"), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(target, []byte("new")); err == nil {
			t.Fatal("no error")
		}
		if got := readString(t, filepath.Join(target, "keep")); got != "old" {
			t.Errorf("directory content changed to %q", got)
		}
		if got := names(t, dir); !slices.Equal(got, []string{"out.png"}) {
			t.Errorf("directory holds %q, want only out.png", got)
		}
	})
	t.Run("directory not writable", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "a.png")
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		if f, err := os.CreateTemp(dir, "probe"); err == nil { // e.g. running as root
			f.Close()
			os.Remove(f.Name())
			t.Skip("permissions are not enforced for this user")
		}
		if err := WriteFileAtomic(path, []byte("new")); err == nil {
			t.Fatal("no error")
		}
		if got := readString(t, path); got != "old" {
			t.Errorf("old file changed to %q", got)
		}
		if got := names(t, dir); !slices.Equal(got, []string{"a.png"}) {
			t.Errorf("directory holds %q, want only a.png", got)
		}
	})
	t.Run("parent is missing or a file", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "file")
		if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{filepath.Join(dir, "missing", "a.png"), filepath.Join(file, "a.png")} {
			if err := WriteFileAtomic(p, []byte("new")); err == nil {
				t.Errorf("%s: no error", p)
			}
		}
		if got := readString(t, file); got != "old" {
			t.Errorf("file changed to %q", got)
		}
		if got := names(t, dir); !slices.Equal(got, []string{"file"}) {
			t.Errorf("directory holds %q, want only file", got)
		}
	})
}
