package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// shownText is the text o draws (a label, a select): its text, or the
// truncated text with an ellipsis when it does not fit.
func shownText(o fyne.CanvasObject) string {
	if t, ok := o.(*canvas.Text); ok {
		return t.Text
	}
	var b strings.Builder
	for _, k := range childrenOf(o) {
		b.WriteString(shownText(k))
	}
	return b.String()
}

// TestPeerRowShowsHost: a LAN list row shows the peer's host name whole
// (it showed only "…"), the details after it, and on a narrow row the
// details give way first.
func TestPeerRowShowsHost(t *testing.T) {
	v, loop := startLANView(t, nil, nil)
	for _, c := range []struct {
		width        float32
		host, detail string
	}{
		{784, "garage-pi.local:8080", "1280x720 · 30 fps"},
		{420, "garage-pi.local:8080", "1280x…"},
	} {
		loop.wait(func() {
			r := newRowView(v)
			w := test.NewWindow(r)
			defer w.Close()
			r.set(peerRow{ID: "p", Name: "Garage", Host: "garage-pi.local:8080", Details: "1280x720 · 30 fps"}, nil, false)
			w.Resize(fyne.NewSize(c.width, 100))
			if got := shownText(r.host); got != c.host {
				t.Errorf("row %v wide: host shows %q, want %q", c.width, got, c.host)
			}
			if got := shownText(r.details); got != c.detail {
				t.Errorf("row %v wide: details show %q, want %q", c.width, got, c.detail)
			}
		})
	}
}
