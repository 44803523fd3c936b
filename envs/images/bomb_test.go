package images

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngClaiming returns a small valid PNG of w×h pixels whose header is then
// rewritten to claim cw×ch: what a hostile file looks like.
func pngClaiming(t *testing.T, w, h, cw, ch int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, …, CRC.
	binary.BigEndian.PutUint32(b[16:], uint32(cw))
	binary.BigEndian.PutUint32(b[20:], uint32(ch))
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// TestImageBombsRefusedBeforeDecoding: a PNG whose header declares a huge
// image is refused from its header, naming the size, before any pixel is
// allocated (before, png.Decode ran first and the process died out of
// memory).
func TestImageBombsRefusedBeforeDecoding(t *testing.T) {
	tests := []struct {
		name   string
		cw, ch int
		want   string
	}{
		{"100000×100000", 100000, 100000, "image is 100000×100000"},
		{"30000×30000", 30000, 30000, "image is 30000×30000"},
		{"1×2000000000", 1, 2000000000, "image is 1×2000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			b := pngClaiming(t, 8, 8, tc.cw, tc.ch)
			path := filepath.Join(dir, "alpha", "char", "big.png")
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadSupportPNG(path, 8, 8); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadSupportPNG: %v, want %q", err, tc.want)
			}
			if _, err := ReadSupportPNG(path, OmniglotSide, OmniglotSide); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadSupportPNG 26×26: %v, want %q", err, tc.want)
			}
			if _, err := Omniglot(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Omniglot(dir): %v, want %q", err, tc.want)
			}
		})
	}
	// The honest file of the right size still reads.
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.png")
	os.WriteFile(path, pngClaiming(t, 8, 8, 8, 8), 0o644)
	if _, err := ReadSupportPNG(path, 8, 8); err != nil {
		t.Errorf("8×8 PNG: %v", err)
	}
	// Not a file: a directory, refused in one line.
	if _, err := ReadSupportPNG(dir, 8, 8); err == nil || !strings.Contains(err.Error(), "a directory") {
		t.Errorf("directory as a PNG: %v", err)
	}
}

// npzWith writes an .npz whose images.npy has the given header shape and
// n data bytes.
func npzWith(t *testing.T, path, shape string, n int) {
	t.Helper()
	hdr := fmt.Sprintf("{'descr': '|b1', 'fortran_order': False, 'shape': %s, }", shape)
	hdr += strings.Repeat(" ", 63-(10+len(hdr))%64) + "\n"
	var npy bytes.Buffer
	npy.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&npy, binary.LittleEndian, uint16(len(hdr)))
	npy.WriteString(hdr)
	npy.Write(bytes.Repeat([]byte{1}, n))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("images.npy")
	w.Write(npy.Bytes())
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNPZAndPackedBombs: an .npz whose array header claims more images
// than the file holds, or more than any Omniglot, and a packed set whose
// header claims more pixels than any Omniglot, are refused from their
// headers.
func TestNPZAndPackedBombs(t *testing.T) {
	dir := t.TempDir()
	const img = rawSide * rawSide
	tests := []struct {
		name, shape string
		n           int
		want        string
	}{
		{"claims more than it holds", "(2000, 20, 105, 105)", 2 * img, "needs"},
		{"too many images", "(100000, 1000, 105, 105)", 0, "at most"},
		{"holds more than it claims", "(1, 2, 105, 105)", 3 * img, "needs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "images_evaluation.npz")
			npzWith(t, p, tc.shape, tc.n)
			if _, err := Omniglot(p); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	// A packed set claiming 1000 characters of 1000 images of 1024×1024.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintf(zw, "%s 1024 1024 1000\n", packedMagic)
	for i := range 1000 {
		fmt.Fprintf(zw, "train\ta\tc%d\t1000\n", i)
	}
	zw.Close()
	if _, err := ReadPacked(&buf, "bomb"); err == nil || !strings.Contains(err.Error(), "pixels") {
		t.Errorf("packed bomb: %v", err)
	}
}
