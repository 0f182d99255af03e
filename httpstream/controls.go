package httpstream

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"lancam/camera"
)

// Camera controls over HTTP:
//
//	GET  /controls, /cam/NAME/controls   JSON {"camera","supported","controls":[...]}
//	POST /controls, /cam/NAME/controls   set (see parseChanges), answers the new list
//	GET  /?action=command&id=ID&value=V  mjpg-streamer's form; answers "ID: 0"
//
// A camera without controls (test pattern, a directory) answers GET with
// "supported":false and an empty list, so clients need no special case,
// and refuses sets with 409. Refusals are one line of plain text: 400 for
// a value the control cannot take (nothing is changed, also when one of
// several is bad), 403 for a request from another site's page, 413, 415,
// 502 when the camera fails (409 when it is busy).

// maxControlsBody bounds a POST: every control of a camera in one
// request is a few KB.
const maxControlsBody = 64 << 10

// allowedControls is the Allow header of the control URLs.
const allowedControls = "GET, HEAD, POST"

// controlsDoc is the answer of GET and POST /controls.
type controlsDoc struct {
	Camera    string           `json:"camera"`
	Supported bool             `json:"supported"`
	Controls  []camera.Control `json:"controls"`
}

// controlSub reports whether r is one of the control URLs, the only ones
// that take POST (route checks this before any handler runs).
func controlSub(r *http.Request) bool {
	sub := r.URL.Path
	if rest, ok := strings.CutPrefix(sub, FeedPrefix); ok {
		_, sub, _ = strings.Cut(rest, "/")
	} else {
		sub = strings.TrimPrefix(sub, "/")
	}
	return sub == "controls" || sub == "" && r.URL.Query().Get("action") == "command"
}

// crossSite says why r looks sent by another site's page ("" if it does
// not). The password does not help here: the browser adds it to such
// requests by itself. Requests without these headers (curl, scripts, old
// clients) pass: no browser page can send them.
func crossSite(r *http.Request) string {
	switch v := r.Header.Get("Sec-Fetch-Site"); v {
	case "cross-site", "same-site":
		return "Sec-Fetch-Site: " + v
	}
	for _, h := range []string{"Origin", "Referer"} {
		if v := r.Header.Get(h); v != "" {
			if u, err := url.Parse(v); err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
				return h + " " + oneLine(v) + " is not " + oneLine(r.Host)
			}
			return "" // Origin is the better witness when both are there
		}
	}
	return ""
}

// refuseCrossSite answers 403 when r comes from another site's page.
func refuseCrossSite(w http.ResponseWriter, r *http.Request) bool {
	if why := crossSite(r); why != "" {
		http.Error(w, "refused: camera settings can only be changed from this camera's own page ("+why+")", http.StatusForbidden)
		return true
	}
	return false
}

// serveControls answers /controls and /cam/NAME/controls.
func (s *Server) serveControls(w http.ResponseWriter, r *http.Request, fd *feed) {
	ctl, ok := camera.ControllerOf(fd.Hub.Source())
	if r.Method != http.MethodPost {
		if !ok {
			serveJSON(w, r, controlsDoc{Camera: fd.Name, Controls: []camera.Control{}})
			return
		}
		s.serveControlList(w, r, fd, ctl)
		return
	}
	if refuseCrossSite(w, r) {
		return
	}
	req, code, err := parseChanges(w, r)
	if err != nil {
		http.Error(w, oneLine(err.Error()), code)
		return
	}
	if !ok {
		http.Error(w, "camera "+fd.Name+" has no controls", http.StatusConflict)
		return
	}
	if req.reset {
		err = ctl.ResetControls()
	} else {
		err = s.applyChanges(ctl, req.changes)
	}
	if err != nil {
		http.Error(w, oneLine(err.Error()), controlErrStatus(err))
		return
	}
	s.serveControlList(w, r, fd, ctl)
}

func (s *Server) serveControlList(w http.ResponseWriter, r *http.Request, fd *feed, ctl camera.Controller) {
	list, err := ctl.Controls()
	if err != nil {
		http.Error(w, "camera controls: "+oneLine(err.Error()), controlErrStatus(err))
		return
	}
	if list == nil {
		list = []camera.Control{}
	}
	serveJSON(w, r, controlsDoc{Camera: fd.Name, Supported: true, Controls: list})
}

// serveCommand answers mjpg-streamer's /?action=command&id=ID&value=V
// (its dest, plugin and group are ignored) with its "ID: 0" on success.
func (s *Server) serveCommand(w http.ResponseWriter, r *http.Request, fd *feed) {
	if r.Method == http.MethodHead { // a HEAD must not change anything
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method HEAD not allowed for a command", http.StatusMethodNotAllowed)
		return
	}
	if refuseCrossSite(w, r) {
		return
	}
	q := r.URL.Query()
	id, err := strconv.ParseUint(q.Get("id"), 0, 32)
	if err != nil {
		http.Error(w, "command: id "+strconv.Quote(oneLine(q.Get("id")))+" is not a control id", http.StatusBadRequest)
		return
	}
	v, err := strconv.ParseInt(q.Get("value"), 10, 64)
	if err != nil {
		http.Error(w, "command: value "+strconv.Quote(oneLine(q.Get("value")))+" is not an integer", http.StatusBadRequest)
		return
	}
	ctl, ok := camera.ControllerOf(fd.Hub.Source())
	if !ok {
		http.Error(w, "camera "+fd.Name+" has no controls", http.StatusConflict)
		return
	}
	if err := s.applyChanges(ctl, []change{{id: uint32(id), value: v, byID: true}}); err != nil {
		http.Error(w, oneLine(err.Error()), controlErrStatus(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	setNoCache(h)
	writeBody(w, r, []byte(fmt.Sprintf("%d: 0\n", id)))
}

// applyChanges checks every change against the camera's list before it
// sets any, so that one bad value among several changes nothing.
func (s *Server) applyChanges(ctl camera.Controller, changes []change) error {
	list, err := ctl.Controls()
	if err != nil {
		return fmt.Errorf("camera controls: %w", err)
	}
	for i, c := range changes {
		k := findControl(list, c)
		if k < 0 {
			return fmt.Errorf("%w: no control %s", camera.ErrBadControl, c)
		}
		if err := list[k].Check(c.value); err != nil {
			return err
		}
		changes[i].id = list[k].ID
	}
	for i, c := range changes {
		if err := ctl.SetControl(c.id, c.value); err != nil {
			if i > 0 {
				return fmt.Errorf("%w (the %d before it were set)", err, i)
			}
			return err
		}
	}
	return nil
}

// findControl returns the index of c's control in list, -1 if none.
// Names match case-insensitively: "brightness" is vivid's "Brightness".
func findControl(list []camera.Control, c change) int {
	for i, l := range list {
		if c.byID && l.ID == c.id || !c.byID && strings.EqualFold(l.Name, c.name) {
			return i
		}
	}
	return -1
}

// controlErrStatus maps a controller's error to the answer's status: the
// client's mistake, a busy camera, or a camera that failed.
func controlErrStatus(err error) int {
	switch {
	case errors.Is(err, camera.ErrBadControl):
		return http.StatusBadRequest
	case errors.Is(err, syscall.EBUSY):
		return http.StatusConflict
	}
	return http.StatusBadGateway
}
