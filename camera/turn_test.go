package camera

import (
	"testing"

	"lancam/camera/tjpeg"
)

// TestTurnMatchesTransform: turning decoded pixels gives the picture the
// lossless transform gives, for every op, so a frame looks the same
// whichever path turned it (and odd sizes keep every pixel).
func TestTurnMatchesTransform(t *testing.T) {
	jpg := testJPEG(t, 320, 240)
	tr, err := tjpeg.NewTransformer()
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	dec, err := tjpeg.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	src, err := dec.DecodeRGBA(nil, jpg, tjpeg.ScaleFull)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []tjpeg.Op{tjpeg.OpNone, tjpeg.OpHFlip, tjpeg.OpVFlip, tjpeg.OpRot180,
		tjpeg.OpTranspose, tjpeg.OpTransverse, tjpeg.OpRot90, tjpeg.OpRot270} {
		lossless, _, _, err := tr.Transform(jpg, op, true)
		if err != nil {
			t.Fatal(err)
		}
		want, err := dec.DecodeRGBA(nil, lossless, tjpeg.ScaleFull)
		if err != nil {
			t.Fatal(err)
		}
		got := turnRGBA(nil, src, op)
		if got.Rect != want.Rect {
			t.Fatalf("op %d: %v, want %v", op, got.Rect, want.Rect)
		}
		var off int
		for y := 0; y < got.Rect.Dy(); y += 3 {
			for x := 0; x < got.Rect.Dx(); x += 3 {
				if d := luma(got, x, y) - luma(want, x, y); d > 40 || d < -40 {
					off++
				}
			}
		}
		if n := got.Rect.Dx() * got.Rect.Dy() / 9; off > n/50 {
			t.Errorf("op %d: %d of %d sampled pixels differ from the lossless turn", op, off, n)
		}
	}
}

// TestPictureOddSizeKeepsEveryPixel: a size that is not whole JPEG blocks
// is turned through the pixels, keeping its full size.
func TestPictureOddSizeKeepsEveryPixel(t *testing.T) {
	jpg := testJPEG(t, 640, 360) // 360 rows are 22.5 blocks of 16
	src, _ := WithPicture(&jpegSource{jpeg: jpg, width: 640, height: 360, n: 1}, Picture{Rotate: 90}, nil)
	f := runOnce(t, src, 1)[0]
	hdr, err := tjpeg.DecodeHeader(f.JPEG())
	if err != nil || f.Width() != 360 || f.Height() != 640 || hdr.Width != 360 || hdr.Height != 640 {
		t.Errorf("turned 640x360: frame %dx%d, JPEG %+v (%v); want 360x640", f.Width(), f.Height(), hdr, err)
	}
}
