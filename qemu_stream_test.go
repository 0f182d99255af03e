//go:build qemu

package main

// Reading the guest's stream from the host, with arrival times.

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sync"
	"time"
)

// qemuFrame is one part of /stream.mjpg and when it arrived.
type qemuFrame struct {
	at   time.Time
	data []byte
}

// qemuStream reads /stream.mjpg in the background.
type qemuStream struct {
	mu     sync.Mutex
	frames []qemuFrame
	err    error // why the stream ended
	ended  bool
	cancel context.CancelFunc
}

func (vm *qemuVM) openStream() *qemuStream {
	vm.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, vm.base+"/stream.mjpg", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		vm.t.Fatalf("GET /stream.mjpg: %v", err)
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || err != nil || mt != "multipart/x-mixed-replace" {
		cancel()
		vm.t.Fatalf("GET /stream.mjpg: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &qemuStream{cancel: cancel}
	vm.t.Cleanup(cancel)
	go func() {
		defer resp.Body.Close()
		mr := multipart.NewReader(resp.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			var b []byte
			if err == nil {
				b, err = io.ReadAll(p)
			}
			s.mu.Lock()
			if err != nil {
				s.err, s.ended = err, true
				s.mu.Unlock()
				return
			}
			s.frames = append(s.frames, qemuFrame{time.Now(), b})
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *qemuStream) snapshot() ([]qemuFrame, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]qemuFrame(nil), s.frames...), s.ended, s.err
}

// waitFrames waits until the stream has n frames or d passed.
func (s *qemuStream) waitFrames(n int, d time.Duration) []qemuFrame {
	deadline := time.Now().Add(d)
	for {
		f, ended, _ := s.snapshot()
		if len(f) >= n || ended || time.Now().After(deadline) {
			return f
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// between returns the frames that arrived in [from, to).
func qemuBetween(frames []qemuFrame, from, to time.Time) []qemuFrame {
	var out []qemuFrame
	for _, f := range frames {
		if !f.at.Before(from) && f.at.Before(to) {
			out = append(out, f)
		}
	}
	return out
}

// qemuRate is frames per second over the span of fs (first to last arrival).
func qemuRate(fs []qemuFrame) float64 {
	if len(fs) < 2 {
		return 0
	}
	return float64(len(fs)-1) / fs[len(fs)-1].at.Sub(fs[0].at).Seconds()
}
