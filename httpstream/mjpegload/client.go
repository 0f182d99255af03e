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
	bad       int64
	frames    int64 // whole JPEGs that arrived in the window
	bytes     int64
	noTS      int64 // window frames without X-Timestamp
	hist      *histogram
	err       error // first thing that went wrong, for the report
}

// runClient reads one stream until ctx ends. It dials and writes the request
// by hand and parses the answer with http.ReadResponse, which decodes chunked
// bodies without the Transport's goroutines; JPEG bodies are read straight
// from the socket into the part buffer.
func runClient(ctx context.Context, t target, maxFrame int, w window) (st clientStats) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", t.hostPort)
	if err != nil {
		st.err = err
		return st
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	req := "GET " + t.requestURI + " HTTP/1.1\r\nHost: " + t.host +
		"\r\nUser-Agent: mjpegload\r\nAccept: multipart/x-mixed-replace, */*\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		st.err = err
		return st
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, connBufSize), nil)
	if err != nil {
		if ctx.Err() != nil {
			err = errors.New("no answer before the run ended")
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
	boundary, err := boundaryOf(resp.Header.Get("Content-Type"))
	if err != nil {
		st.bad, st.err = 1, err
		return st
	}
	pr := NewPartReader(resp.Body, boundary)
	pr.SetMaxPart(maxFrame)
	st.hist = new(histogram)
	for {
		part, err := pr.Next()
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
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
		if !w.contains(now) {
			continue
		}
		st.frames++
		st.bytes += int64(len(part.Body))
		if part.Timestamp.IsZero() {
			st.noTS++
		} else {
			st.hist.record(now.Sub(part.Timestamp))
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
