package latentdata

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"

	"github.com/acaode/aca/internal/atomicfile"
)

// The cache file: the magic line, a little-endian uint32 header length, the
// header (JSON of cacheHeader), the raw values as little-endian float32
// [N, T, D], and a little-endian CRC-32 (IEEE) of everything before it.
const cacheMagic = "ACA-LATENT-PENDULUM 1\n"

type cacheHeader struct {
	Config PendulumConfig `json:"config"`
	Layout string         `json:"layout"`
}

const cacheLayout = "float32 little-endian [sequences, times, 2*links], unscaled"

// CorruptError reports a cache file that cannot be read back: truncated,
// with a wrong magic line or header, or failing its checksum. Deleting the
// file makes LoadOrGenerate generate it again.
type CorruptError struct {
	File   string
	Detail string
}

// Error names the file and says what is wrong.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s: corrupt latent ODE data cache (%s); delete it to regenerate", e.File, e.Detail)
}

// WriteCache writes the raw values of c's sequences to path atomically.
func WriteCache(path string, c PendulumConfig, raw []float64) error {
	if want := c.Sequences * c.Times * 2 * c.Links; len(raw) != want {
		return fmt.Errorf("latentdata: write %s: %d values for a configuration of %d", path, len(raw), want)
	}
	hdr, err := json.Marshal(cacheHeader{Config: c, Layout: cacheLayout})
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		sum := crc32.NewIEEE()
		bw := bufio.NewWriterSize(io.MultiWriter(w, sum), 1<<16)
		bw.WriteString(cacheMagic)
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(len(hdr)))
		bw.Write(b[:])
		bw.Write(hdr)
		for _, v := range raw {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
			bw.Write(b[:])
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		binary.LittleEndian.PutUint32(b[:], sum.Sum32())
		_, err := w.Write(b[:])
		return err
	})
}

// errOtherConfig is returned by readCache for a sound file made with other
// parameters.
var errOtherConfig = errors.New("made with other parameters")

// readCache reads path; it returns errOtherConfig (wrapped) if the file's
// header records another configuration than c, a *CorruptError if the file
// is damaged, and the file system's error if it cannot be read.
func readCache(path string, c PendulumConfig) ([]float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	corrupt := func(format string, a ...any) error {
		return &CorruptError{File: path, Detail: fmt.Sprintf(format, a...)}
	}
	if !bytes.HasPrefix(data, []byte(cacheMagic)) {
		return nil, corrupt("it does not start with %q", cacheMagic[:len(cacheMagic)-1])
	}
	rest := data[len(cacheMagic):]
	if len(rest) < 4 {
		return nil, corrupt("truncated in the header length")
	}
	n := int(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if n > len(rest) {
		return nil, corrupt("header of %d bytes but only %d bytes follow", n, len(rest))
	}
	var h cacheHeader
	if err := json.Unmarshal(rest[:n], &h); err != nil {
		return nil, corrupt("header: %v", err)
	}
	if h.Layout != cacheLayout {
		return nil, corrupt("layout %q, want %q", h.Layout, cacheLayout)
	}
	if h.Config != c {
		return nil, fmt.Errorf("%s: %w", path, errOtherConfig)
	}
	rest = rest[n:]
	count := c.Sequences * c.Times * 2 * c.Links
	if len(rest) != 4*count+4 {
		return nil, corrupt("%d bytes of data, want %d", len(rest), 4*count+4)
	}
	if got, want := crc32.ChecksumIEEE(data[:len(data)-4]), binary.LittleEndian.Uint32(data[len(data)-4:]); got != want {
		return nil, corrupt("checksum %08x, the file records %08x", got, want)
	}
	raw := make([]float64, count)
	for i := range raw {
		raw[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:])))
	}
	return raw, nil
}

// LoadOrGenerate returns the pendulum set of c from the cache at path,
// generating it (and writing the cache atomically) if the file does not
// exist or was made with other parameters. generated says whether it was
// generated. A damaged cache is a *CorruptError naming the file; it is
// neither used nor overwritten. The values are stored as float32, so a set
// loaded from the cache equals the generated one rounded to float32 before
// scaling; LoadOrGenerate rounds a freshly generated set the same way, so
// both paths give the same bits.
func LoadOrGenerate(ctx context.Context, path string, c PendulumConfig, progress func(done int)) (set *Set, generated bool, err error) {
	if err := c.Check(); err != nil {
		return nil, false, err
	}
	raw, err := readCache(path, c)
	switch {
	case err == nil:
		s, err := c.set(raw)
		return s, false, err
	case errors.Is(err, errOtherConfig), errors.Is(err, fs.ErrNotExist):
	default:
		return nil, false, err
	}
	raw, err = c.GenerateRaw(ctx, progress)
	if err != nil {
		return nil, false, err
	}
	for i, v := range raw {
		raw[i] = float64(float32(v))
	}
	if err := WriteCache(path, c, raw); err != nil {
		return nil, true, err
	}
	s, err := c.set(raw)
	return s, true, err
}
