// Package mjpegload is a load-test client for MJPEG-over-HTTP servers: it
// parses multipart/x-mixed-replace streams, runs many concurrent stream
// clients, checks every part is a whole JPEG and measures frame rate and
// capture-to-arrival delay (Run). View runs a single viewer, and a Pool
// keeps viewers connected while churning them, for leak soaks.
package mjpegload

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultMaxPart is the largest part body a PartReader accepts unless
// SetMaxPart says otherwise.
const DefaultMaxPart = 16 << 20

// readBufSize is the bufio buffer of a PartReader, which also bounds a header
// line. Headers come through it; a body is copied out of it only as far as it
// was buffered along with its headers, the rest is read straight from the
// source into the part buffer. So the buffer is kept small: every buffered
// body byte costs a copy (measured: with 64 KiB, a quarter of the client's
// CPU went to memmove at 400 clients of 120 KB frames).
const readBufSize = 16 << 10

// maxHeaderLines bounds a part's header block, so a stream of garbage without
// a blank line fails instead of being read forever.
const maxHeaderLines = 100

// ErrPartTooLarge is returned (wrapped) by Next when a part's body is larger
// than the reader's limit.
var ErrPartTooLarge = errors.New("mjpegload: part too large")

// ErrMalformed is returned (wrapped) by Next when a part's headers cannot be
// parsed.
var ErrMalformed = errors.New("mjpegload: malformed part")

// Part is one part of a multipart stream. Body is only valid until the next
// call to Next: the reader reuses its buffer.
type Part struct {
	ContentType string    // Content-Type header, "" if absent
	Length      int       // Content-Length as sent, or -1 when absent (the body was found by scanning for the boundary)
	Timestamp   time.Time // X-Timestamp (capture time), zero if absent or unparsable
	Body        []byte    // the part's bytes, without the line break before the next boundary
}

// PartReader reads the parts of a multipart/x-mixed-replace stream. It is
// liberal in what it accepts: CRLF or LF line ends, spaces around boundary and
// header lines, headers in any order and any case, garbage between parts, and
// parts without Content-Length (their end is then found by scanning for the
// boundary). It allocates nothing per part in steady state.
type PartReader struct {
	src   io.Reader
	br    *bufio.Reader
	delim []byte // the boundary without leading dashes
	max   int
	buf   []byte // reused body buffer
	ct    string // last Content-Type seen, reused to avoid an allocation per part
	// inHeaders is set when the delimiter of the next part was already read
	// (the boundary scan of the previous body ends on it).
	inHeaders bool
	err       error // sticky: once Next fails, it keeps failing
}

// NewPartReader returns a reader of the parts of r. boundary is the
// Content-Type boundary parameter, with or without leading "--".
func NewPartReader(r io.Reader, boundary string) *PartReader {
	p := &PartReader{src: r, br: bufio.NewReaderSize(r, readBufSize), max: DefaultMaxPart}
	b := trimSpace([]byte(boundary))
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	for len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	p.delim = b
	if len(b) == 0 {
		p.err = fmt.Errorf("%w: empty boundary %q", ErrMalformed, boundary)
	}
	return p
}

// SetMaxPart sets the largest body Next accepts; n <= 0 restores
// DefaultMaxPart.
func (p *PartReader) SetMaxPart(n int) {
	if n <= 0 {
		n = DefaultMaxPart
	}
	p.max = n
}

// Next returns the next part. It returns io.EOF when the stream ends cleanly
// (between parts or at a closing boundary), io.ErrUnexpectedEOF when it ends
// inside a part, and an error wrapping ErrPartTooLarge or ErrMalformed for bad
// parts. Errors are sticky.
func (p *PartReader) Next() (Part, error) {
	if p.err != nil {
		return Part{}, p.err
	}
	part, err := p.next()
	if err != nil {
		p.err = err
		return Part{}, err
	}
	return part, nil
}

func (p *PartReader) next() (Part, error) {
	if !p.inHeaders {
		if err := p.skipToDelimiter(); err != nil {
			return Part{}, err
		}
	}
	p.inHeaders = false
	part, err := p.readHeaders()
	if err != nil {
		return Part{}, err
	}
	if part.Length < 0 {
		part.Body, err = p.scanBody()
		return part, err
	}
	if part.Length > p.max {
		return Part{}, fmt.Errorf("%w: Content-Length %d exceeds limit %d", ErrPartTooLarge, part.Length, p.max)
	}
	if cap(p.buf) < part.Length {
		p.buf = make([]byte, part.Length)
	}
	part.Body = p.buf[:part.Length]
	return part, p.readBody(part.Body)
}

// readBody fills b: first from what is buffered, then straight from the
// source, saving a copy through the bufio buffer.
func (p *PartReader) readBody(b []byte) error {
	n := 0
	if k := p.br.Buffered(); k > 0 {
		n, _ = p.br.Read(b[:min(k, len(b))])
	}
	if n == len(b) {
		return nil
	}
	if _, err := io.ReadFull(p.src, b[n:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// skipToDelimiter reads lines until a boundary line. A closing boundary or the
// end of the stream give io.EOF.
func (p *PartReader) skipToDelimiter() error {
	start := true
	for {
		line, err := p.br.ReadSlice('\n')
		if start && (err == nil || err == io.EOF) {
			if ok, closing := p.isDelim(line); ok {
				if closing {
					return io.EOF
				}
				return nil
			}
		}
		switch err {
		case nil:
			start = true
		case bufio.ErrBufferFull:
			start = false // a long line of garbage: its rest is no line start
		default:
			return err
		}
	}
}

// scanBody collects a body up to the next boundary line, which it consumes.
func (p *PartReader) scanBody() ([]byte, error) {
	body := p.buf[:0]
	start := true
	for {
		line, err := p.br.ReadSlice('\n')
		if start && (err == nil || err == io.EOF) {
			if ok, closing := p.isDelim(line); ok {
				p.buf = body[:0]
				p.inHeaders = !closing
				if closing {
					p.err = io.EOF // the part is whole; the stream is over
				}
				return trimEOL(body), nil
			}
		}
		if len(body)+len(line) > p.max+2 { // +2: the CRLF before the boundary
			return nil, fmt.Errorf("%w: no boundary within %d bytes", ErrPartTooLarge, p.max)
		}
		body = append(body, line...)
		switch err {
		case nil:
			start = true
		case bufio.ErrBufferFull:
			start = false
		case io.EOF:
			p.buf = body[:0]
			return nil, io.ErrUnexpectedEOF
		default:
			p.buf = body[:0]
			return nil, err
		}
	}
}

// readHeaders reads header lines up to the blank line. Unknown headers and
// lines without a colon are ignored.
func (p *PartReader) readHeaders() (Part, error) {
	part := Part{Length: -1}
	for i := 0; ; i++ {
		if i == maxHeaderLines {
			return Part{}, fmt.Errorf("%w: more than %d header lines", ErrMalformed, maxHeaderLines)
		}
		line, err := p.br.ReadSlice('\n')
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			return Part{}, fmt.Errorf("%w: header line longer than %d bytes", ErrMalformed, readBufSize)
		case io.EOF:
			if i == 0 && len(trimSpace(line)) == 0 {
				// The stream ended right after a boundary: servers write
				// the next boundary as soon as a frame is out, so this is
				// a clean end between parts.
				return Part{}, io.EOF
			}
			return Part{}, io.ErrUnexpectedEOF
		default:
			return Part{}, err
		}
		l := trimSpace(line)
		if len(l) == 0 {
			return part, nil
		}
		colon := indexByte(l, ':')
		if colon < 0 {
			continue
		}
		key, val := trimSpace(l[:colon]), trimSpace(l[colon+1:])
		switch {
		case equalFold(key, "content-length"):
			if n, ok := atoi(val); ok {
				part.Length = n
			}
		case equalFold(key, "content-type"):
			if string(val) != p.ct { // no allocation when unchanged
				p.ct = string(val)
			}
			part.ContentType = p.ct
		case equalFold(key, "x-timestamp"):
			part.Timestamp = parseTimestamp(val)
		}
	}
}

// isDelim reports whether line is a boundary line, and whether it is the
// closing one ("--boundary--"). Any number of leading dashes (at least two)
// is accepted, so a boundary parameter given with or without "--" matches.
func (p *PartReader) isDelim(line []byte) (ok, closing bool) {
	l := trimSpace(line)
	if len(l) < 2+len(p.delim) || l[0] != '-' || l[1] != '-' {
		return false, false
	}
	for len(l) > 0 && l[0] == '-' {
		l = l[1:]
	}
	if len(l) < len(p.delim) || string(l[:len(p.delim)]) != string(p.delim) {
		return false, false
	}
	switch rest := l[len(p.delim):]; string(rest) {
	case "":
		return true, false
	case "--":
		return true, true
	}
	return false, false
}
