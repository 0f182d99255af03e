package main

// End-to-end tests: the real lancam binary, started as a user would, played
// by the real clients people use (ffprobe, ffmpeg, curl, headless Chromium)
// and by Go's own strict parsers.
//
// In CI (CI=true) a missing client program fails the test; elsewhere the test
// is skipped with a message.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lancamBin is the binary TestMain builds for the end-to-end tests.
var lancamBin string

const (
	buildTimeout   = 5 * time.Minute  // a cold cgo build on a slow machine
	processTimeout = 2 * time.Minute  // longest any started process may live
	readyTimeout   = 10 * time.Second // from start until /status answers
	stopTimeout    = 5 * time.Second  // from SIGTERM/SIGINT until exit
	toolTimeout    = 20 * time.Second // one ffmpeg, ffprobe or curl run
	chromeTimeout  = 15 * time.Second // one whole Chromium session
)

// TestMain builds lancam once, with the same go command that runs the tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lancam-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	lancamBin = filepath.Join(dir, "lancam")
	if err := buildLancam(lancamBin); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building lancam:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildLancam runs `go build -o out .` with the toolchain of this test.
func buildLancam(out string) error {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, b)
	}
	return nil
}

// ---------------------------------------------------------------------------
// The lancam process

// lancam is one running lancam process.
type lancam struct {
	addr   string // host:port it listens on
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{} // closed once the process has exited

	stopOnce sync.Once
}

// startLancam starts `lancam -headless -listen 127.0.0.1:PORT args...` on a
// free port, waits until /status answers, and stops it with SIGTERM at the
// end of the test, failing the test unless it then exits 0 in time.
func startLancam(t *testing.T, args ...string) *lancam {
	t.Helper()
	for attempt := 1; ; attempt++ {
		l := launchLancam(t, freeAddr(t), args...)
		err := l.waitReady(readyTimeout)
		if err == nil {
			t.Cleanup(func() { l.stop(t, syscall.SIGTERM) })
			return l
		}
		// Another process may have taken the port between freeAddr and
		// lancam's listen: try another one.
		if attempt < 5 && l.exited() && strings.Contains(l.stderr.String(), "address already in use") {
			continue
		}
		t.Fatalf("lancam %s: %v\nstderr:\n%s", strings.Join(l.cmd.Args[1:], " "), err, l.stderr.String())
	}
}

// launchLancam starts lancam on addr without waiting for it; the process is
// killed at the end of the test if still running.
func launchLancam(t *testing.T, addr string, args ...string) *lancam {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	l := &lancam{addr: addr, done: make(chan struct{})}
	l.cmd = exec.CommandContext(ctx, lancamBin, append([]string{"-headless", "-listen", addr}, args...)...)
	l.cmd.Stdout, l.cmd.Stderr = &l.stdout, &l.stderr
	l.cmd.WaitDelay = time.Second
	if err := l.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		l.cmd.Wait()
		close(l.done)
	}()
	t.Cleanup(func() {
		cancel() // kills it if a failed test left it running
		<-l.done
	})
	return l
}

// url is the full URL of a path on this lancam, e.g. "/status".
func (l *lancam) url(path string) string { return "http://" + l.addr + path }

// exited reports whether the process has ended.
func (l *lancam) exited() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// waitReady polls /status until it answers 200, the process exits, or the
// timeout passes.
func (l *lancam) waitReady(timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(l.url("/status"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/status: %s", resp.Status)
		}
		select {
		case <-l.done:
			return fmt.Errorf("exited early with code %d", l.cmd.ProcessState.ExitCode())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %v", timeout, err)
		}
	}
}

// waitExit waits up to timeout for the process to end and returns its exit
// code, or -1 and false on a timeout.
func (l *lancam) waitExit(timeout time.Duration) (int, bool) {
	select {
	case <-l.done:
		return l.cmd.ProcessState.ExitCode(), true
	case <-time.After(timeout):
		return -1, false
	}
}

// stop sends sig and checks that lancam exits 0 within stopTimeout and
// logged no error. Only the first call does anything.
func (l *lancam) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	l.stopOnce.Do(func() {
		if l.exited() {
			t.Errorf("lancam on %s exited on its own with code %d; stderr:\n%s",
				l.addr, l.cmd.ProcessState.ExitCode(), l.stderr.String())
			return
		}
		start := time.Now()
		if err := l.cmd.Process.Signal(sig); err != nil {
			t.Errorf("signal %v: %v", sig, err)
		}
		code, ok := l.waitExit(stopTimeout)
		switch {
		case !ok:
			l.cmd.Process.Kill()
			t.Errorf("lancam did not exit within %v of %v; stderr:\n%s", stopTimeout, sig, l.stderr.String())
		case code != 0:
			t.Errorf("lancam exited with code %d after %v, want 0; stderr:\n%s", code, sig, l.stderr.String())
		default:
			t.Logf("lancam exited 0 %v after %v", time.Since(start).Round(time.Millisecond), sig)
		}
		for _, line := range strings.Split(l.stderr.String(), "\n") {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "panic") {
				t.Errorf("lancam logged: %s", line)
			}
		}
	})
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ---------------------------------------------------------------------------
// Client programs

// needTool returns the path of an external program, trying each name in
// turn. When none is installed it fails the test in CI and skips it
// elsewhere.
func needTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("%s not installed (scripts/deps.sh test installs it)", names[0])
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// runTool runs a program to completion within toolTimeout and returns its
// output; err is its exit error, if any.
func runTool(t *testing.T, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s timed out after %v: %w", filepath.Base(name), toolTimeout, err)
	}
	return o.String(), e.String(), err
}

// curlHead runs curl with -D - (headers to stdout) and the given arguments,
// and parses the response head it printed.
func curlHead(t *testing.T, curl string, args ...string) *http.Response {
	t.Helper()
	out, stderr, err := runTool(t, curl, append([]string{"-s", "-D", "-", "-o", os.DevNull, "--max-time", "5"}, args...)...)
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return parseHead(t, out)
}

// parseHead parses an HTTP response head as printed by curl -D - or -I.
func parseHead(t *testing.T, head string) *http.Response {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(head)), &http.Request{Method: http.MethodHead})
	if err != nil {
		t.Fatalf("parsing response head: %v\n%s", err, head)
	}
	return resp
}

// ---------------------------------------------------------------------------
// Go-side HTTP helpers

// httpGet fetches a URL with a short timeout and returns the response and
// body, failing the test on a transport error.
func httpGet(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

// statusDoc is what the tests read of /status.
type statusDoc struct {
	Source struct {
		Kind        string  `json:"kind"`
		Device      string  `json:"device"`
		Format      string  `json:"format"`
		Width       int     `json:"width"`
		Height      int     `json:"height"`
		FPSWanted   float64 `json:"fps_wanted"`
		FPSMeasured float64 `json:"fps_measured"`
		Online      bool    `json:"online"`
	} `json:"source"`
	Clients []struct {
		Address string  `json:"address"`
		FPS     float64 `json:"fps"`
		Sent    uint64  `json:"sent"`
	} `json:"clients"`
	Streaming bool    `json:"streaming"`
	UptimeS   float64 `json:"uptime_s"`
	Version   string  `json:"version"`
}

// getStatus fetches and decodes /status.
func getStatus(t *testing.T, l *lancam) statusDoc {
	t.Helper()
	resp, body := httpGet(t, l.url("/status"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/status: %s", resp.Status)
	}
	var st statusDoc
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("/status: %v\n%s", err, body)
	}
	return st
}

// waitStatus polls /status until cond holds, failing the test after timeout.
func waitStatus(t *testing.T, l *lancam, timeout time.Duration, what string, cond func(statusDoc) bool) statusDoc {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := getStatus(t, l)
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for /status to show %s; last: %+v", timeout, what, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mjpegStream is an open multipart/x-mixed-replace response.
type mjpegStream struct {
	resp  *http.Response
	parts *multipart.Reader
}

// openStream GETs an MJPEG URL, checks the response head, and returns a
// strict (mime/multipart) reader of its parts. The connection is closed at
// the end of the test, or earlier by close.
func openStream(t *testing.T, url string) *mjpegStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", url, err)
	}
	s := &mjpegStream{resp: resp}
	t.Cleanup(func() { s.close(); cancel() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" || params["boundary"] == "" {
		t.Fatalf("GET %s: Content-Type %q (%v), want multipart/x-mixed-replace with a boundary",
			url, resp.Header.Get("Content-Type"), err)
	}
	if strings.HasPrefix(params["boundary"], "--") {
		t.Errorf("GET %s: boundary parameter %q starts with --, which strict parsers reject", url, params["boundary"])
	}
	s.parts = multipart.NewReader(resp.Body, params["boundary"])
	return s
}

// close closes the stream's connection.
func (s *mjpegStream) close() { s.resp.Body.Close() }

// waitEnd checks that the server ends the stream (after lancam stopped).
func (s *mjpegStream) waitEnd(t *testing.T) {
	t.Helper()
	ended := make(chan struct{})
	go func() {
		io.Copy(io.Discard, s.resp.Body)
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		s.close()
		t.Error("the stream is still open 3 s after lancam stopped")
	}
}

// nextJPEG reads the next part, checks its headers, and returns its bytes.
func (s *mjpegStream) nextJPEG(t *testing.T) []byte {
	t.Helper()
	p, err := s.parts.NextRawPart()
	if err != nil {
		t.Fatalf("reading the next part: %v", err)
	}
	if ct := p.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("part Content-Type %q, want image/jpeg", ct)
	}
	data, err := io.ReadAll(p)
	if err != nil {
		t.Fatalf("reading a part: %v", err)
	}
	if n, err := strconv.Atoi(p.Header.Get("Content-Length")); err != nil || n != len(data) {
		t.Errorf("part Content-Length %q, but the part has %d bytes", p.Header.Get("Content-Length"), len(data))
	}
	if ts := p.Header.Get("X-Timestamp"); !regexp.MustCompile(`^[0-9]+\.[0-9]{6}$`).MatchString(ts) {
		t.Errorf("part X-Timestamp %q, want <unix seconds>.<microseconds>", ts)
	}
	return data
}

// decodeJPEG decodes data fully and checks its size.
func decodeJPEG(t *testing.T, data []byte, w, h int) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a JPEG (%d bytes): %v", len(data), err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("JPEG is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
}

// rawHTTP sends one raw request (Connection: close is added) and returns
// everything the server sent back until it closed the connection.
func rawHTTP(t *testing.T, addr, method, path string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", method, path, addr)
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("%s %s: the server did not close the connection: %v; got so far:\n%q", method, path, err, b)
	}
	return string(b)
}

// ---------------------------------------------------------------------------
// Tests

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
			ffprobe := needTool(t, "ffprobe")
			args := []string{"-v", "error"}
			if forced {
				args = append(args, "-f", "mpjpeg")
			}
			args = append(args, "-select_streams", "v:0", "-show_entries",
				"stream=codec_name,width,height:format=format_name", "-of", "json", l.url("/stream.mjpg"))
			out, stderr, err := runTool(t, ffprobe, args...)
			if err != nil || stderr != "" {
				t.Fatalf("ffprobe: %v\nstderr: %s", err, stderr)
			}
			var probe struct {
				Streams []struct {
					CodecName string `json:"codec_name"`
					Width     int    `json:"width"`
					Height    int    `json:"height"`
				} `json:"streams"`
				Format struct {
					FormatName string `json:"format_name"`
				} `json:"format"`
			}
			if err := json.Unmarshal([]byte(out), &probe); err != nil {
				t.Fatalf("ffprobe output: %v\n%s", err, out)
			}
			if len(probe.Streams) != 1 {
				t.Fatalf("ffprobe found %d video streams, want 1:\n%s", len(probe.Streams), out)
			}
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
			ffmpeg := needTool(t, "ffmpeg")
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
			curl := needTool(t, "curl")
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
		curl := needTool(t, "curl")
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
		curl := needTool(t, "curl")
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
			st.Source.FPSWanted != 30 || st.Version != version {
			t.Errorf("/status: %+v; want kind test, %dx%d, fps_wanted 30, version %s", st, w, h, version)
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
	curl := needTool(t, "curl")
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

// TestE2EDirSource serves a folder of JPEGs made by ffmpeg and checks that
// the stream passes them through byte for byte, in name order, round and
// round.
func TestE2EDirSource(t *testing.T) {
	t.Parallel()
	ffmpeg := needTool(t, "ffmpeg")
	dir := t.TempDir()
	_, stderr, err := runTool(t, ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5",
		"-frames:v", "5", "-q:v", "4", filepath.Join(dir, "f%02d.jpg"))
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr)
	}
	var files [][]byte
	for i := 1; i <= 5; i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("f%02d.jpg", i)))
		if err != nil {
			t.Fatal(err)
		}
		for j, f := range files {
			if bytes.Equal(f, b) {
				t.Fatalf("ffmpeg wrote the same picture twice (f%02d and f%02d)", j+1, i)
			}
		}
		files = append(files, b)
	}
	index := func(b []byte) int {
		for i, f := range files {
			if bytes.Equal(f, b) {
				return i
			}
		}
		return -1
	}

	l := startLancam(t, "-source", "dir:"+dir, "-fps", "20")
	st := getStatus(t, l)
	if st.Source.Kind != "dir" || st.Source.Device != dir || st.Source.Width != 320 || st.Source.Height != 240 {
		t.Errorf("/status source: %+v, want kind dir, device %s, 320x240", st.Source, dir)
	}

	s := openStream(t, l.url("/stream.mjpg"))
	var parts [][]byte
	for range 10 {
		parts = append(parts, s.nextJPEG(t))
	}
	first := index(parts[0])
	if first < 0 {
		t.Fatalf("the first part (%d bytes) is none of the files", len(parts[0]))
	}
	for i, p := range parts {
		if want := (first + i) % len(files); index(p) != want {
			t.Fatalf("part %d is file %d, want f%02d.jpg: the parts are not the files in name order (first was f%02d.jpg)",
				i, index(p)+1, want+1, first+1)
		}
	}

	resp, body := httpGet(t, l.url("/snapshot.jpg"))
	if resp.StatusCode != http.StatusOK || index(body) < 0 {
		t.Errorf("/snapshot.jpg: %s, %d bytes; want one of the files byte for byte", resp.Status, len(body))
	}
}

// TestE2ESignals checks that SIGINT stops lancam as cleanly as SIGTERM, even
// with a viewer connected.
func TestE2ESignals(t *testing.T) {
	t.Parallel()
	l := startLancam(t, "-source", "test", "-size", "320x240", "-fps", "15")
	s := openStream(t, l.url("/stream.mjpg"))
	s.nextJPEG(t)
	l.stop(t, syscall.SIGINT)
	s.waitEnd(t)
}

// TestE2EBusyPort starts a second lancam on the port of a running one: it
// must exit 1 with one line naming the address, and the first keeps serving.
func TestE2EBusyPort(t *testing.T) {
	t.Parallel()
	first := startLancam(t, "-source", "test", "-size", "320x240")
	second := launchLancam(t, first.addr, "-source", "test", "-size", "320x240")
	code, ok := second.waitExit(stopTimeout)
	if !ok {
		t.Fatalf("the second lancam on busy %s is still running after %v", first.addr, stopTimeout)
	}
	if code != 1 {
		t.Errorf("exit code %d on a busy port, want 1", code)
	}
	msg := second.stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") || !strings.Contains(msg, first.addr) {
		t.Errorf("stderr is not one line naming %s:\n%s", first.addr, msg)
	}
	if resp, _ := httpGet(t, first.url("/status")); resp.StatusCode != http.StatusOK {
		t.Errorf("the first lancam stopped answering: %s", resp.Status)
	}
}

// ---------------------------------------------------------------------------
// Headless Chromium

// TestE2EChromium opens the page in headless Chromium and checks, from two
// screenshots, that it shows a live picture: the stream's <img> holds a
// 640x360 frame, its area is not blank, and it changes while the browser
// keeps receiving frames. The page's status line must also say "online".
func TestE2EChromium(t *testing.T) {
	t.Parallel()
	bin := needTool(t, "chromium", "chromium-browser", "google-chrome")
	l := startLancam(t, "-source", "test", "-size", "640x360", "-fps", "30")
	c := startChrome(t, bin)

	c.attachPage(t)
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := c.call("Page.navigate", map[string]any{"url": l.url("/")}, &nav); err != nil || nav.ErrorText != "" {
		t.Fatalf("navigating to %s: %v %s", l.url("/"), err, nav.ErrorText)
	}
	v := c.waitPage(t, "a frame in the <img> and the badge online", func(v pageView) bool {
		return v.NaturalWidth > 0 && v.Badge == "online"
	})
	if v.NaturalWidth != 640 || v.NaturalHeight != 360 {
		t.Errorf("the <img> holds a %dx%d picture, want 640x360", v.NaturalWidth, v.NaturalHeight)
	}
	if !strings.Contains(v.Source, "640×360") {
		t.Errorf("the page's source line %q does not show 640×360", v.Source)
	}

	shot1 := c.screenshot(t, "1.png")
	st := waitStatus(t, l, 5*time.Second, "the browser as the one viewer", func(st statusDoc) bool { return len(st.Clients) == 1 })
	sent0 := st.Clients[0].Sent
	// About a second of frames later (30 at 30 fps), the picture must have
	// changed on screen too.
	waitStatus(t, l, 5*time.Second, "30 more frames sent to the browser", func(st statusDoc) bool {
		return len(st.Clients) == 1 && st.Clients[0].Sent >= sent0+30
	})
	shot2 := c.screenshot(t, "2.png")

	if shot1.Bounds() != shot2.Bounds() {
		t.Fatalf("screenshots differ in size: %v and %v", shot1.Bounds(), shot2.Bounds())
	}
	scale := float64(shot1.Bounds().Dx()) / v.InnerWidth
	area := image.Rect(int(v.X*scale)+2, int(v.Y*scale)+2, int((v.X+v.Width)*scale)-2, int((v.Y+v.Height)*scale)-2).
		Intersect(shot1.Bounds())
	if area.Dx() < 300 || area.Dy() < 150 {
		t.Fatalf("the stream's <img> is shown only %v big (page view %+v)", area, v)
	}
	if colors, sd := imageVariety(shot1, area); colors < 6 || sd < 20 {
		t.Errorf("the stream area %v looks blank: %d colours, luma standard deviation %.1f", area, colors, sd)
	}
	if n := countChanged(shot1, shot2, area); n < 100 {
		t.Errorf("only %d pixels of the stream area %v changed between the screenshots: the picture is not moving", n, area)
	} else {
		t.Logf("%d of %d pixels of the stream area changed between the screenshots", n, area.Dx()*area.Dy())
	}
}

// chrome is a headless Chromium driven over --remote-debugging-pipe: the
// DevTools protocol as NUL-terminated JSON messages, requests on the
// browser's fd 3, answers and events on its fd 4. No WebSocket client (and no
// third-party module) is needed, and no debugging port is opened.
type chrome struct {
	t        *testing.T
	cmd      *exec.Cmd
	done     chan struct{}
	profile  string
	toChrome *os.File // our end of the browser's fd 3
	fromPipe *os.File // our end of the browser's fd 4
	r        *bufio.Reader
	started  time.Time
	deadline time.Time // for every call: the session's end
	nextID   int
	session  string // the page's session, once attached
	output   lockedBuffer
}

// startChrome starts headless Chromium in its own process group with a new
// profile. At the end of the test it is closed, its whole process group is
// killed, and the test fails if any of its processes is left.
func startChrome(t *testing.T, bin string) *chrome {
	t.Helper()
	c := &chrome{t: t, profile: t.TempDir(), done: make(chan struct{}),
		started: time.Now(), deadline: time.Now().Add(chromeTimeout)}
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.toChrome, c.fromPipe, c.r = cmdW, resR, bufio.NewReaderSize(resR, 1<<20)

	ctx, cancel := context.WithDeadline(context.Background(), c.deadline)
	c.cmd = exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-breakpad", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir="+c.profile, "--window-size=800,600", "--remote-debugging-pipe", "about:blank")
	c.cmd.ExtraFiles = []*os.File{cmdR, resW} // fds 3 and 4
	c.cmd.Stdout, c.cmd.Stderr = &c.output, &c.output
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.cmd.Cancel = func() error { return syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) }
	c.cmd.WaitDelay = 2 * time.Second
	if err := c.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	cmdR.Close()
	resW.Close()
	go func() {
		c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.close()
		cancel()
		if t.Failed() {
			t.Logf("chromium output (without its D-Bus complaints):\n%s", withoutLines(c.output.String(), "dbus"))
		}
	})
	return c
}

// close asks the browser to quit, then kills whatever is left of its
// process group, and checks that no process of this profile survives.
func (c *chrome) close() {
	start := time.Now()
	c.session = ""
	c.deadline = time.Now().Add(2 * time.Second)
	c.call("Browser.close", nil, nil)
	select {
	case <-c.done:
	case <-time.After(3 * time.Second):
		c.t.Log("chromium did not quit on Browser.close; killing it")
	}
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
	c.toChrome.Close()
	c.fromPipe.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := processesMentioning(c.profile)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			c.t.Errorf("chromium processes left behind: %v", left)
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Logf("chromium ran %v, closing took %v",
		time.Since(c.started).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// call sends one DevTools command (to the page once attached) and decodes
// its result into result, skipping events and other answers.
func (c *chrome) call(method string, params, result any) error {
	c.nextID++
	id := c.nextID
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if c.session != "" {
		msg["sessionId"] = c.session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	c.toChrome.SetWriteDeadline(c.deadline)
	if _, err := c.toChrome.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	c.fromPipe.SetReadDeadline(c.deadline)
	for {
		line, err := c.r.ReadBytes(0)
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line[:len(line)-1], &resp); err != nil {
			return fmt.Errorf("%s: bad message from chromium: %v", method, err)
		}
		switch {
		case resp.ID != id:
			continue // an event, or the answer to an earlier call
		case resp.Error != nil:
			return fmt.Errorf("%s: %s", method, resp.Error.Message)
		case result != nil:
			return json.Unmarshal(resp.Result, result)
		}
		return nil
	}
}

// attachPage attaches to the browser's page so that later calls go to it.
func (c *chrome) attachPage(t *testing.T) {
	t.Helper()
	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	if err := c.call("Target.getTargets", nil, &targets); err != nil {
		t.Fatal(err)
	}
	var id string
	for _, ti := range targets.TargetInfos {
		if ti.Type == "page" {
			id = ti.TargetID
			break
		}
	}
	if id == "" {
		var created struct {
			TargetID string `json:"targetId"`
		}
		if err := c.call("Target.createTarget", map[string]any{"url": "about:blank"}, &created); err != nil {
			t.Fatal(err)
		}
		id = created.TargetID
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call("Target.attachToTarget", map[string]any{"targetId": id, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	c.session = attached.SessionID
}

// pageView is what the test reads of the page's state.
type pageView struct {
	NaturalWidth  int     `json:"nw"` // of the picture in the stream <img>, 0 before the first frame
	NaturalHeight int     `json:"nh"`
	X, Y          float64 // the <img>'s box in CSS pixels
	Width, Height float64
	InnerWidth    float64 `json:"innerWidth"`
	Badge         string  `json:"badge"`  // the status badge: "online", "no frames", …
	Source        string  `json:"source"` // the status line describing the source
}

const pageViewJS = `(() => {
	const img = document.getElementById("stream");
	if (!img) return null;
	const r = img.getBoundingClientRect();
	const text = (id) => (document.getElementById(id) || {}).textContent || "";
	return {nw: img.naturalWidth, nh: img.naturalHeight, x: r.left, y: r.top, width: r.width, height: r.height,
		innerWidth: window.innerWidth, badge: text("badge"), source: text("source")};
})()`

// waitPage polls the page's state until cond holds.
func (c *chrome) waitPage(t *testing.T, what string, cond func(pageView) bool) pageView {
	t.Helper()
	for {
		var res struct {
			Result struct {
				Value *pageView `json:"value"`
			} `json:"result"`
			ExceptionDetails any `json:"exceptionDetails"`
		}
		err := c.call("Runtime.evaluate", map[string]any{"expression": pageViewJS, "returnByValue": true}, &res)
		if err != nil || res.ExceptionDetails != nil {
			t.Fatalf("reading the page: %v %v", err, res.ExceptionDetails)
		}
		if v := res.Result.Value; v != nil && cond(*v) {
			return *v
		}
		if time.Now().After(c.deadline.Add(-3 * time.Second)) {
			t.Fatalf("waited in vain for the page to show %s; last: %+v", what, res.Result.Value)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot captures the page as PNG, keeps it among the test's artifacts
// under name, and decodes it.
func (c *chrome) screenshot(t *testing.T, name string) image.Image {
	t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	if err := c.call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), name), b, 0o644); err != nil {
		t.Error(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	return img
}

// imageVariety counts the distinct colours (at 4 bits a channel) in r of
// img and the standard deviation of their luma: a blank or flat area has
// few colours and a small deviation.
func imageVariety(img image.Image, r image.Rectangle) (colors int, lumaSD float64) {
	seen := map[[3]uint32]bool{}
	var n, sum, sumSq float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[[3]uint32{cr >> 12, cg >> 12, cb >> 12}] = true
			luma := (0.299*float64(cr) + 0.587*float64(cg) + 0.114*float64(cb)) / 257
			n++
			sum += luma
			sumSq += luma * luma
		}
	}
	if n == 0 {
		return 0, 0
	}
	mean := sum / n
	return len(seen), math.Sqrt(max(sumSq/n-mean*mean, 0))
}

// countChanged counts the pixels in r that differ between a and b.
func countChanged(a, b image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			if ar != br || ag != bg || ab != bb {
				n++
			}
		}
	}
	return n
}

// processesMentioning lists the processes whose command line contains s.
func processesMentioning(s string) []int {
	dirs, _ := os.ReadDir("/proc")
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline")); err == nil && bytes.Contains(b, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// withoutLines drops the lines of s that contain sub.
func withoutLines(s, sub string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.Contains(line, sub) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
