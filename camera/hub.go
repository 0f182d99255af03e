package camera

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// DefaultGrace is how long a source keeps running after its last subscriber
// leaves: long enough that a browser reload or a snapshot followed by a
// stream does not restart the camera, short enough that an unwatched camera
// stops capturing and encoding soon.
const DefaultGrace = 3 * time.Second

// ErrHubClosed is returned by Subscriber.Next once the hub has been closed.
var ErrHubClosed = errors.New("camera: hub closed")

// HubConfig configures a Hub.
type HubConfig struct {
	Source Source
	Grace  time.Duration // 0 means DefaultGrace; negative means stop at once
	Logger *slog.Logger  // nil means slog.Default()
	// MaxBackoff caps the wait between restarts of a failing source
	// (default 5 s).
	MaxBackoff time.Duration
}

// Hub keeps the latest frame of one source and hands it to subscribers.
//
// The source runs only while someone subscribes (plus the grace period), so
// with nobody watching nothing is captured or encoded. Every subscriber gets
// the same *Frame: frames are never copied per subscriber.
type Hub struct {
	cfg HubConfig
	log *slog.Logger

	mu      sync.Mutex
	subs    []*Subscriber
	latest  *Frame
	meter   RateMeter
	frames  uint64
	lastAt  time.Time
	lastErr string
	closed  bool
	done    chan struct{} // closed by Close; wakes blocked subscribers
	run     *sourceRun    // nil while the source is stopped
	grace   *time.Timer
	wg      sync.WaitGroup
}

// sourceRun is one start..stop of the source.
type sourceRun struct {
	src    Source
	cancel context.CancelFunc
	done   chan struct{}
}

// NewHub makes a hub for cfg.Source; nothing runs until the first Subscribe.
func NewHub(cfg HubConfig) *Hub {
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Hub{cfg: cfg, log: log, done: make(chan struct{})}
}

// Subscribe registers a consumer and starts the source if it is stopped.
// The subscriber's mailbox starts with the latest frame, if there is one, so
// a new viewer sees a picture at once. Close the subscriber when done.
func (h *Hub) Subscribe() *Subscriber {
	s := &Subscriber{hub: h, ready: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.closed = true
		return s
	}
	h.subs = append(h.subs, s)
	if h.grace != nil {
		h.grace.Stop()
		h.grace = nil
	}
	if h.run == nil {
		h.startLocked()
	} else if h.latest != nil {
		s.offer(h.latest)
	}
	return s
}

// Latest returns the newest frame, or nil when the source is stopped or has
// not delivered yet. It never starts the source.
func (h *Hub) Latest() *Frame {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest
}

// Close stops the source, waits for it, and wakes every blocked subscriber.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	close(h.done)
	if h.grace != nil {
		h.grace.Stop()
		h.grace = nil
	}
	h.stopLocked()
	h.mu.Unlock()
	h.wg.Wait()
}

// SetSource switches the hub to another camera (the GUI's chooser). Viewers
// stay subscribed: a running old source is stopped and the new one started
// at once, so streams continue with the new pictures without reconnecting.
func (h *Hub) SetSource(src Source) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cfg.Source = src
	h.lastErr = ""
	if h.closed || h.run == nil {
		return
	}
	h.stopLocked()
	h.startLocked()
}

// Source is the source the hub runs now.
func (h *Hub) Source() Source {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg.Source
}

func (h *Hub) unsubscribe(s *Subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.subs {
		if x == s {
			last := len(h.subs) - 1
			h.subs[i] = h.subs[last]
			h.subs[last] = nil
			h.subs = h.subs[:last]
			break
		}
	}
	if len(h.subs) > 0 || h.run == nil || h.closed {
		return
	}
	if h.cfg.Grace < 0 {
		h.stopLocked()
		return
	}
	if h.grace == nil {
		h.grace = time.AfterFunc(h.cfg.Grace, h.graceExpired)
	}
}

func (h *Hub) graceExpired() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.grace = nil
	if len(h.subs) == 0 {
		h.stopLocked()
	}
}

func (h *Hub) startLocked() {
	ctx, cancel := context.WithCancel(context.Background())
	r := &sourceRun{src: h.cfg.Source, cancel: cancel, done: make(chan struct{})}
	h.run = r
	h.meter.Reset()
	h.wg.Add(1)
	go h.runSource(ctx, r)
}

// stopLocked cancels the running source. It does not wait: the hub's lock
// is held, and the source may be blocked publishing.
func (h *Hub) stopLocked() {
	if h.run == nil {
		return
	}
	h.run.cancel()
	h.run = nil
	// A stale picture must not pass for a live one after a restart.
	h.latest = nil
}

func (h *Hub) runSource(ctx context.Context, r *sourceRun) {
	defer h.wg.Done()
	defer close(r.done)
	backoff := 100 * time.Millisecond
	publish := func(f *Frame) { h.publish(r, f) }
	for {
		err := r.src.Run(ctx, publish)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("source ended")
		}
		h.log.Warn("camera source failed; restarting", "kind", r.src.Info().Kind, "err", err, "retry_in", backoff)
		h.mu.Lock()
		h.lastErr = err.Error()
		h.mu.Unlock()
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, h.cfg.MaxBackoff)
	}
}

func (h *Hub) publish(r *sourceRun, f *Frame) {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.run != r {
		return // a frame from a run that was already stopped
	}
	h.latest = f
	h.frames++
	h.lastAt = now
	h.lastErr = ""
	h.meter.Tick(now)
	for _, s := range h.subs {
		s.offer(f)
	}
}
