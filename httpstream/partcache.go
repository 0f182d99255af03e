package httpstream

import (
	"strconv"
	"sync"
	"sync/atomic"

	"lancam/camera"
)

// partRing is how many recent frames keep their built part. Clients that
// lag by a frame or two (they were still writing when the next frame came)
// still find theirs instead of building a private copy.
const partRing = 4

// part is one frame's complete multipart chunk: headers, JPEG and the closing
// boundary, ready for a single Write. Its bytes are never modified after
// build, so any number of clients may write them at once.
type part struct {
	frame *camera.Frame
	bytes []byte
}

// partCache builds each frame's part once for all clients, so the per-client
// cost of a frame is one Write and no copy or allocation.
//
// Parts are not recycled: a client may still be writing a part that left the
// ring, and the garbage collector knows when nobody is. That costs one
// allocation per frame, not per client.
type partCache struct {
	latest atomic.Pointer[part] // fast path: nearly every client wants the newest

	mu   sync.Mutex
	ring [partRing]*part
	next int
}

// get returns the part for f, building it if no client has yet.
func (c *partCache) get(f *camera.Frame) []byte {
	if p := c.latest.Load(); p != nil && p.frame == f {
		return p.bytes
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.ring {
		if p != nil && p.frame == f {
			return p.bytes
		}
	}
	// Built under the lock so that the clients woken by the same frame wait
	// for one build (a memcpy) instead of each making its own.
	p := &part{frame: f, bytes: buildPart(f)}
	c.ring[c.next] = p
	c.next = (c.next + 1) % partRing
	// Usually f is the newest frame. When a lagging client rebuilt an old
	// one, the others merely miss the fast path until the next frame.
	c.latest.Store(p)
	return p.bytes
}

// partHeadMax bounds the part's header text, so buildPart allocates once.
const partHeadMax = len("Content-Type: image/jpeg\r\nContent-Length: \r\nX-Timestamp: \r\n\r\n") + 20 + 32

// buildPart lays out one part. The closing boundary follows the JPEG at
// once because Chromium renders a part only when the next boundary arrives;
// sending it with the next frame would show every frame one interval late.
func buildPart(f *camera.Frame) []byte {
	jpg := f.JPEG()
	b := make([]byte, 0, partHeadMax+len(jpg)+len("\r\n--"+boundary+"\r\n"))
	b = append(b, "Content-Type: image/jpeg\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(jpg)), 10)
	b = append(b, "\r\nX-Timestamp: "...)
	b = appendTimestamp(b, f.Captured())
	b = append(b, "\r\n\r\n"...)
	b = append(b, jpg...)
	b = append(b, "\r\n--"+boundary+"\r\n"...)
	return b
}
