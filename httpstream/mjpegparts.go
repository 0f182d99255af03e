package httpstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Defaults of PartReaderConfig.
const (
	// DefaultMaxFrameBytes fits a 4K JPEG of high quality with room to
	// spare, yet bounds what a hostile stream can make us allocate.
	DefaultMaxFrameBytes = 8 << 20
	// DefaultMaxHeaderBytes is far more than any camera's part headers
	// (about 100 bytes), so only garbage reaches it.
	DefaultMaxHeaderBytes = 16 << 10
)

// partReadBuf is the PartReader's bufio size. Bodies with a Content-Length
// bypass it once it is drained, so it only needs to hold header lines.
const partReadBuf = 8 << 10

// ErrFrameTooLarge is returned (wrapped) by PartReader.Next when a part
// announces, or turns out to have, more bytes than MaxFrameBytes.
var ErrFrameTooLarge = errors.New("httpstream: MJPEG frame too large")

// ErrHeaderTooLarge is returned (wrapped) by PartReader.Next when a part's
// header block does not end within MaxHeaderBytes.
var ErrHeaderTooLarge = errors.New("httpstream: MJPEG part headers too large")

// ErrNoBoundary is returned (wrapped) by PartReader.Next when no boundary
// line turns up within MaxFrameBytes+MaxHeaderBytes of garbage.
var ErrNoBoundary = errors.New("httpstream: no multipart boundary found")

// PartReaderConfig limits what a PartReader accepts; zero fields take the
// defaults.
type PartReaderConfig struct {
	MaxFrameBytes  int // largest JPEG returned; 0 means DefaultMaxFrameBytes
	MaxHeaderBytes int // largest header block of one part; 0 means DefaultMaxHeaderBytes
}

// PartReader splits a multipart/x-mixed-replace body into JPEG frames. It
// is liberal in what it accepts, because cameras are: CRLF or LF line ends,
// boundary lines with or without the leading "--", blank lines and garbage
// between parts, a first part without a boundary before it, header names in
// any case, parts with or without Content-Length. Its memory is bounded by
// the configured limits whatever the input.
type PartReader struct {
	br        *bufio.Reader
	delim     []byte // the boundary without leading dashes; nil until sniffed
	maxFrame  int
	maxHeader int
	buf       []byte // reused frame buffer

	started bool // a part has begun: headers can no longer open the stream
	inPart  bool // the previous body scan consumed the next delimiter line
	ended   bool // a closing boundary was seen
	length  int  // this part's usable Content-Length, or -1
	huge    bool // this part's Content-Length exceeds maxFrame
	skipped uint64
	err     error // sticky
}

// NewPartReader reads frames from r. boundary is the Content-Type boundary
// parameter; surrounding quotes and leading dashes are ignored, since
// cameras add both. An empty boundary is taken from the first line of the
// body that starts with "--".
func NewPartReader(r io.Reader, boundary string, cfg PartReaderConfig) *PartReader {
	p := &PartReader{
		br:        bufio.NewReaderSize(r, partReadBuf),
		maxFrame:  cfg.MaxFrameBytes,
		maxHeader: cfg.MaxHeaderBytes,
	}
	if p.maxFrame <= 0 {
		p.maxFrame = DefaultMaxFrameBytes
	}
	if p.maxHeader <= 0 {
		p.maxHeader = DefaultMaxHeaderBytes
	}
	if b := normBoundary(boundary); b != "" {
		p.delim = []byte(b)
	}
	return p
}

// normBoundary strips what cameras wrap around a boundary parameter.
func normBoundary(b string) string {
	b = strings.TrimSpace(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	return strings.TrimLeft(strings.TrimSpace(b), "-")
}

// Next returns the next JPEG frame. The slice is only valid until the next
// call to Next: its buffer is reused. Parts that are not JPEGs are skipped
// (see Skipped). Next returns io.EOF when the stream ends between parts or
// at a closing boundary, io.ErrUnexpectedEOF when it ends inside a part,
// and errors wrapping ErrFrameTooLarge, ErrHeaderTooLarge or ErrNoBoundary
// for streams it will not follow. Errors are sticky.
func (p *PartReader) Next() ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	for {
		frame, err := p.next()
		if err != nil {
			p.err = err
			return nil, err
		}
		if isJPEG(frame) {
			return frame, nil
		}
		p.skipped++
	}
}

// Skipped is how many whole parts were dropped because they were not JPEGs.
func (p *PartReader) Skipped() uint64 { return p.skipped }

func isJPEG(b []byte) bool { return len(b) >= 2 && b[0] == 0xFF && b[1] == 0xD8 }

// next reads one part, JPEG or not.
func (p *PartReader) next() ([]byte, error) {
	if p.ended {
		return nil, io.EOF
	}
	p.length, p.huge = -1, false
	sawHeader := false
	if !p.inPart {
		var err error
		if sawHeader, err = p.skipToDelimiter(); err != nil {
			return nil, err
		}
	}
	p.inPart = false
	if err := p.readHeaders(sawHeader); err != nil {
		return nil, err
	}
	if p.huge {
		return nil, fmt.Errorf("%w: Content-Length over the limit of %d bytes", ErrFrameTooLarge, p.maxFrame)
	}
	if p.length > 0 {
		return p.readBody(p.length)
	}
	return p.scanBody()
}

// lineKind is what a trimmed line means to the framing.
type lineKind int

const (
	otherLine lineKind = iota
	delimLine
	closeLine
)

// classify tells boundary lines apart. Leading dashes are ignored because
// some cameras omit them and others put them into the parameter too.
func (p *PartReader) classify(t []byte) lineKind {
	if len(t) == 0 || p.delim == nil {
		return otherLine
	}
	d := bytes.TrimLeft(t, "-")
	if !bytes.HasPrefix(d, p.delim) {
		return otherLine
	}
	switch rest := d[len(p.delim):]; {
	case len(rest) == 0:
		return delimLine
	case len(rest) == 2 && rest[0] == '-' && rest[1] == '-':
		return closeLine
	}
	return otherLine
}

// skipToDelimiter reads up to and including the next boundary line. For the
// very first part it also accepts a header line instead, for servers that
// send no boundary before the first part; it then reports sawHeader.
func (p *PartReader) skipToDelimiter() (sawHeader bool, err error) {
	limit := p.maxFrame + p.maxHeader
	n := 0
	lineStart := true
	for {
		line, err := p.br.ReadSlice('\n')
		n += len(line)
		if lineStart && (err == nil || err == io.EOF) {
			t := bytes.TrimSpace(line)
			if p.delim == nil {
				p.sniff(t)
			}
			switch p.classify(t) {
			case delimLine:
				p.started = true
				return false, nil
			case closeLine:
				p.ended = true
				return false, io.EOF
			}
			if !p.started && p.delim != nil && looksLikeHeader(t) {
				p.started = true
				p.parseHeader(t)
				return true, nil
			}
		}
		if n > limit {
			return false, fmt.Errorf("%w within %d bytes", ErrNoBoundary, limit)
		}
		switch err {
		case nil:
			lineStart = true
		case bufio.ErrBufferFull:
			lineStart = false // the rest of a long line is no line start
		default:
			return false, err // io.EOF between parts is a clean end
		}
	}
}

// sniff takes the boundary from a line starting with "--", for servers
// whose Content-Type has none.
func (p *PartReader) sniff(t []byte) {
	if !bytes.HasPrefix(t, []byte("--")) {
		return
	}
	if d := bytes.TrimLeft(t, "-"); len(d) > 0 {
		p.delim = bytes.Clone(d)
	}
}

// looksLikeHeader recognises the headers a first part may start with when
// the server forgot the opening boundary.
func looksLikeHeader(t []byte) bool {
	colon := bytes.IndexByte(t, ':')
	if colon < 0 {
		return false
	}
	key := bytes.TrimSpace(t[:colon])
	return bytes.EqualFold(key, []byte("content-type")) || bytes.EqualFold(key, []byte("content-length"))
}

// readHeaders reads the rest of a part's header block, up to its blank line.
func (p *PartReader) readHeaders(sawHeader bool) error {
	n := 0
	lineStart := true
	for {
		line, err := p.br.ReadSlice('\n')
		n += len(line)
		if n > p.maxHeader {
			return fmt.Errorf("%w: no blank line within %d bytes", ErrHeaderTooLarge, p.maxHeader)
		}
		whole := lineStart
		switch err {
		case nil:
			lineStart = true
		case bufio.ErrBufferFull:
			lineStart = false
			sawHeader = true // an overlong line is a (useless) header
			continue
		case io.EOF:
			t := bytes.TrimSpace(line)
			if !sawHeader && (len(t) == 0 || p.classify(t) != otherLine) || whole && p.classify(t) == closeLine {
				return io.EOF // the server stopped between parts
			}
			return io.ErrUnexpectedEOF
		default:
			return err
		}
		if !whole {
			continue // the tail of an overlong line
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			if sawHeader {
				return nil
			}
			// A blank line before any header is either padding between
			// parts or the end of an empty header block; only the body
			// can tell which.
			if b, _ := p.br.Peek(2); isJPEG(b) {
				return nil
			}
			continue
		}
		switch p.classify(t) {
		case delimLine: // the part was empty: start over
			p.length, p.huge, sawHeader = -1, false, false
			continue
		case closeLine:
			p.ended = true
			return io.EOF
		}
		sawHeader = true
		p.parseHeader(t)
	}
}

// parseHeader notes the one header the framing needs.
func (p *PartReader) parseHeader(t []byte) {
	colon := bytes.IndexByte(t, ':')
	if colon < 0 || !bytes.EqualFold(bytes.TrimSpace(t[:colon]), []byte("content-length")) {
		return
	}
	n, ok := parseLength(bytes.TrimSpace(t[colon+1:]), p.maxFrame)
	switch {
	case !ok || n == 0:
		p.length = -1 // unusable: find the end by the boundary instead
	case n > p.maxFrame:
		p.huge = true
	default:
		p.length = n
	}
}

// parseLength parses decimal digits; values above limit come back as
// limit+1 so that no input can overflow.
func parseLength(v []byte, limit int) (int, bool) {
	if len(v) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= limit && n < math.MaxInt/10-1 {
			n = n*10 + int(c-'0')
		}
	}
	if n > limit {
		n = limit + 1
	}
	return n, true
}

// readBody reads a body of known length, which may contain the boundary.
func (p *PartReader) readBody(n int) ([]byte, error) {
	body := p.grow(nil, n, true)[:n]
	if _, err := io.ReadFull(p.br, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// scanBody collects a body up to the next boundary line, which it consumes.
func (p *PartReader) scanBody() ([]byte, error) {
	limit := p.maxFrame + 2 // the line break before the boundary is not the frame's
	body := p.buf[:0]
	lineStart := true
	for {
		line, err := p.br.ReadSlice('\n')
		if lineStart && (err == nil || err == io.EOF) {
			switch p.classify(bytes.TrimSpace(line)) {
			case delimLine:
				p.inPart = true
				return p.trimFrame(body)
			case closeLine:
				p.ended = true
				return p.trimFrame(body)
			}
		}
		if len(body)+len(line) > limit {
			return nil, fmt.Errorf("%w: no boundary within %d bytes", ErrFrameTooLarge, p.maxFrame)
		}
		body = append(p.grow(body, len(body)+len(line), false), line...)
		switch err {
		case nil:
			lineStart = true
		case bufio.ErrBufferFull:
			lineStart = false
		case io.EOF:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// trimFrame drops the line break that belongs to the boundary and any
// blank lines a camera put before it. A JPEG ends with its EOI marker
// (FF D9), so whitespace at the end is never picture data.
func (p *PartReader) trimFrame(body []byte) ([]byte, error) {
	body = bytes.TrimRight(body, " \t\r\n")
	if len(body) > p.maxFrame {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrFrameTooLarge, p.maxFrame)
	}
	return body, nil
}

// scanDoublingMax is the largest buffer scanBody reaches by doubling; a
// longer body gets a buffer of the full limit at once. Doubling all the way
// would allocate about twice the limit for one hostile part; this way one
// part costs at most the limit plus twice this constant.
const scanDoublingMax = 256 << 10

// grow returns body (or the reused buffer when body is nil) with room for n
// bytes, keeping what body holds; the new buffer is kept for reuse. exact
// says n is the whole body (a Content-Length); otherwise capacity doubles,
// up to scanDoublingMax, then jumps to the limit. It never exceeds
// maxFrame+2.
func (p *PartReader) grow(body []byte, n int, exact bool) []byte {
	if body == nil {
		body = p.buf[:0]
	}
	if n <= cap(body) {
		return body
	}
	// A quarter spare for Content-Length bodies: frame sizes wander, and
	// each new largest frame would otherwise cost an allocation.
	c := n + n/4
	if !exact {
		c = max(n, 2*cap(body), 4<<10)
		if c > scanDoublingMax {
			c = p.maxFrame + 2
		}
	}
	c = min(c, p.maxFrame+2)
	nb := make([]byte, len(body), c)
	copy(nb, body)
	p.buf = nb
	return nb
}
