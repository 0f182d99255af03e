// Package camera produces JPEG frames from cameras and synthetic sources and
// fans them out to any number of consumers through a Hub.
package camera

import "time"

// Frame is one encoded picture. It is immutable once published: the hub hands
// the same *Frame to every subscriber, so nobody may write to its bytes.
type Frame struct {
	jpeg     []byte
	width    int
	height   int
	seq      uint64
	captured time.Time
}

// NewFrame wraps JPEG bytes the caller gives up: after this call the caller
// must not modify jpeg, since subscribers read it concurrently.
func NewFrame(jpeg []byte, width, height int, seq uint64, captured time.Time) *Frame {
	return &Frame{jpeg: jpeg, width: width, height: height, seq: seq, captured: captured}
}

// JPEG returns the encoded bytes. They are shared: read, never write.
func (f *Frame) JPEG() []byte { return f.jpeg }

// Width is the picture width in pixels.
func (f *Frame) Width() int { return f.width }

// Height is the picture height in pixels.
func (f *Frame) Height() int { return f.height }

// Seq is the source's running frame number; a gap means the source dropped.
func (f *Frame) Seq() uint64 { return f.seq }

// Captured is when the picture was taken (or generated), used for latency
// headers such as X-Timestamp.
func (f *Frame) Captured() time.Time { return f.captured }
