package camera

import "time"

// RateMeter measures events per second over windows of about one second.
// It is not safe for concurrent use; its owner guards it.
type RateMeter struct {
	start time.Time
	last  time.Time
	n     int
	rate  float64
}

// rateWindow is long enough to smooth jitter at 30 fps and short enough that
// /status follows changes.
const rateWindow = time.Second

// Tick records one event at now.
func (m *RateMeter) Tick(now time.Time) {
	m.last = now
	if m.start.IsZero() {
		m.start = now // counting intervals, not events: the first one opens the window
		return
	}
	m.n++
	if el := now.Sub(m.start); el >= rateWindow {
		m.rate = float64(m.n) / el.Seconds()
		m.start = now
		m.n = 0
	}
}

// Rate returns the last measured rate, or 0 once events stopped for more
// than two windows: a stalled source must not look alive.
func (m *RateMeter) Rate(now time.Time) float64 {
	if m.last.IsZero() || now.Sub(m.last) > 2*rateWindow {
		return 0
	}
	return m.rate
}

// Reset forgets everything, for a source that restarts.
func (m *RateMeter) Reset() { *m = RateMeter{} }
