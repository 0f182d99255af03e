package httpstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"lancam/camera"
)

// retryAfter is what a refused client is told to wait, in seconds.
const retryAfter = "5"

// refuseFull answers a stream request over MaxClients.
func (s *Server) refuseFull(w http.ResponseWriter) {
	w.Header().Set("Retry-After", retryAfter)
	http.Error(w, fmt.Sprintf("too many stream viewers (limit %d); try again later", s.maxClients), http.StatusServiceUnavailable)
}

// serveSnapshot answers with the newest frame as a JPEG. Subscribing starts
// an idle camera and, when it runs, the mailbox already holds the latest
// frame, so a snapshot is instant whenever the camera is live.
func (s *Server) serveSnapshot(w http.ResponseWriter, r *http.Request, fd *feed) {
	sub := fd.Hub.Subscribe()
	ctx, cancel := context.WithTimeout(r.Context(), s.snapshotTimeout)
	f, err := sub.Next(ctx)
	if err == nil && !fd.Hub.Stats().Online {
		// The mailbox held the last picture of a camera that has stalled;
		// a snapshot must not pass it off as current.
		f, err = sub.Next(ctx)
	}
	cancel()
	sub.Close()
	if err != nil {
		switch {
		case r.Context().Err() != nil:
			return // the client left or the server stops: nobody to tell
		case errors.Is(err, camera.ErrHubClosed):
			http.Error(w, "the camera is shut down", http.StatusServiceUnavailable)
		default:
			msg := fmt.Sprintf("no frame from the camera within %g s", s.snapshotTimeout.Seconds())
			if e := fd.Hub.Stats().LastError; e != "" {
				msg += ": " + oneLine(e)
			}
			w.Header().Set("Retry-After", retryAfter)
			http.Error(w, msg, http.StatusServiceUnavailable)
		}
		return
	}
	jpg := f.JPEG()
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Content-Length", strconv.Itoa(len(jpg)))
	h.Set("X-Timestamp", formatTimestamp(f.Captured()))
	setNoCache(h)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(jpg)
	}
}
