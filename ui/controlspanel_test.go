package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lancam/camera"
)

// openControls gives the rig's camera cam's controls (behind a wrapper, as
// a rotated camera is) and opens the panel.
func openControls(t *testing.T, r *testRig, cam *fakeCam) *controlsPanel {
	t.Helper()
	r.hub.SetSource(turned{cam})
	p := r.a.main.controls
	tap(p.header)
	eventually(t, "a row per editable control", func() bool { return len(p.rows) == 8 })
	return p
}

// row finds a control's row; UI goroutine only, where t.Fatal cannot be
// called: a missing row panics.
func row(p *controlsPanel, name string) *controlRow {
	for _, r := range p.rows {
		if r.c.Name == name {
			return r
		}
	}
	panic(fmt.Sprintf("no row %q", name))
}

// describe is what a row shows; UI goroutine only.
func describe(r *controlRow) string {
	title, imp := "", widget.MediumImportance
	if r.title != nil {
		title, imp = r.title.Text, r.title.Importance
	}
	grey := ""
	if imp == widget.LowImportance || r.button != nil && r.button.Importance == widget.LowImportance {
		grey = " grey"
	}
	switch {
	case r.slider != nil:
		return fmt.Sprintf("%s%s: slider %g..%g at %g says %s", title, grey, r.slider.Min, r.slider.Max, r.slider.Value, r.value.Text)
	case r.check != nil:
		return fmt.Sprintf("%s%s: check %v", title, grey, r.check.Checked)
	case r.menu != nil:
		return fmt.Sprintf("%s%s: select %q at %q", title, grey, r.menu.Options, r.menu.Selected)
	}
	return fmt.Sprintf("button %q%s", r.button.Text, grey)
}

// TestControlsPanelBuildsAWidgetPerControl: nothing is read while the
// panel is closed; opened, it shows each control as the right widget with
// its value (sliders count steps from the minimum), greys inactive ones,
// notes restarts, skips what it cannot edit, and reads afresh when opened
// again.
func TestControlsPanelBuildsAWidgetPerControl(t *testing.T) {
	r := newTestRig(t, Settings{})
	cam := newFakeCam(t, benchControls())
	r.hub.SetSource(turned{cam})
	onMain(func() {
		if r.a.main.controls.body.Visible() {
			t.Error("the panel starts open")
		}
	})
	if reads, _ := cam.counts(); reads != 0 {
		t.Errorf("%d reads of the controls while the panel is closed", reads)
	}
	p := openControls(t, r, cam)
	onMain(func() {
		for i, want := range []string{
			"Brightness: slider 0..255 at 100 says 100",
			"Sharpness: slider 0..4 at 3 says 7",
			"Horizontal Flip: check false",
			`Power Line Frequency: select ["Disabled" "50 Hz" "60 Hz"] at "60 Hz"`,
			"Auto Exposure: check true",
			"Exposure Time, Absolute grey: slider 0..2044 at 247 says 250",
			`button "Focus, Trigger"`,
			"Lens Shading (restarts the camera): check true",
		} {
			if got := describe(p.rows[i]); got != want {
				t.Errorf("row %d: %s\n          want %s", i, got, want)
			}
		}
		if p.status.Visible() || !p.reset.Visible() {
			t.Errorf("status %q shown %v, reset shown %v", p.status.Text, p.status.Visible(), p.reset.Visible())
		}
	})

	cam.setValue(1, 42) // v4l2-ctl meanwhile
	tap(p.header)
	tap(p.header)
	eventually(t, "the new value after reopening", func() bool { return len(p.rows) == 8 && p.rows[0].value.Text == "42" })
}

// TestControlsPanelSendsWhatTheUserChose: each widget sets its control,
// with slider values on the control's step grid (the fake refuses others).
func TestControlsPanelSendsWhatTheUserChose(t *testing.T) {
	r := newTestRig(t, Settings{})
	cam := newFakeCam(t, benchControls())
	p := openControls(t, r, cam)
	for _, tc := range []struct {
		name string
		do   func(*controlRow)
		want setCall
		says string // a slider's value label afterwards
	}{
		{"Sharpness", func(r *controlRow) { // the middle of 1..9 step 2
			r.slider.Resize(fyne.NewSize(200, 20))
			test.TapAt(r.slider, fyne.NewPos(100, 10))
		}, setCall{2, 5}, "5"},
		{"Brightness", func(r *controlRow) { r.slider.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight}) }, setCall{1, 101}, "101"},
		{"Exposure Time, Absolute", func(r *controlRow) { r.slider.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft}) }, setCall{6, 249}, "249"},
		{"Horizontal Flip", func(r *controlRow) { test.Tap(r.check) }, setCall{3, 1}, ""},
		{"Power Line Frequency", func(r *controlRow) { r.menu.SetSelected("50 Hz") }, setCall{4, 1}, ""},
		{"Focus, Trigger", func(r *controlRow) { test.Tap(r.button) }, setCall{7, 0}, ""},
	} {
		var rw *controlRow
		onMain(func() { rw = row(p, tc.name); tc.do(rw) })
		eventually(t, tc.name+" set", func() bool { got, _ := cam.lastSet(); return got == tc.want })
		onMain(func() {
			if p.status.Visible() {
				t.Errorf("%s: %q", tc.name, p.status.Text)
			}
			if tc.says != "" && rw.value.Text != tc.says {
				t.Errorf("%s: the slider says %q, want %q", tc.name, rw.value.Text, tc.says)
			}
		})
	}

	// Switching auto exposure off puts the exposure time in use: its
	// title stops being grey.
	onMain(func() { test.Tap(row(p, "Auto Exposure").check) })
	eventually(t, "exposure time in use", func() bool {
		return row(p, "Exposure Time, Absolute").title.Importance == widget.MediumImportance
	})
}

// TestControlsPanelSaysWhatFailed: a refused change is an error in words,
// and the widget goes back to what the camera holds.
func TestControlsPanelSaysWhatFailed(t *testing.T) {
	r := newTestRig(t, Settings{})
	cam := newFakeCam(t, benchControls())
	p := openControls(t, r, cam)
	var flip *controlRow
	onMain(func() { flip = row(p, "Horizontal Flip") })

	cam.setFail(errors.New("device busy"))
	onMain(func() { test.Tap(flip.check) })
	eventually(t, "the error shown and the box unchecked again", func() bool {
		return p.status.Visible() && p.status.Importance == widget.DangerImportance &&
			strings.Contains(p.status.Text, "Could not set Horizontal Flip: device busy") && !flip.check.Checked
	})

	cam.setFail(nil)
	onMain(func() { test.Tap(flip.check) })
	eventually(t, "the error gone once a change works", func() bool {
		got, _ := cam.lastSet()
		return got == setCall{3, 1} && !p.status.Visible() && flip.check.Checked
	})
}

// TestControlsPanelResetsToDefaults: Reset asks the camera and the widgets
// then show the defaults, including a value changed behind the window.
func TestControlsPanelResetsToDefaults(t *testing.T) {
	r := newTestRig(t, Settings{})
	cam := newFakeCam(t, benchControls())
	p := openControls(t, r, cam)
	onMain(func() { test.Tap(row(p, "Horizontal Flip").check) })
	eventually(t, "flip set", func() bool { got, _ := cam.lastSet(); return got == setCall{3, 1} })
	cam.setValue(8, 0)

	tap(p.reset)
	want := []string{
		"Brightness: slider 0..255 at 128 says 128",
		"Sharpness: slider 0..4 at 1 says 3",
		"Horizontal Flip: check false",
		`Power Line Frequency: select ["Disabled" "50 Hz" "60 Hz"] at "50 Hz"`,
		"Auto Exposure: check true",
		"Exposure Time, Absolute grey: slider 0..2044 at 247 says 250",
		`button "Focus, Trigger"`,
		"Lens Shading (restarts the camera): check true",
	}
	eventually(t, "the defaults shown", func() bool {
		if len(p.rows) != len(want) {
			return false
		}
		for i, w := range want {
			if describe(p.rows[i]) != w {
				return false
			}
		}
		return !p.reset.Disabled()
	})
	if _, resets := cam.counts(); resets != 1 {
		t.Errorf("%d resets, want 1", resets)
	}
	if got, _ := cam.lastSet(); got != (setCall{3, 1}) {
		t.Errorf("showing the defaults sent %v back to the camera", got)
	}
}

// TestControlsPanelFollowsThePreviewedCamera: with two cameras the panel
// shows, and sets, the controls of the one previewed.
func TestControlsPanelFollowsThePreviewedCamera(t *testing.T) {
	r := newTestRigFeeds(t, Settings{}, "front", "back")
	back := newFakeCam(t, []camera.Control{{ID: 20, Name: "Zoom, Absolute", Type: "int", Min: 100, Max: 500, Step: 10, Default: 100, Value: 150}})
	r.feeds[1].Hub.SetSource(back)
	front := newFakeCam(t, benchControls())
	p := openControls(t, r, front)

	onMain(func() { r.a.main.feeds.show.SetSelected("back") })
	eventually(t, "the second camera's controls", func() bool { return len(p.rows) == 1 && p.rows[0].c.Name == "Zoom, Absolute" })
	onMain(func() { p.rows[0].slider.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight}) })
	eventually(t, "zoom set", func() bool { got, _ := back.lastSet(); return got == setCall{20, 160} })
	if _, ok := front.lastSet(); ok {
		t.Error("a change for the second camera reached the first")
	}

	onMain(func() { r.a.main.feeds.show.SetSelected("front") })
	eventually(t, "the first camera's controls again", func() bool { return len(p.rows) == 8 })
}

// TestControlsPanelWithoutControls: the test pattern has none, which the
// panel says; once the user's change reopens a camera that has some, they
// appear.
func TestControlsPanelWithoutControls(t *testing.T) {
	r := newTestRig(t, Settings{})
	p := r.a.main.controls
	tap(p.header)
	eventually(t, "the message", func() bool {
		return p.status.Visible() && p.status.Text == noControlsText && len(p.rows) == 0 && !p.reset.Visible()
	})

	cam := newFakeCam(t, benchControls())
	rec := r.recordOpens(func(Settings) camera.Source { return turned{cam} })
	onMain(func() { r.a.main.pic.rotate.SetSelected("90°") })
	eventually(t, "the reopened camera's controls", func() bool { return len(p.rows) == 8 && !p.status.Visible() })
	if s, n := rec.last(); n != 1 || s.Rotate != 90 {
		t.Errorf("OpenSource called %d times, last with rotate %d", n, s.Rotate)
	}
}
