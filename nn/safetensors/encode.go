package safetensors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/acaode/aca/internal/atomicfile"
	"github.com/acaode/aca/tensor"
)

// chunkSize is the largest buffer the encoder and decoder use to move
// element bytes (a multiple of 8, so it always holds whole elements).
const chunkSize = 1 << 20

// plan is a checked encoding: the header bytes (padded) and the tensors in
// the order their data follows it.
type plan struct {
	header  []byte
	names   []string
	tensors []*tensor.Tensor
	dataLen int64
}

// newPlan checks tensors and metadata and builds the header. Tensors are
// laid out in sorted name order; the header lists metadata first, then the
// tensors in the same order, and is padded with spaces to a multiple of 8
// bytes so the data starts 8-byte aligned.
func newPlan(tensors map[string]*tensor.Tensor, metadata map[string]string) (*plan, error) {
	p := &plan{names: make([]string, 0, len(tensors))}
	for name := range tensors {
		p.names = append(p.names, name)
	}
	slices.Sort(p.names)
	p.tensors = make([]*tensor.Tensor, len(p.names))
	for i, name := range p.names {
		t := tensors[name]
		if err := checkTensor(name, t); err != nil {
			return nil, err
		}
		p.tensors[i] = t
	}

	var h bytes.Buffer
	h.WriteByte('{')
	if metadata != nil {
		keys := make([]string, 0, len(metadata))
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, fmt.Errorf("safetensors: metadata entry %q: key and value must be valid UTF-8", k)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		appendString(&h, metadataKey)
		h.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			appendString(&h, k)
			h.WriteByte(':')
			appendString(&h, metadata[k])
		}
		h.WriteByte('}')
	}
	var off int64
	for i, name := range p.names {
		t := p.tensors[i]
		n := t.Bytes()
		if n > math.MaxInt64-off {
			return nil, fmt.Errorf("safetensors: tensor %q: total size overflows int64", name)
		}
		if i > 0 || metadata != nil {
			h.WriteByte(',')
		}
		appendString(&h, name)
		h.WriteString(`:{"dtype":"`)
		h.WriteString(dtypeName(t.DType()))
		h.WriteString(`","shape":[`)
		for j, d := range t.Shape() {
			if j > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		h.WriteString(`],"data_offsets":[`)
		h.WriteString(strconv.FormatInt(off, 10))
		h.WriteByte(',')
		h.WriteString(strconv.FormatInt(off+n, 10))
		h.WriteString("]}")
		off += n
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	p.header = h.Bytes()
	p.dataLen = off
	return p, nil
}

// checkTensor reports a tensor that cannot be written.
func checkTensor(name string, t *tensor.Tensor) error {
	switch {
	case name == metadataKey:
		return fmt.Errorf("safetensors: %q is reserved for metadata and cannot name a tensor", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", name)
	case t == nil:
		return fmt.Errorf("safetensors: tensor %q is nil", name)
	case !t.DType().Valid():
		return fmt.Errorf("safetensors: tensor %q has invalid dtype %v", name, t.DType())
	}
	n := 1
	for _, d := range t.Shape() {
		if d < 0 {
			return fmt.Errorf("safetensors: tensor %q has negative dimension in shape %v", name, t.Shape())
		}
		n *= d
	}
	if n != t.Len() {
		return fmt.Errorf("safetensors: tensor %q: shape %v does not match its %d elements", name, t.Shape(), t.Len())
	}
	return nil
}

// appendString writes s as a JSON string. s is valid UTF-8; only the quote,
// the backslash and control characters are escaped, so the output is the
// same on every platform and Go version.
func appendString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// size is the number of bytes the plan encodes to.
func (p *plan) size() int64 { return 8 + int64(len(p.header)) + p.dataLen }

// encode writes the plan to w.
func (p *plan) encode(w io.Writer) error {
	buf := make([]byte, max(8, min(chunkSize, p.dataLen)))
	binary.LittleEndian.PutUint64(buf, uint64(len(p.header)))
	if _, err := w.Write(buf[:8]); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	if _, err := w.Write(p.header); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	k := 0 // bytes pending in buf
	flush := func() error {
		if k == 0 {
			return nil
		}
		_, err := w.Write(buf[:k])
		k = 0
		if err != nil {
			return fmt.Errorf("safetensors: write: %w", err)
		}
		return nil
	}
	for _, t := range p.tensors {
		if t.DType() == tensor.Float32 {
			for _, v := range t.Float32s() {
				if k+4 > len(buf) {
					if err := flush(); err != nil {
						return err
					}
				}
				binary.LittleEndian.PutUint32(buf[k:], math.Float32bits(v))
				k += 4
			}
		} else {
			for _, v := range t.Float64s() {
				if k+8 > len(buf) {
					if err := flush(); err != nil {
						return err
					}
				}
				binary.LittleEndian.PutUint64(buf[k:], math.Float64bits(v))
				k += 8
			}
		}
	}
	return flush()
}

// Encode writes tensors and metadata to w in the safetensors format.
// Tensors are stored in sorted name order and the header is padded with
// spaces to a multiple of 8 bytes, so the same input always gives the same
// bytes. A nil metadata map writes no "__metadata__" entry; a non-nil one,
// even empty, does. Nothing is written if a tensor is nil or invalid, a name
// is "__metadata__", or a name, key or value is not valid UTF-8.
func Encode(w io.Writer, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	p, err := newPlan(tensors, metadata)
	if err != nil {
		return err
	}
	return p.encode(w)
}

// Marshal returns the safetensors encoding of tensors and metadata, as
// Encode writes it.
func Marshal(tensors map[string]*tensor.Tensor, metadata map[string]string) ([]byte, error) {
	p, err := newPlan(tensors, metadata)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(int(p.size()))
	if err := p.encode(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Write saves tensors and metadata to the file path, as Encode writes them,
// atomically: the bytes go to a new temporary file in the same directory,
// which is synced, closed and renamed over path, and then the directory is
// synced. If Write fails, or the process dies while it runs, a file that was
// already at path is left as it was, and Write removes its temporary file
// (after a crash, a file named ".BASE.tmp-*" may remain). The inputs are
// checked before anything touches the disk. A new file gets mode 0644; a
// replaced one keeps its permission bits.
func Write(path string, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	p, err := newPlan(tensors, metadata)
	if err != nil {
		return err
	}
	return writeAtomic(path, p.encode)
}

// writeAtomic writes a file through write, atomically (see Write).
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}
