package camera

import (
	"bytes"
	"io"
	"sync/atomic"
)

// Markers the stream splitter needs besides those FixMJPEG already names.
const (
	mTEM  = 0x01 // standalone, like RSTn
	mRST0 = 0xD0
	mRST7 = 0xD7
)

// defaultMaxFrame bounds a frame when NewJPEGStream is given no limit: far
// above any MJPEG frame a camera sends (a 4K frame at top quality is a few
// MiB), yet small enough that a stream that never ends a frame cannot eat
// the memory.
const defaultMaxFrame = 16 << 20

const (
	// streamMinRead is the least free space a read gets: pipes hand over
	// up to 64 KiB at a time, and tiny reads would mean a syscall per
	// few bytes.
	streamMinRead = 32 << 10
	// streamMaxEmptyReads is how many (0, nil) reads in a row are taken
	// for a broken reader rather than a slow one, as in bufio.
	streamMaxEmptyReads = 100
)

// streamState is where the marker walk stands at the scan position.
type streamState uint8

const (
	stSearch  streamState = iota // outside a frame, looking for SOI
	stMarker                     // a marker must start here (0xFF, fill, code)
	stSegment                    // inside a marker segment's payload
	stEntropy                    // inside entropy-coded data after SOS
)

// JPEGStream splits concatenated JPEGs read from r into frames, as camera
// commands (ffmpeg -f mjpeg, rpicam-vid --codec mjpeg) write them to a
// pipe with nothing in between. A frame's end is found by walking its
// markers and segment lengths, never by searching for FF D9: APP segments
// carry EXIF thumbnails, whole JPEGs with their own SOI and EOI.
//
// Not safe for concurrent use, except SkippedBytes and DroppedFrames.
type JPEGStream struct {
	r   io.Reader
	max int

	// buf[start:w] is unaccounted input: the pending frame from its SOI,
	// or bytes still being searched. Keeping a frame contiguous from its
	// SOI means it is copied once, into the slice Next returns.
	buf      []byte
	start    int
	p        int // scan position, start <= p <= w
	w        int
	st       streamState
	afterSeg streamState // where stSegment goes when the payload ends
	segLeft  int         // payload bytes of the segment still to pass
	// discard marks an oversized frame whose bytes are let go as they
	// pass: its markers are still walked so that a thumbnail in it is not
	// taken for the next frame.
	discard bool
	rerr    error // read error held back until the data before it is used

	skipped atomic.Uint64
	dropped atomic.Uint64
}

// NewJPEGStream reads from r; frames longer than maxFrame bytes are
// dropped (maxFrame <= 0 means defaultMaxFrame).
func NewJPEGStream(r io.Reader, maxFrame int) *JPEGStream {
	if maxFrame <= 0 {
		maxFrame = defaultMaxFrame
	}
	return &JPEGStream{r: r, max: maxFrame}
}

// SkippedBytes counts the bytes read from r that are in no frame Next
// returned: garbage between frames, and the bytes of broken, oversized or
// cut-off frames. Frames returned plus SkippedBytes is everything read.
// Safe to call from other goroutines.
func (s *JPEGStream) SkippedBytes() uint64 { return s.skipped.Load() }

// DroppedFrames counts the frames started (an SOI was seen) but not
// returned: broken, oversized, or cut off by the end of the input. Safe
// to call from other goroutines.
func (s *JPEGStream) DroppedFrames() uint64 { return s.dropped.Load() }

// Next returns the next complete frame, SOI through EOI, in a new slice the
// caller owns. Garbage before an SOI is skipped. A broken frame (no 0xFF
// where a marker must start, a segment length below 2, 0xFF00 outside
// entropy-coded data, a new SOI before the EOI) or one longer than the
// limit is dropped, and scanning resumes at the next SOI (for a new SOI
// before EOI, at that SOI; an oversized frame is walked to its EOI first).
//
// At the end of the input Next returns io.EOF when no frame was pending
// (garbage is only skipped), io.ErrUnexpectedEOF when a frame was cut off;
// a later call reads on. Other read errors are returned as they are, after
// the frames read before them, and Next may be called again to retry.
func (s *JPEGStream) Next() ([]byte, error) {
	for {
		if frame := s.scan(); frame != nil {
			return frame, nil
		}
		if err := s.fill(); err != nil {
			return nil, err
		}
	}
}

// scan walks buf from p as far as the buffered bytes allow. It returns a
// finished frame, or nil when it needs more input.
func (s *JPEGStream) scan() []byte {
	b := s.buf[:s.w]
	for {
		switch s.st {
		case stSearch:
			i := bytes.IndexByte(b[s.p:], 0xFF)
			if i < 0 {
				s.p = len(b)
				s.release(s.p)
				return nil
			}
			k := s.p + i
			if k+1 >= len(b) {
				s.p = k // keep the 0xFF: its SOI code may come next read
				s.release(k)
				return nil
			}
			if b[k+1] != mSOI {
				s.p = k + 1 // the next byte may be the 0xFF of an SOI
				continue
			}
			s.release(k)
			s.begin(k)

		case stMarker:
			if s.p >= len(b) {
				return nil
			}
			if b[s.p] != 0xFF {
				s.broken(s.p)
				continue
			}
			if s.p+1 >= len(b) {
				return nil
			}
			// p stays on the last 0xFF so that a marker code in the next
			// read still has it, whatever the fill that came before.
			switch c := b[s.p+1]; {
			case c == 0xFF: // fill
				s.p++
			case c == mSOI:
				k := s.p
				s.broken(k)
				s.release(k)
				s.begin(k)
			case c == mEOI:
				if f := s.end(s.p + 2); f != nil {
					return f
				}
			case c == mTEM || c >= mRST0 && c <= mRST7:
				s.p += 2
			case c == 0x00:
				s.broken(s.p)
			default:
				if s.p+4 > len(b) {
					return nil
				}
				n := int(b[s.p+2])<<8 | int(b[s.p+3])
				if n < 2 {
					s.broken(s.p)
					continue
				}
				s.segLeft = n - 2
				s.afterSeg = stMarker
				if c == mSOS {
					s.afterSeg = stEntropy
				}
				s.st = stSegment
				s.p += 4
			}

		case stSegment:
			n := min(s.segLeft, len(b)-s.p)
			s.p += n
			s.segLeft -= n
			if s.segLeft > 0 {
				return nil
			}
			s.st = s.afterSeg

		case stEntropy:
			// 0xFF is the only byte that matters here, so let IndexByte
			// run over the bulk of the frame.
			i := bytes.IndexByte(b[s.p:], 0xFF)
			if i < 0 {
				s.p = len(b)
				return nil
			}
			k := s.p + i
			if k+1 >= len(b) {
				s.p = k
				return nil
			}
			switch c := b[k+1]; {
			case c == 0x00 || c >= mRST0 && c <= mRST7: // stuffed byte, restart
				s.p = k + 2
			case c == 0xFF: // fill: the marker, if any, starts at the next 0xFF
				s.p = k + 1
			default: // EOI, or DHT/SOS/... between the scans of a progressive frame
				s.p = k
				s.st = stMarker
			}
		}
	}
}

// begin starts a frame at the SOI at k, which must be released up to.
func (s *JPEGStream) begin(k int) {
	s.p = k + 2
	s.st = stMarker
	s.discard = false
}

// end finishes the frame whose EOI ends just before e, returning it unless
// it is too long.
func (s *JPEGStream) end(e int) []byte {
	s.p = e
	s.st = stSearch
	if s.discard {
		s.discard = false
		s.release(e)
		return nil
	}
	if e-s.start > s.max {
		s.dropped.Add(1)
		s.release(e)
		return nil
	}
	f := make([]byte, e-s.start)
	copy(f, s.buf[s.start:e])
	s.start = e
	return f
}

// broken drops the pending frame and goes back to searching from at, the
// first byte that did not fit: it may be where the next frame starts.
func (s *JPEGStream) broken(at int) {
	if !s.discard {
		s.dropped.Add(1)
	}
	s.discard = false
	s.release(at)
	s.p = at
	s.st = stSearch
}

// release lets go of the bytes before to, which are in no returned frame.
func (s *JPEGStream) release(to int) {
	s.skipped.Add(uint64(to - s.start))
	s.start = to
}

// fill reads more input after the bytes in buf[start:w], making room first.
// It returns io.EOF and io.ErrUnexpectedEOF as Next does.
func (s *JPEGStream) fill() error {
	if s.rerr != nil {
		err := s.rerr
		s.rerr = nil
		return s.stop(err)
	}
	if s.st != stSearch && !s.discard && s.p-s.start > s.max {
		// Only the walk, not the bytes, is needed from here on.
		s.dropped.Add(1)
		s.discard = true
	}
	if s.discard {
		s.release(s.p)
	}
	if len(s.buf)-s.w < streamMinRead {
		if s.start > 0 {
			n := copy(s.buf, s.buf[s.start:s.w])
			s.p -= s.start
			s.w = n
			s.start = 0
		}
		if len(s.buf)-s.w < streamMinRead {
			nb := make([]byte, max(2*len(s.buf), s.w+streamMinRead))
			copy(nb, s.buf[:s.w])
			s.buf = nb
		}
	}
	for range streamMaxEmptyReads {
		n, err := s.r.Read(s.buf[s.w:])
		s.w += n
		if n > 0 {
			s.rerr = err
			return nil
		}
		if err != nil {
			return s.stop(err)
		}
	}
	return io.ErrNoProgress
}

// stop handles a read error once the bytes before it have been scanned. At
// the end of the input whatever is pending is let go; any other error
// leaves the state as it is for a retry.
func (s *JPEGStream) stop(err error) error {
	if err != io.EOF {
		return err
	}
	cut := s.st != stSearch
	if cut && !s.discard {
		s.dropped.Add(1)
	}
	s.release(s.w)
	s.p, s.w, s.start = 0, 0, 0
	s.st, s.discard = stSearch, false
	if cut {
		return io.ErrUnexpectedEOF
	}
	return io.EOF
}
