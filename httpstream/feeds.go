package httpstream

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"lancam/camera"
	"lancam/camera/h264"
)

// Feed is one camera of a server that serves several. Each is served under
// /cam/NAME/ (page, stream.mjpg, snapshot.jpg, status); the first is also
// served at the classic URLs (/stream.mjpg, /?action=stream, ...) that
// existing clients use.
type Feed struct {
	Name string // the URL path segment; see CheckFeedName
	Hub  *camera.Hub
	// Describe, when set, gives the camera's display name and its
	// discovery id for /status: peers check the id when they verify that
	// a quiet camera is still there. Both may change while serving.
	Describe func() (title, id string)
	// H264, when set, is the camera's H.264 stream, offered to WebRTC
	// viewers at the camera's whep URL; nil offers MJPEG only.
	H264 *h264.Stream
}

// feed is a Feed as the server keeps it.
type feed struct {
	Feed
	parts *partCache
	off   atomic.Bool // switched off by the user: its URLs answer 503
}

// FeedPrefix is where a camera's URLs live: FeedPrefix + NAME + "/".
const FeedPrefix = "/cam/"

// maxFeedName bounds a camera's path name.
const maxFeedName = 32

// CheckFeedName accepts a camera name for URLs and mDNS: 1 to 32 of a-z,
// 0-9 and '-', starting with a letter or digit, so that it needs no
// escaping anywhere it appears.
func CheckFeedName(name string) error {
	if name == "" || len(name) > maxFeedName || name[0] == '-' ||
		strings.ContainsFunc(name, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) {
		return fmt.Errorf("camera name %q: want 1-%d of a-z, 0-9 and '-', not starting with '-'", name, maxFeedName)
	}
	return nil
}

// FeedPaths are a camera's URL paths on its server.
type FeedPaths struct {
	Page, Stream, Snapshot string
	WHEP                   string // WebRTC (RFC 9725 WHEP), when the camera offers H.264
}

// PathsOf gives the paths of the camera named name; the first camera's
// stream and snapshot stay at the classic URLs, which every lancam and
// mjpg-streamer client knows.
func PathsOf(name string, first bool) FeedPaths {
	if first {
		return FeedPaths{Page: "/", Stream: "/stream.mjpg", Snapshot: "/snapshot.jpg", WHEP: "/" + whepPath}
	}
	base := FeedPrefix + name + "/"
	return FeedPaths{Page: base, Stream: base + "stream.mjpg", Snapshot: base + "snapshot.jpg", WHEP: base + whepPath}
}

// newFeeds checks and wraps the configured cameras: Config.Feeds, or else
// Config.Hub alone under the name "main".
func newFeeds(cfg Config) ([]*feed, error) {
	list := cfg.Feeds
	if len(list) == 0 {
		list = []Feed{{Name: "main", Hub: cfg.Hub}}
	}
	out := make([]*feed, 0, len(list))
	seen := map[string]bool{}
	for _, f := range list {
		if f.Hub == nil {
			return nil, fmt.Errorf("httpstream: camera %q has no hub", f.Name)
		}
		if err := CheckFeedName(f.Name); err != nil {
			return nil, err
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("httpstream: two cameras named %q", f.Name)
		}
		seen[f.Name] = true
		out = append(out, &feed{Feed: f, parts: &partCache{}})
	}
	return out, nil
}

// describe gives the feed's title and id ("" when unknown).
func (f *feed) describe() (title, id string) {
	if f.Describe == nil {
		return f.Name, ""
	}
	return f.Describe()
}

// SetFeedOn switches a camera's URLs on or off (the window's per-camera
// toggle); switching off closes its viewers. It reports whether a camera
// of that name exists.
func (s *Server) SetFeedOn(name string, on bool) bool {
	for _, f := range s.feeds {
		if f.Name == name {
			if !f.off.Swap(!on) && !on {
				s.closeClients(f)
				s.closeWHEP(f)
			}
			return true
		}
	}
	return false
}

// FeedOn reports whether the camera's URLs are switched on.
func (s *Server) FeedOn(name string) bool {
	for _, f := range s.feeds {
		if f.Name == name {
			return !f.off.Load()
		}
	}
	return false
}

// lookupFeed routes /cam/NAME/... to the camera's handlers.
func (s *Server) lookupFeed(r *http.Request) (http.HandlerFunc, bool) {
	rest, ok := strings.CutPrefix(r.URL.Path, FeedPrefix)
	if !ok {
		return nil, false
	}
	name, sub, hasSlash := strings.Cut(rest, "/")
	var f *feed
	for _, c := range s.feeds {
		if c.Name == name {
			f = c
		}
	}
	if f == nil {
		return nil, true
	}
	if !hasSlash {
		return func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, FeedPrefix+f.Name+"/", http.StatusMovedPermanently)
		}, true
	}
	return s.feedHandler(f, sub, r), true
}

// feedHandler is the handler of one camera's URL sub ("" is its page).
func (s *Server) feedHandler(f *feed, sub string, r *http.Request) http.HandlerFunc {
	var h func(http.ResponseWriter, *http.Request, *feed)
	switch sub {
	case "stream.mjpg", "stream":
		h = s.serveStream
	case "snapshot.jpg", "snapshot":
		h = s.serveSnapshot
	case "status", "state":
		h = s.serveFeedStatus
	case "controls":
		h = s.serveControls
	case "peers":
		return s.servePeers
	case whepPath:
		h = func(w http.ResponseWriter, r *http.Request, f *feed) { s.serveWHEP(w, r, f, "") }
	case "":
		q := r.URL.Query()
		switch {
		case !q.Has("action"):
			h = s.servePage
		case q.Get("action") == "stream":
			h = s.serveStream
		case q.Get("action") == "snapshot":
			h = s.serveSnapshot
		case q.Get("action") == "command":
			h = s.serveCommand
		}
	}
	if id, ok := strings.CutPrefix(sub, whepPath+"/"); ok && id != "" && !strings.Contains(id, "/") {
		h = func(w http.ResponseWriter, r *http.Request, f *feed) { s.serveWHEP(w, r, f, id) }
	}
	if h == nil {
		return nil
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if f.off.Load() {
			w.Header().Set("Retry-After", retryAfter)
			http.Error(w, "camera "+f.Name+" is switched off in lancam", http.StatusServiceUnavailable)
			return
		}
		h(w, r, f)
	}
}
