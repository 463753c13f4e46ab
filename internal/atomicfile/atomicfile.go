// Package atomicfile writes files so that a crash or an error never leaves
// a half-written file where a good one was: the data goes to a temporary
// file in the same directory, which is synced and then renamed over the
// target. Model files, checkpoints, plots and run metrics all go through it.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Write writes path through write, atomically: on any error the previous
// file at path is untouched and no temporary file is left behind. A new
// file gets mode 0644; an existing file keeps its permission bits. Errors
// read "write PATH: …".
func Write(path string, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		perm = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			f.Close() // may already be closed; the error is of no interest then
			os.Remove(tmp)
		}
	}()
	for _, step := range []func() error{
		func() error { return write(f) },
		func() error { return f.Chmod(perm) },
		f.Sync,
		f.Close,
		func() error { return os.Rename(tmp, path) },
	} {
		if err := step(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: file written, but syncing its directory failed: %w", path, err)
	}
	return nil
}

// WriteFile writes data to path atomically (see Write).
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

// syncDir makes a rename in dir durable. File systems and platforms that
// cannot sync a directory are not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	cerr := d.Close()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
		err = nil
	}
	if err == nil {
		err = cerr
	}
	return err
}
