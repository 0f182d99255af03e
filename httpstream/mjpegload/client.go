package mjpegload

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"
)

// connBufSize is the socket's read buffer, for the response and chunk
// headers; bufio hands reads at least this big straight to the socket, so the
// smaller, the fewer body bytes are copied through it.
const connBufSize = 4 << 10

// window is the measurement window [start, end).
type window struct{ start, end time.Time }

func (w window) contains(t time.Time) bool { return !t.Before(w.start) && t.Before(w.end) }

// clientStats is what one stream client saw.
type clientStats struct {
	connected bool // got a 200 answer
	dropped   bool // the stream ended before the run did
	// hungUp is set when the client left on its own (ctx ended or
	// maxFrames arrived): a View or Pool viewer that leaves before the
	// answer has not failed, whereas a Run client without an answer by the
	// end of the run still counts as refused.
	hungUp bool
	bad    int64
	frames int64 // whole JPEGs that arrived in the window
	bytes  int64
	noTS   int64 // window frames without X-Timestamp
	hist   *histogram
	err    error // first thing that went wrong, for the report
}

// clientOpts say what runClient counts and when it leaves by itself, so
// that Run's measuring clients and View's (and a Pool's) viewers share one
// read loop.
type clientOpts struct {
	maxFrame int
	window   *window // frames outside it are checked but not counted; nil counts every frame
	// delays records capture-to-arrival delays. Only Run reports them;
	// churning viewers skip the 25 KB histogram each.
	delays    bool
	maxFrames int64          // hang up after this many counted frames; 0 reads until ctx ends
	onConnect func()         // after a 200 answer, for a Pool's live counts
	onFrame   func(size int) // after each counted frame, for a Pool's live counts
}

// runClient reads one stream until ctx ends (or o.maxFrames arrived). It
// dials and writes the request by hand and parses the answer with
// http.ReadResponse, which decodes chunked bodies without the Transport's
// goroutines; JPEG bodies are read straight from the socket into the part
// buffer.
func runClient(ctx context.Context, t target, o clientOpts) (st clientStats) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", t.hostPort)
	if err != nil {
		st.err, st.hungUp = err, ctx.Err() != nil
		return st
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	req := "GET " + t.requestURI + " HTTP/1.1\r\nHost: " + t.host +
		"\r\nUser-Agent: mjpegload\r\nAccept: multipart/x-mixed-replace, */*\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		st.err, st.hungUp = err, ctx.Err() != nil
		return st
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, connBufSize), nil)
	if err != nil {
		if ctx.Err() != nil {
			err, st.hungUp = errors.New("no answer before the run ended"), true
		}
		st.err = err
		return st
	}
	// resp.Body is never closed: Close would drain the endless stream. The
	// deferred conn.Close ends it.
	if resp.StatusCode != http.StatusOK {
		st.err = fmt.Errorf("HTTP %s", resp.Status)
		return st
	}
	st.connected = true
	if o.onConnect != nil {
		o.onConnect()
	}
	boundary, err := boundaryOf(resp.Header.Get("Content-Type"))
	if err != nil {
		st.bad, st.err = 1, err
		return st
	}
	pr := NewPartReader(resp.Body, boundary)
	pr.SetMaxPart(o.maxFrame)
	if o.delays {
		st.hist = new(histogram)
	}
	for {
		part, err := pr.Next()
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				st.hungUp = true
				return st // the run is over: we hung up
			}
			st.dropped = true
			if errors.Is(err, ErrPartTooLarge) || errors.Is(err, ErrMalformed) || errors.Is(err, io.ErrUnexpectedEOF) {
				st.bad++
			}
			if st.err == nil {
				st.err = fmt.Errorf("stream ended: %w", err)
			}
			return st
		}
		if !wholeJPEG(part.Body) {
			st.bad++
			if st.err == nil {
				st.err = fmt.Errorf("part of %d bytes is not a whole JPEG (FFD8...FFD9)", len(part.Body))
			}
			continue
		}
		if o.window != nil && !o.window.contains(now) {
			continue
		}
		st.frames++
		st.bytes += int64(len(part.Body))
		if o.onFrame != nil {
			o.onFrame(len(part.Body))
		}
		if st.hist != nil {
			if part.Timestamp.IsZero() {
				st.noTS++
			} else {
				st.hist.record(now.Sub(part.Timestamp))
			}
		}
		if o.maxFrames > 0 && st.frames >= o.maxFrames {
			st.hungUp = true
			return st // the deferred Close hangs up
		}
	}
}

// wholeJPEG reports whether b starts with SOI (FFD8) and ends with EOI
// (FFD9). It decodes nothing.
func wholeJPEG(b []byte) bool {
	n := len(b)
	return n >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[n-2] == 0xFF && b[n-1] == 0xD9
}

// boundaryOf finds the boundary parameter of a multipart Content-Type,
// falling back to a plain search when the header does not parse.
func boundaryOf(contentType string) (string, error) {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["boundary"] != "" {
		return params["boundary"], nil
	}
	i := strings.Index(strings.ToLower(contentType), "boundary=")
	if i < 0 {
		return "", fmt.Errorf("%w: no boundary in Content-Type %q", ErrMalformed, contentType)
	}
	b, _, _ := strings.Cut(contentType[i+len("boundary="):], ";")
	b = strings.Trim(strings.TrimSpace(b), `"`)
	if b == "" {
		return "", fmt.Errorf("%w: empty boundary in Content-Type %q", ErrMalformed, contentType)
	}
	return b, nil
}
