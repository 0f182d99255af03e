package camera

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"testing"
	"time"
)

func TestNoSignalFrame(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		w, h   int
		device string
	}{
		{"720p", 1280, 720, "/dev/video0"},
		{"VGA", 640, 480, "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920-video-index0"},
		{"tiny", 16, 16, "/dev/video0"},
		{"portrait", 480, 1280, "a very long device name " + string(bytes.Repeat([]byte("x"), 100))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, err := NewNoSignal(tc.w, tc.h, tc.device, 80)
			if err != nil {
				t.Fatal(err)
			}
			defer ns.Close()
			f1, err := ns.Frame(t0, 41)
			if err != nil {
				t.Fatal(err)
			}
			if f1.Width() != tc.w || f1.Height() != tc.h || f1.Seq() != 41 || !f1.Captured().Equal(t0) {
				t.Fatalf("frame %dx%d seq %d at %v", f1.Width(), f1.Height(), f1.Seq(), f1.Captured())
			}
			img, err := jpeg.Decode(bytes.NewReader(f1.JPEG()))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Fatalf("decoded %v, want %dx%d", b, tc.w, tc.h)
			}
			if d := darkShare(img); d < 0.8 {
				t.Fatalf("only %.0f%% of pixels dark", 100*d)
			}
			keep := append([]byte(nil), f1.JPEG()...)
			f2, err := ns.Frame(t0.Add(time.Second), 42)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(f1.JPEG(), keep) {
				t.Fatal("second frame overwrote the first frame's bytes")
			}
			if tc.w >= 320 && bytes.Equal(f1.JPEG(), f2.JPEG()) {
				t.Fatal("frames one second apart are identical: no clock")
			}
			if os.Getenv("LANCAM_WRITE_TESTDATA") == "1" && tc.name == "720p" {
				_ = os.WriteFile("testdata/nosignal-720p.jpg", f1.JPEG(), 0o644)
			}
		})
	}
}

func TestNoSignalErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		w, h, q int
	}{{"too small", 8, 8, 80}, {"quality 0", 640, 480, 0}, {"quality 101", 640, 480, 101}} {
		t.Run(tc.name, func(t *testing.T) {
			if ns, err := NewNoSignal(tc.w, tc.h, "x", tc.q); err == nil {
				ns.Close()
				t.Fatal("no error")
			}
		})
	}
	ns, err := NewNoSignal(64, 64, "x", 80)
	if err != nil {
		t.Fatal(err)
	}
	ns.Close()
	ns.Close()
	if _, err := ns.Frame(time.Now(), 1); err == nil {
		t.Fatal("Frame after Close succeeded")
	}
}

// darkShare is the fraction of pixels with luma below 64.
func darkShare(img image.Image) float64 {
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (299*r+587*g+114*bl)/1000 < 64<<8 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

func BenchmarkNoSignal720p(b *testing.B) {
	ns, err := NewNoSignal(1280, 720, "/dev/video0", 80)
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Close()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		if _, err := ns.Frame(now, 1); err != nil {
			b.Fatal(err)
		}
	}
}
