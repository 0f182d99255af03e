package httpstream

import (
	_ "embed"
	"net/http"
	"strconv"
)

// pageHTML is the viewer page. It is self-contained (inline CSS and JS, no
// CDN or web fonts) because the camera often sits on a LAN without internet.
//
//go:embed page.html
var pageHTML []byte

// servePage answers "/" with the viewer page.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Revalidate so that an upgraded lancam's page is picked up at once.
	h.Set("Cache-Control", "no-cache")
	writeBody(w, r, pageHTML)
}

// writeBody sends a complete body with its length, omitting it for HEAD.
func writeBody(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
