package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/acaode/aca/tensor"
)

// entry is one tensor of a parsed, checked header.
type entry struct {
	name       string
	dtype      tensor.DType
	i64        bool // stored as I64, read into a Float64 tensor
	shape      []int
	n          int // number of elements
	begin, end uint64
}

// header is a parsed, checked header: entries sorted by data offset, which
// tile [0, dataLen) exactly.
type header struct {
	entries  []entry
	metadata map[string]string
	dataLen  uint64
}

// decoder carries the name of the input into its errors.
type decoder struct{ path string }

func (d *decoder) errorf(err error, format string, args ...any) *Error {
	return &Error{Path: d.path, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Read reads the safetensors file at path and returns its tensors and its
// metadata (nil if the file has no "__metadata__" entry). Errors describing
// the file's contents are of type *Error and name path; see Decode for what
// is checked.
func Read(path string) (tensors map[string]*tensor.Tensor, metadata map[string]string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	size := int64(-1) // a pipe or a device: read it as a stream
	if fi.Mode().IsRegular() {
		size = fi.Size()
	}
	d := decoder{path: path}
	return d.decode(f, size)
}

// Decode reads a safetensors encoding from r, to its end, and returns its
// tensors and its metadata (nil if there is no "__metadata__" entry).
//
// The input is checked before it is trusted; every problem is an *Error: an
// input shorter than 8 bytes; a header length above MaxHeaderSize or beyond
// the input; a header that is not valid UTF-8 or not a JSON object; a
// duplicate name (the JSON is walked token by token, so a repeated key is
// not silently dropped); an entry that is not an object or lacks "dtype",
// "shape" or "data_offsets"; an unknown dtype, or one other than F32 and F64
// (wrapping ErrUnsupportedDType); a dimension or offset that is negative or
// not an integer; offsets that end before they begin, leave a gap, overlap,
// or reach past the data; a byte range whose length is not the shape's
// element count times the dtype's size; and bytes after the last tensor.
// Fields of an entry other than these three are ignored, as the reference
// implementation does; "__metadata__" must map strings to strings.
//
// Memory grows with the bytes actually read, never with a size claimed by
// the header alone.
func Decode(r io.Reader) (tensors map[string]*tensor.Tensor, metadata map[string]string, err error) {
	d := decoder{}
	return d.decode(r, -1)
}

// Unmarshal decodes a safetensors encoding held in memory; see Decode.
func Unmarshal(data []byte) (tensors map[string]*tensor.Tensor, metadata map[string]string, err error) {
	d := decoder{}
	return d.decode(bytes.NewReader(data), int64(len(data)))
}

// decode reads from r, whose length is size, or unknown if size < 0.
func (d *decoder) decode(r io.Reader, size int64) (map[string]*tensor.Tensor, map[string]string, error) {
	known := size >= 0
	var pre [8]byte
	if known && size < 8 {
		return nil, nil, d.errorf(nil, "too short: %d bytes, less than the 8-byte header length", size)
	}
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if isEOF(err) {
			return nil, nil, d.errorf(nil, "too short: %d bytes, less than the 8-byte header length", n)
		}
		return nil, nil, d.errorf(err, "reading the header length")
	}
	hlen := binary.LittleEndian.Uint64(pre[:])
	if hlen > MaxHeaderSize {
		return nil, nil, d.errorf(nil, "header length %d exceeds the limit of %d bytes", hlen, MaxHeaderSize)
	}
	var hdr []byte
	if known {
		if hlen > uint64(size-8) {
			return nil, nil, d.errorf(nil, "header length %d is larger than the %d bytes that follow it", hlen, size-8)
		}
		hdr = make([]byte, hlen)
		if _, err := io.ReadFull(r, hdr); err != nil {
			if isEOF(err) {
				return nil, nil, d.errorf(nil, "header truncated: want %d bytes", hlen)
			}
			return nil, nil, d.errorf(err, "reading the header")
		}
	} else {
		var err error
		hdr, err = io.ReadAll(io.LimitReader(r, int64(hlen)))
		if err != nil {
			return nil, nil, d.errorf(err, "reading the header")
		}
		if uint64(len(hdr)) < hlen {
			return nil, nil, d.errorf(nil, "header length %d is larger than the %d bytes that follow it", hlen, len(hdr))
		}
	}
	h, err := d.parseHeader(hdr)
	if err != nil {
		return nil, nil, err
	}
	if known {
		avail := uint64(size) - 8 - hlen
		if h.dataLen > avail {
			for _, e := range h.entries {
				if e.end > avail {
					return nil, nil, d.errorf(nil, "data truncated: tensor %q ends at byte %d but the data holds %d bytes", e.name, e.end, avail)
				}
			}
		}
		if h.dataLen < avail {
			return nil, nil, d.errorf(nil, "%d trailing bytes after the last tensor", avail-h.dataLen)
		}
	}
	tensors, err := d.readData(r, h, known)
	if err != nil {
		return nil, nil, err
	}
	if !known {
		var one [1]byte
		n, err := io.ReadFull(r, one[:])
		if n > 0 {
			return nil, nil, d.errorf(nil, "trailing bytes after the last tensor")
		}
		if err != io.EOF {
			return nil, nil, d.errorf(err, "reading after the last tensor")
		}
	}
	return tensors, h.metadata, nil
}

func isEOF(err error) bool { return err == io.EOF || err == io.ErrUnexpectedEOF }

// readData reads the tensors' elements, which follow one another in the
// order of h.entries. When the input's length is known it has been checked
// against the header, so each tensor's storage is allocated at once;
// otherwise it grows with the bytes read.
func (d *decoder) readData(r io.Reader, h *header, known bool) (map[string]*tensor.Tensor, error) {
	buf := make([]byte, max(8, min(chunkSize, h.dataLen)))
	out := make(map[string]*tensor.Tensor, len(h.entries))
	for _, e := range h.entries {
		var t *tensor.Tensor
		var err error
		if e.dtype == tensor.Float32 {
			var v []float32
			if v, err = readFloat32s(r, buf, e.n, known); err == nil {
				t = tensor.FromFloat32(v, e.shape...)
			}
		} else {
			var v []float64
			if v, err = readFloat64s(r, buf, e.n, known); err == nil {
				if e.i64 {
					for i, f := range v {
						x := int64(math.Float64bits(f))
						if x > 1<<53 || x < -(1<<53) {
							return nil, d.errorf(nil, "tensor %q: int64 element %d = %d cannot be held exactly in a float64", e.name, i, x)
						}
						v[i] = float64(x)
					}
				}
				t = tensor.FromFloat64(v, e.shape...)
			}
		}
		if err != nil {
			if isEOF(err) {
				return nil, d.errorf(nil, "data truncated: tensor %q needs bytes [%d, %d) of the data", e.name, e.begin, e.end)
			}
			return nil, d.errorf(err, "reading tensor %q", e.name)
		}
		out[e.name] = t
	}
	return out, nil
}

func readFloat32s(r io.Reader, buf []byte, n int, known bool) ([]float32, error) {
	// A stream's header may claim more than follows: its buffer grows with
	// the bytes that arrive.
	c := n
	if !known {
		c = min(n, chunkSize/4)
	}
	v := make([]float32, 0, c)
	for rem := n; rem > 0; {
		b := buf[:min(rem, len(buf)/4)*4]
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		for i := 0; i+4 <= len(b); i += 4 {
			v = append(v, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
		}
		rem -= len(b) / 4
	}
	return v, nil
}

func readFloat64s(r io.Reader, buf []byte, n int, known bool) ([]float64, error) {
	// A stream's header may claim more than follows: its buffer grows with
	// the bytes that arrive.
	c := n
	if !known {
		c = min(n, chunkSize/8)
	}
	v := make([]float64, 0, c)
	for rem := n; rem > 0; {
		b := buf[:min(rem, len(buf)/8)*8]
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		for i := 0; i+8 <= len(b); i += 8 {
			v = append(v, math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
		}
		rem -= len(b) / 8
	}
	return v, nil
}

// parseHeader parses and checks the header JSON, walking it token by token
// so that duplicate keys are seen.
func (d *decoder) parseHeader(hdr []byte) (*header, error) {
	if !utf8.Valid(hdr) {
		return nil, d.errorf(nil, "header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, d.jsonError(err)
	}
	if tok != json.Delim('{') {
		return nil, d.errorf(nil, "header is not a JSON object")
	}
	h := &header{}
	seen := make(map[string]bool)
	for dec.More() {
		name, err := d.key(dec)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, d.errorf(nil, "duplicate name %q in header", name)
		}
		seen[name] = true
		if name == metadataKey {
			if h.metadata, err = d.parseMetadata(dec); err != nil {
				return nil, err
			}
			continue
		}
		e, err := d.parseEntry(dec, name)
		if err != nil {
			return nil, err
		}
		h.entries = append(h.entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, d.jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, d.jsonError(err)
		}
		return nil, d.errorf(nil, "invalid JSON in header: data after the top-level object")
	}
	if err := d.checkLayout(h); err != nil {
		return nil, err
	}
	return h, nil
}

// checkLayout sorts the entries by offset and checks that they tile the
// data without gaps or overlaps.
func (d *decoder) checkLayout(h *header) error {
	slices.SortFunc(h.entries, func(a, b entry) int {
		if c := cmp.Compare(a.begin, b.begin); c != 0 {
			return c
		}
		if c := cmp.Compare(a.end, b.end); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var pos uint64
	for i, e := range h.entries {
		switch {
		case e.begin > pos:
			return d.errorf(nil, "tensor %q: data_offsets [%d, %d] leave a gap: the data before it ends at byte %d", e.name, e.begin, e.end, pos)
		case e.begin < pos:
			p := h.entries[i-1]
			return d.errorf(nil, "tensor %q: data_offsets [%d, %d] overlap tensor %q at [%d, %d]", e.name, e.begin, e.end, p.name, p.begin, p.end)
		}
		pos = e.end
	}
	h.dataLen = pos
	return nil
}

func (d *decoder) jsonError(err error) *Error {
	var se *json.SyntaxError
	switch {
	case isEOF(err):
		return d.errorf(nil, "invalid JSON in header: unexpected end")
	case errors.As(err, &se):
		return d.errorf(nil, "invalid JSON in header at byte %d: %v", se.Offset, err)
	}
	return d.errorf(err, "invalid JSON in header")
}

// key reads an object key.
func (d *decoder) key(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", d.jsonError(err)
	}
	s, ok := tok.(string)
	if !ok { // the tokenizer only returns strings in key position
		return "", d.errorf(nil, "invalid JSON in header: object key %v is not a string", tok)
	}
	return s, nil
}

// parseMetadata reads the "__metadata__" value: an object of strings, or null.
func (d *decoder) parseMetadata(dec *json.Decoder) (map[string]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, d.jsonError(err)
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, d.errorf(nil, "%s is not a JSON object", metadataKey)
	}
	m := make(map[string]string)
	for dec.More() {
		k, err := d.key(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, d.errorf(nil, "duplicate key %q in %s", k, metadataKey)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, d.jsonError(err)
		}
		v, ok := tok.(string)
		if !ok {
			return nil, d.errorf(nil, "%s: value of %q is not a string", metadataKey, k)
		}
		m[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, d.jsonError(err)
	}
	return m, nil
}

// parseEntry reads and checks one tensor's entry (its offsets are checked
// against the others' later).
func (d *decoder) parseEntry(dec *json.Decoder, name string) (entry, error) {
	e := entry{name: name}
	tok, err := dec.Token()
	if err != nil {
		return e, d.jsonError(err)
	}
	if tok != json.Delim('{') {
		return e, d.errorf(nil, "tensor %q: entry is not a JSON object", name)
	}
	var dtype string
	var dims, offsets []uint64
	var haveDType, haveShape, haveOffsets bool
	for dec.More() {
		k, err := d.key(dec)
		if err != nil {
			return e, err
		}
		dup := false
		switch k {
		case "dtype":
			dup, haveDType = haveDType, true
			tok, err := dec.Token()
			if err != nil {
				return e, d.jsonError(err)
			}
			s, ok := tok.(string)
			if !ok {
				return e, d.errorf(nil, "tensor %q: dtype is not a string", name)
			}
			dtype = s
		case "shape":
			dup, haveShape = haveShape, true
			if dims, err = d.uintArray(dec, name, "shape"); err != nil {
				return e, err
			}
		case "data_offsets":
			dup, haveOffsets = haveOffsets, true
			if offsets, err = d.uintArray(dec, name, "data_offsets"); err != nil {
				return e, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return e, d.jsonError(err)
			}
		}
		if dup {
			return e, d.errorf(nil, "tensor %q: duplicate field %q", name, k)
		}
	}
	if _, err := dec.Token(); err != nil {
		return e, d.jsonError(err)
	}
	for _, f := range []struct {
		have bool
		name string
	}{{haveDType, "dtype"}, {haveShape, "shape"}, {haveOffsets, "data_offsets"}} {
		if !f.have {
			return e, d.errorf(nil, "tensor %q: missing field %q", name, f.name)
		}
	}

	dt, known := parseDType(dtype)
	if dtype == "I64" {
		// PyTorch stores counters (batch norm's num_batches_tracked) as
		// int64: read them into float64, exactly or not at all.
		dt, e.i64 = tensor.Float64, true
	}
	switch {
	case !known:
		return e, d.errorf(nil, "tensor %q: unknown dtype %q", name, dtype)
	case dt == 0:
		return e, d.errorf(ErrUnsupportedDType, "tensor %q has dtype %s; only F32, F64 and I64 can be read", name, dtype)
	}
	e.dtype = dt

	if len(offsets) != 2 {
		return e, d.errorf(nil, "tensor %q: data_offsets has %d numbers, want 2 (begin and end)", name, len(offsets))
	}
	e.begin, e.end = offsets[0], offsets[1]
	if e.end < e.begin {
		return e, d.errorf(nil, "tensor %q: data_offsets [%d, %d] end before they begin", name, e.begin, e.end)
	}

	// The element count, checked so that count × size fits in an int.
	size := uint64(dt.Size())
	limit := uint64(math.MaxInt) / size
	e.shape = make([]int, len(dims))
	n, zero := uint64(1), false
	for i, v := range dims {
		if v > math.MaxInt {
			return e, d.errorf(nil, "tensor %q: dimension %d of shape %v is too large", name, i, dims)
		}
		e.shape[i] = int(v)
		zero = zero || v == 0
	}
	if !zero {
		for _, v := range dims {
			if n > limit/v {
				return e, d.errorf(nil, "tensor %q: shape %v has too many elements", name, dims)
			}
			n *= v
		}
	} else {
		n = 0
	}
	e.n = int(n)
	if want := n * size; want != e.end-e.begin {
		return e, d.errorf(nil, "tensor %q: shape %v of %s needs %d bytes but data_offsets [%d, %d] span %d",
			name, e.shape, dtype, want, e.begin, e.end, e.end-e.begin)
	}
	return e, nil
}

// uintArray reads a JSON array of non-negative integers (field of tensor name).
func (d *decoder) uintArray(dec *json.Decoder, name, field string) ([]uint64, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, d.jsonError(err)
	}
	if tok != json.Delim('[') {
		return nil, d.errorf(nil, "tensor %q: %s is not an array", name, field)
	}
	out := []uint64{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, d.jsonError(err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, d.errorf(nil, "tensor %q: %s holds %v, not an integer", name, field, describe(tok))
		}
		s := num.String()
		if strings.HasPrefix(s, "-") {
			return nil, d.errorf(nil, "tensor %q: %s holds the negative number %s", name, field, s)
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, d.errorf(nil, "tensor %q: %s holds %s, not an integer below 2^64", name, field, s)
		}
		out = append(out, v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, d.jsonError(err)
	}
	return out, nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}
