// Package uvc is lancam's V4L2 camera source (USB/UVC webcams, and any
// single-planar V4L2 capture node such as vivid or v4l2loopback).
//
// MJPEG from the camera is passed through (repaired by camera.FixMJPEG);
// YUYV, NV12 and YU12 are encoded by a camera.EncodePool. Unplugs, stream
// errors and stalls never end Run: NO SIGNAL frames are published while the
// device is reopened with back-off.
//
// go4vl v0.5.0 needs V4L2 headers newer than Debian 12's: build with
// CGO_CFLAGS=-I<repo>/camera/uvc/shim (see shim/linux/videodev2.h).
package uvc

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"lancam/camera"
)

// Config configures a Source. Zero values take the defaults noted.
type Config struct {
	Device        string  // capture node, e.g. /dev/video0 (required)
	Width, Height int     // wished size (default 640x480); the closest offered wins
	FPS           float64 // wished rate (default 30); the closest offered wins
	Quality       int     // JPEG quality 1..100 for raw formats and NO SIGNAL (default 80)
	Workers       int     // encoder goroutines for raw formats (default 2)
	Logger        *slog.Logger
	// StallTimeout is how long a streaming device may deliver nothing
	// before NO SIGNAL frames are shown (default 2 s).
	StallTimeout time.Duration
	// Saved keeps the control values set through SetControl and puts them
	// back whenever the camera is opened (default: in memory only).
	Saved *ControlStore
}

// Source captures from one V4L2 node. It implements camera.Source and
// camera.SignalReporter.
type Source struct {
	cfg       Config
	log       *slog.Logger
	open      openFunc
	findBus   func(busInfo string) string // path of the node with that bus info, "" if none
	backoffLo time.Duration
	backoffHi time.Duration
	noSignalT time.Duration // interval of NO SIGNAL frames

	mu   sync.Mutex
	neg  negotiated
	path string // node in use: cfg.Device, or where its bus info moved to

	signal atomic.Bool
	drops  dropCounters
	ctl    controlState
}

// New checks cfg and fills in defaults. It does not touch the device: a
// camera that is unplugged at start-up shows NO SIGNAL until it appears.
func New(cfg Config) (*Source, error) {
	if cfg.Device == "" {
		return nil, errors.New("v4l2: no device path")
	}
	if cfg.Width == 0 && cfg.Height == 0 {
		cfg.Width, cfg.Height = 640, 480
	}
	if cfg.Width < 16 || cfg.Height < 16 || cfg.Width > 7680 || cfg.Height > 4320 {
		return nil, fmt.Errorf("v4l2: size %dx%d out of range 16x16..7680x4320", cfg.Width, cfg.Height)
	}
	if cfg.FPS == 0 {
		cfg.FPS = 30
	}
	if cfg.FPS < 0 || cfg.FPS > 240 {
		return nil, fmt.Errorf("v4l2: fps %g out of range 0..240", cfg.FPS)
	}
	if cfg.Quality == 0 {
		cfg.Quality = 80
	}
	if cfg.Quality < 1 || cfg.Quality > 100 {
		return nil, fmt.Errorf("v4l2: quality %d out of range 1..100", cfg.Quality)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = 2 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Source{cfg: cfg, log: log.With("device", cfg.Device), open: openV4L, path: cfg.Device,
		findBus:   func(b string) string { return findByBusInfo(devDir, b, probeBusInfo) },
		backoffLo: 200 * time.Millisecond, backoffHi: 2 * time.Second, noSignalT: time.Second,
		ctl: newControlState(cfg.Saved)}, nil
}

// Info describes the source for /status: the negotiated format and size
// once the device has been opened, the wished size before.
func (s *Source) Info() camera.SourceInfo {
	s.mu.Lock()
	n, path := s.neg, s.path
	s.mu.Unlock()
	w, h := s.cfg.Width, s.cfg.Height
	if n.width > 0 {
		w, h = n.width, n.height
	}
	d := s.Drops()
	return camera.SourceInfo{Kind: "v4l2", Device: path, Format: formatLabel(n.fourcc),
		Width: w, Height: h, FPS: s.cfg.FPS, DeviceFPS: n.fps,
		Dropped: d.ErrorFlag + d.Short + d.BadJPEG + d.Encoder}
}

// Negotiated returns what the driver last agreed to: fourcc ("MJPG",
// "YUYV", ...), size and frame rate. All are zero before the first open.
func (s *Source) Negotiated() (fourcc string, w, h int, fps float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.neg.fourcc == 0 {
		return "", 0, 0, 0
	}
	return fourccString(s.neg.fourcc), s.neg.width, s.neg.height, s.neg.fps
}

// Signal reports whether real camera frames are flowing (false while NO
// SIGNAL frames are shown). Safe from any goroutine.
func (s *Source) Signal() bool { return s.signal.Load() }

// Drops returns how many frames were thrown away, by reason.
func (s *Source) Drops() Drops { return s.drops.snapshot() }

func (s *Source) setNegotiated(path string, n negotiated) {
	s.mu.Lock()
	s.path, s.neg = path, n
	s.mu.Unlock()
}
