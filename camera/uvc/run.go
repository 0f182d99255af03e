package uvc

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"time"

	"lancam/camera"
)

// runState is what one Run call owns: the encode pool, the NO SIGNAL
// painter and the frame counter. Everything here is touched only by Run's
// goroutine, except seq (shared with the capture goroutine) and encoded.
type runState struct {
	s       *Source
	ctx     context.Context
	publish func(*camera.Frame)

	seq     atomic.Uint64
	lastSeq uint64
	encoded chan *camera.Frame // JPEGs from the pool, published by Run

	pool       *camera.EncodePool
	poolCancel context.CancelFunc
	poolDone   chan struct{}

	ns camera.NoSignalPacer
}

// Run captures and publishes frames until ctx ends, then returns nil with
// the device closed and every goroutine it started finished. A failing or
// vanished device never ends Run: NO SIGNAL frames are published about once
// a second while it is reopened with back-off (0.2 s doubling to 2 s), at
// the same path or wherever a node with the same bus info reappears.
func (s *Source) Run(ctx context.Context, publish func(*camera.Frame)) error {
	r := &runState{s: s, ctx: ctx, publish: publish, encoded: make(chan *camera.Frame, 4),
		ns: camera.NoSignalPacer{Every: s.noSignalT, Device: s.cfg.Device, Quality: s.cfg.Quality}}
	defer r.close()
	s.signal.Store(false)
	path, bus := s.cfg.Device, ""
	backoff := s.backoffLo
	failing := false
	for ctx.Err() == nil {
		dev, err := s.open(path, wish{s.cfg.Width, s.cfg.Height, s.cfg.FPS})
		if err != nil {
			if !failing {
				s.log.Warn("camera unavailable, retrying", "err", err)
				failing = true
			}
			if p := s.relocate(path, bus); p != path {
				s.log.Info("camera moved", "from", path, "to", p, "bus", bus)
				path = p
			}
			r.ns.Wait(r.ctx, backoff, r.noSignalDue, r.encoded)
			backoff = min(2*backoff, s.backoffHi)
			continue
		}
		failing = false
		n := dev.Negotiated()
		s.setNegotiated(path, n)
		bus = n.busInfo
		s.applySaved(path, n.busInfo, n.card) // an unplug or a driver reload reset them
		s.log.Info("camera streaming", "path", path, "card", n.card, "format", fourccString(n.fourcc),
			"width", n.width, "height", n.height, "fps", n.fps)
		got, err := r.stream(dev, n)
		if ctx.Err() != nil {
			break
		}
		s.log.Warn("camera stream ended", "err", err)
		s.signal.Store(false)
		r.noSignalDue(time.Now())
		if got { // it worked: reopen at once (a glitch, or vivid's Disconnect)
			backoff = s.backoffLo
			continue
		}
		r.ns.Wait(r.ctx, backoff, r.noSignalDue, r.encoded) // opens but fails at once: do not spin
		backoff = min(2*backoff, s.backoffHi)
	}
	s.signal.Store(false)
	return nil
}

// relocate returns where to try next: path while it exists, else the node
// now carrying the same bus info (USB re-enumeration), else path again.
func (s *Source) relocate(path, bus string) string {
	if bus == "" {
		return path
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if p := s.findBus(bus); p != "" {
		return p
	}
	return path
}

// stream runs one capture session until it fails or ctx ends. got says
// whether any frame was published (a healthy stream resets the back-off).
func (r *runState) stream(dev device, n negotiated) (got bool, err error) {
	sctx, cancel := context.WithCancel(r.ctx)
	c := &capture{dev: dev, neg: n, seq: &r.seq, drops: &r.s.drops, out: make(chan captureEvent, 1)}
	if !isJPEG(n.fourcc) {
		c.pool = r.ensurePool()
	}
	go c.run(sctx)
	defer func() {
		cancel()
		for range c.out { // until the goroutine has closed the device
		}
	}()
	stall := r.s.cfg.StallTimeout
	tick := time.NewTicker(max(min(stall/4, 250*time.Millisecond), time.Millisecond))
	defer tick.Stop()
	last, stalled := time.Now(), false
	onFrame := func(f *camera.Frame) {
		if r.emit(f) {
			got, last = true, time.Now()
			if stalled {
				r.s.log.Info("camera frames resumed")
				stalled = false
			}
		}
	}
	for {
		select {
		case <-r.ctx.Done():
			return got, nil
		case ev, ok := <-c.out:
			if !ok {
				return got, errors.New("capture stopped")
			}
			if ev.err != nil {
				return got, ev.err
			}
			onFrame(ev.frame)
		case f := <-r.encoded:
			onFrame(f)
		case now := <-tick.C:
			if now.Sub(last) >= stall {
				if !stalled {
					r.s.log.Warn("camera stalled", "for", now.Sub(last).Round(time.Millisecond))
					stalled = true
				}
				r.s.signal.Store(false)
				r.noSignalDue(now)
			}
		}
	}
}

// emit publishes a camera frame unless a newer one already went out (pool
// workers can finish out of order). It reports whether it published.
func (r *runState) emit(f *camera.Frame) bool {
	if f.Seq() <= r.lastSeq {
		return false
	}
	r.lastSeq = f.Seq()
	r.s.signal.Store(true) // before publish: a reader of the frame sees it online
	r.publish(f)
	r.ns.Reset() // the next outage shows NO SIGNAL at once
	return true
}

// noSignalDue publishes a NO SIGNAL frame if one is due at now, sized like
// the last negotiated format so clients need not re-layout.
func (r *runState) noSignalDue(now time.Time) {
	if !r.ns.Due(now) {
		return
	}
	w, h := r.s.cfg.Width, r.s.cfg.Height
	if _, nw, nh, _ := r.s.Negotiated(); nw > 0 {
		w, h = nw, nh
	}
	seq := r.seq.Add(1)
	f, err := r.ns.Frame(now, w, h, seq)
	if err != nil {
		r.s.log.Error("no NO SIGNAL frame", "err", err)
	}
	if f == nil {
		return
	}
	r.lastSeq = seq
	r.publish(f)
}

// ensurePool starts the encode pool on first use; it lives until Run ends.
func (r *runState) ensurePool() *camera.EncodePool {
	if r.pool != nil {
		return r.pool
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.pool = camera.NewEncodePool(camera.EncodePoolConfig{
		Workers: r.s.cfg.Workers, Quality: r.s.cfg.Quality,
		Publish: func(f *camera.Frame) {
			select {
			case r.encoded <- f:
			case <-ctx.Done():
			}
		},
		OnDrop:  func() { r.s.drops[dropEncoder].Add(1) },
		OnError: func(err error) { r.s.log.Debug("frame not encoded", "err", err) },
	})
	r.poolCancel, r.poolDone = cancel, make(chan struct{})
	go func() {
		defer close(r.poolDone)
		if err := r.pool.Run(ctx); err != nil && ctx.Err() == nil {
			r.s.log.Error("encoder pool failed", "err", err)
		}
	}()
	return r.pool
}

func (r *runState) close() {
	if r.pool != nil {
		r.poolCancel()
		<-r.poolDone
	}
	r.ns.Close()
}
