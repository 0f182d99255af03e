package httpstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// run is one Start..Stop of a Server: its listener, its http.Server and the
// goroutines it owns.
type run struct {
	s      *Server
	ln     net.Listener
	srv    *http.Server
	cancel context.CancelFunc // cancels every request of this run
	quit   chan struct{}      // closed by stop; ends the context watcher

	stopOnce sync.Once
	stopErr  error
	goes     sync.WaitGroup // the serve loop and the context watcher

	// gate counts requests in our handlers so that stop can wait for them:
	// http.Server.Close neither waits for handlers nor knows hijacked ones.
	gateMu     sync.Mutex
	gateClosed bool
	inFlight   sync.WaitGroup
}

// The connection limits; e2e_slowloris_test.go and e2e_hostile_test.go
// check from outside that they hold.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 10 * time.Second
)

// startRun serves ln until stop or until ctx ends.
func (s *Server) startRun(ctx context.Context, ln net.Listener) *run {
	base, cancel := context.WithCancel(context.Background())
	r := &run{s: s, ln: ln, cancel: cancel, quit: make(chan struct{})}
	r.srv = &http.Server{
		Handler:           http.HandlerFunc(r.serveHTTP),
		ReadHeaderTimeout: readHeaderTimeout, // slowloris clients
		// No handler reads a body, but net/http drains up to 256 KB of an
		// unread one before it answers, and without ReadTimeout that read
		// has no deadline: a client declaring "Content-Length: 1000" and
		// sending a byte a minute held a goroutine and a descriptor for
		// ever. A whole request must now arrive within this time. Handlers
		// outliving it get their context cancelled; only the stream runs
		// that long, and it hijacks the connection first.
		ReadTimeout:    readTimeout,
		WriteTimeout:   30 * time.Second, // pages and snapshots; streams reset it
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 16 << 10, // viewers send tiny requests
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return base },
	}
	r.goes.Add(2)
	go func() {
		defer r.goes.Done()
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server failed", "err", err)
		}
	}()
	go func() {
		defer r.goes.Done()
		select {
		case <-ctx.Done():
			r.stop()
		case <-r.quit:
		}
	}()
	return r
}

// serveHTTP admits a request unless the run is stopping.
func (r *run) serveHTTP(w http.ResponseWriter, req *http.Request) {
	r.gateMu.Lock()
	if r.gateClosed {
		r.gateMu.Unlock()
		http.Error(w, "the server is shutting down", http.StatusServiceUnavailable)
		return
	}
	r.inFlight.Add(1)
	r.gateMu.Unlock()
	defer r.inFlight.Done()
	r.s.route(w, req)
}

// stop shuts the run down once; later calls return the first result. It
// does not wait for the context watcher, which may be the caller.
func (r *run) stop() error {
	r.stopOnce.Do(func() {
		close(r.quit)
		// Cancel first: a stream handler that registers its connection after
		// closeClients below sees the cancellation and closes it itself.
		r.cancel()
		r.stopErr = r.srv.Close() // listener plus non-hijacked connections
		r.gateMu.Lock()
		r.gateClosed = true
		r.gateMu.Unlock()
		r.s.closeClients(nil)
		r.inFlight.Wait()
		r.s.log.Info("http server stopped", "addr", r.ln.Addr().String())
	})
	return r.stopErr
}

// stopped reports whether stop has begun.
func (r *run) stopped() bool {
	select {
	case <-r.quit:
		return true
	default:
		return false
	}
}

// wait returns when the run's own goroutines have ended.
func (r *run) wait() { r.goes.Wait() }

// listenError explains a failed listen in terms of what to do about it.
func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return &startError{fmt.Sprintf("listen %s: address already in use — another program (or lancam) uses this port; pick another with -listen", addr), err}
	case errors.Is(err, syscall.EACCES):
		return &startError{fmt.Sprintf("listen %s: permission denied — ports below 1024 need root or CAP_NET_BIND_SERVICE; pick another with -listen", addr), err}
	}
	return &startError{fmt.Sprintf("listen %s: %v", addr, err), err}
}

// startError keeps the cause for errors.Is while its text stays one
// readable sentence.
type startError struct {
	msg string
	err error
}

func (e *startError) Error() string { return e.msg }
func (e *startError) Unwrap() error { return e.err }
