package ui

import (
	"errors"
	"image"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestJPEGViewDecodes checks the view's side of decoding (frameDecoder's
// own tests cover the frames themselves): a refused frame reaches the
// caller and is not counted, and the three buffers are reused in turn, as
// the renderer may still be reading the two before the newest.
func TestJPEGViewDecodes(t *testing.T) {
	test.NewTempApp(t)
	good := encodeTestJPEG(t, 64, 48)
	v := newJPEGView(func(fn func()) { fn() })
	defer v.Close()
	if err := v.ShowFrame(claimSize(t, good, 8193, 100)); !errors.Is(err, errTooLarge) {
		t.Errorf("an oversized frame: %v, want errTooLarge", err)
	}
	if err := v.ShowFrame([]byte("not a jpeg")); err == nil {
		t.Error("a broken frame was accepted")
	}
	if n, _ := v.stats(); n != 0 {
		t.Errorf("%d refused frames were decoded", n)
	}
	var shown []*image.RGBA
	for i := range 4 {
		if err := v.ShowFrame(good); err != nil {
			t.Fatalf("good frame %d: %v", i, err)
		}
		shown = append(shown, v.img.Image.(*image.RGBA))
	}
	if shown[0] == shown[1] || shown[1] == shown[2] || shown[0] == shown[2] {
		t.Error("the last three frames share a buffer")
	}
	if shown[3] != shown[0] {
		t.Error("the fourth frame did not reuse the first frame's buffer")
	}
	if n, _ := v.stats(); n != 4 {
		t.Errorf("%d frames shown, want 4", n)
	}
}
