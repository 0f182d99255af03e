package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// stream serves 100 fps of tiny JPEG-like parts; with corrupt, none ends in
// FFD9.
func stream(corrupt bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace;boundary=--frame")
		body := "\xff\xd8jpeg\xff\xd9"
		if corrupt {
			body = body[:len(body)-1]
		}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			now := time.Now()
			fmt.Fprintf(w, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\nX-Timestamp: %d.%06d\r\n\r\n%s\r\n",
				len(body), now.Unix(), now.Nanosecond()/1000, body)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"-clients", "1"},
		{"-url", "http://x/", "-clients", "5,,6"},
		{"-url", "http://x/", "-clients", "-3"},
		{"-url", "http://x/", "-duration", "0s"},
		{"-url", "http://x/", "-duration", "soon"},
		{"-url", "http://x/", "extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if msg := errOut.String(); strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "mjpegload: ") {
			t.Errorf("%q: stderr %q, want one line", args, msg)
		}
	}
}

func TestHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"-h"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "-clients") {
		t.Errorf("-h: exit %d, output %q", code, out.String())
	}
}

func TestRunsEachClientCount(t *testing.T) {
	srv := httptest.NewServer(stream(false))
	defer srv.Close()
	var out, errOut bytes.Buffer
	args := []string{"-url", srv.URL + "/stream.mjpg", "-clients", "1,3", "-duration", "150ms",
		"-warmup", "20ms", "-pause", "0s", "-json", "-pid", fmt.Sprint(os.Getpid())}
	if code := run(t.Context(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", out.String())
	}
	for i, want := range []float64{1, 3} {
		var r map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("line %q: %v", lines[i], err)
		}
		if r["clients"] != want || r["bad_parts"] != 0.0 || r["frames"].(float64) < want || r["server"] == nil {
			t.Errorf("run %d: %s", i, lines[i])
		}
	}
}

func TestBadPartsExitNonZero(t *testing.T) {
	srv := httptest.NewServer(stream(true))
	defer srv.Close()
	var out bytes.Buffer
	args := []string{"-url", srv.URL, "-clients", "2", "-duration", "100ms", "-warmup", "0s"}
	if code := run(t.Context(), args, &out, io.Discard); code != 1 {
		t.Errorf("exit %d, want 1; output %q", code, out.String())
	}
	if !strings.Contains(out.String(), "clients=2 ") || strings.Contains(out.String(), "bad=0 ") {
		t.Errorf("output %q", out.String())
	}
}
