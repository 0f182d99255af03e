package camera

import (
	"testing"
	"time"
)

// TestNoSignalPacer: one card per Every, at once after Reset, redrawn at a
// new size, and a size the card cannot have reported once, then skipped.
func TestNoSignalPacer(t *testing.T) {
	p := NoSignalPacer{Every: time.Second, Device: "/dev/video0", Quality: 70}
	defer p.Close()
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at    time.Duration
		reset bool
		due   bool
	}{
		{0, false, true},
		{500 * time.Millisecond, false, false},
		{999 * time.Millisecond, false, false},
		{time.Second, false, true},
		{1200 * time.Millisecond, true, true}, // frames flowed in between
		{1300 * time.Millisecond, false, false},
		{2200 * time.Millisecond, false, true},
	} {
		if tc.reset {
			p.Reset()
		}
		if got := p.Due(t0.Add(tc.at)); got != tc.due {
			t.Errorf("Due at %v = %v, want %v", tc.at, got, tc.due)
		}
	}
	for i, size := range [][2]int{{320, 240}, {320, 240}, {640, 480}} {
		f, err := p.Frame(t0, size[0], size[1], uint64(i+1))
		if err != nil || f.Width() != size[0] || f.Height() != size[1] || f.Seq() != uint64(i+1) {
			t.Fatalf("card %d: %v, %+v", i, err, f)
		}
	}
	if f, err := p.Frame(t0, 0, 0, 9); f != nil || err == nil {
		t.Errorf("a 0x0 card: %v, %v; want an error the first time", f, err)
	}
	if f, err := p.Frame(t0, 0, 0, 10); f != nil || err != nil {
		t.Errorf("a 0x0 card again: %v, %v; want nothing, quietly", f, err)
	}
}
