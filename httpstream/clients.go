package httpstream

import (
	"encoding/json"
	"math"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"lancam/camera"
)

// ClientInfo describes one connected stream client for /status and the UI.
// It marshals Since as connected_s, the seconds connected, because a
// duration is what a viewer of /status wants and needs no clock agreement.
type ClientInfo struct {
	Address string    `json:"address"`     // the viewer's ip:port
	FPS     float64   `json:"fps"`         // frames per second it receives
	Dropped uint64    `json:"dropped"`     // frames skipped because it was busy
	Sent    uint64    `json:"sent"`        // frames written to it
	Since   time.Time `json:"connected_s"` // when it connected
	Camera  string    `json:"camera"`      // the name of the camera it watches
	// Protocol is how it watches: "mjpeg" (HTTP) or "webrtc" (H.264).
	Protocol string `json:"protocol"`
}

// MarshalJSON writes Since as seconds connected and rounds rates so /status
// stays readable.
func (c ClientInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Address    string  `json:"address"`
		FPS        float64 `json:"fps"`
		Dropped    uint64  `json:"dropped"`
		Sent       uint64  `json:"sent"`
		ConnectedS float64 `json:"connected_s"`
		Camera     string  `json:"camera"`
		Protocol   string  `json:"protocol"`
	}{c.Address, round2(c.FPS), c.Dropped, c.Sent, round2(time.Since(c.Since).Seconds()), c.Camera, c.Protocol})
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// client is one stream viewer. Its fields besides conn are written only by
// the goroutine that streams to it; Clients reads them concurrently.
type client struct {
	feed  *feed // the camera it watches; nil in benchmarks
	addr  string
	since time.Time
	sub   *camera.Subscriber // set with conn; nil in benchmarks
	conn  net.Conn           // set after hijacking, guarded by Server.mu
	sent  atomic.Uint64

	mu    sync.Mutex
	meter camera.RateMeter
}

// info snapshots the client for Clients, which holds Server.mu.
func (c *client) info(now time.Time) ClientInfo {
	c.mu.Lock()
	fps := c.meter.Rate(now)
	c.mu.Unlock()
	ci := ClientInfo{Address: c.addr, FPS: fps, Sent: c.sent.Load(), Since: c.since, Protocol: "mjpeg"}
	if c.feed != nil {
		ci.Camera = c.feed.Name
	}
	if c.sub != nil {
		ci.Dropped = c.sub.Dropped()
	}
	return ci
}

// writeTimeout drops a client that accepts no data for this long. A client
// that is merely slow is not dropped: it skips frames, because its mailbox
// holds only the newest one.
const writeTimeout = 10 * time.Second

// streamSendBuffer caps a stream connection's kernel send buffer. Linux
// grows it up to 4 MB on its own, and writes into it succeed whether or not
// the viewer reads: a viewer that stopped reading was only dropped once
// megabytes had queued, 30 s and more after it stopped instead of
// writeTimeout, and a slow one watched frames a second old. 256 KB (the
// kernel doubles it for its bookkeeping) holds a few 720p frames and still
// allows 10 MB/s at a 50 ms round trip, well above a 30 fps stream.
const streamSendBuffer = 256 << 10

// deliver writes f's shared part to the client: one Write, no copy and no
// allocation, however many clients there are.
func (c *client) deliver(parts *partCache, f *camera.Frame) error {
	b := parts.get(f)
	now := time.Now()
	if err := c.conn.SetWriteDeadline(now.Add(writeTimeout)); err != nil {
		return err
	}
	if _, err := c.conn.Write(b); err != nil {
		return err
	}
	c.sent.Add(1)
	c.mu.Lock()
	c.meter.Tick(now)
	c.mu.Unlock()
	return nil
}

// reserve registers a new stream client unless MaxClients are connected;
// reserving before the hijack keeps the limit exact under a connection burst.
func (s *Server) reserve(addr string, fd *feed) (*client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.clients) >= s.maxClients {
		return nil, false
	}
	c := &client{feed: fd, addr: addr, since: time.Now()}
	s.clients[c] = struct{}{}
	return c, true
}

// full reports whether a new stream client would be refused.
func (s *Server) full() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients) >= s.maxClients
}

// attach records the hijacked connection, so that Stop can close it, and
// the client's subscription, so that Clients can report its drops.
func (s *Server) attach(c *client, conn net.Conn, sub *camera.Subscriber) {
	s.mu.Lock()
	c.conn = conn
	c.sub = sub
	s.mu.Unlock()
}

// release forgets a client that has finished.
func (s *Server) release(c *client) {
	s.mu.Lock()
	delete(s.clients, c)
	s.mu.Unlock()
}

// closeClients closes the hijacked connections of camera fd, or of every
// camera when fd is nil: net/http's Close does not know about them, and a
// client blocked in Write only wakes when its connection closes.
func (s *Server) closeClients(fd *feed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		if c.conn != nil && (fd == nil || c.feed == fd) {
			c.conn.Close()
		}
	}
}

// Clients lists the connected stream clients, oldest first. The slice is
// never nil, so /status always shows an array.
func (s *Server) Clients() []ClientInfo {
	now := time.Now()
	s.mu.Lock()
	out := make([]ClientInfo, 0, len(s.clients))
	for c := range s.clients {
		out = append(out, c.info(now))
	}
	for _, ss := range s.whep {
		out = append(out, ss.info(now))
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b ClientInfo) int { return a.Since.Compare(b.Since) })
	return out
}

// Streaming reports whether anyone is watching the stream right now, e.g.
// for a "recording" LED or to show viewers in the UI.
func (s *Server) Streaming() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)+len(s.whep) > 0
}
