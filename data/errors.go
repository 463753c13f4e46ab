package data

import "errors"

// Kinds of malformed input. A *FormatError unwraps to one of them, so callers
// can test the kind with errors.Is and still print the full message.
var (
	// ErrTruncated: the input ends before the data its header or record
	// size promises.
	ErrTruncated = errors.New("truncated input")
	// ErrBadMagic: the input does not start with the magic number of the
	// expected format.
	ErrBadMagic = errors.New("wrong magic number")
	// ErrLabelRange: a label is outside 0..classes-1.
	ErrLabelRange = errors.New("label out of range")
	// ErrCountMismatch: an image file and its label file hold different
	// numbers of items.
	ErrCountMismatch = errors.New("image and label counts differ")
	// ErrTooLarge: a header claims (or a stream decompresses to) more than
	// MaxBytes of data.
	ErrTooLarge = errors.New("input too large")
	// ErrMalformed: any other structural problem (a corrupt gzip stream,
	// data after the end, an image dimension of zero).
	ErrMalformed = errors.New("malformed input")
)

// FormatError reports input bytes that are not what they claim to be. File
// is the file name the loader was reading ("" when decoding a bare
// io.Reader); Kind is one of the Err* values above; Detail says what is
// wrong in words, for example
//
//	train-labels-idx1-ubyte.gz: label 12 at index 345 is out of range 0..9
type FormatError struct {
	File   string
	Kind   error
	Detail string
}

// Error returns "file: detail", or "data: detail" without a file name.
func (e *FormatError) Error() string {
	if e.File == "" {
		return "data: " + e.Detail
	}
	return e.File + ": " + e.Detail
}

// Unwrap returns Kind, so errors.Is(err, ErrTruncated) and the like work.
func (e *FormatError) Unwrap() error { return e.Kind }

func formatErr(kind error, detail string) *FormatError {
	return &FormatError{Kind: kind, Detail: detail}
}

// inFile names path in a FormatError that has no file name yet; other errors
// (from the operating system, which already name the file) pass through.
func inFile(err error, path string) error {
	var fe *FormatError
	if errors.As(err, &fe) && fe.File == "" {
		c := *fe
		c.File = path
		return &c
	}
	return err
}
