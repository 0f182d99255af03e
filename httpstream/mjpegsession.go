package httpstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// clientRun is the state of one Run.
type clientRun struct {
	c       *Client
	onFrame func([]byte)
	onState func(ClientState, error)
	state   ClientState
	errText string // the last error reported, to tell news from repeats
}

// setState reports a change of state or of the reason for it.
func (r *clientRun) setState(s ClientState, err error) {
	text := ""
	if err != nil {
		text = err.Error()
		if re, ok := err.(*RetryError); ok {
			text += " (retry every " + re.Wait.String() + ")"
		}
	}
	if s == r.state && text == r.errText {
		return
	}
	r.state, r.errText = s, text
	if err != nil {
		r.c.log.Info("mjpeg client", "url", RedactURL(r.c.cfg.URL), "state", s.String(), "err", err)
	} else {
		r.c.log.Info("mjpeg client", "url", RedactURL(r.c.cfg.URL), "state", s.String())
	}
	if r.onState != nil {
		r.onState(s, err)
	}
}

// deliver hands a frame to the viewer.
func (r *clientRun) deliver(jpeg []byte) {
	r.c.frames.Add(1)
	r.setState(ClientPlaying, nil)
	if r.onFrame != nil {
		r.onFrame(jpeg)
	}
}

// sessionResult is how one request went. err is nil only for a snapshot
// URL that delivered its picture.
type sessionResult struct {
	delivered bool
	err       error
}

// session makes one request and plays its answer until it fails, stalls or
// ctx ends.
func (r *clientRun) session(ctx context.Context, snap *bytes.Buffer) (res sessionResult) {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w := newWatchdog(r.c.cfg.StallTimeout, cancel)
	defer w.stop()
	// Whatever broke the read, a stall is the reason worth reporting.
	defer func() {
		if res.err != nil && errors.Is(context.Cause(sctx), ErrStalled) {
			res.err = context.Cause(sctx)
		}
	}()

	req, err := http.NewRequestWithContext(sctx, http.MethodGet, r.c.cfg.URL, nil)
	if err != nil {
		return sessionResult{err: err}
	}
	for k, v := range r.c.cfg.Header {
		req.Header[k] = v
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "multipart/x-mixed-replace, image/jpeg;q=0.9, */*;q=0.1")
	}
	resp, err := r.c.hc.Do(req)
	if err != nil {
		return sessionResult{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return sessionResult{err: &HTTPStatusError{Code: resp.StatusCode, Status: resp.Status}}
	}
	ct := resp.Header.Get("Content-Type")
	mediaType, boundary := parseContentType(ct)
	switch {
	case mediaType == "image/jpeg" || mediaType == "image/jpg" || mediaType == "image/pjpeg":
		return r.snapshot(resp, snap, w)
	case strings.HasPrefix(mediaType, "multipart/") || ct == "":
		// Without a Content-Type, a boundary at the start of the body
		// still makes it a stream.
		return r.stream(resp.Body, boundary, w)
	}
	return sessionResult{err: fmt.Errorf("%w: Content-Type %s", ErrNotMJPEG, ct)}
}

// stream plays a multipart body until it fails.
func (r *clientRun) stream(body io.Reader, boundary string, w *watchdog) sessionResult {
	pr := NewPartReader(body, boundary, PartReaderConfig{MaxFrameBytes: r.c.cfg.MaxFrameBytes})
	delivered := false
	for {
		frame, err := pr.Next()
		if err != nil {
			if err == io.EOF {
				err = errStreamEnded
			}
			return sessionResult{delivered: delivered, err: err}
		}
		w.fed()
		delivered = true
		r.deliver(frame)
	}
}

// snapshot delivers a single-JPEG answer.
func (r *clientRun) snapshot(resp *http.Response, buf *bytes.Buffer, w *watchdog) sessionResult {
	limit := int64(r.c.cfg.MaxFrameBytes)
	if resp.ContentLength > limit {
		return sessionResult{err: fmt.Errorf("%w: Content-Length %d", ErrFrameTooLarge, resp.ContentLength)}
	}
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return sessionResult{err: err}
	}
	if int64(buf.Len()) > limit {
		return sessionResult{err: fmt.Errorf("%w: more than %d bytes", ErrFrameTooLarge, limit)}
	}
	if !isJPEG(buf.Bytes()) {
		return sessionResult{err: fmt.Errorf("%w: the image/jpeg answer is no JPEG", ErrNotMJPEG)}
	}
	w.fed()
	r.deliver(buf.Bytes())
	return sessionResult{delivered: true}
}

// parseContentType returns the media type and the boundary parameter, also
// from headers mime.ParseMediaType rejects (cameras write
// `boundary="--x` and worse), without quotes and leading dashes.
func parseContentType(ct string) (mediaType, boundary string) {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil {
		return mt, normBoundary(params["boundary"])
	}
	head, rest, _ := strings.Cut(ct, ";")
	mediaType = strings.ToLower(strings.TrimSpace(head))
	if i := strings.Index(strings.ToLower(rest), "boundary="); i >= 0 {
		b, _, _ := strings.Cut(rest[i+len("boundary="):], ";")
		b = strings.TrimSpace(b)
		boundary = normBoundary(strings.Trim(b, `"`))
	}
	return mediaType, boundary
}

// watchdog cancels a session when no frame comes within its timeout. The
// reader only stores a time per frame; the watchdog's own goroutine checks
// it when its timer fires, so a silent server (headers, then nothing) is
// cut off as surely as one that stops mid-stream.
type watchdog struct {
	last atomic.Int64 // UnixNano of the request or the last frame
	done chan struct{}
	wg   sync.WaitGroup
}

func newWatchdog(timeout time.Duration, cancel context.CancelCauseFunc) *watchdog {
	w := &watchdog{done: make(chan struct{})}
	w.fed()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTimer(timeout)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
			}
			idle := time.Since(time.Unix(0, w.last.Load()))
			if idle >= timeout {
				cancel(fmt.Errorf("%w for %v", ErrStalled, timeout))
				return
			}
			t.Reset(timeout - idle)
		}
	}()
	return w
}

// fed records a frame.
func (w *watchdog) fed() { w.last.Store(time.Now().UnixNano()) }

// stop ends the watchdog and waits for its goroutine.
func (w *watchdog) stop() {
	close(w.done)
	w.wg.Wait()
}
