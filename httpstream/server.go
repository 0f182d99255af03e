// Package httpstream serves a camera.Hub over HTTP: an MJPEG stream built for
// hundreds of viewers, snapshots, a JSON status and a small viewer page, on
// the URLs that mjpg-streamer and ustreamer clients already use.
package httpstream

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"lancam/camera"
)

// Config configures a Server.
type Config struct {
	Addr string // listen address, e.g. ":8080"; ":0" picks a free port
	// Hub supplies the frames of the only camera, served as "main"; it is
	// required unless Feeds is set. The Server never closes a hub: hubs
	// outlive Stop/Start cycles.
	Hub *camera.Hub
	// Feeds, when set, are the cameras served (Hub is then ignored); the
	// first one is also served at the classic URLs.
	Feeds []Feed
	// MaxClients caps concurrent stream viewers, 0 meaning 100, so that a
	// runaway page cannot exhaust memory or bandwidth.
	MaxClients int
	Version    string       // reported in /status
	Logger     *slog.Logger // nil means slog.Default()
	// Cameras, when set, supplies the camera list /status reports (the
	// chooser in the GUI and other lancams read it); it must be cheap.
	Cameras func() any
	// Peers, when set, supplies the /peers document (the other lancams on
	// the LAN); without it /peers answers an empty list.
	Peers func() any
	// LAN, when set, says whether discovery has a network interface to
	// work on; /status reports it as "lan". It must be cheap.
	LAN func() LANStatus
	// MaxWebRTC caps concurrent WebRTC viewers, 0 meaning
	// DefaultMaxWebRTC.
	MaxWebRTC int
	// Auth, when set, is the user name and password every URL asks for
	// (HTTP Basic); nil leaves the server open. Server.SetAuth changes it.
	Auth *BasicAuth
}

// DefaultMaxClients is used when Config.MaxClients is 0.
const DefaultMaxClients = 100

// snapshotTimeout is how long a snapshot waits for a frame: long enough for
// a stopped camera to start, short enough that a client is told why.
const snapshotTimeout = 2 * time.Second

// Server serves one hub. A Server can be started and stopped repeatedly; its
// Handler also works without Start, e.g. under httptest.
type Server struct {
	cfg             Config
	log             *slog.Logger
	maxClients      int
	feeds           []*feed
	feedsErr        error // a configuration mistake, reported by Start
	auth            *authGate
	snapshotTimeout time.Duration // a field so tests need not wait 2 s

	life sync.Mutex // serialises Start and Stop
	run  *run       // the current or last run; guarded by life

	webrtc    *webrtc.API // nil when it could not be made: no WHEP then
	maxWebRTC int

	mu      sync.Mutex
	clients map[*client]struct{}
	whep    map[string]*whepSession // WebRTC viewers by session id
	started time.Time               // for uptime_s
}

// New makes a Server; nothing listens until Start.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	maxClients := cfg.MaxClients
	if maxClients <= 0 {
		maxClients = DefaultMaxClients
	}
	feeds, err := newFeeds(cfg)
	maxWebRTC := cfg.MaxWebRTC
	if maxWebRTC <= 0 {
		maxWebRTC = DefaultMaxWebRTC
	}
	api, werr := newWebRTCAPI()
	if werr != nil {
		log.Warn("WebRTC unavailable", "err", werr)
	}
	return &Server{
		webrtc:          api,
		maxWebRTC:       maxWebRTC,
		whep:            make(map[string]*whepSession),
		cfg:             cfg,
		log:             log,
		maxClients:      maxClients,
		feeds:           feeds,
		feedsErr:        err,
		auth:            newAuthGate(cfg.Auth, log),
		snapshotTimeout: snapshotTimeout,
		clients:         make(map[*client]struct{}),
		started:         time.Now(),
	}
}

// Handler returns the Server's routes without listening, for embedding in
// another server or for httptest. Stream clients served this way end when
// they disconnect; only Stop closes them from the server side.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.route) }

// Start listens on Config.Addr and serves in a goroutine the Server owns,
// until Stop or until ctx ends. The listen error is returned here, worded
// for the person who has to fix it.
func (s *Server) Start(ctx context.Context) error {
	if s.feedsErr != nil {
		return s.feedsErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.Lock()
	defer s.life.Unlock()
	if s.run != nil {
		if !s.run.stopped() {
			return fmt.Errorf("httpstream: server already started on %s", s.run.ln.Addr())
		}
		s.run.wait() // ended by its context: reap its goroutines first
		s.run = nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return listenError(s.cfg.Addr, err)
	}
	s.mu.Lock()
	s.started = time.Now()
	s.mu.Unlock()
	s.run = s.startRun(ctx, ln)
	s.log.Info("http server listening", "addr", ln.Addr().String())
	return nil
}

// Stop closes the listener and every connection, stream viewers included,
// and returns once all of the Server's goroutines have ended and the port is
// free. Stop is idempotent.
func (s *Server) Stop() error {
	s.life.Lock()
	defer s.life.Unlock()
	r := s.run
	if r == nil {
		return nil
	}
	s.run = nil
	err := r.stop()
	r.wait()
	s.closeWHEP(nil)
	return err
}

// SetAddr changes the listen address for the next Start (the GUI's port
// setting); a running server keeps its address until it is restarted.
func (s *Server) SetAddr(addr string) {
	s.life.Lock()
	defer s.life.Unlock()
	s.cfg.Addr = addr
}

// Addr is the address actually listened on (with the real port when
// Config.Addr asked for port 0), or "" when the Server is not running.
func (s *Server) Addr() string {
	s.life.Lock()
	defer s.life.Unlock()
	if s.run == nil || s.run.stopped() {
		return ""
	}
	return s.run.ln.Addr().String()
}

// uptime is how long the Server has been serving.
func (s *Server) uptime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Since(s.started)
}
