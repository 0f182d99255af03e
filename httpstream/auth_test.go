package httpstream

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// authRoutes are the URLs that must all be guarded.
var authRoutes = []string{"/", "/stream.mjpg", "/?action=stream", "/snapshot.jpg", "/status", "/peers"}

// TestAuthRoutes: without Config.Auth every route is open; with it, every
// route answers 401 with the challenge to anything but the right user and
// password, and 200 to them.
func TestAuthRoutes(t *testing.T) {
	hub := newHub(t, &fakeSource{fps: 30})
	open := httptest.NewServer(New(Config{Hub: hub, Logger: discardLog}).Handler())
	defer open.Close()

	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	header := func(v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("Authorization", v) } }
	cases := []struct {
		name string
		open bool
		set  func(*http.Request)
		want int
	}{
		{"open without header", true, nil, 200},
		{"open with any header", true, basic("x", "y"), 200},
		{"no header", false, nil, 401},
		{"wrong user", false, basic("admin", "s3cret ü"), 401},
		{"wrong password", false, basic("lancam", "s3cret"), 401},
		{"password with a suffix", false, basic("lancam", "s3cret üx"), 401},
		{"empty credentials", false, basic("", ""), 401},
		{"malformed base64", false, header("Basic !!!not-base64"), 401},
		{"no colon", false, header("Basic bGFuY2Ft"), 401},
		{"bearer scheme", false, header("Bearer czNjcmV0"), 401},
		{"digest scheme", false, header(`Digest username="lancam"`), 401},
		{"right credentials", false, basic("lancam", "s3cret ü"), 200},
	}
	c := testClient()
	for _, tc := range cases {
		for _, route := range authRoutes {
			t.Run(tc.name+" "+route, func(t *testing.T) {
				base := open.URL
				if !tc.open {
					// A server of its own: the wrong passwords of the
					// other cases would have blocked the address.
					guarded := httptest.NewServer(New(Config{Hub: hub, Logger: discardLog, Auth: NewBasicAuth("lancam", "s3cret ü")}).Handler())
					defer guarded.Close()
					base = guarded.URL
				}
				req, _ := http.NewRequest("GET", base+route, nil)
				if tc.set != nil {
					tc.set(req)
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				// Streams never end: the head says enough.
				resp.Body.Close()
				if resp.StatusCode != tc.want {
					t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
				}
				challenge := resp.Header.Get("WWW-Authenticate")
				if tc.want == 401 && challenge != `Basic realm="lancam", charset="UTF-8"` {
					t.Errorf("WWW-Authenticate %q", challenge)
				}
				if tc.want == 200 && challenge != "" {
					t.Errorf("challenge %q on a 200", challenge)
				}
			})
		}
	}
}

// authRig drives a guarded Server's handler directly, from any client
// address, on a clock the test moves.
type authRig struct {
	t   *testing.T
	s   *Server
	now time.Time
}

func newAuthRig(t *testing.T, log *slog.Logger) *authRig {
	if log == nil {
		log = discardLog
	}
	r := &authRig{t: t, now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	r.s = New(Config{Hub: newHub(t, &fakeSource{fps: 30}), Logger: log, Auth: NewBasicAuth("lancam", "right")})
	r.s.auth.now = func() time.Time { return r.now }
	return r
}

// get asks /status from remote with password pass ("" sends none).
func (r *authRig) get(remote, pass string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/status", nil)
	req.RemoteAddr = remote
	if pass != "" {
		req.SetBasicAuth("lancam", pass)
	}
	w := httptest.NewRecorder()
	r.s.Handler().ServeHTTP(w, req)
	return w
}

// TestAuthBackoff: five wrong passwords within a minute block the address
// with 429 and Retry-After, even for the right password, without touching
// other addresses; the block ends on time, doubles when guessing goes on,
// and a success forgets it all.
func TestAuthBackoff(t *testing.T) {
	var logBuf bytes.Buffer
	r := newAuthRig(t, slog.New(slog.NewTextHandler(&logBuf, nil)))
	const bad, other = "192.0.2.7:40000", "192.0.2.8:40000"
	for i := 1; i <= 5; i++ {
		if w := r.get(bad, "guess"+strconv.Itoa(i)); w.Code != 401 {
			t.Fatalf("wrong password %d: %d, want 401", i, w.Code)
		}
		r.now = r.now.Add(time.Second)
	}
	w := r.get(bad, "guess6")
	if w.Code != 429 {
		t.Fatalf("6th wrong password: %d, want 429", w.Code)
	}
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q, want 1-60 s", w.Header().Get("Retry-After"))
	}
	if n := strings.Count(logBuf.String(), "\n"); n != 1 {
		t.Errorf("%d log lines for a burst of failures, want 1:\n%s", n, logBuf.String())
	}
	if w := r.get(bad, "right"); w.Code != 429 {
		t.Errorf("right password while blocked: %d, want 429", w.Code)
	}
	if w := r.get("192.0.2.7:50000", ""); w.Code != 429 {
		t.Errorf("another port of the blocked address: %d, want 429", w.Code)
	}
	if w := r.get(other, "right"); w.Code != 200 {
		t.Errorf("another address: %d, want 200", w.Code)
	}

	r.now = r.now.Add(authFirstBlock)
	if w := r.get(bad, "right"); w.Code != 200 {
		t.Fatalf("right password after the block: %d, want 200", w.Code)
	}
	if r.s.auth.size() != 0 {
		t.Errorf("a success left %d addresses remembered", r.s.auth.size())
	}

	// Guessing on: each block is twice the last, up to the cap.
	for _, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute} {
		for i := 0; i < maxAuthFailures; i++ {
			r.get(bad, "guess")
		}
		w := r.get(bad, "guess")
		if got := w.Header().Get("Retry-After"); w.Code != 429 || got != strconv.Itoa(int(want/time.Second)) {
			t.Fatalf("block: %d, Retry-After %q, want 429 and %v", w.Code, got, want)
		}
		r.now = r.now.Add(want - time.Second)
		if w := r.get(bad, "right"); w.Code != 429 || w.Header().Get("Retry-After") != "1" {
			t.Fatalf("a second before the end: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
		}
		r.now = r.now.Add(time.Second)
	}

	// Failures spread beyond the window never block.
	const slow = "192.0.2.9:1"
	for i := 0; i < 3*maxAuthFailures; i++ {
		if w := r.get(slow, "guess"); w.Code != 401 {
			t.Fatalf("slow guess %d: %d, want 401", i, w.Code)
		}
		r.now = r.now.Add(authFailWindow/(maxAuthFailures-1) + time.Second)
	}

	// A request without credentials is no guess.
	for i := 0; i < 3*maxAuthFailures; i++ {
		if w := r.get("192.0.2.10:1", ""); w.Code != 401 {
			t.Fatalf("no credentials %d: %d, want 401", i, w.Code)
		}
	}

	log := logBuf.String()
	for _, secret := range []string{"right", "guess", "Authorization", "Basic "} {
		if strings.Contains(log, secret) {
			t.Errorf("the log mentions %q:\n%s", secret, log)
		}
	}
	if !strings.Contains(log, "192.0.2.7") {
		t.Errorf("the log does not name the guessing address:\n%s", log)
	}
}

// TestAuthIPv6Prefix: addresses of one IPv6 /64 share a back-off, since one
// host can use them all.
func TestAuthIPv6Prefix(t *testing.T) {
	r := newAuthRig(t, nil)
	for i := 1; i <= maxAuthFailures; i++ {
		r.get("[2001:db8::"+strconv.Itoa(i)+"]:1000", "guess")
	}
	if w := r.get("[2001:db8::ffff]:1000", "right"); w.Code != 429 {
		t.Errorf("same /64: %d, want 429", w.Code)
	}
	if w := r.get("[2001:db8:0:1::1]:1000", "right"); w.Code != 200 {
		t.Errorf("another /64: %d, want 200", w.Code)
	}
}

// TestAuthTableBounded: failures from 10000 addresses keep the table at its
// cap, the oldest forgotten first.
func TestAuthTableBounded(t *testing.T) {
	r := newAuthRig(t, nil)
	for i := 0; i < 10000; i++ {
		r.get("10."+strconv.Itoa(i>>16&255)+"."+strconv.Itoa(i>>8&255)+"."+strconv.Itoa(i&255)+":1", "guess")
	}
	if n := r.s.auth.size(); n != maxAuthClients {
		t.Errorf("%d addresses remembered, want the cap %d", n, maxAuthClients)
	}
	if _, ok := r.s.auth.clients["10.0.0.0"]; ok {
		t.Error("the oldest address was kept")
	}
	if _, ok := r.s.auth.clients["10.0.39.15"]; !ok { // 9999
		t.Error("the newest address was dropped")
	}
}

// TestAuthSetAuth: SetAuth switches a running server between open, one
// password and another.
func TestAuthSetAuth(t *testing.T) {
	s := New(Config{Hub: newHub(t, &fakeSource{fps: 30}), Logger: discardLog})
	get := func(pass string) int {
		req := httptest.NewRequest("GET", "/status", nil)
		if pass != "" {
			req.SetBasicAuth("lancam", pass)
		}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		return w.Code
	}
	steps := []struct {
		auth         *BasicAuth
		none, a, b   int
		wantRequired bool
	}{
		{nil, 200, 200, 200, false},
		{NewBasicAuth("lancam", "a"), 401, 200, 401, true},
		{NewBasicAuth("lancam", "b"), 401, 401, 200, true},
		{nil, 200, 200, 200, false},
	}
	for i, st := range steps {
		s.SetAuth(st.auth)
		if got := [3]int{get(""), get("a"), get("b")}; got != [3]int{st.none, st.a, st.b} || s.AuthRequired() != st.wantRequired {
			t.Errorf("step %d: none/a/b = %v (required %v), want %v (%v)", i, got, s.AuthRequired(), [3]int{st.none, st.a, st.b}, st.wantRequired)
		}
	}
}

// TestAuthSetAuthClosesStreams: setting or changing the password cuts the
// streams opened before (they were let in without it, or with the old
// one); setting the same credentials again or removing them does not.
func TestAuthSetAuthClosesStreams(t *testing.T) {
	one, two := NewBasicAuth("lancam", "one"), NewBasicAuth("lancam", "two")
	for _, tc := range []struct {
		name          string
		before, after *BasicAuth
		closes        bool
	}{
		{"password set", nil, one, true},
		{"same password again", one, NewBasicAuth("lancam", "one"), false},
		{"password changed", one, two, true},
		{"password removed", one, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, Config{Hub: newHub(t, &fakeSource{fps: 30}), Auth: tc.before})
			conn, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			req := "GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n"
			if tc.before != nil {
				req += "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(tc.before.User+":"+tc.before.Password)) + "\r\n"
			}
			io.WriteString(conn, req+"\r\n")
			if head := readHead(t, bufio.NewReader(conn)); !strings.HasPrefix(head, "HTTP/1.1 200") {
				t.Fatalf("stream head %q", head)
			}
			waitFor(t, time.Second, "the stream client", func() bool { return len(s.Clients()) == 1 })
			s.SetAuth(tc.after)
			if tc.closes {
				waitFor(t, 2*time.Second, "the stream closed", func() bool { return len(s.Clients()) == 0 })
			} else if n := len(s.Clients()); n != 1 {
				t.Errorf("%d stream clients, want the open one kept", n)
			}
		})
	}
}
