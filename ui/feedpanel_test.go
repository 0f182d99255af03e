package ui

import (
	"context"
	"net/http"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestOneCameraHasNoFeedPanel: a lancam with one camera looks as before.
func TestOneCameraHasNoFeedPanel(t *testing.T) {
	r := newTestRig(t, Settings{})
	onMain(func() {
		if r.a.main.feeds.Object().Visible() || r.a.main.feeds.show != nil {
			t.Error("the per-camera panel is shown for a single camera")
		}
	})
}

// TestFeedPanelPreviewsAndSwitchesEachCamera: with two cameras the window
// previews either (the snapshot follows, the first camera's controls are
// disabled for the other) and switches each off and on the LAN: its URL
// answers 503 and its link disappears while off.
func TestFeedPanelPreviewsAndSwitchesEachCamera(t *testing.T) {
	r := newTestRigFeeds(t, Settings{}, "front", "back")
	m := r.a.main
	p := m.feeds
	onMain(func() {
		if !p.Object().Visible() || len(p.checks) != 2 || p.show.Selected != "front" || !p.checks[1].Checked {
			t.Fatalf("panel: visible %v, checks %d, preview %q", p.Object().Visible(), len(p.checks), p.show.Selected)
		}
	})
	// The cameras differ in width (320 and 336 px); the view may decode at a
	// smaller DCT scale, which keeps the order.
	r.a.preview.SetVisible(true)
	var front int
	eventually(t, "the first camera previewed", func() bool { front = shownWidth(m.view); return front > 1 })
	onMain(func() { p.show.SetSelected("back") })
	eventually(t, "the second camera previewed", func() bool { return shownWidth(m.view) > front })
	onMain(func() {
		if r.a.preview.Hub() != r.feeds[1].Hub || !m.camSel.Disabled() || !m.quality.Disabled() ||
			!m.pic.rotate.Disabled() || !m.pic.mirror.Disabled() || !m.pic.overlay.Disabled() {
			t.Error("the preview's hub or the first camera's controls do not follow the choice")
		}
	})
	sub := r.a.preview.Hub().Subscribe()
	f, err := sub.Next(t.Context())
	sub.Close()
	if err != nil || f.Width() != 336 {
		t.Fatalf("the snapshot's camera gives %v, want the second's 336 px frames", err)
	}

	tap(m.toggle)
	addr := r.srv.Addr()
	eventually(t, "both cameras' links", func() bool { return len(m.urlBox.Objects) == 2 })
	onMain(func() {
		if link := m.urlBox.Objects[1].(*widget.Hyperlink); link.Text != "back: http://"+addr+"/cam/back/" {
			t.Errorf("second link %q", link.Text)
		}
	})
	onMain(func() { test.Tap(p.checks[1]) })
	if r.srv.FeedOn("back") || get(t, addr, "/cam/back/snapshot.jpg") != http.StatusServiceUnavailable || get(t, addr, "/snapshot.jpg") != 200 {
		t.Fatal("switching back off did not take it off the server (or took the first camera too)")
	}
	eventually(t, "its link gone", func() bool { return len(m.urlBox.Objects) == 1 })
	onMain(func() { test.Tap(p.checks[1]) })
	if get(t, addr, "/cam/back/snapshot.jpg") != 200 {
		t.Error("back not served again")
	}
	onMain(func() { p.show.SetSelected("front") })
	onMain(func() {
		if m.camSel.Disabled() || m.pic.overlay.Disabled() || r.a.preview.Hub() != r.hub {
			t.Error("back on the first camera: its controls stay disabled")
		}
	})
}

// shownWidth is the width of the frame the view shows; UI goroutine only.
func shownWidth(v *jpegView) int { return v.img.Image.Bounds().Dx() }

// get fetches path and returns the status code.
func get(t *testing.T, addr, path string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
