//go:build hostile

package main

// Hostile requests: whatever one machine on the LAN sends, lancam answers it
// sensibly and the people watching do not notice. The helpers here (a
// frame-timing viewer, raw exchanges, /status "process") are shared with
// e2e_slowloris_test.go.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lancam/httpstream"
)

// minViewerFPS is what a normal viewer of the 30 fps test source must keep
// while others attack: a drop below it is visible stutter.
const minViewerFPS = 28

// TestE2EHostileRequests sends each bad request of the table over its own
// raw TCP connection, checks the answer, and checks that one viewer kept
// full rate through the whole table.
func TestE2EHostileRequests(t *testing.T) {
	l := startLancam(t, "-source", "test", "-size", "640x360", "-fps", "30")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v := startViewer(ctx, l.addr)
	defer v.close()
	if err := v.waitFrames(5, 5*time.Second); err != nil {
		t.Fatalf("viewer: %v%s", err, stderrTail(l))
	}
	from := time.Now()

	// A response body that looks like /etc/passwd means a traversal worked.
	noPasswd := func(body []byte) error {
		if bytes.Contains(body, []byte("root:")) {
			return errors.New("the body looks like /etc/passwd")
		}
		return nil
	}
	isStream := func(resp *http.Response) error {
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt != "multipart/x-mixed-replace" {
			return fmt.Errorf("Content-Type %q, want the stream", resp.Header.Get("Content-Type"))
		}
		return nil
	}
	host := "Host: " + l.addr + "\r\n"
	get := func(target string, headers ...string) string {
		return "GET " + target + " HTTP/1.1\r\n" + host + strings.Join(headers, "") + "Connection: close\r\n\r\n"
	}

	table := []struct {
		name    string
		request string
		want    []int // acceptable statuses; 0 means "closed without an answer"
		stream  bool  // the answer is endless: read only its head
		repeat  int   // send it this many times in a row (0 = once)
		check   func(*http.Response) error
		body    func([]byte) error
	}{
		{name: "malformed request line", request: "GARBAGE\r\n\r\n", want: []int{400}},
		{name: "NUL in the target", request: "GET /\x00 HTTP/1.1\r\n" + host + "\r\n", want: []int{400}},
		// net/http reads at most MaxHeaderBytes (16 KiB) plus 4 KiB of slack,
		// then answers 431 and closes: the other 1 MB is never buffered.
		{name: "1 MB of headers", request: "GET / HTTP/1.1\r\n" + host + strings.Repeat("X-Pad: "+strings.Repeat("a", 1016)+"\r\n", 1024) + "\r\n", want: []int{431}},
		{name: "unknown method", request: "BREW / HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", want: []int{405}},
		// The router matches whole paths, so no path reaches a file; these
		// guard against that ever changing (e.g. a static file server).
		{name: "traversal /../", request: get("/../etc/passwd"), want: []int{400, 404}, body: noPasswd},
		{name: "traversal %2e%2e", request: get("/%2e%2e/etc/passwd"), want: []int{400, 404}, body: noPasswd},
		{name: "traversal ..%2f", request: get("/..%2fetc/passwd"), want: []int{400, 404}, body: noPasswd},
		{name: "traversal ..%5c", request: get("/static/..%5c..%5cetc"), want: []int{400, 404}, body: noPasswd},
		{name: "traversal via ?action", request: get("/?action=../../etc/passwd"), want: []int{400, 404}, body: noPasswd},
		// 10 KB fits in MaxHeaderBytes: the query is ignored and /status
		// answers as usual, rather than 414.
		{name: "10 KB query string", request: get("/status?" + strings.Repeat("q=1&", 2560)), want: []int{200}},
		{name: "10 KB query on the stream", request: get("/stream.mjpg?" + strings.Repeat("q=1&", 2560)), want: []int{200}, stream: true, check: isStream},
		{name: "HTTP/0.9", request: "GET /\r\n", want: []int{400, 0}},
		{name: "HTTP/2 preface over HTTP/1", request: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", want: []int{400, 404, 505}},
		{name: "unsupported version", request: "GET / HTTP/3.7\r\n" + host + "\r\n", want: []int{505}},
		{name: "missing Host", request: "GET /status HTTP/1.1\r\n\r\n", want: []int{400}},
		// A stream has no byte ranges: the viewer gets the live stream.
		{name: "Range on the stream", request: get("/stream.mjpg", "Range: bytes=0-100\r\n"), want: []int{200}, stream: true, check: isStream},
		// The first answer must be the real one, not a 100 for a body that
		// never comes.
		{name: "Expect: 100-continue", request: get("/status", "Expect: 100-continue\r\n"), want: []int{200}},
		// Bigger than net/http's 256 KB drain limit: answered, then closed
		// without reading the body.
		{name: "GET with a 1 TB Content-Length", request: get("/status", "Content-Length: 1000000000000\r\n"), want: []int{200}},
		{name: "stream with a 1 TB Content-Length", request: get("/stream.mjpg", "Content-Length: 1000000000000\r\n"), want: []int{200}, stream: true, check: isStream},
		{name: "chunked GET with a bad chunk", request: get("/status", "Transfer-Encoding: chunked\r\n") + "zz\r\n", want: []int{200, 400}},
		{name: "200 malformed requests in a row", request: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n", want: []int{400}, repeat: 200},
		{name: "status still answers", request: get("/status"), want: []int{200}},
	}

	// One pass takes under a second, too short to see a stutter in; the
	// table is sent again until the viewer has been measured for
	// tableRun, which also makes the attack sustained.
	const tableRun = 5 * time.Second
	for round := 1; round == 1 || time.Since(from) < tableRun; round++ {
		for _, tc := range table {
			if round == 1 {
				t.Run(tc.name, func(t *testing.T) {
					if err := sendRow(l.addr, tc.request, tc.stream, max(tc.repeat, 1), tc.want, tc.check, tc.body); err != nil {
						t.Fatal(err)
					}
				})
				continue
			}
			if err := sendRow(l.addr, tc.request, tc.stream, max(tc.repeat, 1), tc.want, tc.check, tc.body); err != nil {
				t.Fatalf("round %d, %s: %v", round, tc.name, err)
			}
		}
	}
	if l.exited() {
		t.Fatalf("lancam exited during the table%s", stderrTail(l))
	}
	getStatus(t, l) // still answers after everything

	r := v.rate(from, time.Now())
	t.Logf("viewer through the table (%v): %.2f fps over %d frames, longest gap %v at +%v",
		time.Since(from).Round(time.Millisecond), r.fps, r.frames, r.gap.Round(time.Millisecond), r.gapAt.Round(time.Millisecond))
	if err := v.failure(); err != nil {
		t.Errorf("the viewer's stream broke: %v%s", err, stderrTail(l))
	}
	if r.fps < minViewerFPS {
		t.Errorf("the viewer got %.2f fps during the table, want >= %d%s", r.fps, minViewerFPS, stderrTail(l))
	}
}

// TestE2EHostilePasswords: with a password set, missing, wrong and
// malformed credentials get 401 with the challenge, a run of wrong
// passwords gets the address 429 with Retry-After, and the viewer who knew
// the password (already watching from the same address) keeps full rate.
func TestE2EHostilePasswords(t *testing.T) {
	const pass = "hostile-table-pw"
	file := t.TempDir() + "/password"
	writeFile(t, file, pass+"\n")
	l := startAuthLancam(t, "lancam", pass, "-source", "test", "-size", "640x360", "-fps", "30", "-password-file", file)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	basic := func(userPass string) string {
		return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(userPass)) + "\r\n"
	}
	v := startViewerWith(ctx, l.addr, basic("lancam:"+pass))
	defer v.close()
	if err := v.waitFrames(5, 5*time.Second); err != nil {
		t.Fatalf("viewer: %v%s", err, stderrTail(l))
	}
	from := time.Now()
	get := func(target string, headers ...string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: " + l.addr + "\r\n" + strings.Join(headers, "") + "Connection: close\r\n\r\n"
	}
	challenge := func(resp *http.Response) error {
		if resp.StatusCode == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `Basic realm="lancam"`) {
			return fmt.Errorf("401 without the Basic challenge: %q", resp.Header.Get("WWW-Authenticate"))
		}
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			return errors.New("429 without Retry-After")
		}
		return nil
	}
	for _, tc := range []struct {
		name    string
		request string
		want    []int
		repeat  int
	}{
		{"missing password", get("/stream.mjpg"), []int{401}, 1},
		{"missing password on the page", get("/"), []int{401}, 1},
		{"wrong password", get("/snapshot.jpg", basic("lancam:guess")), []int{401}, 1},
		{"wrong user", get("/status", basic("admin:"+pass)), []int{401}, 1},
		{"malformed credentials", get("/status", "Authorization: Basic !!!not-base64\r\n"), []int{401}, 1},
		{"another scheme", get("/status", "Authorization: Bearer "+pass+"\r\n"), []int{401}, 1},
		{"many bad passwords in a row", get("/status", basic("lancam:guess")), []int{401, 429}, 30},
		{"the guessing address is blocked", get("/status", basic("lancam:"+pass)), []int{429}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := sendRow(l.addr, tc.request, false, tc.repeat, tc.want, challenge, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	// The table takes a fraction of a second; the rate is judged over 3 s
	// that include it (the viewer's 90 frames are the measurement).
	time.Sleep(time.Until(from.Add(3 * time.Second)))
	r := v.rate(from, time.Now())
	t.Logf("viewer during the password table: %.2f fps over %d frames", r.fps, r.frames)
	if err := v.failure(); err != nil {
		t.Errorf("the viewer's stream broke: %v%s", err, stderrTail(l))
	}
	if r.fps < minViewerFPS {
		t.Errorf("the viewer got %.2f fps during the table, want >= %d", r.fps, minViewerFPS)
	}
	if strings.Contains(l.stderr.String(), pass) {
		t.Error("the password is in lancam's log")
	}
}

// sendRow sends one table row's request n times and checks each answer.
func sendRow(addr, request string, stream bool, n int, want []int, check func(*http.Response) error, body func([]byte) error) error {
	for i := range n {
		resp, b, err := exchange(addr, []byte(request), stream)
		got := 0
		if resp != nil {
			got = resp.StatusCode
		}
		if !slices.Contains(want, got) {
			return fmt.Errorf("request %d: got %d (%v), want one of %v (0: closed without an answer); body %.200q",
				i, got, err, want, b)
		}
		// 505 is the right answer to an HTTP version it does not speak;
		// any other 5xx would be lancam failing.
		if got >= 500 && got != http.StatusHTTPVersionNotSupported {
			return fmt.Errorf("request %d: server error %d", i, got)
		}
		if check != nil && resp != nil {
			if err := check(resp); err != nil {
				return fmt.Errorf("request %d: %v", i, err)
			}
		}
		if body != nil {
			if err := body(b); err != nil {
				return fmt.Errorf("request %d: %v: %.200q", i, err, b)
			}
		}
	}
	return nil
}

// exchange sends req over a new connection and reads the answer: its head
// and, unless stream, its body (at most 1 MB) until the server closes. The
// request is written concurrently with the read, because the server may
// answer (431) and close long before a large request has been sent. resp is
// nil when the server closed without an answer.
func exchange(addr string, req []byte, stream bool) (*http.Response, []byte, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		conn.Write(req) // fails harmlessly when the server has closed
	}()
	// Closing unblocks a Write stuck on a server that stopped reading.
	defer func() { conn.Close(); <-wrote }()

	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodGet})
	if err != nil {
		return nil, nil, err
	}
	if stream {
		return resp, nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, body, err
}

// viewer is one normal stream viewer that records when each frame arrived.
type viewer struct {
	conn net.Conn
	done chan struct{}

	mu     sync.Mutex
	times  []time.Time
	err    error // why the stream ended early
	closed bool
	first  chan struct{} // closed at the first frame
}

// startViewer connects a viewer to addr's /stream.mjpg and reads frames
// until close. Failures are kept for failure, not reported at once, because
// viewers run in their own goroutines.
func startViewer(ctx context.Context, addr string) *viewer {
	return startViewerWith(ctx, addr, "")
}

// startViewerWith is startViewer sending extra request header lines (each
// ending in CRLF), e.g. the password.
func startViewerWith(ctx context.Context, addr, headers string) *viewer {
	v := &viewer{done: make(chan struct{}), first: make(chan struct{})}
	go func() {
		defer close(v.done)
		err := v.run(ctx, addr, headers)
		v.mu.Lock()
		if !v.closed && ctx.Err() == nil {
			v.err = err
		}
		v.mu.Unlock()
	}()
	return v
}

func (v *viewer) run(ctx context.Context, addr, headers string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.conn = conn
	closed := v.closed
	v.mu.Unlock()
	if closed {
		conn.Close()
		return nil
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET /stream.mjpg HTTP/1.1\r\nHost: %s\r\n%s\r\n", addr, headers); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stream: %s", resp.Status)
	}
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	pr := httpstream.NewPartReader(resp.Body, params["boundary"], httpstream.PartReaderConfig{})
	for {
		if _, err := pr.Next(); err != nil {
			return fmt.Errorf("after %d frames: %w", v.count(), err)
		}
		now := time.Now()
		v.mu.Lock()
		v.times = append(v.times, now)
		if len(v.times) == 1 {
			close(v.first)
		}
		v.mu.Unlock()
	}
}

// count is how many frames arrived so far.
func (v *viewer) count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.times)
}

// waitFrames waits until n frames have arrived, or the stream failed.
func (v *viewer) waitFrames(n int, timeout time.Duration) error {
	select {
	case <-v.first:
	case <-v.done:
		return fmt.Errorf("stream ended before a frame: %v", v.failure())
	case <-time.After(timeout):
		return fmt.Errorf("no frame within %v", timeout)
	}
	deadline := time.Now().Add(timeout)
	for v.count() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d frames within %v", v.count(), n, timeout)
		}
		select {
		case <-v.done:
			return fmt.Errorf("stream ended: %v", v.failure())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// rate is the frame rate between from and to, from the arrival times of the
// frames in between (so it is not off by a frame's rounding on a short
// window), with the longest gap between frames (the edges included) and
// when that gap began.
func (v *viewer) rate(from, to time.Time) rateStats {
	v.mu.Lock()
	defer v.mu.Unlock()
	var r rateStats
	var first, last time.Time
	prev := from
	for _, at := range v.times {
		if at.Before(from) || at.After(to) {
			continue
		}
		if r.frames == 0 {
			first = at
		}
		last = at
		r.frames++
		if g := at.Sub(prev); g > r.gap {
			r.gap, r.gapAt = g, prev.Sub(from)
		}
		prev = at
	}
	if g := to.Sub(prev); g > r.gap {
		r.gap, r.gapAt = g, prev.Sub(from)
	}
	if r.frames >= 2 {
		r.fps = float64(r.frames-1) / last.Sub(first).Seconds()
	}
	return r
}

// rateStats is what rate measured.
type rateStats struct {
	fps    float64
	frames int
	gap    time.Duration // the longest time without a frame
	gapAt  time.Duration // when it began, from the start of the window
}

// failure is why the stream ended early, or nil.
func (v *viewer) failure() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

// close hangs up and waits for the reading goroutine.
func (v *viewer) close() {
	v.mu.Lock()
	v.closed = true
	if v.conn != nil {
		v.conn.Close()
	}
	v.mu.Unlock()
	<-v.done
}

// processDoc is /status's "process" object.
type processDoc struct {
	Goroutines int `json:"goroutines"`
	OpenFDs    int `json:"open_fds"`
}

// statusWithProcess is the part of /status the attack tests read.
type statusWithProcess struct {
	Clients []struct {
		Address string `json:"address"`
	} `json:"clients"`
	Process processDoc `json:"process"`
}

// fetchStatus reads /status with a short timeout; unlike getStatus it does
// not fail the test, so it can be polled from helper goroutines.
func fetchStatus(l *lancam) (statusWithProcess, error) {
	var st statusWithProcess
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(l.url("/status"))
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("/status: %s", resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// stderrTail is the end of lancam's log for a failure message: with
// hundreds of connections the whole log would bury the failure.
func stderrTail(l *lancam) string {
	lines := strings.Split(strings.TrimRight(l.stderr.String(), "\n"), "\n")
	const n = 40
	if len(lines) > n {
		lines = append([]string{"… " + strconv.Itoa(len(lines)-n) + " lines before"}, lines[len(lines)-n:]...)
	}
	return "\nlancam's stderr:\n" + strings.Join(lines, "\n")
}

// lancamNoFile is lancam's soft open-file limit, from /proc.
func lancamNoFile(l *lancam) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", l.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if f[0] == "unlimited" {
					return 1 << 30, nil
				}
				return strconv.Atoi(f[0])
			}
		}
	}
	return 0, errors.New("no Max open files line")
}
