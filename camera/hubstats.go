package camera

import "time"

// HubStats is a snapshot of a hub's state for /status and the UI.
type HubStats struct {
	Source      SourceInfo `json:"source"`
	Running     bool       `json:"running"`      // the source is started (someone watches)
	Online      bool       `json:"online"`       // frames are arriving
	FPS         float64    `json:"fps_measured"` // frames per second published
	Frames      uint64     `json:"frames"`       // published since the hub was made
	Subscribers int        `json:"subscribers"`
	LastError   string     `json:"last_error,omitempty"`
}

// Stats reports the hub's current state.
func (h *Hub) Stats() HubStats {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	st := HubStats{
		Source:      h.cfg.Source.Info(),
		Running:     h.run != nil,
		FPS:         h.meter.Rate(now),
		Frames:      h.frames,
		Subscribers: len(h.subs),
		LastError:   h.lastErr,
	}
	st.Online = st.Running && h.latest != nil && now.Sub(h.lastAt) < h.staleAfter()
	if r, ok := h.cfg.Source.(SignalReporter); ok && st.Online {
		st.Online = r.Signal()
	}
	return st
}

// staleAfter is how long without a frame before the source counts as
// offline: two seconds, or three frame intervals for very slow sources.
func (h *Hub) staleAfter() time.Duration {
	d := 2 * time.Second
	if fps := h.cfg.Source.Info().FPS; fps > 0 {
		if iv := time.Duration(3 * float64(time.Second) / fps); iv > d {
			d = iv
		}
	}
	return d
}
