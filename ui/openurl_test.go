package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestOpenURLEnter: Enter in the Open URL dialog opens the viewer, as the
// Open button does, but not while the URL is refused.
func TestOpenURLEnter(t *testing.T) {
	r := newTestRig(t, Settings{})
	good := "http://127.0.0.1:1/stream.mjpg" // valid; whether it answers does not matter here
	var entry *widget.Entry
	onMain(func() {
		r.a.main.tabs.SelectIndex(1)
		r.a.lan.showOpenURL()
		entry, _ = r.a.win.Canvas().Focused().(*widget.Entry)
	})
	if entry == nil {
		t.Fatal("the dialog's entry has no focus")
	}
	onMain(func() {
		test.Type(entry, "ftp://nowhere")
		entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if r.a.win.Canvas().Overlays().Top() == nil {
			t.Error("Enter closed the dialog on a refused URL")
		}
		entry.SetText(good)
		entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	eventually(t, "the viewer opened by Enter", func() bool { return r.a.lan.viewerFor("url:"+good) != nil })
	onMain(func() {
		if top := r.a.win.Canvas().Overlays().Top(); top != nil && top.Visible() {
			t.Error("the dialog is still open after Enter")
		}
	})
}
