package safetensors

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/metabench/metabench/internal/atomicfile"
)

// MaxHeaderSize is the largest header, in bytes, that the readers accept and
// the writers produce; the reference implementation uses the same limit.
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key holding the free-form metadata.
const metadataKey = "__metadata__"

// Write writes tensors and metadata to w in the safetensors format. The
// output depends only on the set of tensors and the metadata, not on their
// order, and matches the reference implementation byte for byte (see the
// package documentation). A nil or empty metadata map writes no
// "__metadata__" entry.
//
// Write returns an error, before writing anything, if two tensors share a
// name, a name is "__metadata__", a name or metadata string is not valid
// UTF-8, a dtype is unknown, a dimension is negative, or a tensor's Data does
// not have exactly the length its shape and dtype imply.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, order, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	bw.Write(n[:])
	bw.Write(header)
	for _, i := range order {
		bw.Write(tensors[i].Data)
	}
	return bw.Flush()
}

// encodeHeader validates the tensors and returns the padded header together
// with the order in which the tensors' data must follow it.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, []int, error) {
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("safetensors: metadata entry %q: %q is not valid UTF-8", k, v)
		}
	}
	order := make([]int, len(tensors))
	for i, t := range tensors {
		order[i] = i
		if t.Name == metadataKey {
			return nil, nil, fmt.Errorf("safetensors: tensor name %q is reserved", t.Name)
		}
		if !utf8.ValidString(t.Name) {
			return nil, nil, fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
		}
		size, err := byteSize(t.DType, t.Shape)
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %v", t.Name, err)
		}
		if size != len(t.Data) {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: shape %v of %s needs %d bytes, have %d",
				t.Name, t.Shape, t.DType, size, len(t.Data))
		}
	}
	// Decreasing dtype, then increasing name: the reference layout, which
	// aligns every tensor's data to its element size.
	slices.SortFunc(order, func(i, j int) int {
		a, b := tensors[i], tensors[j]
		return cmp.Or(cmp.Compare(b.DType.rank(), a.DType.rank()), cmp.Compare(a.Name, b.Name))
	})
	seen := make(map[string]bool, len(tensors))
	for _, t := range tensors {
		if seen[t.Name] {
			return nil, nil, fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
	}

	h := []byte{'{'}
	if len(metadata) > 0 {
		h = appendString(h, metadataKey)
		h = append(h, ":{"...)
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				h = append(h, ',')
			}
			h = appendString(h, k)
			h = append(h, ':')
			h = appendString(h, metadata[k])
		}
		h = append(h, '}')
	}
	offset := 0
	for i, idx := range order {
		t := tensors[idx]
		if i > 0 || len(metadata) > 0 {
			h = append(h, ',')
		}
		h = appendString(h, t.Name)
		h = append(h, `:{"dtype":`...)
		h = appendString(h, string(t.DType))
		h = append(h, `,"shape":[`...)
		for j, d := range t.Shape {
			if j > 0 {
				h = append(h, ',')
			}
			h = strconv.AppendInt(h, int64(d), 10)
		}
		h = append(h, `],"data_offsets":[`...)
		h = strconv.AppendInt(h, int64(offset), 10)
		h = append(h, ',')
		offset += len(t.Data)
		h = strconv.AppendInt(h, int64(offset), 10)
		h = append(h, "]}"...)
	}
	h = append(h, '}')
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	if len(h) > MaxHeaderSize {
		return nil, nil, fmt.Errorf("safetensors: header of %d bytes exceeds the limit of %d", len(h), MaxHeaderSize)
	}
	return h, order, nil
}

// appendString appends s, which must be valid UTF-8, as a JSON string
// escaped the way serde_json escapes it: only the quote, the backslash and
// control characters, with \b \t \n \f \r short forms and lower-case \u00XX
// for the rest.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// WriteFile writes tensors and metadata to the named file, as [Write] does,
// atomically: the data goes to a temporary file in the same directory, which
// is synced and then renamed over path, so a reader (or a crash) sees either
// the old file or the complete new one, never a partial write. The file is
// created with permissions 0644.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	// Validate first so that a bad tensor leaves no temporary file behind.
	if _, _, err := encodeHeader(tensors, metadata); err != nil {
		return err
	}
	if err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return Write(w, tensors, metadata) }); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}
