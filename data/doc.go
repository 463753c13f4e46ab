// Package data reads image data sets and feeds them to training loops:
// readers for the IDX format (MNIST, Fashion-MNIST) and the CIFAR-10 and
// CIFAR-100 binary formats, a deterministic synthetic two-class set, a
// mini-batch Loader with a seeded shuffle, and the usual augmentations
// (per-channel normalisation, random crop with zero padding, random
// horizontal flip).
//
// # Data sets
//
// Every loader returns a *Dataset: images as a float32 tensor [N, C, H, W]
// with values in [0, 1], integer labels and the number of classes.
//
//   - LoadFashionMNIST and LoadMNIST read the four IDX files, raw or
//     gzip-compressed. DefaultFashionMNISTDir is where Debian's
//     dataset-fashion-mnist package installs them
//     (apt-get install dataset-fashion-mnist); commands and tests take it as a
//     flag default.
//   - LoadCIFAR10 and LoadCIFAR100 read the "binary version" files.
//   - Synthetic2Class makes small images of horizontal and vertical bars:
//     learnable by a small conv net in seconds, not by the mean intensity,
//     and the same bits for the same seed. Tests use it where downloading a
//     real data set is not an option.
//
// Each reader also exists over an io.Reader (DecodeIDX, DecodeIDXImages,
// DecodeIDXLabels, DecodeIDXDataset, DecodeCIFAR10, DecodeCIFAR100), with
// encoders (EncodeIDX, EncodeCIFAR10, EncodeCIFAR100) that write what they
// read, byte for byte.
//
// # Compression
//
// Compression is recognised by content, not by name: input that starts with
// the gzip magic bytes 0x1f 0x8b is decompressed. The test is unambiguous,
// since a valid IDX file starts with two zero bytes and a CIFAR record with
// a first label byte below 20. Loaders look for each file under its plain name
// and then with .gz appended.
//
// # Errors
//
// The readers treat their input as untrusted: they never panic on it, and
// never allocate more than the input actually holds because a header says
// so (sizes above MaxBytes are refused outright). Problems with the bytes
// are *FormatError values that name the file and say what is wrong, for
// example
//
//	train-labels-idx1-ubyte.gz: label 12 at index 345 is out of range 0..9
//	t10k-images-idx3-ubyte: truncated: header says 10000 images of 28×28 (7840000 bytes) but only 1234 bytes follow
//
// and unwrap to a kind (ErrTruncated, ErrBadMagic, ErrLabelRange,
// ErrCountMismatch, ErrTooLarge, ErrMalformed) for errors.Is. A missing file
// gives an error wrapping fs.ErrNotExist.
//
// # Randomness
//
// The Loader's shuffle and the augmentations draw from an explicit
// *rand.Rand (tensor.NewRNG(seed)) in a documented order, so a seed fixes
// every batch and every crop.
package data
