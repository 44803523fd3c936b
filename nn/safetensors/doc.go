// Package safetensors reads and writes tensors in the safetensors format
// (https://github.com/huggingface/safetensors), the checkpoint format of the
// nn engine. It depends only on the standard library and knows nothing about
// the engine's tensor type: a [Tensor] is a name, a [DType], a shape and the
// raw little-endian bytes of its elements in row-major order.
//
// # Format
//
// A file is
//
//	8 bytes   N, the header length, an unsigned little-endian 64-bit integer
//	N bytes   the header: a UTF-8 JSON object, padded with spaces
//	rest      the tensor data
//
// The header maps every tensor name to {"dtype", "shape", "data_offsets"},
// where data_offsets = [begin, end) are byte offsets into the data section,
// and may hold one extra key, "__metadata__", mapping to an object of
// string-to-string pairs. For example:
//
//	{"__metadata__":{"step":"100"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}
//
// # Writing
//
// [Write] and [WriteFile] produce the same bytes as the reference
// implementation (the Rust crate behind Python's safetensors package): tensors
// are laid out by decreasing dtype (so every tensor's data is aligned to its
// element size) and then by name, the header is compact JSON whose key order
// follows the data order, with "__metadata__" first and its keys sorted, and it
// is padded with spaces to a multiple of 8 bytes. The output is a pure function
// of the input: the order of the tensors slice and of the metadata map does not
// matter. [WriteFile] replaces its target atomically.
//
// # Reading
//
// [Parse], [Read] and [ReadFile] validate the whole file before returning it:
// the header length must fit in the file and not exceed [MaxHeaderSize], the
// header must be a JSON object of the shape above (no duplicate names, no
// unknown fields, known dtypes, non-negative integer dimensions), each tensor's
// byte range must match its shape and dtype exactly, and the ranges must tile
// the data section without gaps or overlaps. Any violation is reported as a
// [FormatError]; the readers never panic on malformed input.
//
// [File.Expect] checks a loaded file against the names, shapes and dtypes a
// model expects and reports the first difference as a [*MismatchError].
package safetensors
