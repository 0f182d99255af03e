package httpstream

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestStopClosesStreams: Stop ends ten live streams within a second, frees
// the port, and the Server starts again on it.
func TestStopClosesStreams(t *testing.T) {
	hub := newHub(t, &fakeSource{fps: 30})
	s := New(Config{Addr: "127.0.0.1:0", Hub: hub, Logger: discardLog})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	var conns []net.Conn
	for range 10 {
		conn, _ := openStream(t, addr)
		conns = append(conns, conn)
	}
	waitFor(t, time.Second, "ten clients", func() bool { return len(s.Clients()) == 10 })

	stopAt := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if el := time.Since(stopAt); el > time.Second {
		t.Errorf("Stop took %v", el)
	}
	for i, conn := range conns {
		conn.SetReadDeadline(stopAt.Add(time.Second))
		if _, err := io.Copy(io.Discard, conn); err != nil {
			t.Errorf("client %d: no EOF within 1 s of Stop: %v", i, err)
		}
	}
	if n := len(s.Clients()); n != 0 || s.Streaming() || s.Addr() != "" {
		t.Errorf("after Stop: %d clients, Addr %q", n, s.Addr())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port not free after Stop: %v", err)
	}
	ln.Close()

	s.cfg.Addr = addr
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	openStream(t, s.Addr())
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// TestStartStopCycles: repeated cycles with viewers leave no goroutine.
func TestStartStopCycles(t *testing.T) {
	hub := newHub(t, &fakeSource{fps: 30})
	s := New(Config{Addr: "127.0.0.1:0", Hub: hub, Logger: discardLog})
	for range 3 {
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		conn, br := openStream(t, s.Addr())
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		readPart(t, br)
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	// The hub is the caller's and stays open; its source stops because
	// nobody subscribes any more.
	goleak.VerifyNone(t)
}

func TestStartTwice(t *testing.T) {
	s := startServer(t, Config{Hub: newHub(t, &fakeSource{fps: 30})})
	err := s.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "already started") {
		t.Errorf("second Start: %v", err)
	}
	if err := New(Config{Addr: "127.0.0.1:0"}).Start(context.Background()); err == nil {
		t.Error("Start without a hub succeeded")
	}
}

func TestBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	s := New(Config{Addr: addr, Hub: newHub(t, &fakeSource{fps: 30}), Logger: discardLog})
	err = s.Start(context.Background())
	if err == nil {
		s.Stop()
		t.Fatal("Start on a busy port succeeded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "listen "+addr+": address already in use") || !strings.Contains(msg, "-listen") {
		t.Errorf("error %q does not name the address and the fix", msg)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error %v does not wrap EADDRINUSE", err)
	}
	if s.Addr() != "" {
		t.Errorf("Addr %q after a failed Start", s.Addr())
	}
}

// TestContextStops: ending Start's context stops the server like Stop, and
// the Server can be started again.
func TestContextStops(t *testing.T) {
	s := New(Config{Addr: "127.0.0.1:0", Hub: newHub(t, &fakeSource{fps: 30}), Logger: discardLog})
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	conn, _ := openStream(t, addr)
	waitFor(t, time.Second, "a client", func() bool { return len(s.Clients()) == 1 })

	cancel()
	conn.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Errorf("stream not closed within 1 s of cancel: %v", err)
	}
	waitFor(t, time.Second, "the port to be free", func() bool {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			ln.Close()
		}
		return err == nil
	})
	if s.Addr() != "" {
		t.Errorf("Addr %q after cancel", s.Addr())
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start after cancel: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestStopWithStalledClient: a viewer whose socket is full keeps its
// goroutine in Write; Stop must still finish at once, by closing it.
func TestStopWithStalledClient(t *testing.T) {
	src := &fakeSource{fps: 30, jpegs: [][]byte{bigJPEG()}}
	s := New(Config{Addr: "127.0.0.1:0", Hub: newHub(t, src), Logger: discardLog})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	slow := dialTinyWindow(t, s.Addr())
	if _, err := io.WriteString(slow, "GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the stalled client to drop frames", func() bool {
		cs := s.Clients()
		return len(cs) == 1 && cs[0].Dropped > 0
	})
	stopAt := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(stopAt); el > time.Second {
		t.Errorf("Stop took %v with a stalled client", el)
	}
}
