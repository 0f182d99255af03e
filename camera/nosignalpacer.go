package camera

import (
	"context"
	"time"
)

// NoSignalPacer is the schedule and the card of a source's NO SIGNAL
// frames: at most one per Every, the first at once when frames stop, each
// the size of the camera's last frames (so viewers need not re-layout),
// the card redrawn only when that size changes. Sources own one per run;
// it is not safe for concurrent use.
type NoSignalPacer struct {
	Every   time.Duration // between cards
	Device  string        // named on the card
	Quality int           // JPEG quality of the card

	ns     *NoSignal
	w, h   int
	next   time.Time
	failed bool
}

// Due reports whether a card is due at now and, if so, moves the schedule
// on by Every.
func (p *NoSignalPacer) Due(now time.Time) bool {
	if now.Before(p.next) {
		return false
	}
	p.next = now.Add(p.Every)
	return true
}

// Reset makes the next card due at once: frames flowed, and the next
// outage should show at once.
func (p *NoSignalPacer) Reset() { p.next = time.Time{} }

// Frame draws the card for a w×h camera at now. When the card cannot be
// drawn (a size NoSignal refuses), the error comes back the first time and
// nil, nil after that, so a source logs it once and carries on without.
func (p *NoSignalPacer) Frame(now time.Time, w, h int, seq uint64) (*Frame, error) {
	if p.ns == nil || p.w != w || p.h != h {
		p.Close()
		ns, err := NewNoSignal(w, h, p.Device, p.Quality)
		if err != nil {
			if p.failed {
				return nil, nil
			}
			p.failed = true
			return nil, err
		}
		p.ns, p.w, p.h = ns, w, h
	}
	return p.ns.Frame(now, seq)
}

// Close frees the card's encoder. It is idempotent.
func (p *NoSignalPacer) Close() {
	if p.ns != nil {
		p.ns.Close()
		p.ns = nil
	}
}

// Wait waits d, or until ctx ends, calling card at now whenever a card is
// due (card is the source's own, which asks Due and publishes). Frames on
// discard (a late encoder's output from a stream that already ended; nil
// for none) are thrown away meanwhile.
func (p *NoSignalPacer) Wait(ctx context.Context, d time.Duration, card func(now time.Time), discard <-chan *Frame) {
	done := time.NewTimer(d)
	defer done.Stop()
	for {
		card(time.Now())
		next := time.NewTimer(max(time.Until(p.next), time.Millisecond))
		select {
		case <-ctx.Done():
		case <-done.C:
		case <-discard:
			next.Stop()
			continue
		case <-next.C:
			continue
		}
		next.Stop()
		return
	}
}
