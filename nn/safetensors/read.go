package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"
)

// A FormatError reports that the input is not a valid safetensors file.
type FormatError string

func (e FormatError) Error() string { return "safetensors: invalid file: " + string(e) }

func formatErrorf(format string, args ...any) error {
	return FormatError(fmt.Sprintf(format, args...))
}

// A File is the content of a safetensors file.
type File struct {
	// Metadata holds the "__metadata__" entry of the header; it is nil if
	// the file has none.
	Metadata map[string]string
	// Tensors holds the tensors in the order of their data in the file.
	Tensors []Tensor

	index map[string]int // name -> position in Tensors; built by the readers
}

// Tensor returns the tensor with the given name.
func (f *File) Tensor(name string) (Tensor, bool) {
	if f.index != nil {
		if i, ok := f.index[name]; ok && i < len(f.Tensors) && f.Tensors[i].Name == name {
			return f.Tensors[i], true
		}
	}
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Names returns the names of the tensors in f, sorted.
func (f *File) Names() []string {
	names := make([]string, len(f.Tensors))
	for i, t := range f.Tensors {
		names[i] = t.Name
	}
	slices.Sort(names)
	return names
}

// A MismatchError reports the first difference [File.Expect] found between a
// file and the expected tensors, for example
//
//	safetensors: layer1.w: shape [3 4], want [4 3]
type MismatchError struct {
	Name    string // the tensor concerned
	Problem string // "missing", "unexpected tensor", "dtype F64, want F32", "shape [3 4], want [4 3]"
}

func (e *MismatchError) Error() string { return "safetensors: " + e.Name + ": " + e.Problem }

// Expect checks that f holds exactly the tensors described by specs, with the
// given dtypes and shapes. It returns nil if so and otherwise a
// [*MismatchError] for the first difference: going through specs in order, a
// missing tensor, a wrong dtype or a wrong shape; then the first tensor in f,
// by name, that no spec mentions. Two specs with the same name are an error.
func (f *File) Expect(specs []Spec) error {
	want := make(map[string]bool, len(specs))
	for _, s := range specs {
		if want[s.Name] {
			return fmt.Errorf("safetensors: Expect: two specs for tensor %q", s.Name)
		}
		want[s.Name] = true
		t, ok := f.Tensor(s.Name)
		switch {
		case !ok:
			return &MismatchError{s.Name, "missing"}
		case t.DType != s.DType:
			return &MismatchError{s.Name, fmt.Sprintf("dtype %s, want %s", t.DType, s.DType)}
		case !slices.Equal(t.Shape, s.Shape):
			return &MismatchError{s.Name, fmt.Sprintf("shape %v, want %v", fmtShape(t.Shape), fmtShape(s.Shape))}
		}
	}
	for _, name := range f.Names() {
		if !want[name] {
			return &MismatchError{name, "unexpected tensor"}
		}
	}
	return nil
}

// fmtShape makes a nil shape print as [] like an empty one.
func fmtShape(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// ReadFile reads and validates the named safetensors file.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Parse parses and validates a safetensors file held in memory. The Data of
// the returned tensors are subslices of data, not copies.
func Parse(data []byte) (*File, error) {
	n, err := headerLength(data, int64(len(data)))
	if err != nil {
		return nil, err
	}
	return build(data[8:8+n], data[8+n:])
}

// Read reads and validates a safetensors file of the given size from r. The
// header is validated before the data is read, so a corrupt header costs no
// large allocation.
func Read(r io.ReaderAt, size int64) (*File, error) {
	var prefix [8]byte
	if size >= 8 {
		if err := readFull(r, prefix[:], 0); err != nil {
			return nil, err
		}
	}
	n, err := headerLength(prefix[:], size)
	if err != nil {
		return nil, err
	}
	header := make([]byte, n)
	if err := readFull(r, header, 8); err != nil {
		return nil, err
	}
	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	dataLen := size - 8 - int64(n)
	if err := checkLayout(entries, dataLen); err != nil {
		return nil, err
	}
	data := make([]byte, dataLen)
	if err := readFull(r, data, 8+int64(n)); err != nil {
		return nil, err
	}
	return assemble(entries, meta, data), nil
}

// readFull fills p from r at off, treating a short read as a truncated file.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	k, err := r.ReadAt(p, off)
	if k == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		return formatErrorf("file truncated: read %d of %d bytes at offset %d", k, len(p), off)
	}
	return fmt.Errorf("safetensors: %w", err)
}

// headerLength decodes and checks the 8-byte header length of a file of the
// given size whose first bytes are prefix.
func headerLength(prefix []byte, size int64) (int, error) {
	if size < 8 {
		return 0, formatErrorf("file of %d bytes is too short for the 8-byte header length", size)
	}
	n := binary.LittleEndian.Uint64(prefix)
	if n > MaxHeaderSize {
		return 0, formatErrorf("header length %d exceeds the limit of %d bytes (not a safetensors file?)", n, MaxHeaderSize)
	}
	if int64(n) > size-8 {
		return 0, formatErrorf("header length %d exceeds the %d bytes that follow it (truncated file?)", n, size-8)
	}
	return int(n), nil
}

// build parses the header and lays the tensors over data.
func build(header, data []byte) (*File, error) {
	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	if err := checkLayout(entries, int64(len(data))); err != nil {
		return nil, err
	}
	return assemble(entries, meta, data), nil
}

// An entry is one tensor's description in the header.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int
}

// assemble returns the file whose tensors are described by entries (already
// sorted by checkLayout) and stored in data.
func assemble(entries []entry, meta map[string]string, data []byte) *File {
	f := &File{Metadata: meta, Tensors: make([]Tensor, len(entries)), index: make(map[string]int, len(entries))}
	for i, e := range entries {
		f.Tensors[i] = Tensor{Name: e.name, DType: e.dtype, Shape: e.shape, Data: data[e.begin:e.end:e.end]}
		f.index[e.name] = i
	}
	return f
}

// checkLayout sorts entries by offset and checks that each tensor's byte
// range matches its dtype and shape and that the ranges exactly tile the
// dataLen bytes of the data section.
func checkLayout(entries []entry, dataLen int64) error {
	for _, e := range entries {
		if e.end < e.begin {
			return formatErrorf("tensor %q: data_offsets [%d, %d] end before they begin", e.name, e.begin, e.end)
		}
		if int64(e.end) > dataLen {
			return formatErrorf("tensor %q: data_offsets [%d, %d] extend beyond the %d data bytes (truncated file?)",
				e.name, e.begin, e.end, dataLen)
		}
		size, err := byteSize(e.dtype, e.shape)
		if err != nil {
			return formatErrorf("tensor %q: %v", e.name, err)
		}
		if size != e.end-e.begin {
			return formatErrorf("tensor %q: shape %v of %s needs %d bytes, but data_offsets [%d, %d] hold %d",
				e.name, fmtShape(e.shape), e.dtype, size, e.begin, e.end, e.end-e.begin)
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	pos := 0
	for i, e := range entries {
		if e.begin < pos {
			return formatErrorf("tensors %q and %q overlap in the data section", entries[i-1].name, e.name)
		}
		if e.begin > pos {
			return formatErrorf("data bytes [%d, %d) before tensor %q belong to no tensor", pos, e.begin, e.name)
		}
		pos = e.end
	}
	if int64(pos) != dataLen {
		return formatErrorf("data bytes [%d, %d) after the last tensor belong to no tensor", pos, dataLen)
	}
	return nil
}

// parseHeader decodes the JSON header strictly: an object whose values are
// tensor descriptions, plus an optional "__metadata__" object of strings.
func parseHeader(h []byte) ([]entry, map[string]string, error) {
	if len(h) == 0 {
		return nil, nil, formatErrorf("header is empty")
	}
	if h[0] != '{' {
		return nil, nil, formatErrorf("header does not start with '{' (not a safetensors file?)")
	}
	if !utf8.Valid(h) {
		return nil, nil, formatErrorf("header is not valid UTF-8")
	}
	p := &parser{dec: json.NewDecoder(bytes.NewReader(h))}
	p.dec.UseNumber()
	entries, meta := p.header()
	if p.err != nil {
		return nil, nil, p.err
	}
	return entries, meta, nil
}

// A parser walks the JSON tokens of a header. The first error sticks; after
// it every method is a no-op.
type parser struct {
	dec *json.Decoder
	err error
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = formatErrorf(format, args...)
	}
}

// token returns the next token, or nil after an error.
func (p *parser) token() json.Token {
	if p.err != nil {
		return nil
	}
	t, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		p.fail("header is not valid JSON: %v", err)
		return nil
	}
	return t
}

// delim consumes the delimiter d, in the context described by what.
func (p *parser) delim(d json.Delim, what string) bool {
	t := p.token()
	if p.err != nil {
		return false
	}
	if t != d {
		p.fail("%s: got %s, want %q", what, describe(t), string(d))
		return false
	}
	return true
}

// more reports whether the current object or array has another element.
func (p *parser) more() bool { return p.err == nil && p.dec.More() }

// str consumes a string.
func (p *parser) str(what string) string {
	t := p.token()
	if p.err != nil {
		return ""
	}
	s, ok := t.(string)
	if !ok {
		p.fail("%s: got %s, want a string", what, describe(t))
	}
	return s
}

// int consumes a non-negative integer that fits in an int.
func (p *parser) int(what string) int {
	t := p.token()
	if p.err != nil {
		return 0
	}
	num, ok := t.(json.Number)
	if !ok {
		p.fail("%s: got %s, want a non-negative integer", what, describe(t))
		return 0
	}
	v, err := strconv.ParseInt(string(num), 10, 0)
	if err != nil || v < 0 {
		p.fail("%s: %s is not a non-negative integer", what, num)
		return 0
	}
	return int(v)
}

func (p *parser) header() ([]entry, map[string]string) {
	var (
		entries []entry
		meta    map[string]string
		seen    = make(map[string]bool)
	)
	p.delim('{', "header")
	for p.more() {
		name := p.str("header key")
		if p.err != nil {
			break
		}
		if seen[name] {
			p.fail("header names %q twice", name)
			break
		}
		seen[name] = true
		if name == metadataKey {
			meta = p.metadata()
		} else {
			entries = append(entries, p.entry(name))
		}
	}
	p.delim('}', "header")
	if p.err == nil {
		if t, err := p.dec.Token(); err != io.EOF {
			if err != nil {
				p.fail("header is not valid JSON after the object: %v", err)
			} else {
				p.fail("header has %s after the object", describe(t))
			}
		}
	}
	return entries, meta
}

func (p *parser) metadata() map[string]string {
	t := p.token()
	if t == nil {
		return nil // "__metadata__": null, or an error
	}
	if t != json.Delim('{') {
		p.fail("%s: got %s, want an object", metadataKey, describe(t))
		return nil
	}
	meta := make(map[string]string)
	for p.more() {
		k := p.str(metadataKey + " key")
		if p.err == nil {
			if _, dup := meta[k]; dup {
				p.fail("%s names %q twice", metadataKey, k)
				return nil
			}
		}
		meta[k] = p.str(fmt.Sprintf("%s[%q]", metadataKey, k))
	}
	p.delim('}', metadataKey)
	return meta
}

func (p *parser) entry(name string) entry {
	e := entry{name: name}
	what := fmt.Sprintf("tensor %q", name)
	p.delim('{', what)
	var haveDType, haveShape, haveOffsets bool
	for p.more() {
		field := p.str(what + " field")
		if p.err != nil {
			break
		}
		switch field {
		case "dtype":
			if haveDType {
				p.fail("%s: field %q appears twice", what, field)
			}
			haveDType = true
			e.dtype = DType(p.str(what + " dtype"))
			if p.err == nil && !e.dtype.Valid() {
				p.fail("%s: unknown dtype %q", what, string(e.dtype))
			}
		case "shape":
			if haveShape {
				p.fail("%s: field %q appears twice", what, field)
			}
			haveShape = true
			e.shape = []int{}
			p.delim('[', what+" shape")
			for p.more() {
				e.shape = append(e.shape, p.int(what+" shape"))
			}
			p.delim(']', what+" shape")
		case "data_offsets":
			if haveOffsets {
				p.fail("%s: field %q appears twice", what, field)
			}
			haveOffsets = true
			p.delim('[', what+" data_offsets")
			var offs []int
			for p.more() && len(offs) < 3 {
				offs = append(offs, p.int(what+" data_offsets"))
			}
			if p.err == nil && len(offs) != 2 {
				p.fail("%s: data_offsets must have 2 elements", what)
			}
			p.delim(']', what+" data_offsets")
			if len(offs) == 2 {
				e.begin, e.end = offs[0], offs[1]
			}
		default:
			p.fail("%s: unknown field %q", what, field)
		}
	}
	p.delim('}', what)
	if p.err == nil {
		switch {
		case !haveDType:
			p.fail("%s: missing field \"dtype\"", what)
		case !haveShape:
			p.fail("%s: missing field \"shape\"", what)
		case !haveOffsets:
			p.fail("%s: missing field \"data_offsets\"", what)
		}
	}
	return e
}

// describe names a JSON token for an error message.
func describe(t json.Token) string {
	switch v := t.(type) {
	case nil:
		return "null"
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("string %q", v)
	case json.Number:
		return "number " + string(v)
	case bool:
		return fmt.Sprintf("%t", v)
	}
	return fmt.Sprintf("%v", t)
}
