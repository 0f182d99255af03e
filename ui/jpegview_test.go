package ui

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"testing"

	"fyne.io/fyne/v2/test"
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

// TestJPEGViewRefusesHugeFrames: a frame whose header claims more than
// 8192 pixels a side is refused from its header, before any decoding, and
// the view keeps working for the next good frame.
func TestJPEGViewRefusesHugeFrames(t *testing.T) {
	test.NewTempApp(t)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 64, 48)), nil); err != nil {
		t.Fatal(err)
	}
	v := newJPEGView(func(fn func()) { fn() })
	defer v.Close()
	for _, size := range [][2]int{{8193, 100}, {100, 8193}, {60000, 60000}} {
		if err := v.ShowFrame(claimSize(t, b.Bytes(), size[0], size[1])); !errors.Is(err, errTooLarge) {
			t.Errorf("a %dx%d frame: %v, want errTooLarge", size[0], size[1], err)
		}
	}
	// Beyond what libjpeg-turbo itself accepts, and plain garbage: errors,
	// after which good frames must still decode (a failed TurboJPEG handle
	// is replaced, not reused).
	for _, bad := range [][]byte{claimSize(t, b.Bytes(), 65535, 65535), []byte("not a jpeg"), b.Bytes()[:40]} {
		if err := v.ShowFrame(bad); err == nil {
			t.Errorf("a broken frame (%d bytes) was accepted", len(bad))
		}
	}
	if n, _ := v.stats(); n != 0 {
		t.Errorf("%d refused frames were decoded", n)
	}
	if err := v.ShowFrame(b.Bytes()); err != nil {
		t.Fatalf("a good frame after the refused ones: %v", err)
	}
	if n, _ := v.stats(); n != 1 {
		t.Errorf("%d frames shown, want 1", n)
	}
}
