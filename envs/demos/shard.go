package demos

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/zstd"
)

// Errors that classify what is wrong with a file. They are wrapped, with
// the file name and the details, in a *FileError.
var (
	ErrForeign = errors.New("not a metabench demonstrations file")
	ErrVersion = errors.New("unsupported format version")
	ErrCorrupt = errors.New("corrupt")
)

// FileError reports a problem with one file of a dataset.
type FileError struct {
	Path string // the file
	Err  error  // what is wrong, wrapping ErrForeign, ErrVersion, ErrCorrupt or an I/O error
}

func (e *FileError) Error() string { return "demos: " + e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// File layout constants (see doc.go).
const (
	fileMagic     = "\x89MBDEMO\n"
	formatVersion = 1
	codecZstd     = 1
	fixedHeader   = len(fileMagic) + 2 + 1 + 1 + 4
	maxHeaderLen  = 1 << 12
	recordHeader  = 12
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// shardHeader is what a shard or pending file says about its records.
type shardHeader struct {
	Task   string
	Source string
	Count  int
}

func appendShardHeader(dst []byte, h shardHeader) []byte {
	var body []byte
	body = binary.AppendUvarint(body, uint64(len(h.Task)))
	body = append(body, h.Task...)
	body = binary.AppendUvarint(body, uint64(len(h.Source)))
	body = append(body, h.Source...)
	body = binary.AppendUvarint(body, uint64(h.Count))
	dst = append(dst, fileMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, formatVersion)
	dst = append(dst, codecZstd, 0)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...)
}

// appendRecord frames a compressed payload.
func appendRecord(dst, comp []byte, rawLen int) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(comp)))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(rawLen))
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Checksum(comp, castagnoli))
	return append(dst, comp...)
}

// newEncoder returns the payload compressor. Its output depends only on the
// input (and the library version), not on timing or concurrency.
func newEncoder() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithEncoderCRC(false), // records carry a CRC-32C
		zstd.WithWindowSize(1<<20),
		zstd.WithZeroFrames(true))
}

// newDecoder returns a payload decompressor that refuses to allocate more
// than a payload may hold.
func newDecoder() (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderMaxMemory(maxRawPayload),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderConcurrency(0))
}

// encodeRecord returns the framed, compressed record of ep.
func encodeRecord(enc *zstd.Encoder, ep *Episode, discarded bool) []byte {
	raw := encodePayload(nil, ep, discarded)
	comp := enc.EncodeAll(raw, nil)
	return appendRecord(nil, comp, len(raw))
}

// decodeRecord decompresses and decodes one record payload.
func decodeRecord(dec *zstd.Decoder, comp []byte, rawLen int) (*Episode, bool, error) {
	raw, err := dec.DecodeAll(comp, make([]byte, 0, rawLen))
	if err != nil {
		return nil, false, fmt.Errorf("decompress: %w", err)
	}
	if len(raw) != rawLen {
		return nil, false, fmt.Errorf("decompressed to %d bytes, want %d", len(raw), rawLen)
	}
	return decodePayload(raw)
}

// shardReader reads a shard or pending file sequentially, hashing every byte.
type shardReader struct {
	r    *bufio.Reader
	sha  hash.Hash
	size int64 // bytes read so far
	hdr  shardHeader
	next int // index of the next record
}

// countingReader hashes and counts what passes through.
type hashingReader struct {
	r  io.Reader
	sr *shardReader
}

func (h hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.sr.sha.Write(p[:n])
	h.sr.size += int64(n)
	return n, err
}

// newShardReader reads and checks the file header.
func newShardReader(r io.Reader) (*shardReader, error) {
	sr := &shardReader{sha: sha256.New()}
	sr.r = bufio.NewReaderSize(hashingReader{r, sr}, 1<<16)
	var fixed [fixedHeader]byte
	if n, err := io.ReadFull(sr.r, fixed[:]); err != nil {
		if n >= len(fileMagic) && string(fixed[:len(fileMagic)]) == fileMagic {
			return nil, corruptf("truncated header (%d bytes)", n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w (%d bytes, too short)", ErrForeign, n)
		}
		return nil, err
	}
	if string(fixed[:len(fileMagic)]) != fileMagic {
		return nil, fmt.Errorf("%w (wrong magic %q)", ErrForeign, fixed[:len(fileMagic)])
	}
	p := fixed[len(fileMagic):]
	if v := binary.LittleEndian.Uint16(p); v != formatVersion {
		return nil, fmt.Errorf("%w %d (this program reads version %d)", ErrVersion, v, formatVersion)
	}
	if p[2] != codecZstd || p[3] != 0 {
		return nil, fmt.Errorf("%w: codec %d/%d (this program reads %d/0)", ErrVersion, p[2], p[3], codecZstd)
	}
	n := binary.LittleEndian.Uint32(p[4:])
	if n > maxHeaderLen {
		return nil, corruptf("header length %d exceeds %d", n, maxHeaderLen)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(sr.r, body); err != nil {
		return nil, corruptf("truncated header")
	}
	pr := &payloadReader{b: body}
	sr.hdr.Task = string(pr.bytes(pr.uvarint(maxTaskLen, "task length"), "task"))
	sr.hdr.Source = string(pr.bytes(pr.uvarint(maxWordLen, "source length"), "source"))
	sr.hdr.Count = pr.uvarint(math32, "episode count")
	if pr.err != nil {
		return nil, corruptf("header: %v", pr.err)
	}
	if len(pr.b) != 0 {
		return nil, corruptf("header has %d extra bytes", len(pr.b))
	}
	if err := checkTask(sr.hdr.Task); err != nil {
		return nil, corruptf("header: %v", err)
	}
	if err := checkWord("source", sr.hdr.Source); err != nil {
		return nil, corruptf("header: %v", err)
	}
	return sr, nil
}

const math32 = 1<<31 - 1

// nextRecord returns the next compressed payload, or io.EOF after the last
// one once the end of the file has been checked.
func (sr *shardReader) nextRecord() (comp []byte, rawLen int, err error) {
	if sr.next == sr.hdr.Count {
		if _, err := sr.r.ReadByte(); err != io.EOF {
			if err != nil {
				return nil, 0, err
			}
			return nil, 0, corruptf("extra data after %d records", sr.hdr.Count)
		}
		return nil, 0, io.EOF
	}
	i := sr.next
	var h [recordHeader]byte
	if _, err := io.ReadFull(sr.r, h[:]); err != nil {
		return nil, 0, truncated(err, i, sr.hdr.Count)
	}
	clen := binary.LittleEndian.Uint32(h[0:])
	raw := binary.LittleEndian.Uint32(h[4:])
	if clen > maxRawPayload || raw > maxRawPayload {
		return nil, 0, corruptf("record %d of %d: size %d/%d exceeds %d", i+1, sr.hdr.Count, clen, raw, maxRawPayload)
	}
	// Read in chunks so that a lying length on a short file cannot allocate
	// more than the file holds (plus one chunk).
	comp = make([]byte, 0, min(int(clen), 1<<20))
	for len(comp) < int(clen) {
		k := min(int(clen)-len(comp), 1<<20)
		comp = append(comp, make([]byte, k)...)
		if _, err := io.ReadFull(sr.r, comp[len(comp)-k:]); err != nil {
			return nil, 0, truncated(err, i, sr.hdr.Count)
		}
	}
	if crc32.Checksum(comp, castagnoli) != binary.LittleEndian.Uint32(h[8:]) {
		return nil, 0, corruptf("record %d of %d: CRC mismatch", i+1, sr.hdr.Count)
	}
	sr.next++
	return comp, int(raw), nil
}

func truncated(err error, i, n int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return corruptf("truncated in record %d of %d", i+1, n)
	}
	return err
}

// readShard decodes every episode of a shard held in memory; used by the
// fuzz target and tests.
func readShard(dec *zstd.Decoder, r io.Reader) (shardHeader, []*Episode, error) {
	sr, err := newShardReader(r)
	if err != nil {
		return shardHeader{}, nil, err
	}
	var eps []*Episode
	for {
		comp, rawLen, err := sr.nextRecord()
		if err == io.EOF {
			return sr.hdr, eps, nil
		}
		if err != nil {
			return sr.hdr, eps, err
		}
		ep, discarded, err := decodeRecord(dec, comp, rawLen)
		if err != nil {
			return sr.hdr, eps, corruptf("record %d of %d: %v", sr.next, sr.hdr.Count, err)
		}
		if discarded {
			return sr.hdr, eps, corruptf("record %d of %d: discarded attempt in a shard", sr.next, sr.hdr.Count)
		}
		ep.Task, ep.Source = sr.hdr.Task, sr.hdr.Source
		eps = append(eps, ep)
	}
}
