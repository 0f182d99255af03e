package uvc

import (
	"errors"
	"time"
)

// device is what the capture loop needs from an open, streaming camera.
// The V4L2 implementation is v4lDevice; tests use a fake.
type device interface {
	// Negotiated is what the driver agreed to.
	Negotiated() negotiated
	// Read waits up to timeout for the next filled buffer. It returns
	// errNoFrame when none came in time. Any other error ends the stream.
	// The returned data is the driver's buffer: it is valid only until the
	// next Read or Close, so the caller copies what it keeps.
	Read(timeout time.Duration) (buffer, error)
	// Close stops streaming, releases the buffers and closes the node.
	Close() error
}

// openFunc opens path and negotiates the wish; the device streams on return.
type openFunc func(path string, w wish) (device, error)

// wish is what the configuration asks the camera for.
type wish struct {
	width, height int
	fps           float64
}

// negotiated is the format the driver settled on.
type negotiated struct {
	fourcc        uint32
	width, height int
	stride        int // bytes per line of the first plane (raw formats)
	sizeImage     int // bytes of a full raw frame, 0 if unknown
	fps           float64
	busInfo       string
	card          string
}

// buffer is one dequeued frame.
type buffer struct {
	data     []byte // bytesused bytes of the driver's buffer
	errFlag  bool   // V4L2_BUF_FLAG_ERROR: the driver knows it is damaged
	captured time.Time
}

// errNoFrame means Read timed out without a frame; streaming continues.
var errNoFrame = errors.New("uvc: no frame yet")
