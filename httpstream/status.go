package httpstream

import (
	"encoding/json"
	"math"
	"net/http"
	"os"
	"runtime"
)

// statusDoc is the /status (and ustreamer-style /state) document.
type statusDoc struct {
	Source    sourceStatus  `json:"source"`
	Clients   []ClientInfo  `json:"clients"` // never nil: clients expect an array
	Streaming bool          `json:"streaming"`
	UptimeS   float64       `json:"uptime_s"`
	Version   string        `json:"version"`
	Cameras   any           `json:"cameras"` // never null: an empty list without cameras
	Process   processStatus `json:"process"`
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
}

// status gathers the document.
func (s *Server) status() statusDoc {
	st := s.cfg.Hub.Stats()
	clients := s.Clients()
	return statusDoc{
		Source: sourceStatus{
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
		},
		Clients:   clients,
		Streaming: len(clients) > 0,
		UptimeS:   math.Round(s.uptime().Seconds()),
		Version:   s.cfg.Version,
		Cameras:   s.cameras(),
		Process:   currentProcess(),
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
	serveJSON(w, r, s.status())
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
