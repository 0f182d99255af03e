package httpstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// Defaults of ClientConfig.
const (
	DefaultStallTimeout = 5 * time.Second
	DefaultMinBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff   = 10 * time.Second
)

// clientDialTimeout bounds connecting, the TLS handshake and waiting for the
// response head with the Client's own http.Client: a camera on the LAN
// answers in milliseconds, so 5 s means it is gone.
const clientDialTimeout = 5 * time.Second

// snapshotInterval is how often a snapshot URL is fetched again: enough to
// see that a camera is alive without loading it.
const snapshotInterval = time.Second

// ErrStalled is wrapped by the error a Client reports when no frame came
// within the stall timeout.
var ErrStalled = errors.New("stalled")

// ErrNotMJPEG is wrapped by the error a Client reports when the URL answers
// with something that is neither an MJPEG stream nor a JPEG.
var ErrNotMJPEG = errors.New("not an MJPEG stream")

// errStreamEnded says the server closed the stream between frames.
var errStreamEnded = errors.New("the stream ended")

// HTTPStatusError is the error a Client reports for a non-2xx answer, so a
// viewer can ask for a password on 401.
type HTTPStatusError struct {
	Code   int
	Status string // as sent, e.g. "401 Unauthorized"
}

func (e *HTTPStatusError) Error() string { return "HTTP " + e.Status }

// RetryError is the error a Client reports while reconnecting: why the
// stream was lost, and the wait between tries (before ±25 % jitter), so a
// viewer can say how often it tries. The wait doubles from MinBackoff to
// MaxBackoff; each new wait is reported once.
type RetryError struct {
	Err  error
	Wait time.Duration
}

func (e *RetryError) Error() string { return e.Err.Error() }

// Unwrap gives the reason, for errors.Is and errors.As.
func (e *RetryError) Unwrap() error { return e.Err }

// ClientConfig configures a Client. Zero fields take the defaults.
type ClientConfig struct {
	URL string // stream or snapshot URL; user:password@ in it is sent as Basic auth
	// HTTPClient makes the requests. nil means one of our own with a 5 s
	// dial, TLS and response-header timeout and no overall timeout (a
	// stream never ends). Its Timeout, if any, must not cut streams short.
	HTTPClient *http.Client
	Header     http.Header // sent with each request, e.g. Authorization
	// MaxFrameBytes is the largest frame accepted; 0 means
	// DefaultMaxFrameBytes.
	MaxFrameBytes int
	// StallTimeout: no new frame within it, counted from the request or
	// the last frame, drops the connection and reconnects.
	StallTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a reconnect; it
	// doubles after each failure (±25 % jitter, so that viewers of a
	// restarted camera do not all knock at once) and is back to
	// MinBackoff once a frame arrives.
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger // nil discards
}

// ClientState is where a Client stands, for a viewer window's status line.
type ClientState int

// The states of a Client. It starts Connecting, is Playing once frames
// arrive, Reconnecting after it lost or could not get the stream, and
// Stopped when Run returns.
const (
	ClientConnecting ClientState = iota
	ClientPlaying
	ClientReconnecting
	ClientStopped
)

// String is the state as shown to a user.
func (s ClientState) String() string {
	switch s {
	case ClientConnecting:
		return "connecting"
	case ClientPlaying:
		return "playing"
	case ClientReconnecting:
		return "reconnecting…"
	case ClientStopped:
		return "stopped"
	}
	return fmt.Sprintf("ClientState(%d)", int(s))
}

// Client plays one MJPEG stream (or snapshot URL), reconnecting as long as
// it runs.
type Client struct {
	cfg        ClientConfig
	hc         *http.Client
	own        bool // hc is ours, so Run may close its idle connections
	log        *slog.Logger
	frames     atomic.Uint64
	reconnects atomic.Uint64
}

// NewClient makes a Client; nothing happens until Run.
func NewClient(cfg ClientConfig) *Client {
	if cfg.MaxFrameBytes <= 0 {
		cfg.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = DefaultStallTimeout
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	c := &Client{cfg: cfg, hc: cfg.HTTPClient, log: cfg.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.hc == nil {
		c.own = true
		c.hc = &http.Client{Transport: &http.Transport{
			// No Proxy: cameras are on the LAN, where a desktop's
			// HTTP_PROXY would only get in the way.
			DialContext:           (&net.Dialer{Timeout: clientDialTimeout}).DialContext,
			TLSHandshakeTimeout:   clientDialTimeout,
			ResponseHeaderTimeout: clientDialTimeout,
			MaxIdleConnsPerHost:   1,
		}}
	}
	return c
}

// Frames is how many frames were delivered to onFrame, over all runs.
func (c *Client) Frames() uint64 { return c.frames.Load() }

// Reconnects is how many connection attempts followed the first one of a
// Run, over all runs (refetches of a working snapshot URL do not count).
func (c *Client) Reconnects() uint64 { return c.reconnects.Load() }

// Run plays the stream until ctx ends. onFrame gets each complete JPEG; the
// slice is only valid during the call, which must be quick because the
// stream waits for it. onState gets every change of state, and also a new
// error while reconnecting (the reason shown to the user changed); the
// error is nil except for ClientReconnecting. Both are called from Run's
// goroutine, never concurrently, and Run leaves no goroutine behind.
func (c *Client) Run(ctx context.Context, onFrame func(jpeg []byte), onState func(ClientState, error)) {
	r := &clientRun{c: c, onFrame: onFrame, onState: onState, state: -1}
	if c.own {
		defer c.hc.CloseIdleConnections()
	}
	r.setState(ClientConnecting, nil)
	backoff := c.cfg.MinBackoff
	var snap bytes.Buffer // a snapshot URL's body, reused between fetches
	for {
		began := time.Now()
		res := r.session(ctx, &snap)
		if ctx.Err() != nil {
			break
		}
		if res.delivered {
			backoff = c.cfg.MinBackoff
		}
		wait := snapshotInterval - time.Since(began)
		if res.err != nil {
			r.setState(ClientReconnecting, &RetryError{Err: res.err, Wait: backoff})
			wait = jitter(backoff)
			backoff = min(2*backoff, c.cfg.MaxBackoff)
		}
		if !sleepCtx(ctx, wait) {
			break
		}
		if res.err != nil {
			c.reconnects.Add(1)
		}
	}
	r.setState(ClientStopped, nil)
}

// jitter spreads d by ±25 %.
func jitter(d time.Duration) time.Duration {
	return d*3/4 + rand.N(d/2+1)
}

// sleepCtx waits d unless ctx ends first; it reports whether ctx is live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// RedactURL hides a password given in a URL (http://user:pw@host/) so the
// URL can be logged or shown; unparsable URLs are reduced to a marker.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
