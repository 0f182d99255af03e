package ui

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"lancam/camera"
)

// preview feeds the main window's jpegView from the hub, and only while the
// window is on screen: hidden to the tray or minimised, it unsubscribes, so
// nothing is decoded and (with nobody streaming) the camera stops.
type preview struct {
	view *jpegView
	log  *slog.Logger

	mu      sync.Mutex
	hub     *camera.Hub
	visible bool
	changed chan struct{} // closed and replaced on every visibility change
}

func newPreview(hub *camera.Hub, view *jpegView, log *slog.Logger) *preview {
	return &preview{hub: hub, view: view, log: log, changed: make(chan struct{})}
}

// SetHub makes the preview show another camera (a lancam serving several).
func (p *preview) SetHub(hub *camera.Hub) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hub != hub {
		p.hub = hub
		p.wakeLocked()
	}
}

// Hub is the camera shown.
func (p *preview) Hub() *camera.Hub {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hub
}

// SetVisible tells the preview whether the window can be seen.
func (p *preview) SetVisible(v bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.visible != v {
		p.visible = v
		p.wakeLocked()
	}
}

// wakeLocked makes Run re-read the state: the hub or the visibility changed.
func (p *preview) wakeLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *preview) state() (bool, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.visible, p.changed
}

// Run shows frames until ctx ends; its caller owns the goroutine.
func (p *preview) Run(ctx context.Context) {
	for {
		visible, changed := p.state()
		if !visible {
			select {
			case <-ctx.Done():
				return
			case <-changed:
				continue
			}
		}
		p.watch(ctx, changed)
		if ctx.Err() != nil {
			return
		}
	}
}

// watch subscribes until the visibility changes or ctx ends.
func (p *preview) watch(ctx context.Context, changed <-chan struct{}) {
	sub := p.Hub().Subscribe()
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
			return
		case <-sub.Done():
			return
		case <-sub.Ready():
			f := sub.Take()
			if f == nil {
				continue
			}
			if err := p.view.ShowFrame(f.JPEG()); err != nil {
				p.log.Debug("preview: frame skipped", "err", err)
			}
		}
	}
}

// previewStats turns the view's counters into a rate for the log and tests.
type previewStats struct {
	lastN    uint64
	lastD    time.Duration
	lastTime time.Time
}

// sample returns the frames per second shown and the mean decode time in
// milliseconds since the previous sample.
func (s *previewStats) sample(v *jpegView, now time.Time) (fps, decodeMS float64) {
	n, d := v.stats()
	if !s.lastTime.IsZero() && n > s.lastN {
		fps = float64(n-s.lastN) / now.Sub(s.lastTime).Seconds()
		decodeMS = float64((d - s.lastD).Microseconds()) / 1000 / float64(n-s.lastN)
	}
	s.lastN, s.lastD, s.lastTime = n, d, now
	return fps, decodeMS
}
