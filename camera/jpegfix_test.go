package camera

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lancam/camera/tjpeg"
)

// camJPEG encodes a busy w x h picture the way a UVC camera would (4:2:2,
// standard Huffman tables), as the "original" a DHT-less frame came from.
func camJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	enc, err := tjpeg.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	img := newPatternPainter(w, h).paint(7, 30, time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
	b, err := enc.EncodeRGBA(nil, img, tjpeg.Subsamp422, 85)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stripDHT removes every DHT segment before SOS by walking the markers, the
// way UVC cameras' "AVI1" MJPEG frames arrive.
func stripDHT(t testing.TB, b []byte) []byte {
	t.Helper()
	out := append([]byte(nil), b[:2]...)
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m, n := b[i+1], int(b[i+2])<<8|int(b[i+3])
		if m == mSOS {
			return append(out, b[i:]...)
		}
		if m != mDHT {
			out = append(out, b[i:i+2+n]...)
		}
		i += 2 + n
	}
	t.Fatal("no SOS")
	return nil
}

// noDHTFrame returns (original, DHT-less) 160x120 frames. With
// LANCAM_WRITE_TESTDATA=1 it also refreshes testdata/nodht.jpg, the real
// DHT-less frame the V4L2 tests feed through FixMJPEG.
func noDHTFrame(t testing.TB) (orig, bare []byte) {
	orig = camJPEG(t, 160, 120)
	bare = stripDHT(t, orig)
	if os.Getenv("LANCAM_WRITE_TESTDATA") == "1" {
		if err := os.WriteFile(filepath.Join("testdata", "nodht.jpg"), bare, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return orig, bare
}

func TestFixMJPEGInsertsHuffmanTables(t *testing.T) {
	orig, bare := noDHTFrame(t)
	committed, err := os.ReadFile(filepath.Join("testdata", "nodht.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{"generated": bare, "testdata/nodht.jpg": committed} {
		t.Run(name, func(t *testing.T) {
			if bytes.Contains(in, []byte{0xFF, mDHT}) {
				t.Fatal("test frame still has a DHT marker")
			}
			if _, err := jpeg.Decode(bytes.NewReader(in)); err == nil || !strings.Contains(err.Error(), "Huffman") {
				t.Fatalf("image/jpeg on DHT-less frame: err = %v, want a Huffman error", err)
			}
			keep := append([]byte(nil), in...)
			out, err := FixMJPEG(in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(in, keep) {
				t.Fatal("FixMJPEG modified its input")
			}
			if len(out) != len(in)+len(stdDHT) {
				t.Fatalf("len %d, want %d", len(out), len(in)+len(stdDHT))
			}
			got, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("fixed frame: %v", err)
			}
			if name == "generated" { // tjpeg uses the standard tables: bit-exact
				want, err := jpeg.Decode(bytes.NewReader(orig))
				if err != nil {
					t.Fatal(err)
				}
				g, w := got.(*image.YCbCr), want.(*image.YCbCr)
				if !bytes.Equal(g.Y, w.Y) || !bytes.Equal(g.Cb, w.Cb) || !bytes.Equal(g.Cr, w.Cr) {
					t.Fatal("fixed frame decodes to different pixels than the original")
				}
			}
			if h, err := tjpeg.DecodeHeader(out); err != nil || h.Width != 160 || h.Height != 120 {
				t.Fatalf("tjpeg header %+v, %v", h, err)
			}
		})
	}
}

func TestStdDHTSize(t *testing.T) {
	// 2 length bytes + 4 x (1 class + 16 counts) + 12 + 162 + 12 + 162 values.
	if got, want := len(stdDHT), 2+2+4*17+12+162+12+162; got != want {
		t.Fatalf("DHT segment %d bytes, want %d", got, want)
	}
}

func TestFixMJPEGPassthrough(t *testing.T) {
	orig := camJPEG(t, 160, 120)
	padded := append(append([]byte(nil), orig...), make([]byte, 4096)...)
	for _, tc := range []struct {
		name string
		in   []byte
	}{{"complete", orig}, {"zero padded", padded}} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := FixMJPEG(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if &out[0] != &tc.in[0] {
				t.Fatal("passthrough copied the frame")
			}
			if !bytes.Equal(out, orig) {
				t.Fatalf("got %d bytes, want the %d-byte frame", len(out), len(orig))
			}
		})
	}
	// Padding is trimmed on the insert path too.
	_, bare := noDHTFrame(t)
	out, err := FixMJPEG(append(append([]byte(nil), bare...), 0, 0, 0, 0))
	if err != nil || len(out) != len(bare)+len(stdDHT) {
		t.Fatalf("padded DHT-less frame: %d bytes, %v", len(out), err)
	}
}

func TestFixMJPEGBadFrames(t *testing.T) {
	orig := camJPEG(t, 160, 120)
	with := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), orig...)) }
	sofAt := bytes.Index(orig, []byte{0xFF, 0xC0})
	sosAt := bytes.Index(orig, []byte{0xFF, mSOS})
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"tiny", append([]byte{0xFF, mSOI}, 0xFF, mEOI)},
		{"just under minimum", with(func(b []byte) []byte { return append(b[:MinFrameBytes-2], 0xFF, mEOI) })},
		{"all zeros", make([]byte, 4096)},
		{"no SOI", with(func(b []byte) []byte { return b[2:] })},
		{"truncated", with(func(b []byte) []byte { return b[:len(b)-100] })},
		{"truncated in headers", with(func(b []byte) []byte { return append(b[:sosAt+3], 0xFF, mEOI) })},
		{"segment length 0", with(func(b []byte) []byte { b[sofAt+2], b[sofAt+3] = 0, 0; return b })},
		{"segment length 1", with(func(b []byte) []byte { b[sofAt+2], b[sofAt+3] = 0, 1; return b })},
		{"segment length huge", with(func(b []byte) []byte { b[sofAt+2], b[sofAt+3] = 0xFF, 0xF0; return b })},
		{"junk between segments", with(func(b []byte) []byte { b[sofAt] = 0x12; return b })},
		{"EOI before SOS", with(func(b []byte) []byte { b[sofAt+1] = mEOI; return b })},
		{"no SOS", append(append([]byte{0xFF, mSOI}, bytes.Repeat([]byte{0xFF, 0xFE, 0, 6, 1, 2, 3, 4}, 40)...), 0xFF, mEOI)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := FixMJPEG(tc.in)
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("err = %v, want ErrBadFrame", err)
			}
			if out != nil {
				t.Fatalf("returned %d bytes with an error", len(out))
			}
		})
	}
}

func BenchmarkFixMJPEG(b *testing.B) {
	orig := camJPEG(b, 1280, 720)
	bare := stripDHT(b, orig)
	for _, bc := range []struct {
		name string
		in   []byte
	}{{"passthrough", orig}, {"insert", bare}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FixMJPEG(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
