package safetensors

import (
	"errors"

	"github.com/acaode/aca/tensor"
)

// MaxHeaderSize is the largest header, in bytes, that the readers accept:
// 100 MB, the limit of the reference implementation. Real headers are a few
// megabytes at most; a larger length is taken to be a corrupt file rather
// than a reason to allocate.
const MaxHeaderSize = 100_000_000

// metadataKey is the header entry that holds the string-to-string metadata.
const metadataKey = "__metadata__"

// ErrUnsupportedDType is wrapped by the *Error returned for a well-formed
// file holding a tensor whose dtype is valid safetensors but not F32 or F64.
var ErrUnsupportedDType = errors.New("unsupported dtype")

// Error reports input that is not a valid safetensors file, or that holds a
// dtype this package does not support.
type Error struct {
	// Path is the file that was read, or "" for Decode and Unmarshal.
	Path string
	// Msg describes the problem, naming the tensor concerned if there is one.
	Msg string
	// Err is the underlying error (an I/O error, ErrUnsupportedDType), or nil.
	Err error
}

// Error returns "safetensors: PATH: MSG[: ERR]".
func (e *Error) Error() string {
	s := "safetensors: "
	if e.Path != "" {
		s += e.Path + ": "
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// dtypeName returns the safetensors name of a supported dtype.
func dtypeName(dt tensor.DType) string {
	if dt == tensor.Float32 {
		return "F32"
	}
	return "F64"
}

// parseDType maps a safetensors dtype name to a tensor dtype. known reports
// whether the name is one the format defines, so that an unsupported dtype
// can be told from a misspelt one.
func parseDType(s string) (dt tensor.DType, known bool) {
	switch s {
	case "F32":
		return tensor.Float32, true
	case "F64":
		return tensor.Float64, true
	case "BOOL", "U8", "I8", "U16", "I16", "F16", "BF16", "U32", "I32", "U64", "I64",
		"F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64":
		return 0, true
	}
	return 0, false
}
