package mjpegload

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// ViewConfig describes one viewer for View.
type ViewConfig struct {
	URL      string        // stream URL, http://host:port/stream.mjpg
	MaxFrame int           // largest part accepted, 0 for DefaultMaxPart
	Frames   int64         // hang up after this many whole frames; 0 for no limit
	Duration time.Duration // hang up after this long; 0 for no limit (until ctx ends)
}

// ViewStats is what one viewer saw.
type ViewStats struct {
	Connected bool  // got a 200 stream
	Dropped   bool  // the stream ended or broke before the viewer hung up
	Frames    int64 // whole JPEG frames received
	Bytes     int64 // their body bytes
	BadParts  int64 // parts that were not a whole JPEG or did not parse
	// Err is the first failure: no connection, no 200 answer, a bad part
	// or a dropped stream. It is nil when the viewer only hung up, even
	// before the answer came: leaving is what a viewer is told to do.
	Err error
}

// viewStats turns what runClient saw into a viewer's report.
func (st clientStats) viewStats() ViewStats {
	err := st.err
	if st.hungUp && !st.connected {
		err = nil // we left before the answer; nothing failed
	}
	return ViewStats{Connected: st.connected, Dropped: st.dropped, Frames: st.frames,
		Bytes: st.bytes, BadParts: st.bad, Err: err}
}

// View runs one stream viewer: it connects to cfg.URL, reads and checks
// frames until ctx ends, cfg.Duration has passed or cfg.Frames have arrived,
// then hangs up. It returns an error only for a bad cfg; what went wrong
// with the stream is in ViewStats.Err.
func View(ctx context.Context, cfg ViewConfig) (ViewStats, error) {
	switch {
	case cfg.Frames < 0:
		return ViewStats{}, errors.New("mjpegload: Frames must not be negative")
	case cfg.Duration < 0:
		return ViewStats{}, errors.New("mjpegload: Duration must not be negative")
	}
	tgt, err := parseTarget(cfg.URL)
	if err != nil {
		return ViewStats{}, fmt.Errorf("mjpegload: %w", err)
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	st := runClient(ctx, tgt, clientOpts{maxFrame: cfg.MaxFrame, maxFrames: cfg.Frames})
	return st.viewStats(), nil
}

// PoolConfig describes the viewers of a Pool.
type PoolConfig struct {
	URL      string // stream URL, http://host:port/stream.mjpg
	MaxFrame int    // largest part accepted, 0 for DefaultMaxPart
}

// PoolStats counts over all the viewers a Pool has started.
type PoolStats struct {
	Started   int64 // viewers started
	Connected int64 // viewers that got a 200 stream
	HungUp    int64 // viewers the pool hung up (Replace, Close, its ctx's end) that have finished
	Lost      int64 // viewers that ended by themselves: refused, or the stream ended or broke
	Frames    int64 // whole JPEG frames received
	Bytes     int64 // their body bytes
	BadParts  int64 // parts that were not a whole JPEG or did not parse
}

// Pool keeps a set of viewers on one stream and churns them: hangs some up
// and connects new ones, so that a server's connect and disconnect paths
// run over and over while its steady load stays the same (scripts/soak).
// Its methods may be called from any goroutine.
type Pool struct {
	// ctx is kept because viewers outlive the calls that start them; its
	// end hangs them all up.
	ctx      context.Context
	tgt      target
	maxFrame int
	wg       sync.WaitGroup

	mu      sync.Mutex
	viewers []*poolViewer
	err     error     // first viewer failure
	ended   PoolStats // Started, HungUp, Lost and BadParts; the rest are live below

	connected, frames, bytes atomic.Int64
}

// poolViewer is one live viewer of a Pool.
type poolViewer struct {
	cancel    context.CancelFunc
	streaming atomic.Bool // has received a frame
}

// NewPool returns an empty Pool of viewers of cfg.URL; Fill connects them.
// They run until Close, Replace hangs them up, or ctx ends.
func NewPool(ctx context.Context, cfg PoolConfig) (*Pool, error) {
	tgt, err := parseTarget(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("mjpegload: %w", err)
	}
	return &Pool{ctx: ctx, tgt: tgt, maxFrame: cfg.MaxFrame}, nil
}

// Fill connects viewers until there are n.
func (p *Pool) Fill(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.viewers) < n {
		p.viewers = append(p.viewers, p.start())
	}
}

// Replace hangs up k viewers chosen at random, each at most once, and
// connects k new ones in their places; k is capped at the pool's size.
func (p *Pool) Replace(k int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k = min(k, len(p.viewers))
	for _, i := range rand.Perm(len(p.viewers))[:k] {
		p.viewers[i].cancel()
		p.viewers[i] = p.start()
	}
}

// Churn calls Replace(k) every interval until the deadline until. It
// returns early with the first viewer failure (see Err) or ctx's error.
func (p *Pool) Churn(ctx context.Context, k int, every time.Duration, until time.Time) error {
	if every <= 0 {
		return errors.New("mjpegload: churn interval must be positive")
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	// A deadline timer beside the ticker, so that Churn returns at until
	// rather than at the first tick after it.
	end := time.NewTimer(time.Until(until))
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-end.C:
			return p.Err()
		case <-tick.C:
		}
		p.Replace(k)
		if err := p.Err(); err != nil {
			return err
		}
	}
}

// WaitStreaming waits until every viewer has received a frame, so that a
// measurement never catches a connection half set up. It fails with the
// first viewer failure, ctx's error, or after timeout.
func (p *Pool) WaitStreaming(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		if err := p.Err(); err != nil {
			return err
		}
		waiting, total := p.notStreaming()
		if waiting == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("mjpegload: %d of %d viewers had no frame within %v", waiting, total, timeout)
		case <-poll.C:
		}
	}
}

// notStreaming counts the viewers that have not had a frame yet.
func (p *Pool) notStreaming() (waiting, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range p.viewers {
		if !v.streaming.Load() {
			waiting++
		}
	}
	return waiting, len(p.viewers)
}

// Err returns the first viewer failure (see ViewStats.Err), or nil. A
// viewer that failed keeps its place until Replace or Close.
func (p *Pool) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Stats returns the counts so far; frames and bytes include the live
// viewers'.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	s := p.ended
	p.mu.Unlock()
	s.Connected, s.Frames, s.Bytes = p.connected.Load(), p.frames.Load(), p.bytes.Load()
	return s
}

// Close hangs up every viewer and waits until they have finished, so that
// Stats is complete and the server has seen every hang-up.
func (p *Pool) Close() {
	p.mu.Lock()
	for _, v := range p.viewers {
		v.cancel()
	}
	p.viewers = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// start connects one viewer; p.mu is held.
func (p *Pool) start() *poolViewer {
	ctx, cancel := context.WithCancel(p.ctx)
	v := &poolViewer{cancel: cancel}
	p.ended.Started++
	p.wg.Go(func() {
		defer cancel()
		st := runClient(ctx, p.tgt, clientOpts{
			maxFrame:  p.maxFrame,
			onConnect: func() { p.connected.Add(1) },
			onFrame: func(size int) {
				p.frames.Add(1)
				p.bytes.Add(int64(size))
				v.streaming.Store(true)
			},
		})
		vs := st.viewStats()
		p.mu.Lock()
		defer p.mu.Unlock()
		if st.hungUp {
			p.ended.HungUp++
		} else {
			p.ended.Lost++
		}
		p.ended.BadParts += vs.BadParts
		if vs.Err != nil && p.err == nil {
			p.err = vs.Err
		}
	})
	return v
}
