package uvc

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
	"unsafe"

	"lancam/camera"
)

// readTimeout bounds each wait for a buffer, hence how long a cancelled
// capture goroutine can take to notice.
const readTimeout = 100 * time.Millisecond

// dropReason says why a dequeued buffer was not published.
type dropReason int

const (
	keep        dropReason = iota
	dropErrFlag            // the driver flagged the buffer as damaged
	dropShort              // fewer bytes than any real frame has
	dropBadJPEG            // FixMJPEG rejected it
	dropEncoder            // the encode pool was busy
	numDropKinds
)

// Drops counts frames a source threw away, by reason.
type Drops struct {
	ErrorFlag uint64 `json:"error_flag"` // the driver marked the buffer damaged
	Short     uint64 `json:"short"`      // too few bytes for a frame
	BadJPEG   uint64 `json:"bad_jpeg"`   // not a valid JPEG even after repair
	Encoder   uint64 `json:"encoder"`    // raw frames the encoders had no time for
}

// dropCounters is the atomic form of Drops.
type dropCounters [numDropKinds]atomic.Uint64

func (c *dropCounters) snapshot() Drops {
	return Drops{ErrorFlag: c[dropErrFlag].Load(), Short: c[dropShort].Load(),
		BadJPEG: c[dropBadJPEG].Load(), Encoder: c[dropEncoder].Load()}
}

// classify decides whether a buffer is worth publishing before any copy.
// Raw frames must hold a whole picture; JPEG frames at least MinFrameBytes.
func classify(b buffer, n negotiated) dropReason {
	switch {
	case b.errFlag:
		return dropErrFlag
	case isJPEG(n.fourcc) && len(b.data) < camera.MinFrameBytes:
		return dropShort
	case !isJPEG(n.fourcc) && len(b.data) < rawSize(n):
		return dropShort
	}
	return keep
}

// rawSize is the number of bytes a full raw frame takes.
func rawSize(n negotiated) int {
	stride := n.stride
	switch n.fourcc {
	case fmtYUYV:
		stride = max(stride, 2*n.width)
		return stride * n.height
	case fmtNV12, fmtYU12:
		stride = max(stride, n.width)
		return stride * n.height * 3 / 2
	}
	return n.sizeImage
}

// rawFormat maps a fourcc to the encode pool's format.
func rawFormat(f uint32) camera.RawFormat {
	switch f {
	case fmtNV12:
		return camera.RawNV12
	case fmtYU12:
		return camera.RawYU12
	}
	return camera.RawYUYV
}

// aliases reports whether a and b share memory.
func aliases(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(cap(b)) && pb < pa+uintptr(cap(a))
}

// capture is one open..close of the device: a goroutine that dequeues
// buffers, copies each kept one exactly once and either hands a JPEG frame
// to Run (MJPEG) or submits it to the encode pool (raw). It owns the device
// and closes it before closing out, so when out is closed the buffers are
// back with the driver.
type capture struct {
	dev   device
	neg   negotiated
	pool  *camera.EncodePool // nil for MJPEG
	seq   *atomic.Uint64
	drops *dropCounters
	out   chan captureEvent
}

// captureEvent is a published-ready frame or the error that ended the stream.
type captureEvent struct {
	frame *camera.Frame
	err   error
}

func (c *capture) run(ctx context.Context) {
	defer close(c.out)
	defer c.dev.Close()
	for ctx.Err() == nil {
		b, err := c.dev.Read(readTimeout)
		if errors.Is(err, errNoFrame) {
			continue
		}
		if err != nil {
			select {
			case c.out <- captureEvent{err: err}:
			case <-ctx.Done():
			}
			return
		}
		seq := c.seq.Add(1)
		if r := classify(b, c.neg); r != keep {
			c.drops[r].Add(1)
			continue
		}
		if c.pool != nil {
			buf := c.pool.Buffer(len(b.data))
			copy(buf, b.data)
			c.pool.Submit(camera.RawFrame{Data: buf, Width: c.neg.width, Height: c.neg.height,
				Stride: c.neg.stride, Format: rawFormat(c.neg.fourcc), Seq: seq, Captured: b.captured})
			continue
		}
		jpg, err := camera.FixMJPEG(b.data)
		if err != nil {
			c.drops[dropBadJPEG].Add(1)
			continue
		}
		if aliases(jpg, b.data) { // passthrough: still the driver's buffer
			jpg = append([]byte(nil), jpg...)
		}
		f := camera.NewFrame(jpg, c.neg.width, c.neg.height, seq, b.captured)
		select {
		case c.out <- captureEvent{frame: f}:
		case <-ctx.Done():
			return
		}
	}
}
