package httpstream

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// twoCameras serves a red camera "front" and a blue camera "back".
func twoCameras(t *testing.T) *Server {
	red, blue := testJPEGs[0], testJPEGs[2]
	return startServer(t, Config{Feeds: []Feed{
		{Name: "front", Hub: newHub(t, &fakeSource{fps: 30, jpegs: [][]byte{red}}),
			Describe: func() (string, string) { return "Kitchen front", "id-front" }},
		{Name: "back", Hub: newHub(t, &fakeSource{fps: 30, jpegs: [][]byte{blue}}),
			Describe: func() (string, string) { return "Kitchen back", "id-back" }},
	}})
}

// streamFrom opens target as a stream and returns its first part.
func streamFrom(t *testing.T, addr, target string) []byte {
	t.Helper()
	conn, br := rawGet(t, addr, "GET", target)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if head := readHead(t, br); !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") {
		t.Fatalf("%s: %q", target, head)
	}
	expectBytes(t, br, "--"+boundary+"\r\n")
	return readPart(t, br)
}

// TestFeedsRoutes: every camera has its own URLs, and the first one also
// the classic ones.
func TestFeedsRoutes(t *testing.T) {
	s := twoCameras(t)
	red, blue := testJPEGs[0], testJPEGs[2]
	for target, want := range map[string][]byte{
		"/stream.mjpg": red, "/?action=stream": red, "/cam/front/stream.mjpg": red,
		"/cam/back/stream.mjpg": blue, "/cam/back/stream": blue, "/cam/back/?action=stream": blue,
	} {
		if got := streamFrom(t, s.Addr(), target); !bytes.Equal(got, want) {
			t.Errorf("%s gave another camera's frame", target)
		}
	}
	for _, tc := range []struct {
		target string
		code   int
		want   []byte
	}{
		{"/snapshot.jpg", 200, red},
		{"/cam/front/snapshot.jpg", 200, red},
		{"/cam/back/snapshot.jpg", 200, blue},
		{"/cam/back/?action=snapshot", 200, blue},
		{"/cam/back/", 200, renderPage("Kitchen back")},
		{"/cam/back", 301, nil},
		{"/cam/side/stream.mjpg", 404, nil},
		{"/cam/back/nothing", 404, nil},
		{"/cam/", 404, nil},
	} {
		c := testClient()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.Get("http://" + s.Addr() + tc.target)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || tc.want != nil && !bytes.Equal(body, tc.want) {
			t.Errorf("%s: %d (%d bytes), want %d", tc.target, resp.StatusCode, len(body), tc.code)
		}
		if tc.code == 301 && resp.Header.Get("Location") != "/cam/back/" {
			t.Errorf("%s redirects to %q", tc.target, resp.Header.Get("Location"))
		}
	}
}

// TestFeedsStatus: /status lists each camera with its paths, id and
// viewers; /cam/NAME/status puts that camera at the top.
func TestFeedsStatus(t *testing.T) {
	s := twoCameras(t)
	streamFrom(t, s.Addr(), "/cam/back/stream.mjpg")
	waitFor(t, 2*time.Second, "the viewer registered", func() bool { return len(s.Clients()) == 1 })

	st, _ := getStatus(t, s.Addr())
	if st.ID != "id-front" || st.Name != "Kitchen front" || len(st.Clients) != 1 || st.Clients[0].Camera != "back" {
		t.Errorf("top level: id %q name %q clients %+v", st.ID, st.Name, st.Clients)
	}
	if len(st.Streams) != 2 {
		t.Fatalf("streams: %+v", st.Streams)
	}
	f, b := st.Streams[0], st.Streams[1]
	if f.Name != "front" || f.ID != "id-front" || f.Stream != "/stream.mjpg" || f.Page != "/" || f.Streaming || !f.On {
		t.Errorf("front: %+v", f)
	}
	if b.Name != "back" || b.Title != "Kitchen back" || b.ID != "id-back" || b.Stream != "/cam/back/stream.mjpg" ||
		b.Snapshot != "/cam/back/snapshot.jpg" || b.Page != "/cam/back/" || !b.Streaming {
		t.Errorf("back: %+v", b)
	}

	resp, err := testClient().Get("http://" + s.Addr() + "/cam/back/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc statusShape
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != "id-back" || len(doc.Clients) != 1 || !doc.Streaming {
		t.Errorf("/cam/back/status: %+v", doc)
	}
}

// TestFeedOff: a camera switched off answers 503 on its URLs, loses its
// viewers, and comes back when switched on; the other keeps streaming.
func TestFeedOff(t *testing.T) {
	s := twoCameras(t)
	conn, br := rawGet(t, s.Addr(), "GET", "/cam/back/stream.mjpg")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	readHead(t, br)
	front, _ := openStream(t, s.Addr())
	waitFor(t, 2*time.Second, "two viewers", func() bool { return len(s.Clients()) == 2 })

	if !s.SetFeedOn("back", false) || s.FeedOn("back") || s.SetFeedOn("side", false) {
		t.Fatal("SetFeedOn/FeedOn disagree")
	}
	if _, err := io.ReadAll(br); err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the back viewer was not disconnected: %v", err)
	}
	waitFor(t, 2*time.Second, "one viewer left", func() bool { return len(s.Clients()) == 1 })
	for _, target := range []string{"/cam/back/stream.mjpg", "/cam/back/snapshot.jpg"} {
		resp, err := testClient().Get("http://" + s.Addr() + target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s while off: %s", target, resp.Status)
		}
	}
	if st, _ := getStatus(t, s.Addr()); st.Streams[1].On {
		t.Errorf("/status says back is on")
	}
	front.Close()
	s.SetFeedOn("back", true)
	if got := streamFrom(t, s.Addr(), "/cam/back/stream.mjpg"); !bytes.Equal(got, testJPEGs[2]) {
		t.Error("back did not come back")
	}
}

// TestFeedsConfigErrors: bad camera names and duplicates are refused by
// Start with a clear error.
func TestFeedsConfigErrors(t *testing.T) {
	hub := newHub(t, &fakeSource{fps: 30})
	for _, feeds := range [][]Feed{
		{{Name: "Front", Hub: hub}},
		{{Name: "a/b", Hub: hub}},
		{{Name: "-a", Hub: hub}},
		{{Name: "a", Hub: hub}, {Name: "a", Hub: hub}},
		{{Name: "a"}},
	} {
		s := New(Config{Addr: "127.0.0.1:0", Feeds: feeds, Logger: discardLog})
		if err := s.Start(t.Context()); err == nil {
			s.Stop()
			t.Errorf("%+v: started", feeds)
		}
	}
}
