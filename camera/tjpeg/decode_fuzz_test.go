package tjpeg

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"
)

// maxClaimedSide mirrors ui.maxFrameSide: callers (ui/jpegview.go,
// ui/peerlist.go) read the header first and refuse frames claiming more
// than 8192 pixels a side before DecodeRGBA allocates w*h*4 bytes.
const maxClaimedSide = 8192

// fuzzMaxPixels bounds what the fuzz body decodes at all. It is far below
// maxClaimedSide² only to keep the fuzzer fast and within memory (a
// progressive frame needs a full-size coefficient buffer whatever the
// scale); it is no statement about what callers accept.
const fuzzMaxPixels = 1 << 20

// sofAt returns the offset of the baseline SOF marker in an encoded frame.
func sofAt(tb testing.TB, jpg []byte) int {
	tb.Helper()
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	if i < 0 || i+9 > len(jpg) {
		tb.Fatal("no SOF0")
	}
	return i
}

// claimSize rewrites the frame header to claim w x h; the scan data stays
// what it was.
func claimSize(tb testing.TB, jpg []byte, w, h int) []byte {
	tb.Helper()
	b := bytes.Clone(jpg)
	i := sofAt(tb, b)
	b[i+5], b[i+6], b[i+7], b[i+8] = byte(h>>8), byte(h), byte(w>>8), byte(w)
	return b
}

func fuzzSeedFrame(tb testing.TB, w, h int, sub Subsamp) []byte {
	tb.Helper()
	enc, err := NewEncoder()
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	b, err := enc.EncodeRGBA(nil, Reference(w, h), sub, 75)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestDecodeHeaderReportsHugeClaims: a frame whose header claims more than
// 8192 pixels a side gets its claimed size from DecodeHeader, without an
// error and without decoding, so a caller can refuse it before allocating.
func TestDecodeHeaderReportsHugeClaims(t *testing.T) {
	small := fuzzSeedFrame(t, 32, 16, Subsamp420)
	for _, size := range [][2]int{{8193, 16}, {16, 8193}, {9000, 9000}, {65500, 65500}} {
		h, err := DecodeHeader(claimSize(t, small, size[0], size[1]))
		if err != nil || h.Width != size[0] || h.Height != size[1] {
			t.Errorf("claimed %dx%d: header %+v, %v", size[0], size[1], h, err)
		}
	}
	for _, size := range [][2]int{{0, 16}, {16, 0}, {65501, 16}} {
		if h, err := DecodeHeader(claimSize(t, small, size[0], size[1])); err == nil {
			t.Errorf("claimed %dx%d: header %+v without error", size[0], size[1], h)
		}
	}
}

// FuzzDecode: DecodeHeader never panics and never reports a size <= 0 (or
// an unknown subsampling) without an error; DecodeRGBA agrees with it
// (fails when the header fails), and for frames within the size guard
// returns either an image of exactly the scaled header size, opaque, with
// at most an ErrWarning, or nil with a hard error; decoding again into the
// returned-size buffer gives the same pixels; a hand-built dst with a short
// Pix is never written; and the Decoder still decodes a good frame exactly
// after whatever came before. Frames claiming more than 8192 a side are not
// decoded, as callers do.
//
// Seeds: testdata/fuzz/FuzzDecode (a test-pattern frame, ../testdata/nodht.jpg
// and every crasher ever found) plus the variants below; `go test
// ./camera/tjpeg` replays all of them.
func FuzzDecode(f *testing.F) {
	var seeds [][]byte
	for _, sub := range []Subsamp{Subsamp444, Subsamp422, Subsamp420, SubsampGray} {
		seeds = append(seeds, fuzzSeedFrame(f, 48, 32, sub))
	}
	nodht, err := os.ReadFile(filepath.Join("..", "testdata", "nodht.jpg"))
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, nodht)
	for _, b := range seeds {
		f.Add(b)
		for _, cut := range []int{1, 2, 30, sofAt(f, b) + 4, sofAt(f, b) + 12, len(b) / 2, len(b) - 2} {
			f.Add(bytes.Clone(b[:cut]))
		}
		for _, at := range []int{3, 25, sofAt(f, b) + 1, sofAt(f, b) + 9, len(b) * 3 / 4} {
			v := bytes.Clone(b)
			v[at] ^= 0x04
			f.Add(v)
		}
	}
	for _, size := range [][2]int{{8193, 32}, {9000, 9000}, {0, 32}, {2048, 2048}, {1, 1}} {
		f.Add(claimSize(f, seeds[2], size[0], size[1]))
	}
	good := seeds[2]
	dec, err := NewDecoder()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(dec.Close)
	want, err := dec.DecodeRGBA(nil, good, ScaleFull)
	if err != nil {
		f.Fatal(err)
	}
	var reuse *image.RGBA
	f.Fuzz(func(t *testing.T, b []byte) {
		hdr, herr := DecodeHeader(b)
		if herr == nil && (hdr.Width <= 0 || hdr.Height <= 0 || hdr.Width > 65500 || hdr.Height > 65500 || !hdr.Subsamp.valid()) {
			t.Fatalf("header %+v without error", hdr)
		}
		if herr != nil && hdr != (Header{}) {
			t.Fatalf("header %+v with error %v", hdr, herr)
		}
		switch {
		case herr != nil:
			if img, err := dec.DecodeRGBA(nil, b, ScaleFull); img != nil || err == nil {
				t.Fatalf("DecodeRGBA gave image %v, %v where DecodeHeader failed with %v", img != nil, err, herr)
			}
		case hdr.Width > maxClaimedSide || hdr.Height > maxClaimedSide:
			// Refused by the caller, as ui does with maxFrameSide.
		case hdr.Width*hdr.Height <= fuzzMaxPixels:
			s := ScaleFull
			if hdr.Width*hdr.Height > 1<<16 {
				s = ScaleFor(hdr.Width, hdr.Height, 128, 128)
			}
			sw, sh := s.Size(hdr.Width, hdr.Height)
			img, err := dec.DecodeRGBA(nil, b, s)
			if img == nil {
				if err == nil || errors.Is(err, ErrWarning) {
					t.Fatalf("no image, error %v", err)
				}
				break
			}
			if err != nil && !errors.Is(err, ErrWarning) {
				t.Fatalf("image with hard error %v", err)
			}
			if img.Rect != image.Rect(0, 0, sw, sh) {
				t.Fatalf("header %+v at %v: image %v, want %dx%d", hdr, s, img.Rect, sw, sh)
			}
			for i := 3; i < len(img.Pix); i += 4 {
				if img.Pix[i] != 0xFF {
					t.Fatalf("alpha %d at byte %d", img.Pix[i], i)
				}
			}
			if reuse == nil || reuse.Rect != img.Rect {
				reuse = image.NewRGBA(img.Rect)
			}
			again, err2 := dec.DecodeRGBA(reuse, b, s)
			if again != reuse || (err2 == nil) != (err == nil) || !bytes.Equal(again.Pix, img.Pix) {
				t.Fatalf("second decode into a reused buffer differs: reused %v, %v then %v", again == reuse, err, err2)
			}
			short := &image.RGBA{Rect: image.Rect(0, 0, sw, sh), Stride: sw * 4, Pix: make([]byte, sw*sh*4-1)}
			if got, _ := dec.DecodeRGBA(short, b, s); got == short || !bytes.Equal(short.Pix, make([]byte, len(short.Pix))) {
				t.Fatal("decoded into a dst whose Pix is too short")
			}
		}
		got, err := dec.DecodeRGBA(nil, good, ScaleFull)
		if err != nil || !bytes.Equal(got.Pix, want.Pix) {
			t.Fatalf("the decoder no longer decodes a good frame after this input: %v", err)
		}
	})
}
