package camera

import (
	"context"
	"sync"
	"sync/atomic"
)

// Subscriber is one consumer of a Hub: a one-slot mailbox that a newer frame
// replaces. A slow consumer therefore skips frames (counted in Dropped) but
// never delays the source or any other subscriber, and holds at most one
// frame.
type Subscriber struct {
	hub   *Hub
	ready chan struct{} // capacity 1: "the slot has something"

	mu     sync.Mutex
	slot   *Frame
	closed bool

	dropped   atomic.Uint64
	delivered atomic.Uint64
}

// offer puts f in the mailbox, replacing (and counting) an unread frame.
func (s *Subscriber) offer(f *Frame) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.slot != nil {
		s.dropped.Add(1)
	}
	s.slot = f
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Ready is signalled when the mailbox may hold a frame; use it in a select,
// then call Take. A signal can be spurious (Take then returns nil).
func (s *Subscriber) Ready() <-chan struct{} { return s.ready }

// Take empties the mailbox without blocking; nil when it is empty.
func (s *Subscriber) Take() *Frame {
	s.mu.Lock()
	f := s.slot
	s.slot = nil
	s.mu.Unlock()
	if f != nil {
		s.delivered.Add(1)
	}
	return f
}

// Next waits for a frame newer than the last one taken. It returns ctx's
// error when ctx ends and ErrHubClosed when the hub closes or the subscriber
// was closed.
func (s *Subscriber) Next(ctx context.Context) (*Frame, error) {
	for {
		if f := s.Take(); f != nil {
			return f, nil
		}
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return nil, ErrHubClosed
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.hub.done:
			return nil, ErrHubClosed
		}
	}
}

// Dropped counts frames replaced in the mailbox before they were taken.
func (s *Subscriber) Dropped() uint64 { return s.dropped.Load() }

// Delivered counts frames taken from the mailbox.
func (s *Subscriber) Delivered() uint64 { return s.delivered.Load() }

// Close leaves the hub and frees the mailbox; the source stops after the
// grace period when this was the last subscriber. Close is idempotent.
func (s *Subscriber) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.slot = nil
	s.mu.Unlock()
	// Wake a Next blocked on ready so it sees closed.
	select {
	case s.ready <- struct{}{}:
	default:
	}
	s.hub.unsubscribe(s)
}

// Done is closed when the hub closes, so a consumer selecting on Ready can
// also learn that no frame will ever come.
func (s *Subscriber) Done() <-chan struct{} { return s.hub.done }
