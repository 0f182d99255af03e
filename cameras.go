package main

import (
	"context"
	"log/slog"
	"sync"

	"lancam/camera/uvc"
)

// cameraList keeps the list of cameras (V4L2 devices, then Raspberry Pi
// Camera Modules as "picam:N" entries) for /status and the window's
// chooser current without enumerating devices on every request: it
// re-reads the list when a video node appears or disappears.
type cameraList struct {
	log *slog.Logger

	mu      sync.Mutex
	list    []uvc.Camera
	changed chan struct{} // one pending tick after each refresh
}

func newCameraList(log *slog.Logger) *cameraList {
	return &cameraList{log: log, changed: make(chan struct{}, 1)}
}

// Changed ticks after the list was re-read (the window's chooser follows).
func (c *cameraList) Changed() <-chan struct{} { return c.changed }

// List is the latest list, typed.
func (c *cameraList) List() []uvc.Camera {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.list
}

// Run refreshes the list now and on every hot-plug event until ctx ends.
func (c *cameraList) Run(ctx context.Context) {
	c.refresh(ctx)
	w := uvc.NewWatcher()
	if err := w.Start(ctx); err != nil {
		c.log.Warn("camera hot-plug watch unavailable; the camera list will not update", "err", err)
		return
	}
	defer w.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events():
			if !ok {
				return
			}
			c.log.Info("camera node changed", "path", ev.Path, "op", ev.Op)
			c.refresh(ctx)
		}
	}
}

func (c *cameraList) refresh(ctx context.Context) {
	list, err := uvc.List()
	if err != nil {
		c.log.Warn("listing cameras", "err", err)
	}
	list = append(list, picamChoices(ctx, c.log)...)
	if list == nil {
		list = []uvc.Camera{}
	}
	c.mu.Lock()
	c.list = list
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default: // a tick is already pending
	}
}

// Cameras returns the latest list; it is what /status reports.
func (c *cameraList) Cameras() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.list == nil {
		return []uvc.Camera{}
	}
	return c.list
}
