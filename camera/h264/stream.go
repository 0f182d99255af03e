package h264

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"lancam/camera"
)

// StreamConfig configures a Stream.
type StreamConfig struct {
	Hub *camera.Hub
	// NewEncoder makes the encoder when the first viewer arrives (and again
	// after an encoder failed); Config.Emit is set by the stream.
	NewEncoder func(Config) (Encoder, error)
	// Encoder is the template for NewEncoder's config.
	Encoder Config
	Logger  *slog.Logger // nil means slog.Default()
}

// Stream is one camera's H.264: it subscribes to the camera's hub and
// encodes only while at least one viewer is subscribed, and hands every
// viewer the same access units.
type Stream struct {
	cfg StreamConfig
	log *slog.Logger

	keyWanted atomic.Bool

	mu      sync.Mutex
	viewers []*Viewer
	closed  bool
	run     *streamRun
	wg      sync.WaitGroup
	stats   StreamStats
}

// streamRun is one first-viewer..last-viewer span of encoding.
type streamRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// StreamStats describes a stream for /status.
type StreamStats struct {
	Encoder string `json:"encoder"` // the running (or last) encoder's name, "" before the first
	Viewers int    `json:"viewers"`
	Frames  uint64 `json:"frames"` // access units encoded, over all runs
	Bytes   uint64 `json:"bytes"`
	Error   string `json:"error,omitempty"` // the last encoder failure
}

// ErrStreamClosed is returned by Viewer.Next once the stream or the viewer
// is closed.
var ErrStreamClosed = errors.New("h264: stream closed")

// NewStream makes a stream; nothing runs until the first Subscribe.
func NewStream(cfg StreamConfig) *Stream {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Stream{cfg: cfg, log: log}
}

// Subscribe adds a viewer. Its first access unit is an IDR picture: the
// encoder is asked for one at once.
func (s *Stream) Subscribe() *Viewer {
	v := newViewer(s)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		v.closed = true
		return v
	}
	s.viewers = append(s.viewers, v)
	s.keyWanted.Store(true)
	if s.run == nil {
		ctx, cancel := context.WithCancel(context.Background())
		r := &streamRun{cancel: cancel, done: make(chan struct{})}
		s.run = r
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer close(r.done)
			s.encode(ctx)
		}()
	}
	return v
}

// Stats reports the stream's state.
func (s *Stream) Stats() StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Viewers = len(s.viewers)
	return st
}

// Close ends every viewer and stops the encoder, waiting for it.
func (s *Stream) Close() {
	s.mu.Lock()
	s.closed = true
	for _, v := range s.viewers {
		v.shut()
	}
	s.viewers = nil
	if s.run != nil {
		s.run.cancel()
		s.run = nil
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// leave removes v; the last viewer leaving stops the encoder (the hub then
// stops the camera after its grace when nobody else watches).
func (s *Stream) leave(v *Viewer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, o := range s.viewers {
		if o == v {
			s.viewers = append(s.viewers[:i], s.viewers[i+1:]...)
			break
		}
	}
	if len(s.viewers) == 0 && s.run != nil {
		s.run.cancel()
		s.run = nil
	}
}

// WantKey asks the encoder for an IDR picture with the next frame: a
// viewer reported a lost picture (RTCP PLI or FIR).
func (s *Stream) WantKey() { s.keyWanted.Store(true) }

// encode runs one span: frames from the hub through an encoder to the
// viewers, until ctx ends. A failing encoder is replaced after a pause.
func (s *Stream) encode(ctx context.Context) {
	sub := s.cfg.Hub.Subscribe()
	defer sub.Close()
	var enc Encoder
	defer func() {
		if enc != nil {
			enc.Close()
		}
	}()
	backoff := 250 * time.Millisecond
	for {
		f, err := sub.Next(ctx)
		if err != nil {
			return
		}
		if enc == nil {
			c := s.cfg.Encoder
			c.Emit = s.fanout
			c.Logger = s.log
			if enc, err = s.cfg.NewEncoder(c); err != nil {
				enc = nil
				if !s.fail(ctx, "starting the H.264 encoder", err, &backoff) {
					return
				}
				continue
			}
			s.mu.Lock()
			s.stats.Encoder = enc.Name()
			s.mu.Unlock()
			s.keyWanted.Store(true)
		}
		if err := enc.Encode(f, s.keyWanted.Swap(false)); err != nil {
			enc.Close()
			enc = nil
			if !s.fail(ctx, "H.264 encoding", err, &backoff) {
				return
			}
			continue
		}
		backoff = 250 * time.Millisecond
	}
}

// fail records and logs an encoder failure and waits before the next try;
// false when ctx ended meanwhile.
func (s *Stream) fail(ctx context.Context, what string, err error, backoff *time.Duration) bool {
	s.log.Warn(what+" failed", "err", err, "retry_in", *backoff)
	s.mu.Lock()
	s.stats.Error = err.Error()
	s.mu.Unlock()
	t := time.NewTimer(*backoff)
	defer t.Stop()
	*backoff = min(*backoff*2, 5*time.Second)
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// fanout hands one access unit to every viewer (Config.Emit).
func (s *Stream) fanout(au AccessUnit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Frames++
	s.stats.Bytes += uint64(len(au.Data))
	for _, v := range s.viewers {
		v.offer(au)
	}
}
