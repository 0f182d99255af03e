package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"

	"lancam/httpstream"
)

// streamer is the one "Start/Stop streaming" state shared by the window's
// button and the tray: the HTTP server plus the mDNS announcement.
type streamer struct {
	srv *httpstream.Server
	lan LAN

	mu       sync.Mutex
	ctx      context.Context
	on       bool
	onChange []func(on bool)
}

func newStreamer(ctx context.Context, srv *httpstream.Server, lan LAN) *streamer {
	return &streamer{ctx: ctx, srv: srv, lan: lan}
}

// OnChange registers fn to be called (outside the lock) after every change.
func (s *streamer) OnChange(fn func(on bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onChange = append(s.onChange, fn)
}

// Streaming reports whether the server is on.
func (s *streamer) Streaming() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.on
}

// Start listens on addr and announces; the error is written for people.
func (s *streamer) Start(addr string) error {
	s.mu.Lock()
	if s.on {
		s.mu.Unlock()
		return nil
	}
	s.srv.SetAddr(addr)
	if err := s.srv.Start(s.ctx); err != nil {
		s.mu.Unlock()
		return explainListen(addr, err)
	}
	s.on = true
	if s.lan != nil {
		s.lan.Announce(s.ctx, s.srv.Addr())
	}
	fns := s.onChange
	s.mu.Unlock()
	for _, fn := range fns {
		fn(true)
	}
	return nil
}

// Stop sends the goodbye and closes the server and every viewer.
func (s *streamer) Stop() error {
	s.mu.Lock()
	if !s.on {
		s.mu.Unlock()
		return nil
	}
	if s.lan != nil {
		s.lan.Withdraw()
	}
	err := s.srv.Stop()
	s.on = false
	fns := s.onChange
	s.mu.Unlock()
	for _, fn := range fns {
		fn(false)
	}
	return err
}

// Toggle starts or stops.
func (s *streamer) Toggle(addr string) error {
	if s.Streaming() {
		return s.Stop()
	}
	return s.Start(addr)
}

// URLs are the page addresses to give out while streaming.
func (s *streamer) URLs() []string {
	if !s.Streaming() {
		return nil
	}
	return httpstream.PageURLs(s.srv.Addr())
}

// Viewers is the number of stream clients now.
func (s *streamer) Viewers() int {
	if !s.Streaming() {
		return 0
	}
	return len(s.srv.Clients())
}

// explainListen says what went wrong and what to do about it.
func explainListen(addr string, err error) error {
	_, port, _ := net.SplitHostPort(addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("port %s is already in use by another program (maybe another lancam): choose another port in Settings, or stop that program", port)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("port %s needs administrator rights: choose a port above 1023 in Settings", port)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Errorf("this computer has no address %s: choose another listen address", addr)
	}
	return fmt.Errorf("cannot start streaming on %s: %v", addr, err)
}
