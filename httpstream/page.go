package httpstream

import (
	_ "embed"
	"html"
	"net/http"
	"strconv"
	"strings"
)

// pageHTML is the viewer page. It is self-contained (inline CSS and JS, no
// CDN or web fonts) because the camera often sits on a LAN without internet.
// {{title}} and {{name}} stand for the camera's name (renderPage).
//
//go:embed page.html
var pageHTML string

// renderPage gives the page of the camera whose display name is name: the
// <title> "NAME — lancam" and the heading NAME, so that a browser's tabs
// of several cameras can be told apart; plain "lancam" without a name.
// Names come from the user and travel the LAN: they are HTML-escaped.
func renderPage(name string) []byte {
	title := "lancam"
	if name = strings.TrimSpace(name); name != "" {
		title = name + " — lancam"
	} else {
		name = "lancam"
	}
	return []byte(strings.NewReplacer(
		"{{title}}", html.EscapeString(title),
		"{{name}}", html.EscapeString(name),
	).Replace(pageHTML))
}

// servePage answers "/" and "/cam/NAME/" with the viewer page of camera
// f, named as it is now (it can be renamed while serving).
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, f *feed) {
	var name string
	if f.Describe != nil {
		name, _ = f.Describe()
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Revalidate so that an upgraded lancam's page is picked up at once.
	h.Set("Cache-Control", "no-cache")
	writeBody(w, r, renderPage(name))
}

// writeBody sends a complete body with its length, omitting it for HEAD.
func writeBody(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
