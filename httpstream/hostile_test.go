package httpstream

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestSlowBodyIsCut: a request that declares a small body and sends it a
// byte at a time must not hold its connection beyond readTimeout. net/http
// drains an unread body of up to 256 KB before it answers, and without a
// ReadTimeout that drain waits for ever: slowloris past the headers.
func TestSlowBodyIsCut(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 10 s read limit")
	}
	t.Parallel()
	s := startServer(t, Config{Hub: newHub(t, &fakeSource{fps: 30})})
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	const margin = 3 * time.Second
	var buf [4096]byte
	for {
		conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, err := conn.Read(buf[:])
		var ne net.Error
		switch {
		case err == nil:
			continue // an answer may come before the close
		case errors.As(err, &ne) && ne.Timeout():
			if time.Since(start) > readTimeout+margin {
				t.Fatalf("still open after %v, want closed within %v", time.Since(start), readTimeout+margin)
			}
			conn.Write([]byte("a")) // the trickle that kept it open
			continue
		}
		t.Logf("closed after %v (%v)", time.Since(start).Round(time.Millisecond), err)
		return
	}
}

// TestStreamSendBufferCapped: a viewer that stops reading must not have
// megabytes queued for it in the kernel. Linux's autotuning let about 4 MB
// pile up, so writes kept succeeding and writeTimeout only began to count
// half a minute later; with the cap the writes block after a few frames.
func TestStreamSendBufferCapped(t *testing.T) {
	t.Parallel()
	frame := bigJPEG()
	s := startServer(t, Config{Hub: newHub(t, &fakeSource{fps: 30, jpegs: [][]byte{frame}})})
	conn := dialTinyWindow(t, s.Addr())
	if _, err := io.WriteString(conn, "GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	sent := func() uint64 {
		for _, c := range s.Clients() {
			if c.Address == conn.LocalAddr().String() {
				return c.Sent
			}
		}
		return 0
	}
	// Wait until the server's writes stall: the count stays put for half a
	// second (15 frame intervals).
	var last uint64
	stable := time.Now()
	waitFor(t, 10*time.Second, "the server's writes to stall", func() bool {
		if n := sent(); n != last || n == 0 {
			last, stable = n, time.Now()
		}
		return time.Since(stable) > 500*time.Millisecond
	})
	// The kernel doubles the requested size, and the viewer's own receive
	// buffer holds a little; 4× the cap bounds both with room to spare.
	queued := last * uint64(len(frame))
	t.Logf("writes stalled after %d frames of %d KB (%d KB)", last, len(frame)>>10, queued>>10)
	if queued > 4*streamSendBuffer {
		t.Errorf("%d KB were written to a viewer that reads nothing, want at most %d KB", queued>>10, 4*streamSendBuffer>>10)
	}
}

// TestOpenFDs: the descriptor count /status reports follows the process's.
func TestOpenFDs(t *testing.T) {
	before := openFDs()
	if before < 0 {
		t.Skip("no /proc/self/fd")
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	during := openFDs()
	f.Close()
	// Other tests run in parallel and open descriptors too, so only the
	// direction is checked.
	if during < 1 || during < before {
		t.Errorf("open_fds %d with a file open, %d before", during, before)
	}
}
