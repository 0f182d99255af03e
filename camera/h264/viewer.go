package h264

import (
	"context"
	"sync"
	"sync/atomic"
)

// viewerQueue is how many access units a viewer may fall behind (about
// 130 ms at 30 fps) before it skips to the next IDR picture. Unlike JPEG
// frames, H.264 pictures cannot simply be replaced by newer ones: each
// depends on the one before, so a viewer that falls behind drops what it
// holds and waits for a key picture (asked for at once).
const viewerQueue = 4

// Viewer is one subscriber of a Stream.
type Viewer struct {
	s       *Stream
	ready   chan struct{}
	dropped atomic.Uint64

	mu      sync.Mutex
	queue   []AccessUnit
	waitKey bool
	closed  bool
	done    chan struct{}
}

func newViewer(s *Stream) *Viewer {
	return &Viewer{s: s, ready: make(chan struct{}, 1), waitKey: true, done: make(chan struct{})}
}

// offer queues au (called with the stream's lock held).
func (v *Viewer) offer(au AccessUnit) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return
	}
	if v.waitKey && !au.Key {
		v.dropped.Add(1)
		return
	}
	if len(v.queue) >= viewerQueue {
		v.dropped.Add(uint64(len(v.queue)) + 1)
		v.queue = v.queue[:0]
		v.waitKey = true
		v.s.WantKey()
		if !au.Key {
			return
		}
	}
	v.waitKey = false
	v.queue = append(v.queue, au)
	select {
	case v.ready <- struct{}{}:
	default:
	}
}

// Next waits for the next access unit. It returns ctx's error when ctx
// ends and ErrStreamClosed when the viewer or the stream is closed.
func (v *Viewer) Next(ctx context.Context) (AccessUnit, error) {
	for {
		v.mu.Lock()
		if v.closed {
			v.mu.Unlock()
			return AccessUnit{}, ErrStreamClosed
		}
		if len(v.queue) > 0 {
			au := v.queue[0]
			v.queue[0] = AccessUnit{}
			v.queue = v.queue[1:]
			v.mu.Unlock()
			return au, nil
		}
		v.mu.Unlock()
		select {
		case <-ctx.Done():
			return AccessUnit{}, ctx.Err()
		case <-v.done:
		case <-v.ready:
		}
	}
}

// Dropped counts access units this viewer skipped (fell behind, or waited
// for a key picture).
func (v *Viewer) Dropped() uint64 { return v.dropped.Load() }

// Close leaves the stream; the encoder stops with the last viewer.
// Close is idempotent.
func (v *Viewer) Close() {
	v.s.leave(v)
	v.shut()
}

// shut marks v closed and wakes Next.
func (v *Viewer) shut() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.closed {
		v.closed = true
		close(v.done)
	}
}
