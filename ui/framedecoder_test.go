package ui

import (
	"bytes"
	"errors"
	"image"
	"testing"

	"lancam/camera/tjpeg"
)

// claimSize rewrites the SOF0 of a baseline JPEG to claim w×h pixels: what
// a hostile peer sends to make a viewer allocate gigabytes.
func claimSize(t *testing.T, b []byte, w, h int) []byte {
	t.Helper()
	out := bytes.Clone(b)
	i := bytes.Index(out, []byte{0xff, 0xc0})
	if i < 0 || i+9 > len(out) {
		t.Fatal("no SOF0 in the test JPEG")
	}
	out[i+5], out[i+6] = byte(h>>8), byte(h)
	out[i+7], out[i+8] = byte(w>>8), byte(w)
	return out
}

// encodeTestJPEG makes a real w×h baseline JPEG with busy content, so that
// cutting it short leaves a damaged scan rather than an empty one.
func encodeTestJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	enc, err := tjpeg.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(0x9e3779b9)
	for i := range img.Pix {
		seed ^= seed << 13 // xorshift32: noise is what makes the scan long
		seed ^= seed >> 17
		seed ^= seed << 5
		img.Pix[i] = byte(seed)
	}
	b, err := enc.EncodeRGBA(nil, img, tjpeg.Subsamp420, 85)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFrameDecoder runs every case through one decoder in order, and after
// each failure decodes a good frame: one bad frame from a peer must not
// break the frames that follow it.
func TestFrameDecoder(t *testing.T) {
	small := encodeTestJPEG(t, 64, 48)
	big := encodeTestJPEG(t, 640, 480)
	quarter := image.NewRGBA(image.Rect(0, 0, 160, 120)) // 640x480 at 1/4
	roomy := image.NewRGBA(image.Rect(0, 0, 640, 480))   // larger than 1/4, so not reusable for it
	cases := []struct {
		name         string
		jpeg         []byte
		dst          *image.RGBA
		wantW, wantH int
		size         image.Point // the decoded size; zero when no image is expected
		err          error       // errors.Is target; nil: no error (unless anyErr)
		anyErr       bool        // some error, whichever the library picks
		reused       bool        // dst itself must come back
	}{
		{name: "full, no wanted size yet", jpeg: small, size: image.Pt(64, 48)},
		{name: "full, wanted exactly", jpeg: small, wantW: 64, wantH: 48, size: image.Pt(64, 48)},
		{name: "full, wanted larger", jpeg: small, wantW: 1920, wantH: 1080, size: image.Pt(64, 48)},
		{name: "only one side wanted", jpeg: big, wantW: 100, size: image.Pt(640, 480)},
		{name: "half", jpeg: big, wantW: 320, wantH: 200, size: image.Pt(320, 240)},
		{name: "quarter covers a non-matching aspect", jpeg: big, wantW: 100, wantH: 100, size: image.Pt(160, 120)},
		{name: "eighth", jpeg: big, wantW: 80, wantH: 60, size: image.Pt(80, 60)},
		{name: "exact-size buffer reused", jpeg: big, dst: quarter, wantW: 160, wantH: 120, size: image.Pt(160, 120), reused: true},
		{name: "wrong-size buffer replaced", jpeg: big, dst: roomy, wantW: 160, wantH: 120, size: image.Pt(160, 120)},
		{name: "8193 wide", jpeg: claimSize(t, small, 8193, 100), dst: quarter, err: errTooLarge},
		{name: "8193 high", jpeg: claimSize(t, small, 100, 8193), dst: quarter, err: errTooLarge},
		{name: "60000 square", jpeg: claimSize(t, small, 60000, 60000), dst: quarter, err: errTooLarge},
		{name: "8192 square is allowed past the guard", jpeg: claimSize(t, small, 8192, 8192), wantW: 64, wantH: 64,
			size: image.Pt(1024, 1024), err: tjpeg.ErrWarning},
		{name: "not a JPEG", jpeg: []byte("not a jpeg"), anyErr: true},
		{name: "empty", jpeg: nil, anyErr: true},
		{name: "cut before the frame header", jpeg: small[:40], anyErr: true},
		{name: "cut mid-scan still gives a picture", jpeg: big[:len(big)/2], size: image.Pt(640, 480), err: tjpeg.ErrWarning},
	}
	var d frameDecoder
	defer d.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before []byte
			if c.dst != nil {
				before = bytes.Clone(c.dst.Pix)
			}
			img, err := d.decode(c.dst, c.jpeg, c.wantW, c.wantH)
			switch {
			case c.err != nil && !errors.Is(err, c.err):
				t.Errorf("err %v, want %v", err, c.err)
			case c.anyErr && err == nil:
				t.Error("no error")
			case c.err == nil && !c.anyErr && err != nil:
				t.Errorf("unexpected error %v", err)
			}
			if c.size == (image.Point{}) {
				if img != nil {
					t.Errorf("an image (%v) came with a fatal error", img.Rect)
				}
				if c.dst != nil && !bytes.Equal(before, c.dst.Pix) {
					t.Error("a refused frame was decoded into dst")
				}
			} else if img == nil {
				t.Fatalf("no image (err %v)", err)
			} else if img.Rect.Size() != c.size {
				t.Errorf("decoded %v, want %v", img.Rect.Size(), c.size)
			}
			if got := img != nil && img == c.dst; got != c.reused {
				t.Errorf("dst reused: %v, want %v", got, c.reused)
			}
			if err != nil {
				if img, err := d.decode(nil, small, 0, 0); err != nil || img.Rect.Dx() != 64 {
					t.Fatalf("a good frame after this one: %v", err)
				}
			}
		})
	}
}

// TestFrameDecoderRefusesBeforeDecoding: an oversized frame is turned away on
// its header alone; not even a TurboJPEG handle is made for it.
func TestFrameDecoderRefusesBeforeDecoding(t *testing.T) {
	var d frameDecoder
	defer d.Close()
	if _, err := d.decode(nil, claimSize(t, encodeTestJPEG(t, 64, 48), 8193, 8193), 0, 0); !errors.Is(err, errTooLarge) {
		t.Fatalf("err %v, want errTooLarge", err)
	}
	if d.dec != nil {
		t.Error("a decoder was made for a refused frame")
	}
}

// TestFrameDecoderClose: Close is idempotent and, as with tjpeg's handles,
// a closed decoder is no dangling pointer: a stray late frame gets a new
// handle rather than a crash.
func TestFrameDecoderClose(t *testing.T) {
	var d frameDecoder
	d.Close() // before any frame
	jpeg := encodeTestJPEG(t, 64, 48)
	for i := range 2 {
		if img, err := d.decode(nil, jpeg, 0, 0); err != nil || img.Rect.Dx() != 64 {
			t.Fatalf("decode %d: %v", i, err)
		}
		d.Close()
		d.Close()
	}
}
