package httpstream

import (
	"net/http"
	"strconv"
	"time"
)

// boundary separates the parts of the MJPEG stream. Go's mime/multipart (and
// other strict parsers) search for it without trusting Content-Length, so it
// is long and unlikely to occur inside JPEG data.
const boundary = "lancamframe7d3f9a2c1b"

// streamContentType carries the boundary without leading dashes: RFC 2046
// puts the dashes in the body only, and strict parsers reject them here.
const streamContentType = "multipart/x-mixed-replace;boundary=" + boundary

// Values shared by every no-cache response (stream, snapshot, status). They
// are the set ustreamer sends, which old browsers and proxies honour too.
const (
	cacheControl = "no-store, no-cache, must-revalidate, proxy-revalidate, pre-check=0, post-check=0, max-age=0"
	pragma       = "no-cache"
	expires      = "Mon, 3 Jan 2000 12:34:56 GMT"
)

// allowed is the Allow header for 405 answers on the read-only URLs (all
// but the controls, which take POST too).
const allowed = "GET, HEAD"

// setNoCache marks a response as never cacheable: a cached snapshot or status
// would show a stale picture as if it were live.
func setNoCache(h http.Header) {
	h.Set("Cache-Control", cacheControl)
	h.Set("Pragma", pragma)
	h.Set("Expires", expires)
}

// setStreamHeaders sets the stream's headers on a ResponseWriter, for HEAD,
// which is answered without hijacking.
func setStreamHeaders(h http.Header) {
	h.Set("Content-Type", streamContentType)
	setNoCache(h)
	h.Set("X-Accel-Buffering", "no")
	h.Set("Connection", "close")
}

// appendStreamHead appends the raw HTTP/1.1 response head of a stream plus the
// opening boundary, which must come before the first part or ffmpeg and
// other parsers fail. It is written by hand because the connection is
// hijacked: net/http would otherwise chunk-encode the endless body.
func appendStreamHead(b []byte, now time.Time) []byte {
	b = append(b, "HTTP/1.1 200 OK\r\n"...)
	b = append(b, "Content-Type: "+streamContentType+"\r\n"...)
	b = append(b, "Cache-Control: "+cacheControl+"\r\n"...)
	b = append(b, "Pragma: "+pragma+"\r\n"...)
	b = append(b, "Expires: "+expires+"\r\n"...)
	b = append(b, "X-Accel-Buffering: no\r\n"...)
	b = append(b, "Connection: close\r\n"...)
	b = append(b, "Date: "...)
	b = now.UTC().AppendFormat(b, http.TimeFormat)
	b = append(b, "\r\n\r\n--"+boundary+"\r\n"...)
	return b
}

// appendTimestamp appends t as "<unix seconds>.<6-digit microseconds>", the
// X-Timestamp format of ustreamer and mjpg-streamer, which clients use to
// measure latency.
func appendTimestamp(b []byte, t time.Time) []byte {
	b = strconv.AppendInt(b, t.Unix(), 10)
	b = append(b, '.')
	us := t.Nanosecond() / 1000
	for div := 100000; div > 0; div /= 10 {
		b = append(b, byte('0'+us/div%10))
	}
	return b
}

// formatTimestamp is appendTimestamp for header values.
func formatTimestamp(t time.Time) string {
	var a [32]byte
	return string(appendTimestamp(a[:0], t))
}
