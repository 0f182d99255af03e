package uvc

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lancam/camera"
	"lancam/camera/tjpeg"
)

// TestRealDevice runs against a real capture node named by
// LANCAM_TEST_DEVICE (e.g. vivid or v4l2loopback in the QEMU harness):
//
//	LANCAM_TEST_DEVICE=/dev/video0 go test -run RealDevice ./camera/uvc/
//
// It is skipped otherwise.
func TestRealDevice(t *testing.T) {
	path := os.Getenv("LANCAM_TEST_DEVICE")
	if path == "" {
		t.Skip("LANCAM_TEST_DEVICE not set")
	}
	defer goleak.VerifyNone(t)
	cams, err := List()
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, c := range cams {
		t.Logf("%s", c)
		listed = listed || c.Path == path
	}
	if !listed {
		t.Fatalf("%s not in List()", path)
	}
	if p, ok := FirstStreaming(context.Background(), Config{}); !ok {
		t.Errorf("FirstStreaming found nothing")
	} else {
		t.Logf("FirstStreaming: %s", p)
	}

	s, err := New(Config{Device: path, Width: 640, Height: 480, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var good, bad int
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err = s.Run(ctx, func(f *camera.Frame) {
		on := s.Signal()
		h, err := tjpeg.DecodeHeader(f.JPEG())
		mu.Lock()
		defer mu.Unlock()
		if on && err == nil && h.Width == f.Width() && h.Height == f.Height() {
			good++
		} else if on {
			bad++
		}
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	fcc, w, h, fps := s.Negotiated()
	t.Logf("negotiated %s %dx%d @%g; %d good, %d bad frames; drops %+v; info %+v", fcc, w, h, fps, good, bad, s.Drops(), s.Info())
	if good < 5 || bad != 0 || w == 0 || fcc == "" {
		t.Fatalf("%d good, %d bad frames from %s", good, bad, path)
	}
}
