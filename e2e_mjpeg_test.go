package main

// Go-side readers of the stream and of raw HTTP answers.

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mjpegStream is an open multipart/x-mixed-replace response.
type mjpegStream struct {
	resp  *http.Response
	parts *multipart.Reader
}

// openStream GETs an MJPEG URL, checks the response head, and returns a
// strict (mime/multipart) reader of its parts. The connection is closed at
// the end of the test, or earlier by close.
func openStream(t *testing.T, url string) *mjpegStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", url, err)
	}
	s := &mjpegStream{resp: resp}
	t.Cleanup(func() { s.close(); cancel() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" || params["boundary"] == "" {
		t.Fatalf("GET %s: Content-Type %q (%v), want multipart/x-mixed-replace with a boundary",
			url, resp.Header.Get("Content-Type"), err)
	}
	if strings.HasPrefix(params["boundary"], "--") {
		t.Errorf("GET %s: boundary parameter %q starts with --, which strict parsers reject", url, params["boundary"])
	}
	s.parts = multipart.NewReader(resp.Body, params["boundary"])
	return s
}

// close closes the stream's connection.
func (s *mjpegStream) close() { s.resp.Body.Close() }

// waitEnd checks that the server ends the stream (after lancam stopped).
func (s *mjpegStream) waitEnd(t *testing.T) {
	t.Helper()
	ended := make(chan struct{})
	go func() {
		io.Copy(io.Discard, s.resp.Body)
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		s.close()
		t.Error("the stream is still open 3 s after lancam stopped")
	}
}

// nextJPEG reads the next part, checks its headers, and returns its bytes.
func (s *mjpegStream) nextJPEG(t *testing.T) []byte {
	t.Helper()
	p, err := s.parts.NextRawPart()
	if err != nil {
		t.Fatalf("reading the next part: %v", err)
	}
	if ct := p.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("part Content-Type %q, want image/jpeg", ct)
	}
	data, err := io.ReadAll(p)
	if err != nil {
		t.Fatalf("reading a part: %v", err)
	}
	if n, err := strconv.Atoi(p.Header.Get("Content-Length")); err != nil || n != len(data) {
		t.Errorf("part Content-Length %q, but the part has %d bytes", p.Header.Get("Content-Length"), len(data))
	}
	if ts := p.Header.Get("X-Timestamp"); !regexp.MustCompile(`^[0-9]+\.[0-9]{6}$`).MatchString(ts) {
		t.Errorf("part X-Timestamp %q, want <unix seconds>.<microseconds>", ts)
	}
	return data
}

// decodeJPEG decodes data fully and checks its size.
func decodeJPEG(t *testing.T, data []byte, w, h int) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a JPEG (%d bytes): %v", len(data), err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("JPEG is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
}

// rawHTTP sends one raw request (Connection: close is added) and returns
// everything the server sent back until it closed the connection.
func rawHTTP(t *testing.T, addr, method, path string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", method, path, addr)
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("%s %s: the server did not close the connection: %v; got so far:\n%q", method, path, err, b)
	}
	return string(b)
}
