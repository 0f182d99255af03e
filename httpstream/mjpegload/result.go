package mjpegload

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Result is what a Run measured. Frame, byte, fps and delay figures cover
// the measurement window only; bad parts are counted over the whole run.
type Result struct {
	Clients      int           // clients started
	Connected    int           // clients that got a 200 stream
	Refused      int           // clients that could not connect or got no 200 answer (e.g. 503)
	Disconnected int           // connected streams that ended before the run did
	BadParts     int64         // parts that were not a whole JPEG or did not parse
	Frames       int64         // whole JPEG frames delivered in the window, all clients
	Bytes        int64         // their body bytes
	GB           float64       // Bytes / 1e9
	Window       time.Duration // length of the measurement window
	FPSMin       float64       // lowest per-client frame rate (connected clients)
	FPSMedian    float64       // median per-client frame rate
	FPSMax       float64       // highest per-client frame rate
	DelayP50     time.Duration // arrival time − X-Timestamp, 50th percentile
	DelayP90     time.Duration // 90th percentile
	DelayP99     time.Duration // 99th percentile
	DelayMax     time.Duration // largest delay seen
	NoTimestamp  int64         // window frames without a usable X-Timestamp
	FirstError   string        // first failure seen by any client, for diagnosis
	// Server figures, set when Config.PID was given and could be read.
	ServerStats bool    // the figures below are set
	ServerCPU   float64 // server CPU seconds (user+system) spent in the window
	CPUPerGB    float64 // ServerCPU / GB
	PeakRSS     int64   // server peak resident set size (VmHWM), bytes
}

// aggregate merges the clients' stats.
func aggregate(stats []clientStats, window time.Duration) Result {
	r := Result{Clients: len(stats), Window: window}
	var h histogram
	fps := make([]float64, 0, len(stats))
	for _, s := range stats {
		r.BadParts += s.bad
		if r.FirstError == "" && s.err != nil {
			r.FirstError = s.err.Error()
		}
		if !s.connected {
			r.Refused++
			continue
		}
		r.Connected++
		if s.dropped {
			r.Disconnected++
		}
		r.Frames += s.frames
		r.Bytes += s.bytes
		r.NoTimestamp += s.noTS
		if s.hist != nil {
			h.merge(s.hist)
		}
		if window > 0 {
			fps = append(fps, float64(s.frames)/window.Seconds())
		}
	}
	r.GB = float64(r.Bytes) / 1e9
	if len(fps) > 0 {
		slices.Sort(fps)
		r.FPSMin, r.FPSMax = fps[0], fps[len(fps)-1]
		if m := len(fps) / 2; len(fps)%2 == 1 {
			r.FPSMedian = fps[m]
		} else {
			r.FPSMedian = (fps[m-1] + fps[m]) / 2
		}
	}
	r.DelayP50, r.DelayP90, r.DelayP99 = h.quantile(0.50), h.quantile(0.90), h.quantile(0.99)
	r.DelayMax = h.max
	return r
}

// addServer fills the server figures from a sample.
func (r *Result) addServer(s serverSample) {
	if s.err != nil && r.FirstError == "" {
		r.FirstError = "server stats: " + s.err.Error()
	}
	if !s.done {
		return
	}
	r.ServerStats, r.ServerCPU, r.PeakRSS = true, s.cpu, s.rss
	if r.GB > 0 {
		r.CPUPerGB = s.cpu / r.GB
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// String formats r as one line for humans.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "clients=%d fps(min/med)=%.1f/%.1f delay(p50/p99)=%.1f/%.1fms refused=%d bad=%d",
		r.Clients, r.FPSMin, r.FPSMedian, ms(r.DelayP50), ms(r.DelayP99), r.Refused, r.BadParts)
	if r.ServerStats {
		fmt.Fprintf(&b, " cpu=%.2fs/GB rss=%.1fMB", r.CPUPerGB, float64(r.PeakRSS)/(1<<20))
	} else {
		b.WriteString(" cpu=- rss=-")
	}
	fmt.Fprintf(&b, " frames=%d gb=%.3f delay(max)=%.1fms", r.Frames, r.GB, ms(r.DelayMax))
	if r.Disconnected > 0 {
		fmt.Fprintf(&b, " disconnected=%d", r.Disconnected)
	}
	if r.NoTimestamp > 0 {
		fmt.Fprintf(&b, " no_timestamp=%d", r.NoTimestamp)
	}
	if r.FirstError != "" {
		fmt.Fprintf(&b, " first_error=%q", r.FirstError)
	}
	return b.String()
}

// resultJSON is Result's JSON form: snake_case keys, durations in ms.
type resultJSON struct {
	Clients      int         `json:"clients"`
	Connected    int         `json:"connected"`
	Refused      int         `json:"refused"`
	Disconnected int         `json:"disconnected"`
	BadParts     int64       `json:"bad_parts"`
	Frames       int64       `json:"frames"`
	Bytes        int64       `json:"bytes"`
	GB           float64     `json:"gb"`
	WindowS      float64     `json:"window_s"`
	FPSMin       float64     `json:"fps_min"`
	FPSMedian    float64     `json:"fps_median"`
	FPSMax       float64     `json:"fps_max"`
	DelayP50     float64     `json:"delay_p50_ms"`
	DelayP90     float64     `json:"delay_p90_ms"`
	DelayP99     float64     `json:"delay_p99_ms"`
	DelayMax     float64     `json:"delay_max_ms"`
	NoTimestamp  int64       `json:"no_timestamp"`
	Server       *serverJSON `json:"server,omitempty"` // only with server stats
	FirstError   string      `json:"first_error,omitempty"`
}

type serverJSON struct {
	CPU          float64 `json:"cpu_s"`
	CPUPerGB     float64 `json:"cpu_s_per_gb"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
}

// MarshalJSON encodes r with snake_case keys and delays in milliseconds.
func (r Result) MarshalJSON() ([]byte, error) {
	j := resultJSON{
		Clients: r.Clients, Connected: r.Connected, Refused: r.Refused,
		Disconnected: r.Disconnected, BadParts: r.BadParts, Frames: r.Frames,
		Bytes: r.Bytes, GB: r.GB, WindowS: r.Window.Seconds(),
		FPSMin: r.FPSMin, FPSMedian: r.FPSMedian, FPSMax: r.FPSMax,
		DelayP50: ms(r.DelayP50), DelayP90: ms(r.DelayP90), DelayP99: ms(r.DelayP99),
		DelayMax: ms(r.DelayMax), NoTimestamp: r.NoTimestamp,
		FirstError: r.FirstError,
	}
	if r.ServerStats {
		j.Server = &serverJSON{CPU: r.ServerCPU, CPUPerGB: r.CPUPerGB, PeakRSSBytes: r.PeakRSS}
	}
	return json.Marshal(j)
}

// JSON returns r as one line of JSON (see MarshalJSON).
func (r Result) JSON() string {
	b, err := r.MarshalJSON()
	if err != nil { // only NaN or Inf could do this, and r holds none
		return fmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return string(b)
}
