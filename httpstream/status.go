package httpstream

import (
	"encoding/json"
	"math"
	"net/http"
	"os"
	"runtime"

	"lancam/camera"
	"lancam/camera/h264"
)

// statusDoc is the /status (and ustreamer-style /state) document. Source
// and ID describe the first camera (what single-camera clients read), or
// at /cam/NAME/status that camera; Streams lists every camera served.
type statusDoc struct {
	ID        string         `json:"id"` // the camera's discovery id; "" without discovery
	Name      string         `json:"name"`
	Source    sourceStatus   `json:"source"`
	Clients   []ClientInfo   `json:"clients"` // never nil: clients expect an array
	Streaming bool           `json:"streaming"`
	UptimeS   float64        `json:"uptime_s"`
	Version   string         `json:"version"`
	Streams   []streamStatus `json:"streams"`
	WebRTC    string         `json:"webrtc"`  // the WHEP URL path, "" when only MJPEG is offered
	Cameras   any            `json:"cameras"` // never null: an empty list without cameras
	Process   processStatus  `json:"process"`
	LAN       *LANStatus     `json:"lan,omitempty"` // nil without Config.LAN
}

// LANStatus is /status's "lan": whether a network interface other than
// loopback is up, so that other lancams can find this one, in plain words
// too.
type LANStatus struct {
	InterfacesUp bool     `json:"interfaces_up"`
	Interfaces   []string `json:"interfaces"` // the usable ones; never null
	Message      string   `json:"message"`    // e.g. "No network interface other than loopback is up: other lancams cannot find this one."
}

// streamStatus is one served camera in /status.
type streamStatus struct {
	Name      string       `json:"name"`  // its path name: /cam/NAME/
	Title     string       `json:"title"` // its display name on the LAN
	ID        string       `json:"id"`
	On        bool         `json:"on"` // false: switched off in the window
	Page      string       `json:"page"`
	Stream    string       `json:"stream"`
	Snapshot  string       `json:"snapshot"`
	Source    sourceStatus `json:"source"`
	Clients   []ClientInfo `json:"clients"`
	Streaming bool         `json:"streaming"`
	// WebRTC is the camera's WHEP URL path, "" when it offers MJPEG only;
	// H264 describes its encoder then.
	WebRTC string            `json:"webrtc"`
	H264   *h264.StreamStats `json:"h264,omitempty"`
}

// processStatus lets a soak or hostile-client test see leaks from outside:
// a goroutine or descriptor per abandoned connection shows up here long
// before it exhausts the machine.
type processStatus struct {
	Goroutines int `json:"goroutines"`
	OpenFDs    int `json:"open_fds"` // -1 where /proc is unavailable
}

// currentProcess samples the process counters.
func currentProcess() processStatus {
	return processStatus{Goroutines: runtime.NumGoroutine(), OpenFDs: openFDs()}
}

// openFDs counts this process's open descriptors, or -1 without a Linux
// /proc. The directory read itself holds one descriptor, which is counted:
// it is the same one every time, so comparisons stay fair.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// sourceStatus flattens the hub's view of the camera into one object, so
// that a dashboard reads wanted and measured fps side by side.
type sourceStatus struct {
	Kind        string  `json:"kind"`
	Device      string  `json:"device"`
	Format      string  `json:"format"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	FPSWanted   float64 `json:"fps_wanted"`
	FPSMeasured float64 `json:"fps_measured"`
	FPSDevice   float64 `json:"fps_device"` // what the camera agreed to; 0 for synthetic sources
	Dropped     uint64  `json:"dropped"`    // frames the source discarded as damaged or late
	Online      bool    `json:"online"`
	Running     bool    `json:"running"`
	LastError   string  `json:"last_error"`
	Rotate      int     `json:"rotate"`  // degrees clockwise; width and height are after it
	Mirror      bool    `json:"mirror"`  // left-right, after the rotation
	Overlay     string  `json:"overlay"` // the text format drawn on frames, "" for none
}

// status gathers the document for camera fd; the server-wide /status
// (top is true) counts every viewer at the top level.
func (s *Server) status(fd *feed, top bool) statusDoc {
	all := s.Clients()
	streams := make([]streamStatus, 0, len(s.feeds))
	var self streamStatus
	for i, f := range s.feeds {
		title, id := f.describe()
		paths := PathsOf(f.Name, i == 0)
		var mine []ClientInfo
		for _, c := range all {
			if c.Camera == f.Name {
				mine = append(mine, c)
			}
		}
		if mine == nil {
			mine = []ClientInfo{}
		}
		st := streamStatus{Name: f.Name, Title: title, ID: id, On: !f.off.Load(), Page: paths.Page,
			Stream: paths.Stream, Snapshot: paths.Snapshot, Source: sourceOf(f.Hub.Stats()),
			Clients: mine, Streaming: len(mine) > 0}
		if f.H264 != nil && s.webrtc != nil {
			hs := f.H264.Stats()
			st.WebRTC, st.H264 = paths.WHEP, &hs
		}
		if f == fd {
			self = st
		}
		streams = append(streams, st)
	}
	clients := self.Clients
	if top {
		clients = all
	}
	var lan *LANStatus
	if s.cfg.LAN != nil {
		st := s.cfg.LAN()
		if st.Interfaces == nil {
			st.Interfaces = []string{}
		}
		lan = &st
	}
	return statusDoc{
		ID:        self.ID,
		Name:      self.Title,
		Source:    self.Source,
		Clients:   clients,
		Streaming: len(clients) > 0,
		UptimeS:   math.Round(s.uptime().Seconds()),
		Version:   s.cfg.Version,
		Streams:   streams,
		WebRTC:    self.WebRTC,
		Cameras:   s.cameras(),
		Process:   currentProcess(),
		LAN:       lan,
	}
}

// sourceOf flattens a hub's statistics.
func sourceOf(st camera.HubStats) sourceStatus {
	return sourceStatus{
		Kind:        st.Source.Kind,
		Device:      st.Source.Device,
		Format:      st.Source.Format,
		Width:       st.Source.Width,
		Height:      st.Source.Height,
		FPSWanted:   st.Source.FPS,
		FPSMeasured: round2(st.FPS),
		FPSDevice:   round2(st.Source.DeviceFPS),
		Dropped:     st.Source.Dropped,
		Online:      st.Online,
		Running:     st.Running,
		LastError:   st.LastError,
		Rotate:      st.Source.Rotate,
		Mirror:      st.Source.Mirror,
		Overlay:     st.Source.Overlay,
	}
}

func (s *Server) cameras() any {
	if s.cfg.Cameras == nil {
		return []struct{}{}
	}
	return s.cfg.Cameras()
}

// serveStatus answers /status and /state with JSON.
func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	serveJSON(w, r, s.status(s.feeds[0], true))
}

// serveFeedStatus answers /cam/NAME/status: the same document, with that
// camera's source and viewers at the top level (its page reads them).
func (s *Server) serveFeedStatus(w http.ResponseWriter, r *http.Request, fd *feed) {
	serveJSON(w, r, s.status(fd, false))
}

// servePeers answers /peers: the page and other tools list the LAN's
// cameras from it.
func (s *Server) servePeers(w http.ResponseWriter, r *http.Request) {
	var doc any = struct {
		Peers []struct{} `json:"peers"`
	}{[]struct{}{}}
	if s.cfg.Peers != nil {
		doc = s.cfg.Peers()
	}
	serveJSON(w, r, doc)
}

// serveJSON writes doc as an uncached JSON answer.
func serveJSON(w http.ResponseWriter, r *http.Request, doc any) {
	body, err := json.Marshal(doc)
	if err != nil {
		http.Error(w, "json: "+err.Error(), http.StatusInternalServerError)
		return
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	setNoCache(h)
	writeBody(w, r, body)
}
