package httpstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// stateEvent is one onState call.
type stateEvent struct {
	state ClientState
	err   error
}

// testRun is a Client running in a test, with what it reported.
type testRun struct {
	c      *Client
	frames chan []byte
	states chan stateEvent
	stop   func() // cancels Run and waits for it; idempotent
}

// startClient runs a Client until the test ends or stop is called. The
// callbacks never block, so a test that stops reading cannot wedge Run.
func startClient(t *testing.T, cfg ClientConfig) *testRun {
	t.Helper()
	cfg.Logger = discardLog
	r := &testRun{c: NewClient(cfg), frames: make(chan []byte, 1000), states: make(chan stateEvent, 1000)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.c.Run(ctx, func(jpeg []byte) {
			select {
			case r.frames <- bytes.Clone(jpeg):
			default:
			}
		}, func(s ClientState, err error) {
			select {
			case r.states <- stateEvent{s, err}:
			default:
				t.Error("state channel full")
			}
		})
	}()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(r.stop)
	return r
}

// nextState is the next reported state.
func (r *testRun) nextState(t *testing.T, timeout time.Duration) stateEvent {
	t.Helper()
	select {
	case ev := <-r.states:
		return ev
	case <-time.After(timeout):
		t.Fatalf("no state change within %v", timeout)
		return stateEvent{}
	}
}

// expectStates checks the next reported states exactly.
func (r *testRun) expectStates(t *testing.T, want ...ClientState) []stateEvent {
	t.Helper()
	var evs []stateEvent
	for _, w := range want {
		ev := r.nextState(t, 5*time.Second)
		if ev.state != w {
			t.Fatalf("state %v (%v), want %v", ev.state, ev.err, w)
		}
		evs = append(evs, ev)
	}
	return evs
}

// awaitState skips states until s; reconnecting may repeat with new errors.
func (r *testRun) awaitState(t *testing.T, s ClientState, timeout time.Duration) stateEvent {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ev := r.nextState(t, time.Until(deadline))
		if ev.state == s {
			return ev
		}
	}
}

// nextFrame is the next delivered frame.
func (r *testRun) nextFrame(t *testing.T) []byte {
	t.Helper()
	select {
	case f := <-r.frames:
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no frame within 5 s")
		return nil
	}
}

// finish stops the client and checks that Run's last word was "stopped".
func (r *testRun) finish(t *testing.T) {
	t.Helper()
	r.stop()
	var last stateEvent
	for len(r.states) > 0 {
		last = <-r.states
	}
	if last.state != ClientStopped || last.err != nil {
		t.Errorf("last state %v (%v), want stopped", last.state, last.err)
	}
}

// multipartBody is a stream of the given JPEGs with boundary "b".
func multipartBody(jpegs ...[]byte) string {
	var b strings.Builder
	for _, j := range jpegs {
		b.WriteString("--b\r\nContent-Type: image/jpeg\r\nContent-Length: " + strconv.Itoa(len(j)) + "\r\n\r\n")
		b.Write(j)
		b.WriteString("\r\n")
	}
	return b.String()
}

// streamHandler answers with contentType and body, then stays silent until
// the client leaves, like a camera whose sensor stalled.
func streamHandler(contentType, body string, requests chan<- time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if requests != nil {
			requests <- time.Now()
		}
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, body)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}

func startHTTPTest(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestClientPlaysLancam: against this package's Server, frames arrive byte
// for byte as the hub published them, the states go connecting -> playing,
// and a server Stop/Start is reconnecting -> playing with Reconnects
// counting. Nothing of the client's outlives Run.
func TestClientPlaysLancam(t *testing.T) {
	src := &fakeSource{fps: 30}
	hub := newHub(t, src)
	leaks := goleak.IgnoreCurrent()
	s := New(Config{Addr: "127.0.0.1:0", Hub: hub, Logger: discardLog})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	addr := s.Addr()
	r := startClient(t, ClientConfig{URL: "http://" + addr + "/stream.mjpg",
		StallTimeout: 2 * time.Second, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})

	r.expectStates(t, ClientConnecting, ClientPlaying)
	checkPublished := func() {
		t.Helper()
		for i := range 10 {
			f := r.nextFrame(t)
			if !src.publishedJPEG(f) {
				t.Fatalf("frame %d (%d bytes) is no published frame", i, len(f))
			}
		}
	}
	checkPublished()
	if r.c.Frames() < 10 {
		t.Errorf("Frames() = %d after 10 frames", r.c.Frames())
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	ev := r.nextState(t, 5*time.Second)
	if ev.state != ClientReconnecting || ev.err == nil {
		t.Fatalf("after Stop: %v (%v), want reconnecting with a reason", ev.state, ev.err)
	}
	for len(r.frames) > 0 { // from before the Stop
		<-r.frames
	}
	s.cfg.Addr = addr
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.awaitState(t, ClientPlaying, 5*time.Second)
	checkPublished()
	if r.c.Reconnects() < 1 {
		t.Errorf("Reconnects() = %d after a reconnect", r.c.Reconnects())
	}
	r.finish(t)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, leaks)
}

// publishedJPEG says whether b is byte for byte a JPEG the source published.
func (s *fakeSource) publishedJPEG(b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.published {
		if bytes.Equal(f.JPEG(), b) {
			return true
		}
	}
	return false
}

// TestClientStall: a server that goes silent (right after its headers, or
// after a frame) is dropped within StallTimeout plus a margin, reported as
// stalled, and reconnected to.
func TestClientStall(t *testing.T) {
	const stall = 300 * time.Millisecond
	const margin = 500 * time.Millisecond
	for _, tc := range []struct {
		name  string
		body  string
		plays bool
	}{
		{"headers then silence", "", false},
		{"a frame then silence", multipartBody(testJPEGs[0]), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requests := make(chan time.Time, 100)
			srv := startHTTPTest(t, streamHandler("multipart/x-mixed-replace;boundary=b", tc.body, requests))
			leaks := goleak.IgnoreCurrent()
			r := startClient(t, ClientConfig{URL: srv.URL, StallTimeout: stall,
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
			r.expectStates(t, ClientConnecting)
			since := <-requests
			if tc.plays {
				r.expectStates(t, ClientPlaying)
				since = time.Now()
			}
			ev := r.nextState(t, 5*time.Second)
			took := time.Since(since)
			if ev.state != ClientReconnecting || !errors.Is(ev.err, ErrStalled) || ev.err.Error() != "stalled for 300ms" {
				t.Fatalf("state %v (%v), want reconnecting, stalled for 300ms", ev.state, ev.err)
			}
			if took < stall-50*time.Millisecond || took > stall+margin {
				t.Errorf("stall noticed after %v, want %v (+%v)", took, stall, margin)
			}
			select {
			case <-requests:
			case <-time.After(5 * time.Second):
				t.Fatal("no reconnect after the stall")
			}
			if r.c.Reconnects() < 1 {
				t.Errorf("Reconnects() = %d", r.c.Reconnects())
			}
			r.finish(t)
			srv.Close()
			goleak.VerifyNone(t, leaks)
		})
	}
}

// TestClientHTTPStatus: a non-2xx answer is reported as reconnecting with
// the status, again only when the wait between tries doubles, and retried
// with that doubling backoff.
func TestClientHTTPStatus(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			requests := make(chan time.Time, 100)
			srv := startHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests <- time.Now()
				http.Error(w, "no", code)
			}))
			const minBackoff = 80 * time.Millisecond
			r := startClient(t, ClientConfig{URL: srv.URL, MinBackoff: minBackoff, MaxBackoff: time.Second})
			r.expectStates(t, ClientConnecting)
			ev := r.expectStates(t, ClientReconnecting)[0]
			var se *HTTPStatusError
			if !errors.As(ev.err, &se) || se.Code != code || !strings.HasPrefix(ev.err.Error(), "HTTP "+strconv.Itoa(code)+" ") {
				t.Errorf("error %v, want HTTP %d", ev.err, code)
			}
			var at []time.Time
			for range 4 {
				at = append(at, <-requests)
			}
			// Waits are backoff ±25 %: 80, 160, 320 ms.
			for i := 1; i < len(at); i++ {
				gap, low := at[i].Sub(at[i-1]), minBackoff<<(i-1)*3/4
				if gap < low {
					t.Errorf("retry %d after %v, want at least %v", i, gap, low)
				}
			}
			if n := r.c.Reconnects(); n != 3 {
				t.Errorf("Reconnects() = %d after 4 requests", n)
			}
			// The same reason comes again only with the next wait, which
			// the viewer shows ("retrying every …").
			var re *RetryError
			if !errors.As(ev.err, &re) || re.Wait != minBackoff {
				t.Errorf("first report %#v, want a RetryError with Wait %v", ev.err, minBackoff)
			}
			for want := 2 * minBackoff; len(r.states) > 0; want *= 2 {
				ev := <-r.states
				if ev.state != ClientReconnecting || !errors.As(ev.err, &re) || re.Wait != want || re.Err.Error() != se.Error() {
					t.Errorf("reported again: %v %#v, want the same reason with Wait %v", ev.state, ev.err, want)
				}
			}
			r.finish(t)
		})
	}
}

// TestClientSendsHeader: Config.Header goes with the request, so a camera
// behind Basic auth plays.
func TestClientSendsHeader(t *testing.T) {
	body := multipartBody(testJPEGs[1])
	play := streamHandler("multipart/x-mixed-replace;boundary=b", body, nil)
	srv := startHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "cam" || p != "secret" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		play(w, r)
	}))
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth("cam", "secret")
	r := startClient(t, ClientConfig{URL: srv.URL, Header: http.Header{"Authorization": req.Header["Authorization"]}})
	r.expectStates(t, ClientConnecting, ClientPlaying)
	if f := r.nextFrame(t); !bytes.Equal(f, testJPEGs[1]) {
		t.Error("frame differs from the one sent")
	}
	r.finish(t)
}

// TestClientNotMJPEG: a web page at the URL is reported as such.
func TestClientNotMJPEG(t *testing.T) {
	srv := startHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>login</html>")
	}))
	r := startClient(t, ClientConfig{URL: srv.URL, MinBackoff: time.Second})
	r.expectStates(t, ClientConnecting)
	ev := r.expectStates(t, ClientReconnecting)[0]
	if !errors.Is(ev.err, ErrNotMJPEG) || ev.err.Error() != "not an MJPEG stream: Content-Type text/html" {
		t.Errorf("error %v", ev.err)
	}
	r.finish(t)
}

// TestClientSnapshotURL: a URL answering one JPEG plays as a slow stream,
// fetched about once a second, without counting as reconnects.
func TestClientSnapshotURL(t *testing.T) {
	requests := make(chan time.Time, 100)
	var mu sync.Mutex
	n := 0
	srv := startHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests <- time.Now()
		mu.Lock()
		j := testJPEGs[n%len(testJPEGs)]
		n++
		mu.Unlock()
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(j)
	}))
	leaks := goleak.IgnoreCurrent()
	r := startClient(t, ClientConfig{URL: srv.URL})
	r.expectStates(t, ClientConnecting, ClientPlaying)
	var at []time.Time
	for i := range 3 {
		if f := r.nextFrame(t); !bytes.Equal(f, testJPEGs[i]) {
			t.Errorf("fetch %d: wrong picture", i)
		}
		at = append(at, <-requests)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 900*time.Millisecond || gap > 1500*time.Millisecond {
			t.Errorf("fetch %d came %v after the previous one, want about 1 s", i, gap)
		}
	}
	if len(r.states) != 0 || r.c.Reconnects() != 0 {
		t.Errorf("state %v, %d reconnects while the snapshots worked", <-r.states, r.c.Reconnects())
	}
	r.finish(t)
	srv.Close()
	goleak.VerifyNone(t, leaks)
}

// TestClientServerClosesMidFrame: the whole frame before the cut is
// delivered, the cut one is not, and the cut is reported.
func TestClientServerClosesMidFrame(t *testing.T) {
	var mu sync.Mutex
	first := true
	srv := startHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		again := !first
		first = false
		mu.Unlock()
		if again {
			http.Error(w, "gone", http.StatusServiceUnavailable)
			return
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		cut := testJPEGs[2][:len(testJPEGs[2])/2]
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=b\r\nConnection: close\r\n\r\n"+
			multipartBody(testJPEGs[0])+"--b\r\nContent-Length: "+strconv.Itoa(len(testJPEGs[2]))+"\r\n\r\n"+string(cut))
	}))
	r := startClient(t, ClientConfig{URL: srv.URL, MinBackoff: time.Second})
	r.expectStates(t, ClientConnecting, ClientPlaying)
	ev := r.expectStates(t, ClientReconnecting)[0]
	if !errors.Is(ev.err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v, want unexpected EOF", ev.err)
	}
	if f := r.nextFrame(t); !bytes.Equal(f, testJPEGs[0]) {
		t.Error("first frame differs")
	}
	if len(r.frames) != 0 || r.c.Frames() != 1 {
		t.Errorf("%d frames delivered, want 1", r.c.Frames())
	}
	r.finish(t)
}

// TestClientBoundaryVariants: boundaries in quotes, with dashes, missing
// from the header (sniffed from the body) or without dashes in the body.
func TestClientBoundaryVariants(t *testing.T) {
	body := multipartBody(testJPEGs[0], testJPEGs[1])
	for _, tc := range []struct{ name, ct, body string }{
		{"plain", "multipart/x-mixed-replace;boundary=b", body},
		{"quoted with dashes", `multipart/x-mixed-replace; boundary="--b"`, body},
		{"dashes", "multipart/x-mixed-replace; boundary=--b", body},
		{"missing", "multipart/x-mixed-replace", body},
		{"no content type", "", body},
		{"no dashes in the body", "multipart/x-mixed-replace;boundary=b", strings.ReplaceAll(body, "--b\r\n", "b\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// An explicit empty value keeps net/http from sniffing one.
				w.Header()["Content-Type"] = []string{tc.ct}
				if tc.ct == "" {
					w.Header()["Content-Type"] = nil
				}
				io.WriteString(w, tc.body)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}))
			r := startClient(t, ClientConfig{URL: srv.URL})
			r.expectStates(t, ClientConnecting, ClientPlaying)
			for i := range 2 {
				if f := r.nextFrame(t); !bytes.Equal(f, testJPEGs[i]) {
					t.Errorf("frame %d differs", i)
				}
			}
			r.finish(t)
		})
	}
}

func TestClientStateString(t *testing.T) {
	for s, want := range map[ClientState]string{
		ClientConnecting: "connecting", ClientPlaying: "playing",
		ClientReconnecting: "reconnecting…", ClientStopped: "stopped", 9: "ClientState(9)",
	} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s.String(), want)
		}
	}
}

// TestClientStopsAtOnce: cancelling the context ends Run promptly in the
// middle of a silent stream and in the middle of a backoff wait.
func TestClientStopsAtOnce(t *testing.T) {
	requests := make(chan time.Time, 10)
	srv := startHTTPTest(t, streamHandler("multipart/x-mixed-replace;boundary=b", "", requests))
	cfg := ClientConfig{StallTimeout: time.Minute, MinBackoff: time.Minute, MaxBackoff: time.Minute}

	cfg.URL = srv.URL
	r := startClient(t, cfg)
	<-requests
	stopQuickly(t, r)

	cfg.URL = "http://127.0.0.1:1/" // refused
	r = startClient(t, cfg)
	r.expectStates(t, ClientConnecting, ClientReconnecting)
	stopQuickly(t, r)
}

func stopQuickly(t *testing.T, r *testRun) {
	t.Helper()
	start := time.Now()
	r.finish(t)
	if el := time.Since(start); el > time.Second {
		t.Errorf("Run took %v to stop", el)
	}
}

// TestRedactURL: passwords in typed URLs never reach the log.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://lancam:s3cret@10.0.0.2:8080/stream.mjpg": "http://lancam:xxxxx@10.0.0.2:8080/stream.mjpg",
		"http://10.0.0.2:8080/?action=stream":            "http://10.0.0.2:8080/?action=stream",
		"http://user@host/":                              "http://user@host/",
		"http://a b:c/%zz":                               "(unparsable URL)",
	} {
		if got := RedactURL(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
