package httpstream

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"lancam/camera"
)

// serveStream answers the MJPEG stream URLs.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, fd *feed) {
	if r.Method == http.MethodHead {
		if s.full() {
			s.refuseFull(w)
			return
		}
		setStreamHeaders(w.Header())
		w.WriteHeader(http.StatusOK)
		return
	}
	c, ok := s.reserve(r.RemoteAddr, fd)
	if !ok {
		s.refuseFull(w)
		return
	}
	defer s.release(c)

	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Only HTTP/2 or a wrapper hiding the connection gets here.
		http.Error(w, "the stream needs a plain HTTP/1.x connection", http.StatusInternalServerError)
		return
	}
	s.attach(c, conn, fd.Hub.Subscribe())
	defer c.sub.Close()
	// net/http may have left a read or write deadline from its timeouts;
	// the stream lives until the viewer leaves.
	conn.SetDeadline(time.Time{})
	if tc, ok := conn.(*net.TCPConn); ok {
		// Best effort: without it only the drop comes later.
		tc.SetWriteBuffer(streamSendBuffer)
	}
	// Stop cancels the request context before it closes the registered
	// connections; checking it after attach means a connection registered
	// too late for Stop to see is closed here instead.
	if r.Context().Err() != nil || fd.off.Load() {
		conn.Close()
		return
	}

	s.log.Info("stream client connected", "client", c.addr, "camera", fd.Name)

	gone := make(chan struct{})
	readerDone := make(chan struct{})
	go watchPeer(conn, gone, readerDone)

	err = s.pump(r.Context(), c, gone)
	// Closing the connection ends watchPeer's Read; wait so that no
	// goroutine outlives the handler.
	conn.Close()
	<-readerDone
	s.log.Info("stream client left", "client", c.addr, "sent", c.sent.Load(),
		"dropped", c.sub.Dropped(), "connected", time.Since(c.since).Round(time.Second), "reason", err)
}

// pump sends the response head and then every frame the client's mailbox
// offers until the client goes away or the server stops. It returns why the
// stream ended.
func (s *Server) pump(ctx context.Context, c *client, gone <-chan struct{}) error {
	head := appendStreamHead(make([]byte, 0, 512), time.Now())
	c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.conn.Write(head); err != nil {
		return err
	}
	for {
		select {
		case <-c.sub.Ready():
		case <-gone:
			return errPeerGone
		case <-ctx.Done():
			return ctx.Err()
		case <-c.sub.Done():
			return camera.ErrHubClosed
		}
		f := c.sub.Take()
		if f == nil {
			continue // spurious wake-up
		}
		if err := c.deliver(c.feed.parts, f); err != nil {
			return err
		}
	}
}

// errPeerGone says the viewer closed its side of the connection.
var errPeerGone = errors.New("viewer closed the connection")

// watchPeer blocks reading from a stream connection so that a viewer who
// leaves is noticed even while no frames flow (a stalled camera): writes
// alone would only notice at the next frame. A viewer sends nothing after
// its request, so anything read is discarded.
func watchPeer(conn net.Conn, gone, done chan<- struct{}) {
	defer close(done)
	defer close(gone)
	var buf [128]byte
	for {
		if _, err := conn.Read(buf[:]); err != nil {
			return
		}
	}
}
