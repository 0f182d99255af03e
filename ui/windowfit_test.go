package ui

import (
	"image"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
)

func TestFitWindowSize(t *testing.T) {
	min := fyne.NewSize(400, 300)
	for _, c := range []struct {
		name            string
		want, work, fit fyne.Size
	}{
		{"fits", fyne.NewSize(1000, 620), fyne.NewSize(1920, 1044), fyne.NewSize(1000, 620)},
		{"touchscreen with panel", fyne.NewSize(1000, 620), fyne.NewSize(800, 444), fyne.NewSize(792, 404)},
		{"only too tall", fyne.NewSize(700, 900), fyne.NewSize(1280, 684), fyne.NewSize(700, 644)},
		{"minimum wins over a tiny screen", fyne.NewSize(1000, 620), fyne.NewSize(320, 240), min},
		{"unknown screen", fyne.NewSize(1000, 620), fyne.Size{}, fyne.NewSize(1000, 620)},
		{"below the minimum", fyne.NewSize(100, 100), fyne.NewSize(1920, 1044), min},
	} {
		if got := fitWindowSize(c.want, min, c.work); got != c.fit {
			t.Errorf("%s: fitWindowSize(%v, %v, %v) = %v, want %v", c.name, c.want, min, c.work, got, c.fit)
		}
	}
}

func TestSmallScreenScale(t *testing.T) {
	for _, c := range []struct {
		name      string
		s         screenInfo
		want      string
		wantScale bool
	}{
		// The official 7" display: 800x480, 154 mm wide (132 dpi).
		{"Pi touchscreen", screenInfo{work: image.Rect(0, 0, 800, 480), widthPx: 800, widthMM: 154}, "0.728", true},
		{"Pi touchscreen with a panel", screenInfo{work: image.Rect(0, 36, 800, 480), widthPx: 800, widthMM: 154}, "0.728", true},
		{"small screen at 96 dpi", screenInfo{work: image.Rect(0, 0, 800, 480), widthPx: 800, widthMM: 212}, "", false},
		{"no physical size", screenInfo{work: image.Rect(0, 0, 800, 480), widthPx: 800}, "", false},
		{"Xvfb (100 dpi rounds to 1)", screenInfo{work: image.Rect(0, 0, 800, 480), widthPx: 800, widthMM: 203}, "", false},
		{"large HiDPI screen keeps Fyne's scale", screenInfo{work: image.Rect(0, 0, 2560, 1440), widthPx: 2560, widthMM: 340}, "", false},
	} {
		got, ok := smallScreenScale(c.s)
		if got != c.want || ok != c.wantScale {
			t.Errorf("%s: smallScreenScale = %q, %v; want %q, %v", c.name, got, ok, c.want, c.wantScale)
		}
	}
	t.Setenv("FYNE_SCALE", "1.5")
	if v, ok := setSmallScreenScale(screenInfo{work: image.Rect(0, 0, 800, 480), widthPx: 800, widthMM: 154}); ok || os.Getenv("FYNE_SCALE") != "1.5" {
		t.Errorf("the user's FYNE_SCALE was replaced by %q", v)
	}
}

// TestWindowRemembersSize: the size the user gave the window is saved by
// the app's poll and on hiding, not while full screen, and the next start
// opens at it, shrunk to the screen.
func TestWindowRemembersSize(t *testing.T) {
	r := newTestRig(t, Settings{})
	prefs := r.a.fyne.Preferences()
	onMain(func() {
		r.a.win.Resize(fyne.NewSize(900, 560))
		r.a.rememberSize()
	})
	if w, h := prefs.Float(prefWindowWidth), prefs.Float(prefWindowHeight); w != 900 || h != 560 {
		t.Fatalf("saved %vx%v, want 900x560", w, h)
	}
	onMain(func() {
		r.a.main.setFullScreen(true)
		r.a.win.Resize(fyne.NewSize(1920, 1080))
		r.a.rememberSize()
		r.a.main.setFullScreen(false)
	})
	if w, h := prefs.Float(prefWindowWidth), prefs.Float(prefWindowHeight); w != 900 || h != 560 {
		t.Errorf("full screen saved %vx%v over the window's 900x560", w, h)
	}

	// A new start: the saved size, shrunk to an 800x480 screen.
	onMain(func() {
		r.a.fitted = false
		r.a.screen = screenInfo{work: image.Rect(0, 0, 800, 480), widthPx: 800}
		r.a.fitWindow()
		if got, want := r.a.win.Canvas().Size(), fyne.NewSize(792, 440); got != want {
			t.Errorf("window at start on 800x480: %v, want %v", got, want)
		}
		r.a.screen = screenInfo{work: image.Rect(0, 0, 1920, 1080), widthPx: 1920}
		r.a.fitted = false
		r.a.fitWindow()
		if got, want := r.a.win.Canvas().Size(), fyne.NewSize(900, 560); got != want {
			t.Errorf("window at start on 1920x1080: %v, want %v", got, want)
		}
	})
}

// TestFullScreen: F11, the button and a double tap on the preview show the
// preview alone on the whole screen (from the LAN tab too); F11, Escape
// and a double tap bring the tabs back, with the preview in its place.
// Viewer windows toggle with F11 and a double tap as well.
func TestFullScreen(t *testing.T) {
	r := newTestRig(t, Settings{})
	m := r.a.main
	key := func(k fyne.KeyName) { r.a.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) }
	checkFull := func(how string, want bool) {
		t.Helper()
		if r.a.win.FullScreen() != want || m.full != want {
			t.Fatalf("%s: full screen %v, want %v", how, r.a.win.FullScreen(), want)
		}
		if want {
			st, ok := r.a.win.Content().(*fyne.Container)
			if !ok || len(st.Objects) == 0 || st.Objects[0] != m.view {
				t.Fatalf("%s: full-screen content is not the preview alone", how)
			}
			if !r.a.previewShown() {
				t.Fatalf("%s: the preview is not running", how)
			}
			return
		}
		if r.a.win.Content() != m.tabs || len(m.previewSlot.Objects) == 0 || m.previewSlot.Objects[0] != m.view {
			t.Fatalf("%s: tabs not back with the preview in its slot", how)
		}
	}
	onMain(func() {
		key(fyne.KeyF11)
		checkFull("F11", true)
		key(fyne.KeyF11)
		checkFull("F11 again", false)
		m.tabs.SelectIndex(1)
		key(fyne.KeyF11)
		checkFull("F11 on the LAN tab", true)
		key(fyne.KeyEscape)
		checkFull("Escape", false)
		key(fyne.KeyEscape)
		checkFull("Escape when not full screen", false)
		test.DoubleTap(m.tapArea)
		checkFull("double tap", true)
		test.DoubleTap(m.tapArea)
		checkFull("double tap again", false)
	})
	var fullBtn fyne.CanvasObject
	onMain(func() {
		var targets, pics []placed
		collect(r.a.win.Content(), fyne.Position{}, false, &targets, &pics)
		for _, p := range targets {
			if strings.Contains(p.String(), `"Full screen`) {
				fullBtn = p.obj
			}
		}
	})
	if fullBtn == nil {
		t.Fatal("no Full screen button")
	}
	onMain(func() {
		test.Tap(fullBtn.(fyne.Tappable))
		checkFull("the button", true)
		key(fyne.KeyF11)
	})

	var vw *viewer
	onMain(func() { vw = r.a.lan.openViewer("url:x", "Kitchen", "http://127.0.0.1:1/stream.mjpg", false) })
	onMain(func() {
		vk := func(k fyne.KeyName) { vw.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) }
		vk(fyne.KeyF11)
		if !vw.win.FullScreen() {
			t.Error("viewer: F11 did not go full screen")
		}
		vk(fyne.KeyEscape)
		if vw.win.FullScreen() {
			t.Error("viewer: Escape did not leave full screen")
		}
		var tap *doubleTapArea
		for _, o := range vw.win.Content().(*fyne.Container).Objects {
			if d, ok := o.(*doubleTapArea); ok {
				tap = d
			}
		}
		if tap == nil {
			t.Fatal("viewer: no double-tap area over the picture")
		}
		test.DoubleTap(tap)
		if !vw.win.FullScreen() {
			t.Error("viewer: double tap did not go full screen")
		}
	})
}

// TestSidePanelFolds: the panel stands beside the preview on landscape
// windows, below it on narrow or portrait ones, and its width does not
// follow its content within the bounds.
func TestSidePanelFolds(t *testing.T) {
	test.NewTempApp(t)
	preview := newJPEGView(func(fn func()) { fn() })
	defer preview.Close()
	side := container.NewVScroll(container.NewVBox())
	c := container.New(sideLayout{}, preview, side)
	for _, tc := range []struct {
		size   fyne.Size
		beside bool
	}{
		{fyne.NewSize(792, 404), true},
		{fyne.NewSize(1912, 1004), true},
		{fyne.NewSize(600, 400), false},
		{fyne.NewSize(480, 760), false},
	} {
		c.Resize(tc.size)
		pp, ps := preview.Position(), side.Position()
		beside := ps.X > pp.X && ps.Y == pp.Y
		if beside != tc.beside {
			t.Errorf("%v: preview at %v %v, panel at %v %v: beside %v, want %v", tc.size, pp, preview.Size(), ps, side.Size(), beside, tc.beside)
		}
		if beside && (side.Size().Width < sidePanelMinWidth || side.Size().Width > sidePanelMaxWidth) {
			t.Errorf("%v: panel %v wide", tc.size, side.Size().Width)
		}
		if !beside && (preview.Size().Height < tc.size.Height/2 || ps.Y < pp.Y+preview.Size().Height) {
			t.Errorf("%v: folded, preview %v at %v and panel at %v", tc.size, preview.Size(), pp, ps)
		}
	}
}

// TestPreviewStaysWhenStreamingStarts: the URLs that appear when streaming
// starts (two cameras: long per-camera links) neither widen the side panel
// nor move or shrink the preview, and the camera chooser shows its whole
// choice at 800x480.
func TestPreviewStaysWhenStreamingStarts(t *testing.T) {
	r := newTestRigFeeds(t, Settings{}, "main", "a-camera-with-a-long-name")
	m := r.a.main
	var pos fyne.Position
	var size fyne.Size
	onMain(func() {
		r.a.win.Resize(screenCases[0].size)
		m.camSel.SetSelected(labelAuto)
		pos, size = m.view.Position(), m.view.Size()
		if got := shownText(m.camSel); got != labelAuto {
			t.Errorf("camera chooser shows %q, want %q", got, labelAuto)
		}
	})
	onMain(func() { r.a.toggleStreaming() })
	eventually(t, "URLs shown", func() bool { return len(m.urlBox.Objects) >= 2 })
	onMain(func() {
		relayout(r.a.win.Content())
		if m.view.Position() != pos || m.view.Size() != size {
			t.Errorf("preview moved from %v %v to %v %v when streaming started", pos, size, m.view.Position(), m.view.Size())
		}
	})
}
