package httpstream

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var discardLog = slog.New(slog.DiscardHandler)

// startServer starts a Server for hub on a free loopback port and stops it
// at cleanup.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.Logger = discardLog
	s := New(cfg)
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return s
}

// rawGet sends a minimal request over a new TCP connection and returns the
// connection with a reader positioned at the response's first byte.
func rawGet(t testing.TB, addr, method, target string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, method+" "+target+" HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		t.Fatalf("write request: %v", err)
	}
	return conn, bufio.NewReader(conn)
}

// readHead reads a response head (status line and headers, up to the blank
// line) and returns it verbatim.
func readHead(t testing.TB, br *bufio.Reader) string {
	t.Helper()
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading head after %q: %v", b.String(), err)
		}
		b.WriteString(line)
		if line == "\r\n" {
			return b.String()
		}
	}
}

// openStream connects a raw stream client and consumes the response head
// and the opening boundary, so the reader is at the first part.
func openStream(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, br := rawGet(t, addr, "GET", "/stream.mjpg")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	head := readHead(t, br)
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") {
		t.Fatalf("stream head: %q", head)
	}
	open := make([]byte, len("--"+boundary+"\r\n"))
	if _, err := io.ReadFull(br, open); err != nil || string(open) != "--"+boundary+"\r\n" {
		t.Fatalf("opening boundary %q, %v", open, err)
	}
	conn.SetReadDeadline(time.Time{})
	return conn, br
}

// waitFor polls cond until it holds or the timeout passes; for conditions
// with no channel to wait on, such as another goroutine's bookkeeping.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testClient does not keep connections alive, so no transport goroutine
// outlives a test.
func testClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
}
