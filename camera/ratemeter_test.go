package camera

import (
	"testing"
	"time"
)

func TestRateMeter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name     string
		interval time.Duration
		events   int
		at       time.Duration // when Rate is asked, after the last event
		want     float64
	}{
		{"30 fps", time.Second / 30, 91, 0, 30},
		{"5 fps", 200 * time.Millisecond, 16, 0, 5},
		{"not a full window yet", time.Second / 30, 10, 0, 0},
		{"stalled source reads zero", time.Second / 30, 91, 3 * time.Second, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m RateMeter
			now := t0
			for i := range tc.events {
				now = t0.Add(time.Duration(i) * tc.interval)
				m.Tick(now)
			}
			got := m.Rate(now.Add(tc.at))
			if got < tc.want-0.01 || got > tc.want+0.01 {
				t.Fatalf("rate %.3f, want %.3f", got, tc.want)
			}
		})
	}
}
