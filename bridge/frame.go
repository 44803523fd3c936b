// Package bridge is the server side of `metabench serve`: the
// block-stacking world, its expert, its datasets, the ECFP featuriser and
// BLEU behind a small binary protocol on a byte stream, so that Python (or
// any language) can drive them without cgo or sockets. docs/python.md is the
// protocol's reference; this file is its framing.
//
// A frame is a little-endian uint32 payload length followed by the payload.
// A payload is a little-endian uint32 header length, a UTF-8 JSON header
// object, and the raw bytes of the arrays the header lists under "arrays",
// in order and without padding: little-endian values, C order.
package bridge

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Version is the newest protocol version the server speaks, MinVersion the
// oldest it still serves: version 2 added the ops that hold and step several
// environments per request (vmake, vreset, vstep, vrender); every version 1
// request is answered as before. A request naming another version is refused.
const (
	Version    = 2
	MinVersion = 1
)

// Limits of what the server reads, so that a corrupt or hostile length
// cannot make it allocate without bound.
const (
	MaxFrame  = 64 << 20
	maxHeader = 1 << 20
	maxDims   = 8
)

// itemSize returns the item size of a dtype of the protocol (numpy's
// array-interface spelling).
func itemSize(dtype string) (int, bool) {
	switch dtype {
	case "<f4", "<i4":
		return 4, true
	case "<f8", "<i8", "<u8":
		return 8, true
	case "|u1":
		return 1, true
	}
	return 0, false
}

// Array is one array of a frame: raw little-endian bytes with a dtype and a
// shape.
type Array struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Data  []byte `json:"-"`
}

// Message is a decoded frame: the JSON header (verbatim, for the handler
// to decode into its own parameters) and the arrays.
type Message struct {
	Header json.RawMessage
	Arrays []Array
	base   base // the header's common fields, read once
	plain  bool // the header has no fields besides base's
}

// Array returns the array called name.
func (m *Message) Array(name string) (*Array, bool) {
	for i := range m.Arrays {
		if m.Arrays[i].Name == name {
			return &m.Arrays[i], true
		}
	}
	return nil, false
}

// FrameError is a frame that could not be decoded but whose bytes were all
// consumed: the stream is still in step and the server can answer it.
type FrameError struct{ Msg string }

func (e *FrameError) Error() string { return e.Msg }

func frameErrorf(format string, a ...any) error {
	return &FrameError{fmt.Sprintf(format, a...)}
}

// ReadMessage reads one frame. io.EOF means the stream ended cleanly
// between frames; a *FrameError means a bad frame that was skipped whole;
// any other error means the stream is broken.
func ReadMessage(r io.Reader) (*Message, error) {
	var rr requestReader
	return rr.read(r)
}

// headerCache remembers the last request header without parameters and
// its decoding: a client stepping sends the same header bytes every step
// (the step or vstep op and its arrays' specs), which then costs a
// comparison instead of a JSON parse.
type headerCache struct {
	hdr  []byte
	base base
}

// maxCachedHeader bounds the header kept: a step's is under 200 bytes.
const maxCachedHeader = 1024

// maxReusedPayload bounds the request buffer a requestReader keeps from
// one request to the next: a step's request is about 100 bytes, and a
// large request (SMILES for ecfp) should not stay allocated after it.
const maxReusedPayload = 64 << 10

// requestReader reads the requests of one stream. A stepping client sends
// a request per step, so it reuses one payload buffer and one Message
// from request to request instead of allocating them (each allocation
// brings the garbage collector's next cycle closer): a Message it returns,
// and the arrays' bytes, are valid until its next read, which Serve does
// only after the reply to the last one is written.
type requestReader struct {
	hdr     headerCache
	payload []byte
	msg     Message
}

func (rr *requestReader) read(r io.Reader) (*Message, error) {
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("read frame length: %w", err)
		}
		return nil, err
	}
	n := binary.LittleEndian.Uint32(lenBuf[:])
	if n > MaxFrame {
		// Skip the frame unread, so that the next one is still found.
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return nil, fmt.Errorf("skip a %d-byte frame: %w", n, err)
		}
		return nil, frameErrorf("frame of %d bytes is over the limit of %d", n, MaxFrame)
	}
	payload := rr.payload
	if int(n) > cap(payload) || cap(payload) > maxReusedPayload {
		payload = make([]byte, n)
	}
	payload = payload[:n]
	if n <= maxReusedPayload {
		rr.payload = payload
	}
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, fmt.Errorf("read a %d-byte frame: %w", n, unexpected(err))
	}
	m := &rr.msg
	if err := decodeInto(m, payload, &rr.hdr); err != nil {
		return nil, err
	}
	return m, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// DecodePayload decodes a frame's payload (without its length). Every error
// is a *FrameError.
func DecodePayload(p []byte) (*Message, error) {
	m := new(Message)
	if err := decodeInto(m, p, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// decodeInto decodes payload p into m, reusing m's array slice; m's header
// and arrays view p. Every error is a *FrameError.
func decodeInto(m *Message, p []byte, c *headerCache) error {
	*m = Message{Arrays: m.Arrays[:0]}
	if len(p) < 4 {
		return frameErrorf("payload of %d bytes has no header length", len(p))
	}
	h := binary.LittleEndian.Uint32(p)
	if h > maxHeader || uint64(h) > uint64(len(p)-4) {
		return frameErrorf("header length %d does not fit the %d-byte payload (limit %d)", h, len(p), maxHeader)
	}
	hdr := p[4 : 4+h]
	m.Header = hdr
	// A strict read first: for requests without parameters (step above all)
	// it is the only parse of the header, and a repeated one needs none.
	if c != nil && len(c.hdr) > 0 && bytes.Equal(hdr, c.hdr) {
		m.base, m.plain = c.base, true
	} else if m.plain = decodeStrict(hdr, &m.base) == nil; m.plain {
		if c != nil && len(hdr) <= maxCachedHeader {
			c.hdr, c.base = append(c.hdr[:0], hdr...), m.base
		}
	} else {
		m.base = base{}
		if err := json.Unmarshal(hdr, &m.base); err != nil {
			return frameErrorf("header is not a JSON object of the protocol's fields: %v", err)
		}
	}
	rest := p[4+h:]
	for i, a := range m.base.Arrays {
		size, err := a.byteSize()
		if err != nil {
			return frameErrorf("array %d (%q): %v", i, a.Name, err)
		}
		if size > int64(len(rest)) {
			return frameErrorf("array %d (%q) needs %d bytes, %d are left", i, a.Name, size, len(rest))
		}
		a.Data = rest[:size]
		rest = rest[size:]
		m.Arrays = append(m.Arrays, a)
	}
	if len(rest) != 0 {
		return frameErrorf("%d bytes after the last array", len(rest))
	}
	return nil
}

// byteSize checks the dtype and shape and returns the data length.
func (a *Array) byteSize() (int64, error) {
	item, ok := itemSize(a.DType)
	if !ok {
		return 0, fmt.Errorf("unknown dtype %q (want <f4, <f8, <i4, <i8, <u8 or |u1)", a.DType)
	}
	if len(a.Shape) > maxDims {
		return 0, fmt.Errorf("%d dimensions, at most %d", len(a.Shape), maxDims)
	}
	size := int64(item)
	for _, d := range a.Shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d", d)
		}
		if d > 0 && size > MaxFrame/int64(d) {
			return 0, fmt.Errorf("shape %v is over the frame limit", a.Shape)
		}
		size *= int64(d)
	}
	return size, nil
}

// Len returns the number of elements.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Float32s returns the values of a float array (<f4 or <f8) as float32.
func (a *Array) Float32s() ([]float32, error) { return a.appendFloat32s(nil) }

// appendFloat32s appends the values of a float array (<f4 or <f8) as
// float32 to dst[:0], reusing its memory.
func (a *Array) appendFloat32s(dst []float32) ([]float32, error) {
	n := a.Len()
	out := slices.Grow(dst[:0], n)[:n]
	switch a.DType {
	case "<f4":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
		}
	case "<f8":
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(a.Data[8*i:])))
		}
	default:
		return nil, fmt.Errorf("array %q has dtype %s, want <f4 or <f8", a.Name, a.DType)
	}
	return out, nil
}

// F32 returns a <f4 array of the given shape holding v.
func F32(name string, v []float32, shape ...int) Array {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Array{Name: name, DType: "<f4", Shape: shape, Data: b}
}

// F64 returns a <f8 array of the given shape holding v.
func F64(name string, v []float64, shape ...int) Array {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return Array{Name: name, DType: "<f8", Shape: shape, Data: b}
}

// I64 returns a <i8 array of the given shape holding v.
func I64(name string, v []int64, shape ...int) Array {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return Array{Name: name, DType: "<i8", Shape: shape, Data: b}
}

// U64 returns a <u8 array of the given shape holding v.
func U64(name string, v []uint64, shape ...int) Array {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], x)
	}
	return Array{Name: name, DType: "<u8", Shape: shape, Data: b}
}

// U8 returns a |u1 array of the given shape holding v (not copied).
func U8(name string, v []byte, shape ...int) Array {
	return Array{Name: name, DType: "|u1", Shape: shape, Data: v}
}

// decodeStrict reads a JSON object into p (whose fields must include all
// of the object's), and nothing may follow it.
func decodeStrict(data []byte, p any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// replyHeader encodes a reply's header: ok (or the error), the request's
// id, the fields (a struct or map marshalled to a JSON object) and the
// arrays' specs. Array names and dtypes are the server's own identifiers.
func replyHeader(id json.RawMessage, errMsg string, fields any, arrays []Array) ([]byte, error) {
	b := make([]byte, 0, 256)
	if errMsg != "" {
		msg, err := json.Marshal(errMsg)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `{"ok":false,"error":`...), msg...)
	} else {
		b = append(b, `{"ok":true`...)
	}
	if len(id) > 0 {
		b = append(append(b, `,"id":`...), id...)
	}
	if fields != nil {
		f, err := json.Marshal(fields)
		if err != nil {
			return nil, fmt.Errorf("encode reply header: %w", err)
		}
		if len(f) > 2 && f[0] == '{' {
			b = append(append(b, ','), f[1:len(f)-1]...)
		}
	}
	b = append(b, `,"arrays":[`...)
	for i, a := range arrays {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = strconv.AppendQuote(b, a.Name)
		b = append(b, `,"dtype":`...)
		b = strconv.AppendQuote(b, a.DType)
		b = append(b, `,"shape":[`...)
		for k, d := range a.Shape {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...), nil
}

// frameSize is the payload length of a frame of hdr and arrays.
func frameSize(hdr []byte, arrays []Array) uint64 {
	n := uint64(4 + len(hdr))
	for _, a := range arrays {
		n += uint64(len(a.Data))
	}
	return n
}

// writeFrame writes a frame of an encoded header and the arrays' bytes.
func writeFrame(w io.Writer, hdr []byte, arrays []Array) error {
	n := frameSize(hdr, arrays)
	if n > math.MaxUint32 {
		return fmt.Errorf("reply of %d bytes does not fit a frame", n)
	}
	var lens [8]byte
	binary.LittleEndian.PutUint32(lens[:], uint32(n))
	binary.LittleEndian.PutUint32(lens[4:], uint32(len(hdr)))
	if _, err := w.Write(lens[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for _, a := range arrays {
		if _, err := w.Write(a.Data); err != nil {
			return err
		}
	}
	return nil
}

// WriteMessage writes one frame: header (marshalled to a JSON object, with
// "arrays" set from arrays) and the arrays' bytes.
func WriteMessage(w io.Writer, header map[string]any, arrays ...Array) error {
	specs := make([]Array, len(arrays))
	total := 0
	for i, a := range arrays {
		if a.Shape == nil {
			a.Shape = []int{}
		}
		specs[i] = a
		total += len(a.Data)
	}
	header["arrays"] = specs
	hdr, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("encode reply header: %w", err)
	}
	n := 4 + len(hdr) + total
	if uint64(n) > math.MaxUint32 {
		return fmt.Errorf("reply of %d bytes does not fit a frame", n)
	}
	buf := make([]byte, 8, 8+len(hdr))
	binary.LittleEndian.PutUint32(buf, uint32(n))
	binary.LittleEndian.PutUint32(buf[4:], uint32(len(hdr)))
	buf = append(buf, hdr...)
	if _, err := w.Write(buf); err != nil {
		return err
	}
	for _, a := range arrays {
		if _, err := w.Write(a.Data); err != nil {
			return err
		}
	}
	return nil
}
