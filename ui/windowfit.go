package ui

import (
	"math"
	"os"
	"strconv"

	"fyne.io/fyne/v2"
)

// Preference keys of the main window's size, in Fyne units.
const (
	prefWindowWidth  = "window.width"
	prefWindowHeight = "window.height"
)

var (
	// defaultWindowSize is the first run's size on a large screen.
	defaultWindowSize = fyne.NewSize(1000, 620)
	// windowFrame is what a window manager adds around a window (title
	// bar, borders), which the work area must hold too.
	windowFrame = fyne.NewSize(8, 40)
)

// fitWindowSize is want shrunk to what the work area holds once the frame
// is added, but never below the content's minimum (Fyne would not allow
// it; the content is built to fit 800x480, see TestScreensFit). A zero
// work area (unknown screen) leaves want as it is.
func fitWindowSize(want, min, work fyne.Size) fyne.Size {
	if work.Width > 0 && work.Height > 0 {
		want = want.Min(work.Subtract(windowFrame))
	}
	return want.Max(min)
}

// smallScreenScale is the FYNE_SCALE that makes Fyne draw at one unit per
// pixel on a small screen, where Fyne's own choice (dots per inch over 96,
// as it computes it) would leave too few units: the Raspberry Pi 7"
// touchscreen reports 154 mm for 800 pixels, 132 dpi, so Fyne would scale
// by 1.4 and the 800x480 screen would be 570x340 units, less than the
// window needs. FYNE_SCALE multiplies Fyne's own scale, hence the inverse.
// ok is false where Fyne's scale is kept (large screens, 1:1 already).
func smallScreenScale(s screenInfo) (value string, ok bool) {
	if s.work.Dx() >= 1000 && s.work.Dy() >= 600 || s.widthPx <= 0 {
		return "", false
	}
	dpi := 96.0
	if s.widthMM > 0 {
		if d := float64(s.widthPx) / (float64(s.widthMM) / 25.4); d >= 10 && d <= 1000 {
			dpi = d
		}
	}
	detected := dpi / 96
	if math.Round(detected*10) <= 10 {
		return "", false
	}
	return strconv.FormatFloat(1/detected, 'f', 3, 64), true
}

// setSmallScreenScale sets FYNE_SCALE before Fyne reads it, unless the
// user chose one; main's environment is the only place Fyne takes it from.
func setSmallScreenScale(s screenInfo) (string, bool) {
	if os.Getenv("FYNE_SCALE") != "" {
		return "", false
	}
	v, ok := smallScreenScale(s)
	if ok {
		os.Setenv("FYNE_SCALE", v)
	}
	return v, ok
}

// workSize is the screen's work area in the window's units.
func (a *App) workSize() fyne.Size {
	if a.screen.work.Empty() {
		return fyne.Size{} // no X display: unknown
	}
	scale := a.win.Canvas().Scale()
	if scale <= 0 {
		scale = 1
	}
	return fyne.NewSize(float32(a.screen.work.Dx())/scale, float32(a.screen.work.Dy())/scale)
}

// fitToScreen is fitWindowSize for other windows (viewers); UI
// goroutine, as it reads the main window's scale.
func (a *App) fitToScreen(want, min fyne.Size) fyne.Size {
	return fitWindowSize(want, min, a.workSize())
}

// savedWindowSize is the size the window had when lancam last saved it,
// or the default.
func (a *App) savedWindowSize() fyne.Size {
	p := a.fyne.Preferences()
	w, h := p.Float(prefWindowWidth), p.Float(prefWindowHeight)
	if w < 1 || h < 1 || w > 1e5 || h > 1e5 {
		return defaultWindowSize
	}
	return fyne.NewSize(float32(w), float32(h))
}

// fitWindow sizes the window to the saved size within the screen; UI
// goroutine. It runs before the window is shown and again once it is
// (only then does the canvas know its scale).
func (a *App) fitWindow() {
	if a.win.FullScreen() {
		return
	}
	want := a.savedWindowSize()
	if a.fitted {
		want = a.win.Canvas().Size()
	}
	size := fitWindowSize(want, a.win.Content().MinSize(), a.workSize())
	if size != a.win.Canvas().Size() {
		a.win.Resize(size)
	}
	a.fitted = true
}

// rememberSize saves the window's size when the user changed it; UI
// goroutine. Fyne reports no resizes, so the app's poll calls this; a
// full-screen or hidden window keeps the size it had before.
func (a *App) rememberSize() {
	if !a.shown.Load() || a.win.FullScreen() {
		return
	}
	s := a.win.Canvas().Size()
	if s.Width < 1 || s.Height < 1 {
		return
	}
	p := a.fyne.Preferences()
	w, h := float64(s.Width), float64(s.Height)
	if p.Float(prefWindowWidth) != w || p.Float(prefWindowHeight) != h {
		p.SetFloat(prefWindowWidth, w)
		p.SetFloat(prefWindowHeight, h)
	}
}
