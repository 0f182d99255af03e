package uvc

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	for _, c := range []Config{{}, {Device: "/dev/video0", Width: 8, Height: 8},
		{Device: "/dev/video0", FPS: -1}, {Device: "/dev/video0", Quality: 101}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
	s, err := New(Config{Device: "/dev/video9"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Width != 640 || s.cfg.Height != 480 || s.cfg.FPS != 30 || s.cfg.Quality != 80 || s.cfg.StallTimeout != 2*time.Second {
		t.Errorf("defaults: %+v", s.cfg)
	}
	if fcc, _, _, _ := s.Negotiated(); fcc != "" || s.Signal() {
		t.Error("negotiated before open")
	}
}

func TestFirstStreaming(t *testing.T) {
	jpg := testJPEG(t, 320, 240)
	good := newFakeWorld(jpg, mjpeg320, "/dev/video4")
	good2 := newFakeWorld(jpg, mjpeg320, "/dev/video5")
	broken := newFakeWorld(jpg[:10], mjpeg320, "/dev/video2") // opens, only short frames
	silent := newFakeWorld(jpg, mjpeg320, "/dev/video3")
	silent.paused = true
	open := func(p string, w wish) (device, error) {
		switch p {
		case "/dev/video2":
			return broken.open(p, w)
		case "/dev/video3":
			return silent.open(p, w)
		case "/dev/video4":
			return good.open(p, w)
		case "/dev/video5":
			return good2.open(p, w)
		}
		return nil, io.ErrUnexpectedEOF
	}
	paths := []string{"/dev/video0", "/dev/video2", "/dev/video3", "/dev/video4", "/dev/video5"}
	firstStreaming := func(ctx context.Context, paths []string, w wish, open openFunc, timeout time.Duration) (string, bool) {
		got := streaming(ctx, paths, w, open, timeout, 1)
		if len(got) == 0 {
			return "", false
		}
		return got[0], true
	}
	p, ok := firstStreaming(context.Background(), paths, wish{640, 480, 30}, open, 50*time.Millisecond)
	if !ok || p != "/dev/video4" {
		t.Fatalf("firstStreaming = %q, %v", p, ok)
	}
	if all := streaming(context.Background(), paths, wish{640, 480, 30}, open, 50*time.Millisecond, 0); strings.Join(all, " ") != "/dev/video4 /dev/video5" {
		t.Fatalf("every streaming camera = %q", all)
	}
	for _, w := range []*fakeWorld{good, good2, broken, silent} {
		if w.live.Load() != 0 {
			t.Fatal("a probed device was left open")
		}
	}
	if _, ok := firstStreaming(context.Background(), paths[:3], wish{640, 480, 30}, open, 50*time.Millisecond); ok {
		t.Fatal("found a streaming camera among broken ones")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := firstStreaming(ctx, paths, wish{}, open, time.Second); ok {
		t.Fatal("cancelled search succeeded")
	}
	if p, ok := FirstStreaming(context.Background(), Config{}); ok && testing.Short() {
		t.Logf("this machine streams from %s", p)
	}
}
