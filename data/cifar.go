package data

import (
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/acaode/aca/tensor"
)

// CIFAR binary format: records of label bytes followed by 3072 pixel bytes,
// the 32×32 red plane, then green, then blue, each row-major. There is no
// header: a file is valid when it is a whole number (≥ 1) of records.
const (
	CIFARSide   = 32
	CIFARPixels = 3 * CIFARSide * CIFARSide
)

// CIFAR10Classes names the ten CIFAR-10 classes by label.
var CIFAR10Classes = [10]string{
	"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck",
}

// cifarFormat describes one of the two layouts: the classes of each label
// byte and their names (for error messages).
type cifarFormat struct {
	classes []int
	names   []string
}

var (
	cifar10  = cifarFormat{classes: []int{10}, names: []string{"label"}}
	cifar100 = cifarFormat{classes: []int{20, 100}, names: []string{"coarse label", "fine label"}}
)

func (f cifarFormat) record() int { return len(f.classes) + CIFARPixels }

// decodeCIFARRecords reads r (raw or gzip) whole and checks it: a whole
// number of records, every label in range. It returns the raw records.
func decodeCIFARRecords(r io.Reader, f cifarFormat) ([]byte, error) {
	r, err := decompressed(r)
	if err != nil {
		return nil, err
	}
	buf, err := readUpTo(r, MaxBytes+1)
	if err != nil {
		return nil, err
	}
	if len(buf) > MaxBytes {
		return nil, formatErr(ErrTooLarge, fmt.Sprintf("more than the limit of %d bytes", MaxBytes))
	}
	rec := f.record()
	if len(buf) == 0 {
		return nil, formatErr(ErrTruncated, fmt.Sprintf("truncated: empty, want a whole number of %d-byte records", rec))
	}
	if extra := len(buf) % rec; extra != 0 {
		return nil, formatErr(ErrTruncated, fmt.Sprintf("truncated: %d bytes are %d whole %d-byte records and %d bytes of record %d",
			len(buf), len(buf)/rec, rec, extra, len(buf)/rec))
	}
	for i := 0; i < len(buf)/rec; i++ {
		for k, c := range f.classes {
			if v := int(buf[i*rec+k]); v >= c {
				return nil, formatErr(ErrLabelRange, fmt.Sprintf("%s %d at index %d is out of range 0..%d", f.names[k], v, i, c-1))
			}
		}
	}
	return buf, nil
}

// cifarDecode converts checked records (from one or more files) into an
// image tensor [N, 3, 32, 32] and one label slice per label byte.
func cifarDecode(files [][]byte, f cifarFormat) (*tensor.Tensor, [][]int) {
	rec, nl := f.record(), len(f.classes)
	n := 0
	for _, b := range files {
		n += len(b) / rec
	}
	pix := make([]float32, n*CIFARPixels)
	labels := make([][]int, nl)
	for k := range labels {
		labels[k] = make([]int, 0, n)
	}
	j := 0
	for _, b := range files {
		for i := 0; i < len(b)/rec; i++ {
			r := b[i*rec : (i+1)*rec]
			for k := range nl {
				labels[k] = append(labels[k], int(r[k]))
			}
			for p, v := range r[nl:] {
				pix[j*CIFARPixels+p] = byteScale[v]
			}
			j++
		}
	}
	return tensor.FromFloat32(pix, n, 3, CIFARSide, CIFARSide), labels
}

// DecodeCIFAR10 reads one CIFAR-10 binary file (records of 1 label byte,
// 0..9, then 3072 pixel bytes) from r, raw or gzip-compressed. Images are
// float32 [N, 3, 32, 32] in [0, 1].
func DecodeCIFAR10(r io.Reader) (images *tensor.Tensor, labels []int, err error) {
	b, err := decodeCIFARRecords(r, cifar10)
	if err != nil {
		return nil, nil, err
	}
	x, y := cifarDecode([][]byte{b}, cifar10)
	return x, y[0], nil
}

// DecodeCIFAR100 reads one CIFAR-100 binary file (records of a coarse label
// byte, 0..19, a fine label byte, 0..99, then 3072 pixel bytes) from r, raw
// or gzip-compressed. Images are float32 [N, 3, 32, 32] in [0, 1].
func DecodeCIFAR100(r io.Reader) (images *tensor.Tensor, coarse, fine []int, err error) {
	b, err := decodeCIFARRecords(r, cifar100)
	if err != nil {
		return nil, nil, nil, err
	}
	x, y := cifarDecode([][]byte{b}, cifar100)
	return x, y[0], y[1], nil
}

// EncodeCIFAR10 writes images [N, 3, 32, 32] (values in [0, 1], rounded to
// bytes; out-of-range values are clamped, NaN becomes 0) and labels 0..9 in
// the CIFAR-10 binary format.
func EncodeCIFAR10(w io.Writer, images *tensor.Tensor, labels []int) error {
	return encodeCIFAR(w, images, cifar10, labels)
}

// EncodeCIFAR100 writes images [N, 3, 32, 32] with coarse (0..19) and fine
// (0..99) labels in the CIFAR-100 binary format; see EncodeCIFAR10.
func EncodeCIFAR100(w io.Writer, images *tensor.Tensor, coarse, fine []int) error {
	return encodeCIFAR(w, images, cifar100, coarse, fine)
}

func encodeCIFAR(w io.Writer, images *tensor.Tensor, f cifarFormat, labels ...[]int) error {
	s := images.Shape()
	if len(s) != 4 || s[1] != 3 || s[2] != CIFARSide || s[3] != CIFARSide {
		return fmt.Errorf("data: EncodeCIFAR: images have shape %v, want [N 3 32 32]", s)
	}
	n := s[0]
	for k, y := range labels {
		if len(y) != n {
			return fmt.Errorf("data: EncodeCIFAR: %d images but %d %ss", n, len(y), f.names[k])
		}
		for i, v := range y {
			if v < 0 || v >= f.classes[k] {
				return fmt.Errorf("data: EncodeCIFAR: %s %d at index %d is out of range 0..%d", f.names[k], v, i, f.classes[k]-1)
			}
		}
	}
	vals := pixelBytes(images)
	rec := make([]byte, f.record())
	for i := range n {
		for k, y := range labels {
			rec[k] = byte(y[i])
		}
		copy(rec[len(labels):], vals[i*CIFARPixels:(i+1)*CIFARPixels])
		if _, err := w.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

// pixelBytes rounds values in [0, 1] to bytes 0..255, clamping the rest
// (NaN becomes 0).
func pixelBytes(x *tensor.Tensor) []byte {
	out := make([]byte, x.Len())
	conv := func(v float64) byte {
		switch {
		case !(v > 0):
			return 0
		case v >= 1:
			return 255
		}
		return byte(math.Round(v * 255))
	}
	if x.DType() == tensor.Float32 {
		for i, v := range x.Float32s() {
			out[i] = conv(float64(v))
		}
	} else {
		for i, v := range x.Float64s() {
			out[i] = conv(v)
		}
	}
	return out
}

// cifarDir returns dir if it holds probe (or probe.gz), else dir/sub if that does (the
// directory the official tarball unpacks to), else dir.
func cifarDir(dir, sub, probe string) string {
	if _, err := findFile(dir, probe); err == nil {
		return dir
	}
	if _, err := findFile(filepath.Join(dir, sub), probe); err == nil {
		return filepath.Join(dir, sub)
	}
	return dir
}

func readCIFARFiles(dir string, names []string, f cifarFormat) ([][]byte, error) {
	var out [][]byte
	for _, name := range names {
		p, err := findFile(dir, name)
		if err != nil {
			return nil, err
		}
		if err := readFile(p, func(r io.Reader) error {
			b, err := decodeCIFARRecords(r, f)
			out = append(out, b)
			return err
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LoadCIFAR10 reads the CIFAR-10 training set (data_batch_1.bin ..
// data_batch_5.bin, 50 000 images) or test set (test_batch.bin, 10 000)
// from dir, or from dir/cifar-10-batches-bin where the official archive
// unpacks. Each file may also be gzip-compressed with a .gz suffix. Images
// are [N, 3, 32, 32] in [0, 1]; labels 0..9 (see CIFAR10Classes). Record
// counts are not fixed, so smaller files in the same format load too.
func LoadCIFAR10(dir string, train bool) (*Dataset, error) {
	names := []string{"test_batch.bin"}
	name := "cifar-10/test"
	if train {
		names = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
		name = "cifar-10/train"
	}
	dir = cifarDir(dir, "cifar-10-batches-bin", names[0])
	files, err := readCIFARFiles(dir, names, cifar10)
	if err != nil {
		return nil, err
	}
	x, y := cifarDecode(files, cifar10)
	return &Dataset{Name: name, Images: x, Labels: y[0], Classes: 10}, nil
}

// LoadCIFAR100 reads the CIFAR-100 training set (train.bin, 50 000 images)
// or test set (test.bin, 10 000) from dir, or from dir/cifar-100-binary
// where the official archive unpacks (a .gz suffix is also accepted). With
// fine the labels are the 100 fine classes, else the 20 coarse superclasses.
func LoadCIFAR100(dir string, train, fine bool) (*Dataset, error) {
	file, name := "test.bin", "cifar-100/test"
	if train {
		file, name = "train.bin", "cifar-100/train"
	}
	dir = cifarDir(dir, "cifar-100-binary", file)
	files, err := readCIFARFiles(dir, []string{file}, cifar100)
	if err != nil {
		return nil, err
	}
	x, y := cifarDecode(files, cifar100)
	if fine {
		return &Dataset{Name: name + "/fine", Images: x, Labels: y[1], Classes: 100}, nil
	}
	return &Dataset{Name: name + "/coarse", Images: x, Labels: y[0], Classes: 20}, nil
}
