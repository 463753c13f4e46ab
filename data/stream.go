package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// MaxBytes is the most payload any reader here accepts from one input: 1 GiB
// (the largest real file, CIFAR-100's train.bin, is 150 MB). A header that
// claims more, or a gzip stream that inflates to more, is rejected with
// ErrTooLarge before the memory is allocated.
const MaxBytes = 1 << 30

// gzipMagic is the first two bytes of every gzip stream (RFC 1952). No valid
// input of the formats here starts with them: an IDX file starts with two
// zero bytes, and 0x1f = 31 is out of range for every CIFAR first label byte.
var gzipMagic = [2]byte{0x1f, 0x8b}

// decompressed returns r itself, or a gzip reader over it when r starts with
// the gzip magic bytes.
func decompressed(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(head) < 2 || head[0] != gzipMagic[0] || head[1] != gzipMagic[1] {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, streamErr(err, "gzip header")
	}
	return zr, nil
}

// streamErr turns a decompression error into a FormatError and returns other
// errors (I/O failures) unchanged.
func streamErr(err error, where string) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return formatErr(ErrTruncated, fmt.Sprintf("truncated: the gzip stream ends inside the %s", where))
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.As(err, &corrupt):
		return formatErr(ErrMalformed, fmt.Sprintf("corrupt gzip stream (%s): %v", where, err))
	}
	return err
}

// readUpTo reads until want bytes or the end of r. The buffer grows with the
// bytes that actually arrive, so a header that lies about the size costs
// memory in proportion to the real input, not to the lie. A short read is
// not an error here: the caller compares len(buf) with want.
func readUpTo(r io.Reader, want int) ([]byte, error) {
	buf := make([]byte, 0, min(want, 64<<10))
	for len(buf) < want {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(want-len(buf), cap(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), want)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			// A gzip stream cut short: the caller reports the short count.
			return buf, nil
		}
		if err != nil {
			return buf, streamErr(err, "data")
		}
	}
	return buf, nil
}

// expectEOF checks that r has nothing left. Reading to the end also makes a
// gzip reader verify its checksum.
func expectEOF(r io.Reader, after string) error {
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	if n > 0 {
		return formatErr(ErrMalformed, "unexpected data after "+after)
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// The data were whole: what is cut is the trailer (checksum and
		// length), or a few stray bytes follow the stream (read as the
		// start of another gzip member).
		return formatErr(ErrTruncated, "truncated or padded: the gzip stream ends inside its trailer, or stray bytes follow it")
	}
	return streamErr(err, "trailer")
}

// readFile opens path, decodes it with decode (gzip or not) and names the
// file in any FormatError.
func readFile(path string, decode func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return inFile(decode(f), path)
}

// findFile returns dir/name or, failing that, dir/name.gz. When neither
// exists the error wraps fs.ErrNotExist and names both.
func findFile(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	gz := p + ".gz"
	_, err := os.Stat(gz)
	if err == nil {
		return gz, nil
	}
	return "", fmt.Errorf("data: found neither %s nor %s.gz: %w", p, name, err)
}
