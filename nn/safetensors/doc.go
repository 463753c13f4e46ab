// Package safetensors reads and writes tensors in Hugging Face's safetensors
// format, the format PyTorch, JAX and the Hugging Face hub use to exchange
// weights without executing code.
//
// # The format
//
// A file is three parts, one after the other:
//
//  1. 8 bytes: N, the length of the header, a little-endian unsigned 64-bit
//     integer;
//  2. N bytes: the header, a UTF-8 JSON object mapping each tensor name to
//     {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, plus an
//     optional "__metadata__" entry mapping strings to strings. The header may
//     end in spaces, which writers add so that the data starts at a multiple
//     of 8 bytes;
//  3. the data: every tensor's elements, little-endian and row-major, at
//     bytes [begin, end) counted from the first byte after the header.
//
// The tensors' byte ranges must tile the data exactly: no gaps, no overlaps,
// nothing after the last one, and each range must be as long as its shape and
// dtype require. A scalar has shape [] and one element; a tensor with a zero
// dimension has no bytes.
//
// # This package
//
// Encode and Marshal write tensors and metadata; Write does so to a file
// atomically (a temporary file in the same directory, synced and renamed
// over the destination), so an interrupted save never destroys the previous
// file. The output is deterministic: tensors are stored in sorted name order,
// metadata keys are sorted, and the header is padded with spaces to a
// multiple of 8 bytes, so the same tensors always give the same bytes.
//
// Decode, Unmarshal and Read parse and check the whole input before they
// trust it: every problem (a truncated file, a header longer than
// MaxHeaderSize, invalid JSON, a missing field, a duplicate name, an
// unsupported dtype, a negative dimension, offsets that leave gaps or
// overlap, a size that does not match the shape, trailing bytes) is an
// *Error that names the file and the tensor concerned. No allocation is sized
// by a number from the input before that number has been checked against the
// input's real length, and no input makes these functions panic.
//
// Only the dtypes this library computes with are supported: F32
// (tensor.Float32) and F64 (tensor.Float64). I64, which PyTorch uses for
// counters such as batch norm's num_batches_tracked, is read into Float64
// when every value is exact there (|v| ≤ 2^53) and is an error otherwise; it
// is written back as F64 (PyTorch converts on load). A file holding any
// other dtype (F16, BF16, I32, …) is reported with an error that wraps
// ErrUnsupportedDType and names the tensor and its dtype.
//
// Check compares loaded tensors with the names, dtypes and shapes a model
// expects (its Specs) and reports every difference at once, which is what a
// model loader needs to tell a user what is wrong with a checkpoint.
package safetensors
