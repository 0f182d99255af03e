package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lancam/camera"
)

// TestPictureSettingsReopenTheCamera: rotation, mirror and overlay start
// as the settings say; each change reopens the camera with all three and
// is kept for the next run. The overlay applies on Enter or when the field
// is left, not per keystroke, and one the camera cannot draw not at all.
func TestPictureSettingsReopenTheCamera(t *testing.T) {
	flags := Settings{Source: "test", Width: 320, Height: 240, FPS: 30, Quality: 70, Listen: "127.0.0.1:0", Name: "Bench",
		Rotate: 180, Overlay: "%H"}
	r := newTestRig(t, flags)
	pc := r.a.main.pic
	onMain(func() {
		if pc.rotate.Selected != "180°" || pc.mirror.Checked || pc.overlay.Text != "%H" {
			t.Errorf("shown: rotation %q, mirror %v, overlay %q; want 180°, off, %%H", pc.rotate.Selected, pc.mirror.Checked, pc.overlay.Text)
		}
	})
	rec := r.recordOpens(func(Settings) camera.Source {
		src, _ := camera.Open("test", camera.OpenConfig{Width: 320, Height: 240, FPS: 30, Quality: 70, Logger: discard})
		return src
	})
	enter := func() { pc.overlay.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }
	want := flags
	for _, tc := range []struct {
		name   string
		do     func()
		change func(*Settings)
	}{
		{"rotation", func() { pc.rotate.SetSelected("90°") }, func(s *Settings) { s.Rotate = 90 }},
		{"mirror", func() { test.Tap(pc.mirror) }, func(s *Settings) { s.Mirror = true }},
		{"overlay on Enter", func() { pc.overlay.SetText("%Y-%m-%d %H:%M:%S"); enter() }, func(s *Settings) { s.Overlay = "%Y-%m-%d %H:%M:%S" }},
		{"overlay when left", func() {
			c := r.a.win.Canvas()
			c.Focus(pc.overlay)
			pc.overlay.SetText("")
			test.Type(pc.overlay, "%N")
			c.Unfocus()
		}, func(s *Settings) { s.Overlay = "%N" }},
		{"overlay off", func() { pc.overlay.SetText(""); enter() }, func(s *Settings) { s.Overlay = "" }},
		{"upright again", func() { pc.rotate.SetSelected("0°") }, func(s *Settings) { s.Rotate = 0 }},
	} {
		tc.change(&want)
		onMain(tc.do)
		eventually(t, tc.name+": the camera reopened", func() bool { got, _ := rec.last(); return got == want })
		if got := r.a.settings.Load(); got != want {
			t.Errorf("%s: saved %+v, want %+v", tc.name, got, want)
		}
	}

	_, opens := rec.last()
	for _, bad := range []string{strings.Repeat("x", 200), "a\x1bb"} {
		onMain(func() { pc.overlay.SetText(bad); enter() })
		if got := r.a.current().Overlay; got != "" {
			t.Errorf("overlay %q applied as %q", bad, got)
		}
	}
	if _, n := rec.last(); n != opens {
		t.Errorf("an overlay the camera cannot draw reopened it")
	}
}
