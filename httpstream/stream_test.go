package httpstream

import (
	"bufio"
	"bytes"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const wantStreamHead = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: multipart/x-mixed-replace;boundary=" + boundary + "\r\n" +
	"Cache-Control: no-store, no-cache, must-revalidate, proxy-revalidate, pre-check=0, post-check=0, max-age=0\r\n" +
	"Pragma: no-cache\r\n" +
	"Expires: Mon, 3 Jan 2000 12:34:56 GMT\r\n" +
	"X-Accel-Buffering: no\r\n" +
	"Connection: close\r\n" +
	"Date: DATE\r\n" +
	"\r\n"

var dateLine = regexp.MustCompile(`(?m)^Date: ([^\r]*)\r$`)

// TestStreamFraming checks the stream byte for byte over a real TCP
// connection: head, opening boundary, and the first two parts, each closed
// by the boundary right after its JPEG.
func TestStreamFraming(t *testing.T) {
	src := &fakeSource{fps: 50}
	s := startServer(t, Config{Hub: newHub(t, src)})
	conn, br := rawGet(t, s.Addr(), "GET", "/stream.mjpg")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))

	head := readHead(t, br)
	m := dateLine.FindStringSubmatch(head)
	if m == nil {
		t.Fatalf("no Date header in %q", head)
	}
	if d, err := http.ParseTime(m[1]); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date %q: %v", m[1], err)
	}
	if got := strings.Replace(head, m[1], "DATE", 1); got != wantStreamHead {
		t.Errorf("head:\n got %q\nwant %q", got, wantStreamHead)
	}
	expectBytes(t, br, "--"+boundary+"\r\n")

	var lastSeq uint64
	for i := range 2 {
		hdr := readHead(t, br)
		ts := regexp.MustCompile(`X-Timestamp: (\d+\.\d{6})\r\n`).FindStringSubmatch(hdr)
		if ts == nil {
			t.Fatalf("part %d: no X-Timestamp in %q", i, hdr)
		}
		f := src.frameAt(ts[1])
		if f == nil {
			t.Fatalf("part %d: X-Timestamp %s is no published frame's capture time", i, ts[1])
		}
		want := "Content-Type: image/jpeg\r\nContent-Length: " + strconv.Itoa(len(f.JPEG())) +
			"\r\nX-Timestamp: " + wantTimestamp(f.Captured()) + "\r\n\r\n"
		if hdr != want {
			t.Errorf("part %d header:\n got %q\nwant %q", i, hdr, want)
		}
		body := make([]byte, len(f.JPEG()))
		if _, err := io.ReadFull(br, body); err != nil || !bytes.Equal(body, f.JPEG()) {
			t.Fatalf("part %d body differs from frame %d (err %v)", i, f.Seq(), err)
		}
		expectBytes(t, br, "\r\n--"+boundary+"\r\n")
		if i > 0 && f.Seq() <= lastSeq {
			t.Errorf("part %d is frame %d, not after %d", i, f.Seq(), lastSeq)
		}
		lastSeq = f.Seq()
	}
}

// TestStreamBoundaryFollowsFrame: with a single frame and then silence,
// the closing boundary still arrives, so Chromium shows the frame at once.
func TestStreamBoundaryFollowsFrame(t *testing.T) {
	src := &fakeSource{fps: 10, limit: 1}
	s := startServer(t, Config{Hub: newHub(t, src)})
	conn, br := openStream(t, s.Addr())
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	readPart(t, br)
}

// TestStreamMultipart parses each stream URL with mime/multipart, as a
// strict client would.
func TestStreamMultipart(t *testing.T) {
	for _, path := range []string{"/stream.mjpg", "/stream", "/?action=stream"} {
		t.Run(path, func(t *testing.T) {
			src := &fakeSource{fps: 50}
			s := startServer(t, Config{Hub: newHub(t, src)})
			resp, err := testClient().Get("http://" + s.Addr() + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if err != nil || mt != "multipart/x-mixed-replace" {
				t.Fatalf("Content-Type %q: %v", resp.Header.Get("Content-Type"), err)
			}
			mr := multipart.NewReader(resp.Body, params["boundary"])
			for i := range 3 {
				p, err := mr.NextPart()
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				if ct := p.Header.Get("Content-Type"); ct != "image/jpeg" {
					t.Errorf("part %d Content-Type %q", i, ct)
				}
				data, err := io.ReadAll(p)
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				if n, _ := strconv.Atoi(p.Header.Get("Content-Length")); n != len(data) {
					t.Errorf("part %d Content-Length %d, body %d bytes", i, n, len(data))
				}
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					t.Errorf("part %d is no JPEG: %v", i, err)
				}
				f := src.frameAt(p.Header.Get("X-Timestamp"))
				if f == nil || !bytes.Equal(f.JPEG(), data) {
					t.Errorf("part %d does not match the frame captured at %s", i, p.Header.Get("X-Timestamp"))
				}
			}
		})
	}
}

// TestStreamDisconnect: a viewer that leaves is noticed at once, also while
// the camera delivers nothing and no write could fail.
func TestStreamDisconnect(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  *fakeSource
	}{
		{"frames flowing", &fakeSource{fps: 30}},
		{"camera silent", &fakeSource{silent: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub := newHub(t, tc.src)
			s := startServer(t, Config{Hub: hub})
			conn, _ := openStream(t, s.Addr())
			waitFor(t, time.Second, "client registered", func() bool { return len(s.Clients()) == 1 })
			if !s.Streaming() {
				t.Error("Streaming() false with a viewer")
			}
			conn.Close()
			waitFor(t, time.Second, "client gone", func() bool { return len(s.Clients()) == 0 })
			waitFor(t, time.Second, "subscription closed", func() bool { return hub.Stats().Subscribers == 0 })
			if s.Streaming() {
				t.Error("Streaming() true without viewers")
			}
		})
	}
}

// expectBytes reads len(want) bytes and requires them to equal want.
func expectBytes(t testing.TB, br *bufio.Reader, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != want {
		t.Fatalf("got %q (%v), want %q", got, err, want)
	}
}

// readPart reads one part and its closing boundary, returning the JPEG.
func readPart(t testing.TB, br *bufio.Reader) []byte {
	t.Helper()
	hdr := readHead(t, br)
	m := regexp.MustCompile(`Content-Length: (\d+)\r\n`).FindStringSubmatch(hdr)
	if m == nil {
		t.Fatalf("no Content-Length in %q", hdr)
	}
	n, _ := strconv.Atoi(m[1])
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatalf("part body: %v", err)
	}
	expectBytes(t, br, "\r\n--"+boundary+"\r\n")
	return body
}
