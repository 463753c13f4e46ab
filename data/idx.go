package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/acaode/aca/tensor"
)

// IDXType is the element type code of an IDX file, the third byte of its
// magic number.
type IDXType byte

// The IDX element types. MNIST and Fashion-MNIST use IDXUint8 only.
const (
	IDXUint8   IDXType = 0x08
	IDXInt8    IDXType = 0x09
	IDXInt16   IDXType = 0x0B
	IDXInt32   IDXType = 0x0C
	IDXFloat32 IDXType = 0x0D
	IDXFloat64 IDXType = 0x0E
)

// Size returns the bytes per element, or 0 for an unknown type code.
func (t IDXType) Size() int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// String returns the type's name ("uint8", ...), or its code in hex.
func (t IDXType) String() string {
	switch t {
	case IDXUint8:
		return "uint8"
	case IDXInt8:
		return "int8"
	case IDXInt16:
		return "int16"
	case IDXInt32:
		return "int32"
	case IDXFloat32:
		return "float32"
	case IDXFloat64:
		return "float64"
	}
	return fmt.Sprintf("IDXType(0x%02x)", byte(t))
}

// Magic numbers of the two IDX files MNIST-style data sets are made of.
const (
	IDXLabelMagic = 0x00000801 // uint8, one dimension: N labels
	IDXImageMagic = 0x00000803 // uint8, three dimensions: N images of H×W
)

// IDX is the content of an IDX file: an n-dimensional array of one element
// type. Data holds the elements as stored, big-endian and row-major, so a
// file round-trips byte for byte through DecodeIDX and EncodeIDX.
type IDX struct {
	Type IDXType
	Dims []int
	Data []byte
}

// Magic returns the file's magic number: 0x0000TTNN for type TT and NN
// dimensions.
func (x *IDX) Magic() uint32 { return uint32(x.Type)<<8 | uint32(len(x.Dims)) }

// Len returns the number of elements, the product of Dims.
func (x *IDX) Len() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// Values decodes the elements to float64, whatever the element type.
func (x *IDX) Values() []float64 {
	sz := x.Type.Size()
	if sz == 0 {
		return nil
	}
	out := make([]float64, len(x.Data)/sz)
	d := x.Data
	for i := range out {
		switch x.Type {
		case IDXUint8:
			out[i] = float64(d[i])
		case IDXInt8:
			out[i] = float64(int8(d[i]))
		case IDXInt16:
			out[i] = float64(int16(binary.BigEndian.Uint16(d[2*i:])))
		case IDXInt32:
			out[i] = float64(int32(binary.BigEndian.Uint32(d[4*i:])))
		case IDXFloat32:
			out[i] = float64(math.Float32frombits(binary.BigEndian.Uint32(d[4*i:])))
		case IDXFloat64:
			out[i] = math.Float64frombits(binary.BigEndian.Uint64(d[8*i:]))
		}
	}
	return out
}

// idxSpec says what a caller expects of an IDX file: a magic number (0 for
// any valid one), what such a file is called, and how to describe its
// declared content in an error message.
type idxSpec struct {
	magic    uint32
	kind     string
	describe func(dims []int) string
}

var anyIDX = idxSpec{kind: "IDX file", describe: func(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return "an array of " + strings.Join(s, "×")
}}

var idxImages = idxSpec{magic: IDXImageMagic, kind: "IDX image file", describe: func(d []int) string {
	return fmt.Sprintf("%d images of %d×%d", d[0], d[1], d[2])
}}

var idxLabels = idxSpec{magic: IDXLabelMagic, kind: "IDX label file", describe: func(d []int) string {
	return fmt.Sprintf("%d labels", d[0])
}}

// DecodeIDX reads one IDX file from r, raw or gzip-compressed (recognised by
// its first two bytes, 0x1f 0x8b). The file must end where its header says:
// truncation and trailing bytes are both errors, as are an unknown element
// type, zero dimensions and a size above MaxBytes. Errors about the bytes are
// *FormatError values.
func DecodeIDX(r io.Reader) (*IDX, error) { return decodeIDX(r, anyIDX) }

func decodeIDX(r io.Reader, spec idxSpec) (*IDX, error) {
	r, err := decompressed(r)
	if err != nil {
		return nil, err
	}
	var head [4]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil {
		if n < 4 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
			return nil, formatErr(ErrTruncated, fmt.Sprintf("truncated: %d bytes, but an %s starts with a 4-byte magic number", n, spec.kind))
		}
		return nil, streamErr(err, "header")
	}
	magic := binary.BigEndian.Uint32(head[:])
	typ, nd := IDXType(head[2]), int(head[3])
	switch {
	case spec.magic != 0 && magic != spec.magic:
		return nil, formatErr(ErrBadMagic, fmt.Sprintf("magic 0x%08x is not an %s (want 0x%08x)", magic, spec.kind, spec.magic))
	case head[0] != 0 || head[1] != 0 || typ.Size() == 0 || nd == 0:
		return nil, formatErr(ErrBadMagic, fmt.Sprintf("magic 0x%08x is not an %s (want 0x0000TTNN: type TT one of 08 09 0b 0c 0d 0e, NN ≥ 1 dimensions)", magic, spec.kind))
	}

	dimBytes := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, dimBytes); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, formatErr(ErrTruncated, fmt.Sprintf("truncated: the magic number declares %d dimensions (%d bytes) but only %d bytes follow", nd, 4*nd, n))
		}
		return nil, streamErr(err, "header")
	}
	dims := make([]int, nd)
	total, zero := uint64(1), false
	for i := range dims {
		d := uint64(binary.BigEndian.Uint32(dimBytes[4*i:]))
		if d > MaxBytes {
			return nil, formatErr(ErrTooLarge, fmt.Sprintf("dimension %d is %d, more than the limit of %d bytes", i, d, MaxBytes))
		}
		dims[i] = int(d)
		if d == 0 {
			zero = true
		} else if total <= MaxBytes {
			total *= d // both ≤ 2³⁰: no overflow
		}
	}
	if zero {
		total = 0
	}
	size := total * uint64(typ.Size())
	if size > MaxBytes {
		return nil, formatErr(ErrTooLarge, fmt.Sprintf("header says %s, more than the limit of %d bytes", spec.describe(dims), MaxBytes))
	}
	want := int(size)
	data, err := readUpTo(r, want)
	if err != nil {
		return nil, err
	}
	if len(data) < want {
		return nil, formatErr(ErrTruncated, fmt.Sprintf("truncated: header says %s (%d bytes) but only %d bytes follow", spec.describe(dims), want, len(data)))
	}
	if err := expectEOF(r, fmt.Sprintf("the %d bytes of %s the header declares", want, spec.describe(dims))); err != nil {
		return nil, err
	}
	return &IDX{Type: typ, Dims: dims, Data: data}, nil
}

// EncodeIDX writes x to w in the IDX format (uncompressed). It checks that
// x is consistent: a known type, 1 to 255 dimensions each below 2³², and
// exactly Len()·Type.Size() data bytes.
func EncodeIDX(w io.Writer, x *IDX) error {
	sz := x.Type.Size()
	if sz == 0 {
		return fmt.Errorf("data: EncodeIDX: unknown element type %v", x.Type)
	}
	if len(x.Dims) == 0 || len(x.Dims) > 255 {
		return fmt.Errorf("data: EncodeIDX: %d dimensions, want 1..255", len(x.Dims))
	}
	head := make([]byte, 4+4*len(x.Dims))
	binary.BigEndian.PutUint32(head, x.Magic())
	n := uint64(sz)
	for i, d := range x.Dims {
		if d < 0 || uint64(d) > math.MaxUint32 {
			return fmt.Errorf("data: EncodeIDX: dimension %d is %d, want 0..2³²-1", i, d)
		}
		binary.BigEndian.PutUint32(head[4+4*i:], uint32(d))
		n *= uint64(d)
	}
	if n != uint64(len(x.Data)) {
		return fmt.Errorf("data: EncodeIDX: dims %v of %v need %d bytes, Data has %d", x.Dims, x.Type, n, len(x.Data))
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(x.Data)
	return err
}

// ReadIDX reads the IDX file at path, raw or gzip-compressed. Errors about
// the content are *FormatError values naming the file.
func ReadIDX(path string) (*IDX, error) {
	var x *IDX
	err := readFile(path, func(r io.Reader) (err error) {
		x, err = DecodeIDX(r)
		return err
	})
	return x, err
}

// byteScale maps a byte to its float32 value in [0, 1].
var byteScale = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// DecodeIDXImages reads an IDX image file (magic 0x00000803: N images of
// H×W bytes) from r, raw or gzip-compressed, and returns them as a float32
// tensor [N, 1, H, W] with values byte/255 in [0, 1].
func DecodeIDXImages(r io.Reader) (*tensor.Tensor, error) {
	x, err := decodeIDX(r, idxImages)
	if err != nil {
		return nil, err
	}
	if x.Dims[1] == 0 || x.Dims[2] == 0 {
		return nil, formatErr(ErrMalformed, fmt.Sprintf("images of %d×%d pixels: a side is zero", x.Dims[1], x.Dims[2]))
	}
	pix := make([]float32, len(x.Data))
	for i, b := range x.Data {
		pix[i] = byteScale[b]
	}
	return tensor.FromFloat32(pix, x.Dims[0], 1, x.Dims[1], x.Dims[2]), nil
}

// DecodeIDXLabels reads an IDX label file (magic 0x00000801: N bytes) from
// r, raw or gzip-compressed, and checks that every label is in
// 0..classes-1 (classes must be 1..256).
func DecodeIDXLabels(r io.Reader, classes int) ([]int, error) {
	if classes < 1 || classes > 256 {
		return nil, fmt.Errorf("data: DecodeIDXLabels: %d classes, want 1..256", classes)
	}
	x, err := decodeIDX(r, idxLabels)
	if err != nil {
		return nil, err
	}
	labels := make([]int, len(x.Data))
	for i, b := range x.Data {
		if int(b) >= classes {
			return nil, formatErr(ErrLabelRange, fmt.Sprintf("label %d at index %d is out of range 0..%d", b, i, classes-1))
		}
		labels[i] = int(b)
	}
	return labels, nil
}

// DecodeIDXDataset reads an image file and a label file (see
// DecodeIDXImages and DecodeIDXLabels) into a Dataset named name with the
// given number of classes, checking that the counts agree.
func DecodeIDXDataset(name string, images, labels io.Reader, classes int) (*Dataset, error) {
	x, err := DecodeIDXImages(images)
	if err != nil {
		return nil, err
	}
	y, err := DecodeIDXLabels(labels, classes)
	if err != nil {
		return nil, err
	}
	if n := x.Dim(0); n != len(y) {
		return nil, formatErr(ErrCountMismatch, fmt.Sprintf("%d images but %d labels", n, len(y)))
	}
	return &Dataset{Name: name, Images: x, Labels: y, Classes: classes}, nil
}

// DefaultFashionMNISTDir is where Debian's dataset-fashion-mnist package
// installs the four .gz files (see `dpkg -L dataset-fashion-mnist`). Commands
// and tests take it as the default of a flag, so another directory can be
// given.
const DefaultFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTClasses names the ten Fashion-MNIST classes by label.
var FashionMNISTClasses = [10]string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// LoadFashionMNIST reads the Fashion-MNIST training set (60 000 images) or
// test set (10 000) from dir: the files train-images-idx3-ubyte and
// train-labels-idx1-ubyte, or t10k-…, each raw or with a .gz suffix. Images
// are [N, 1, 28, 28] in [0, 1]; labels are 0..9 (see FashionMNISTClasses).
// A missing file gives an error wrapping fs.ErrNotExist.
func LoadFashionMNIST(dir string, train bool) (*Dataset, error) {
	return loadIDXPair(dir, train, "fashion-mnist")
}

// LoadMNIST reads the MNIST handwritten digits from dir: the same file
// names and format as LoadFashionMNIST, labels 0..9.
func LoadMNIST(dir string, train bool) (*Dataset, error) {
	return loadIDXPair(dir, train, "mnist")
}

func loadIDXPair(dir string, train bool, name string) (*Dataset, error) {
	split := "t10k"
	if train {
		split = "train"
	}
	imgPath, err := findFile(dir, split+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	lblPath, err := findFile(dir, split+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	var x *tensor.Tensor
	if err := readFile(imgPath, func(r io.Reader) (err error) {
		x, err = DecodeIDXImages(r)
		return err
	}); err != nil {
		return nil, err
	}
	var y []int
	if err := readFile(lblPath, func(r io.Reader) (err error) {
		y, err = DecodeIDXLabels(r, 10)
		return err
	}); err != nil {
		return nil, err
	}
	if n := x.Dim(0); n != len(y) {
		return nil, &FormatError{File: imgPath, Kind: ErrCountMismatch,
			Detail: fmt.Sprintf("%d images but %s has %d labels", n, lblPath, len(y))}
	}
	if train {
		name += "/train"
	} else {
		name += "/test"
	}
	return &Dataset{Name: name, Images: x, Labels: y, Classes: 10}, nil
}
