package httpstream

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRoutes checks every URL and method through Handler, as an embedding
// program would use it.
func TestRoutes(t *testing.T) {
	s := New(Config{Hub: newHub(t, &fakeSource{fps: 30}), Logger: discardLog})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	type want struct {
		code int
		ct   string // Content-Type prefix
	}
	page := want{200, "text/html"}
	jpg := want{200, "image/jpeg"}
	js := want{200, "application/json"}
	stream := want{200, "multipart/x-mixed-replace;boundary=" + boundary}
	notFound := want{404, "text/plain"}
	cases := []struct {
		target string
		want   want
	}{
		{"/", page},
		{"/?foo=bar", page},
		{"/stream.mjpg", stream},
		{"/stream", stream},
		{"/?action=stream", stream},
		{"/snapshot.jpg", jpg},
		{"/snapshot", jpg},
		{"/?action=snapshot", jpg},
		{"/status", js},
		{"/state", js},
		{"/peers", js},
		{"/?action=bogus", notFound},
		{"/?action=", notFound},
		{"/nope", notFound},
		{"/stream.mjpg/x", notFound},
		{"/favicon.ico", notFound},
	}
	c := testClient()
	for _, tc := range cases {
		for _, method := range []string{"GET", "HEAD"} {
			if method == "GET" && tc.want == stream {
				continue // endless body: TestStreamMultipart covers GET
			}
			t.Run(method+" "+tc.target, func(t *testing.T) {
				req, _ := http.NewRequest(method, ts.URL+tc.target, nil)
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.want.code || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.want.ct) {
					t.Fatalf("got %d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tc.want.code, tc.want.ct)
				}
				if method == "HEAD" && len(body) != 0 {
					t.Errorf("HEAD body %q", body)
				}
				if method == "GET" && tc.want.code != 200 {
					checkOneLine(t, body)
				}
				if tc.want == stream {
					checkStreamHeaders(t, resp.Header)
				}
			})
		}
	}
	waitFor(t, time.Second, "no clients", func() bool { return len(s.Clients()) == 0 })
}

func checkStreamHeaders(t *testing.T, h http.Header) {
	t.Helper()
	for k, v := range map[string]string{
		"Cache-Control":     cacheControl,
		"Pragma":            "no-cache",
		"Expires":           "Mon, 3 Jan 2000 12:34:56 GMT",
		"X-Accel-Buffering": "no",
	} {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// checkOneLine: error bodies are a single line of plain text.
func checkOneLine(t *testing.T, body []byte) {
	t.Helper()
	s := string(body)
	if s == "" || strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("error body is not one line: %q", s)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s := New(Config{Hub: newHub(t, &fakeSource{fps: 30}), Logger: discardLog})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	c := testClient()
	for _, target := range []string{"/", "/stream.mjpg", "/stream", "/?action=stream", "/snapshot.jpg", "/?action=snapshot", "/status", "/state", "/peers"} {
		for _, method := range []string{"POST", "PUT", "DELETE", "PATCH"} {
			req, _ := http.NewRequest(method, ts.URL+target, strings.NewReader("x"))
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d Allow %q", method, target, resp.StatusCode, resp.Header.Get("Allow"))
			}
			checkOneLine(t, body)
		}
	}
	// An unknown URL is unknown whatever the method.
	resp, err := c.Post(ts.URL+"/nope", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("POST /nope: %d", resp.StatusCode)
	}
}

func TestPage(t *testing.T) {
	s := New(Config{Hub: newHub(t, &fakeSource{fps: 30}), Logger: discardLog})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	for _, want := range []string{
		"<title>lancam</title>",
		`name="viewport"`,
		`<img id="stream" src="stream.mjpg"`,
		`href="snapshot.jpg"`,
		`href="stream.mjpg"`,
		"max-width: 100%",
		`fetch("status"`,
		"setInterval(poll, 2000)",
		`fetch("peers"`,
		`id="peers"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if ext := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|@import|:\s*url\(`).FindString(body); ext != "" {
		t.Errorf("page loads an external asset: %q", ext)
	}
	if rec.Header().Get("Content-Length") == "" {
		t.Error("page without Content-Length")
	}
}

// TestMaxClients: viewers over the limit are refused with a reason and a
// hint when to retry; a freed slot is usable again.
func TestMaxClients(t *testing.T) {
	s := startServer(t, Config{Hub: newHub(t, &fakeSource{fps: 30}), MaxClients: 2})
	first, _ := openStream(t, s.Addr())
	openStream(t, s.Addr())
	waitFor(t, time.Second, "two clients", func() bool { return len(s.Clients()) == 2 })

	c := testClient()
	for _, method := range []string{"GET", "HEAD"} {
		req, _ := http.NewRequest(method, "http://"+s.Addr()+"/stream", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "5" {
			t.Errorf("%s over the limit: %d Retry-After %q", method, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if method == "GET" {
			checkOneLine(t, body)
		}
	}

	first.Close()
	waitFor(t, time.Second, "a free slot", func() bool { return len(s.Clients()) == 1 })
	openStream(t, s.Addr())
}
