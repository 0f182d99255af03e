package httpstream

import (
	"net/http"
	"strings"
)

// route dispatches by path, and for "/" by the mjpg-streamer style
// ?action= query, so that existing clients (OctoPrint, Mainsail, Home
// Assistant, ustreamer users) work unchanged.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	// Before anything else, so that without the password not even the
	// list of URLs can be probed.
	if !s.auth.allow(w, r) {
		return
	}
	h := s.lookup(r)
	if h == nil {
		http.Error(w, "not found: "+oneLine(r.URL.Path), http.StatusNotFound)
		return
	}
	// Only the camera controls take POST, and WHEP POST and DELETE (its
	// handler checks); everything else is read-only.
	if ctl := controlSub(r); !whepSub(r) && r.Method != http.MethodGet && r.Method != http.MethodHead && !(ctl && r.Method == http.MethodPost) {
		allow, why := allowed, "this server only answers GET and HEAD"
		if ctl {
			allow, why = allowedControls, "camera controls answer GET, HEAD and POST"
		}
		w.Header().Set("Allow", allow)
		http.Error(w, "method "+oneLine(r.Method)+" not allowed: "+why, http.StatusMethodNotAllowed)
		return
	}
	h(w, r)
}

// lookup finds the handler for r, or nil for an unknown URL.
// The first camera answers the classic URLs; /status describes all.
func (s *Server) lookup(r *http.Request) http.HandlerFunc {
	if len(s.feeds) == 0 {
		return nil
	}
	if h, ok := s.lookupFeed(r); ok {
		return h
	}
	switch r.URL.Path {
	case "/stream.mjpg", "/stream", "/snapshot.jpg", "/snapshot":
		return s.feedHandler(s.feeds[0], strings.TrimPrefix(r.URL.Path, "/"), r)
	case "/controls":
		return s.feedHandler(s.feeds[0], "controls", r)
	case "/" + whepPath:
		return s.feedHandler(s.feeds[0], whepPath, r)
	case "/status", "/state":
		return s.serveStatus
	case "/peers":
		return s.servePeers
	case "/":
		return s.feedHandler(s.feeds[0], "", r)
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/"+whepPath+"/"); ok {
		return s.feedHandler(s.feeds[0], whepPath+"/"+rest, r)
	}
	return nil
}

// oneLine keeps client-supplied text from breaking a one-line error body.
func oneLine(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// whepSub reports whether r is for a WHEP endpoint or session (/whep,
// /whep/ID, /cam/NAME/whep...), whose handler checks the method itself.
func whepSub(r *http.Request) bool {
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, FeedPrefix); ok {
		_, p, _ = strings.Cut(rest, "/")
		p = "/" + p
	}
	return p == "/"+whepPath || strings.HasPrefix(p, "/"+whepPath+"/")
}
