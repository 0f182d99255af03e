package httpstream

import (
	"bytes"
	"context"
	"image/jpeg"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSnapshot(t *testing.T) {
	src := &fakeSource{fps: 30}
	s := New(Config{Hub: newHub(t, src), Logger: discardLog})
	for _, target := range []string{"/snapshot.jpg", "/snapshot", "/?action=snapshot"} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		h := rec.Header()
		if rec.Code != 200 || h.Get("Content-Type") != "image/jpeg" || h.Get("Cache-Control") != cacheControl {
			t.Fatalf("%s: %d %v", target, rec.Code, h)
		}
		body := rec.Body.Bytes()
		if n, _ := strconv.Atoi(h.Get("Content-Length")); n != len(body) {
			t.Errorf("%s: Content-Length %q for %d bytes", target, h.Get("Content-Length"), len(body))
		}
		if _, err := jpeg.Decode(bytes.NewReader(body)); err != nil {
			t.Errorf("%s: %v", target, err)
		}
		if f := src.frameAt(h.Get("X-Timestamp")); f == nil || !bytes.Equal(f.JPEG(), body) {
			t.Errorf("%s: X-Timestamp %q is not the capture time of the frame sent", target, h.Get("X-Timestamp"))
		}
	}
}

// TestSnapshotNoFrame: a camera that delivers nothing gets a 503 with the
// reason, including the camera's last error when there is one.
func TestSnapshotNoFrame(t *testing.T) {
	if d := New(Config{}).snapshotTimeout; d != 2*time.Second {
		t.Errorf("default snapshot timeout %v, want 2s", d)
	}
	for _, tc := range []struct {
		name    string
		src     *fakeSource
		stalled bool // the camera delivered, then stopped
		want    string
	}{
		{"silent", &fakeSource{silent: true}, false, "no frame from the camera within 0.1 s\n"},
		{"failing", &fakeSource{fail: errUnplugged}, false, "no frame from the camera within 0.1 s: device unplugged\n"},
		{"stalled", &fakeSource{fps: 30, limit: 1}, true, "no frame from the camera within 0.1 s\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub := newHub(t, tc.src)
			if tc.stalled {
				// A viewer keeps the camera running while it goes quiet.
				viewer := hub.Subscribe()
				defer viewer.Close()
				if _, err := viewer.Next(context.Background()); err != nil {
					t.Fatal(err)
				}
				waitFor(t, 5*time.Second, "the camera to count as offline", func() bool { return !hub.Stats().Online })
			}
			s := New(Config{Hub: hub, Logger: discardLog})
			s.snapshotTimeout = 100 * time.Millisecond
			ts := httptest.NewServer(s.Handler())
			defer ts.Close()
			start := time.Now()
			resp, err := testClient().Get(ts.URL + "/snapshot.jpg")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 503 || string(body) != tc.want {
				t.Errorf("got %d %q, want 503 %q", resp.StatusCode, body, tc.want)
			}
			if el := time.Since(start); el < 100*time.Millisecond || el > 2*time.Second {
				t.Errorf("answered after %v", el)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
		})
	}
}
