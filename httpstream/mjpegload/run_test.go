package mjpegload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeServer emits 100 fps of small JPEG-like blobs (FFD8 ... FFD9) with an
// X-Timestamp, laid out as lancam does: the next boundary right after each
// frame. Every corruptEvery-th part lacks its FFD9 (0: none); with
// stopAfter > 0 the stream ends after that many parts.
type fakeServer struct {
	corruptEvery, stopAfter int
}

func (f fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=XYZ")
	io.WriteString(w, "--XYZ\r\n")
	body := []byte("\xff\xd8" + strings.Repeat("j", 2000) + "\xff\xd9")
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for i := 1; f.stopAfter == 0 || i <= f.stopAfter; i++ {
		b := body
		if f.corruptEvery > 0 && i%f.corruptEvery == 0 {
			b = body[:len(body)-1]
		}
		now := time.Now()
		fmt.Fprintf(w, "Content-Type: image/jpeg\r\nContent-Length: %d\r\nX-Timestamp: %d.%06d\r\n\r\n",
			len(b), now.Unix(), now.Nanosecond()/1000)
		w.Write(b)
		io.WriteString(w, "\r\n--XYZ\r\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

func runAgainst(t *testing.T, h http.Handler, cfg Config) Result {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	cfg.URL = srv.URL + "/stream.mjpg"
	res, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Logf("%v", res)
	return res
}

func TestRunHealthy(t *testing.T) {
	res := runAgainst(t, fakeServer{}, Config{Clients: 5, Warmup: 50 * time.Millisecond, Duration: 250 * time.Millisecond, PID: os.Getpid()})
	if res.Clients != 5 || res.Connected != 5 || res.Refused != 0 || res.Disconnected != 0 || res.BadParts != 0 {
		t.Errorf("clients/connected/refused/disconnected/bad = %d/%d/%d/%d/%d, want 5/5/0/0/0",
			res.Clients, res.Connected, res.Refused, res.Disconnected, res.BadParts)
	}
	// 100 fps for 250 ms is 25 frames a client; leave room for -race.
	if res.Frames < 5*5 || res.FPSMin < 20 || res.FPSMax > 120 || res.FPSMedian < res.FPSMin {
		t.Errorf("frames %d, fps min/med/max %.1f/%.1f/%.1f", res.Frames, res.FPSMin, res.FPSMedian, res.FPSMax)
	}
	if res.Bytes != res.Frames*2004 || res.GB != float64(res.Bytes)/1e9 {
		t.Errorf("bytes %d, GB %v for %d frames of 2004 bytes", res.Bytes, res.GB, res.Frames)
	}
	if res.NoTimestamp != 0 || res.DelayP50 <= 0 || res.DelayP50 > res.DelayP99 || res.DelayP99 > res.DelayMax || res.DelayMax > time.Second {
		t.Errorf("delays p50/p99/max = %v/%v/%v, %d without timestamp", res.DelayP50, res.DelayP99, res.DelayMax, res.NoTimestamp)
	}
	if !res.ServerStats || res.PeakRSS <= 0 || res.ServerCPU < 0 {
		t.Errorf("server stats %v: cpu %v, rss %v", res.ServerStats, res.ServerCPU, res.PeakRSS)
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(res.JSON()), &j); err != nil || j["frames"] != float64(res.Frames) || j["server"] == nil {
		t.Errorf("JSON %s: %v", res.JSON(), err)
	}
}

func TestRunRefused(t *testing.T) {
	busy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "too many clients", http.StatusServiceUnavailable)
	})
	res := runAgainst(t, busy, Config{Clients: 5, Duration: 100 * time.Millisecond})
	if res.Refused != 5 || res.Connected != 0 || res.Frames != 0 || !strings.Contains(res.FirstError, "503") {
		t.Errorf("refused %d, connected %d, frames %d, error %q", res.Refused, res.Connected, res.Frames, res.FirstError)
	}
}

func TestRunConnectFails(t *testing.T) {
	srv := httptest.NewServer(fakeServer{})
	url := srv.URL
	srv.Close() // nothing listens there now
	res, err := Run(t.Context(), Config{URL: url, Clients: 3, Duration: 50 * time.Millisecond})
	if err != nil || res.Refused != 3 {
		t.Errorf("Run = %v refused, %v; want 3 refused", res.Refused, err)
	}
}

func TestRunCorrupt(t *testing.T) {
	res := runAgainst(t, fakeServer{corruptEvery: 3}, Config{Clients: 5, Duration: 200 * time.Millisecond})
	if res.BadParts < 5 || res.Frames == 0 || res.Disconnected != 0 {
		t.Errorf("bad %d, frames %d, disconnected %d; want bad parts counted and the streams going on",
			res.BadParts, res.Frames, res.Disconnected)
	}
	if !strings.Contains(res.FirstError, "not a whole JPEG") {
		t.Errorf("first error %q", res.FirstError)
	}
}

func TestRunServerHangsUp(t *testing.T) {
	res := runAgainst(t, fakeServer{stopAfter: 2}, Config{Clients: 3, Duration: 100 * time.Millisecond})
	if res.Disconnected != 3 || res.BadParts != 0 {
		t.Errorf("disconnected %d, bad %d; want 3, 0", res.Disconnected, res.BadParts)
	}
}

func TestRunCancelled(t *testing.T) {
	srv := httptest.NewServer(fakeServer{})
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Run(ctx, Config{URL: srv.URL, Clients: 2, Duration: time.Hour})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context = %v", err)
	}
}

func TestRunBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{URL: "http://x/", Clients: 0, Duration: time.Second},
		{URL: "http://x/", Clients: 1},
		{URL: "http://x/", Clients: 1, Duration: time.Second, Warmup: -1},
		{URL: "https://x/", Clients: 1, Duration: time.Second},
		{URL: "http:///path", Clients: 1, Duration: time.Second},
		{URL: "http://x/", Clients: 1, Duration: time.Second, PID: -5},
	} {
		if _, err := Run(t.Context(), cfg); err == nil {
			t.Errorf("Run(%+v): want error", cfg)
		}
	}
}

func TestBoundaryOf(t *testing.T) {
	for ct, want := range map[string]string{
		"multipart/x-mixed-replace;boundary=XYZ":       "XYZ",
		`multipart/x-mixed-replace; boundary="--XYZ"`:  "--XYZ",
		"multipart/x-mixed-replace;boundary=--a b;x=1": "--a b", // does not parse: fallback
		"image/jpeg": "",
	} {
		got, err := boundaryOf(ct)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("boundaryOf(%q) = %q, %v; want %q", ct, got, err, want)
		}
	}
}

func TestWholeJPEG(t *testing.T) {
	for b, want := range map[string]bool{
		"\xff\xd8\xff\xd9": true, "\xff\xd8xx\xff\xd9": true, "\xff\xd9": false,
		"\xff\xd8xx\xff": false, "x\xd8xx\xff\xd9": false, "": false,
	} {
		if wholeJPEG([]byte(b)) != want {
			t.Errorf("wholeJPEG(%q) != %v", b, want)
		}
	}
}
