package httpstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"lancam/camera"
)

// testJPEGs are small valid JPEGs in different colours, encoded once.
var testJPEGs = func() [][]byte {
	var out [][]byte
	for _, c := range []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}} {
		out = append(out, encodeJPEG(16, 12, func(x, y int) color.Color { return c }))
	}
	return out
}()

// bigJPEG is a noisy 640×480 picture of a few hundred KB, for tests that
// need socket buffers to fill up.
var bigJPEG = sync.OnceValue(func() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	return encodeJPEG(640, 480, func(x, y int) color.Color {
		return color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	})
})

func encodeJPEG(w, h int, px func(x, y int) color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, px(x, y))
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// fakeSource publishes JPEGs at a fixed rate and remembers what it sent so
// tests can match received parts to frames.
type fakeSource struct {
	fps    float64
	jpegs  [][]byte // cycled; nil means testJPEGs
	silent bool     // never publishes (a stalled camera)
	fail   error    // Run returns this at once (an unplugged camera)
	limit  int      // stop publishing after this many frames; 0 = no limit

	mu        sync.Mutex
	published []*camera.Frame
}

func (s *fakeSource) Info() camera.SourceInfo {
	return camera.SourceInfo{Kind: "test", Device: "fake", Format: "JPEG", Width: 16, Height: 12, FPS: s.fps}
}

func (s *fakeSource) Run(ctx context.Context, publish func(*camera.Frame)) error {
	if s.fail != nil {
		return s.fail
	}
	if s.silent {
		<-ctx.Done()
		return nil
	}
	jpegs := s.jpegs
	if jpegs == nil {
		jpegs = testJPEGs
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / s.fps))
	defer t.Stop()
	for seq := uint64(0); ; seq++ {
		if s.limit > 0 && seq >= uint64(s.limit) {
			<-ctx.Done()
			return nil
		}
		f := camera.NewFrame(jpegs[seq%uint64(len(jpegs))], 16, 12, seq, time.Now())
		s.mu.Lock()
		s.published = append(s.published, f)
		s.mu.Unlock()
		publish(f)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// frameAt finds the published frame whose X-Timestamp text is ts.
func (s *fakeSource) frameAt(ts string) *camera.Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.published {
		if wantTimestamp(f.Captured()) == ts {
			return f
		}
	}
	return nil
}

// wantTimestamp is the documented X-Timestamp format, written independently
// of the code under test.
func wantTimestamp(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

var errUnplugged = errors.New("device unplugged")

// newHub makes a hub over src that stops the source as soon as nobody
// watches, so no source goroutine outlives a test; it is closed at cleanup.
func newHub(t testing.TB, src camera.Source) *camera.Hub {
	t.Helper()
	h := camera.NewHub(camera.HubConfig{Source: src, Grace: -1, Logger: discardLog, MaxBackoff: 50 * time.Millisecond})
	t.Cleanup(h.Close)
	return h
}
