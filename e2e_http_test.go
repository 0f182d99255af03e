package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// The three spellings of each endpoint that lancam answers.
var (
	streamPaths   = []string{"/stream.mjpg", "/stream", "/?action=stream"}
	snapshotPaths = []string{"/snapshot.jpg", "/snapshot", "/?action=snapshot"}
)

// TestE2ETestPattern serves the test pattern at 640x360 and plays it with
// ffprobe, ffmpeg and curl, and checks the HTTP surface: HEAD, 404, 405,
// /status and the page.
func TestE2ETestPattern(t *testing.T) {
	t.Parallel()
	const w, h = 640, 360
	l := startLancam(t, "-source", "test", "-size", "640x360", "-fps", "30")

	if out := l.stdout.String(); !strings.Contains(out, "http://"+l.addr+"/") {
		t.Errorf("stdout does not tell the page URL http://%s/:\n%s", l.addr, out)
	}

	// ffprobe finds an MJPEG video stream of the asked size, both when it
	// detects the format itself and when told it is mpjpeg (multipart JPEG).
	for _, forced := range []bool{false, true} {
		t.Run(fmt.Sprintf("ffprobe/forced=%v", forced), func(t *testing.T) {
			t.Parallel()
			var extra []string
			if forced {
				extra = []string{"-f", "mpjpeg"}
			}
			probe := ffprobeStream(t, l.url("/stream.mjpg"), extra...)
			if s := probe.Streams[0]; s.CodecName != "mjpeg" || s.Width != w || s.Height != h {
				t.Errorf("ffprobe: codec %s %dx%d, want mjpeg %dx%d", s.CodecName, s.Width, s.Height, w, h)
			}
			if probe.Format.FormatName != "mpjpeg" {
				t.Errorf("ffprobe: format %q, want mpjpeg", probe.Format.FormatName)
			}
		})
	}

	// ffmpeg decodes 30 consecutive frames from each stream URL without a
	// single error, and they are not all the same picture.
	for _, path := range streamPaths {
		t.Run("ffmpeg"+path, func(t *testing.T) {
			t.Parallel()
			ffmpeg := testenv.Tool(t, "ffmpeg")
			// framemd5 is -f null plus a hash line per decoded frame, so the
			// frames can be counted and compared.
			out, stderr, err := runTool(t, ffmpeg, "-nostdin", "-v", "error", "-i", l.url(path),
				"-frames:v", "30", "-f", "framemd5", "-")
			if err != nil || stderr != "" {
				t.Fatalf("ffmpeg: %v\nstderr: %s", err, stderr)
			}
			if !strings.Contains(out, fmt.Sprintf("#dimensions 0: %dx%d", w, h)) {
				t.Errorf("ffmpeg decoded a different size than %dx%d:\n%s", w, h, out)
			}
			hashes := map[string]bool{}
			frames := 0
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				fields := strings.Split(line, ",")
				hashes[strings.TrimSpace(fields[len(fields)-1])] = true
				frames++
			}
			if frames != 30 {
				t.Errorf("ffmpeg decoded %d frames, want 30", frames)
			}
			if len(hashes) < frames/2 {
				t.Errorf("only %d different pictures in %d frames: the picture does not move", len(hashes), frames)
			}
		})
	}

	// curl fetches a JPEG of the asked size from each snapshot URL.
	for _, path := range snapshotPaths {
		t.Run("snapshot"+path, func(t *testing.T) {
			t.Parallel()
			curl := testenv.Tool(t, "curl")
			file := filepath.Join(t.TempDir(), "snap.jpg")
			out, stderr, err := runTool(t, curl, "-sf", "--max-time", "5", "-o", file, "-w", "%{content_type}", l.url(path))
			if err != nil {
				t.Fatalf("curl -sf %s: %v\n%s", path, err, stderr)
			}
			if out != "image/jpeg" {
				t.Errorf("Content-Type %q, want image/jpeg", out)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			decodeJPEG(t, data, w, h)
		})
	}

	// HEAD of a stream answers the stream's headers and no body, at once.
	t.Run("head", func(t *testing.T) {
		t.Parallel()
		curl := testenv.Tool(t, "curl")
		for _, path := range streamPaths {
			out, stderr, err := runTool(t, curl, "-sI", "--max-time", "5", l.url(path))
			if err != nil {
				t.Fatalf("curl -sI %s: %v\n%s", path, err, stderr)
			}
			resp := parseHead(t, out)
			ct := resp.Header.Get("Content-Type")
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "multipart/x-mixed-replace;") ||
				!strings.Contains(ct, "boundary=") {
				t.Errorf("HEAD %s: %s, Content-Type %q; want 200 multipart/x-mixed-replace with a boundary", path, resp.Status, ct)
			}
			raw := rawHTTP(t, l.addr, http.MethodHead, path)
			if head, body, ok := strings.Cut(raw, "\r\n\r\n"); !ok || body != "" {
				t.Errorf("HEAD %s: want a head and no body, got head %q and %d body bytes", path, head, len(body))
			}
		}
		raw := rawHTTP(t, l.addr, http.MethodHead, "/snapshot.jpg")
		head, body, _ := strings.Cut(raw, "\r\n\r\n")
		resp := parseHead(t, head+"\r\n\r\n")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || body != "" {
			t.Errorf("HEAD /snapshot.jpg: %s %q with %d body bytes; want 200 image/jpeg and no body",
				resp.Status, resp.Header.Get("Content-Type"), len(body))
		}
	})

	// Unknown URLs are 404; anything but GET and HEAD is 405 with Allow.
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		curl := testenv.Tool(t, "curl")
		for _, path := range []string{"/nope", "/stream.mjpg/x", "/?action=bogus", "/snapshot.png"} {
			if resp := curlHead(t, curl, l.url(path)); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %s, want 404", path, resp.Status)
			}
		}
		for _, path := range []string{"/stream.mjpg", "/snapshot.jpg", "/status", "/", "/?action=stream"} {
			for _, method := range []string{"POST", "PUT", "DELETE"} {
				resp := curlHead(t, curl, "-X", method, l.url(path))
				if resp.StatusCode != http.StatusMethodNotAllowed {
					t.Errorf("%s %s: %s, want 405", method, path, resp.Status)
				}
				if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "HEAD") {
					t.Errorf("%s %s: Allow %q, want GET and HEAD", method, path, allow)
				}
			}
		}
	})

	// /status and /state describe the source; while a stream is open they
	// show the viewer, frames flowing, and the camera online.
	t.Run("status", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/status", "/state"} {
			resp, body := httpGet(t, l.url(path))
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("GET %s: %s %q", path, resp.Status, resp.Header.Get("Content-Type"))
			}
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("GET %s: %v\n%s", path, err, body)
			}
			for _, key := range []string{"source", "clients", "streaming", "uptime_s", "version"} {
				if _, ok := doc[key]; !ok {
					t.Errorf("GET %s: no %q in %s", path, key, body)
				}
			}
			if c := string(doc["clients"]); !strings.HasPrefix(c, "[") {
				t.Errorf("GET %s: clients is %s, want an array", path, c)
			}
			var src map[string]json.RawMessage
			json.Unmarshal(doc["source"], &src)
			for _, key := range []string{"kind", "device", "format", "width", "height", "fps_wanted", "fps_measured", "online"} {
				if _, ok := src[key]; !ok {
					t.Errorf("GET %s: no source.%s in %s", path, key, body)
				}
			}
		}
		st := getStatus(t, l)
		if st.Source.Kind != "test" || st.Source.Width != w || st.Source.Height != h ||
			st.Source.FPSWanted != 30 || st.Version != e2eVersion {
			t.Errorf("/status: %+v; want kind test, %dx%d, fps_wanted 30, version %s", st, w, h, e2eVersion)
		}

		s := openStream(t, l.url("/stream.mjpg"))
		decodeJPEG(t, s.nextJPEG(t), w, h)
		waitStatus(t, l, 5*time.Second, "a viewer, frames and the camera online", func(st statusDoc) bool {
			return st.Streaming && len(st.Clients) >= 1 && st.Source.Online && st.Source.FPSMeasured > 0
		})
	})

	// The page is HTML showing the stream in an <img>.
	t.Run("page", func(t *testing.T) {
		t.Parallel()
		resp, body := httpGet(t, l.url("/"))
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET /: %s %q", resp.Status, resp.Header.Get("Content-Type"))
		}
		if !regexp.MustCompile(`<img[^>]*\ssrc="stream\.mjpg"`).Match(body) {
			t.Errorf(`GET /: no <img src="stream.mjpg"> in the page:\n%s`, body)
		}
	})
}

// TestE2EMaxClients checks that with -max-clients 2 a third viewer is told
// 503 with Retry-After while snapshots still work, that a freed place can be
// taken again, and that SIGTERM ends open streams and exits 0.
func TestE2EMaxClients(t *testing.T) {
	t.Parallel()
	curl := testenv.Tool(t, "curl")
	l := startLancam(t, "-source", "test", "-size", "320x240", "-fps", "15", "-max-clients", "2")

	a := openStream(t, l.url("/stream.mjpg"))
	b := openStream(t, l.url("/stream"))
	a.nextJPEG(t)
	b.nextJPEG(t)
	waitStatus(t, l, 5*time.Second, "2 viewers", func(st statusDoc) bool { return len(st.Clients) == 2 && st.Streaming })

	for _, path := range streamPaths {
		resp := curlHead(t, curl, l.url(path))
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("third viewer GET %s: %s, want 503", path, resp.Status)
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra <= 0 {
			t.Errorf("third viewer GET %s: Retry-After %q, want seconds", path, resp.Header.Get("Retry-After"))
		}
	}
	if resp := curlHead(t, curl, "-I", l.url("/stream.mjpg")); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("HEAD /stream.mjpg when full: %s, want 503", resp.Status)
	}
	if resp := curlHead(t, curl, l.url("/snapshot.jpg")); resp.StatusCode != http.StatusOK {
		t.Errorf("snapshot when the stream is full: %s, want 200", resp.Status)
	}

	// One viewer leaves: a new one gets in.
	a.close()
	waitStatus(t, l, 5*time.Second, "1 viewer", func(st statusDoc) bool { return len(st.Clients) == 1 })
	c := openStream(t, l.url("/?action=stream"))
	c.nextJPEG(t)

	// SIGTERM with two viewers: lancam closes their streams and exits 0.
	l.stop(t, syscall.SIGTERM)
	b.waitEnd(t)
	c.waitEnd(t)
}
