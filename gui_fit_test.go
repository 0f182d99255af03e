//go:build gui

package main

// Issue 17: lancam's window on small screens, the Raspberry Pi 7"
// touchscreen (800x480) first. The window fits the screen with everything
// on it, F11 toggles full screen, and the window comes back at the size the
// user gave it. Xvfb runs no window manager, so the tests play its part
// with raw X requests (resize, focus) and type keys through XTEST.

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// fitAllowed are the error lines expected without a session bus (noBus):
// the tray cannot be made.
var fitAllowed = []string{"bus", "tray", "DBus", "D-Bus"}

// fitPrimary is the fill of a high-importance Fyne button ("Start
// streaming") in lancam's theme, as it is on screen under Xvfb.
var fitPrimary = [3]uint8{0x29, 0x6f, 0xf6}

// prefsPath is where Fyne keeps lancam's preferences under the test's HOME
// (XDG_CONFIG_HOME is $HOME/.config, see guiEnv.env).
func (g *guiEnv) prefsPath() string {
	return filepath.Join(g.home, ".config", "fyne", "io.github.lancam", "preferences.json")
}

// readPrefs reads lancam's preferences file; ok is false while there is
// none or it does not parse (Fyne may be writing it).
func (g *guiEnv) readPrefs() (map[string]any, bool) {
	b, err := os.ReadFile(g.prefsPath())
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil, false
	}
	return m, true
}

// writePrefs writes lancam's preferences file before lancam starts.
func (g *guiEnv) writePrefs(m map[string]any) {
	g.t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(g.prefsPath()), 0o755); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(g.prefsPath(), b, 0o644); err != nil {
		g.t.Fatal(err)
	}
}

// waitSavedSize polls lancam's preferences until they hold window.width w
// and window.height h (within 2; Fyne units, which are pixels at scale 1
// as under Xvfb's 96-100 dpi screen), for up to 5 s while lancam runs; once
// it has exited, the file must hold them already.
func (g *guiEnv) waitSavedSize(l *lancam, w, h int) {
	g.t.Helper()
	start := time.Now()
	for {
		prefs, ok := g.readPrefs()
		pw, _ := prefs["window.width"].(float64)
		ph, _ := prefs["window.height"].(float64)
		if ok && absDiff(int(pw+0.5), w) <= 2 && absDiff(int(ph+0.5), h) <= 2 {
			g.t.Logf("saved in %s after %v: window.width %v, window.height %v", g.prefsPath(), time.Since(start).Round(time.Millisecond), pw, ph)
			return
		}
		if l.exited() || time.Since(start) > 5*time.Second {
			g.t.Fatalf("%s holds no window.width %d and window.height %d after %v (lancam exited: %v): %v",
				g.prefsPath(), w, h, time.Since(start).Round(time.Millisecond), l.exited(), prefs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenRect is the X screen's rectangle, as the server reports it.
func (g *guiEnv) screenRect() image.Rectangle {
	g.t.Helper()
	var r image.Rectangle
	g.x("connection setup", func(x *xConn) error { r = x.screen; return nil })
	return r
}

// waitGeometry polls window id's rectangle until cond holds, and returns
// it; the test fails after timeout, saying what was wanted and what the
// window last was.
func (g *guiEnv) waitGeometry(l *lancam, id uint32, timeout time.Duration, what string, cond func(image.Rectangle) bool) image.Rectangle {
	g.t.Helper()
	start := time.Now()
	var r image.Rectangle
	for {
		g.x("window geometry", func(x *xConn) error {
			var err error
			r, err = x.geometry(id)
			return err
		})
		if cond(r) {
			g.t.Logf("window %v (%s) after %v", r, what, time.Since(start).Round(time.Millisecond))
			return r
		}
		if l.exited() {
			g.t.Fatalf("lancam exited with code %d while waiting for the window to be %s (lancam stderr below)", l.cmd.ProcessState.ExitCode(), what)
		}
		if time.Since(start) > timeout {
			g.saveOnFailure("geometry", g.screenshot())
			g.t.Fatalf("window is %v (%dx%d), not %s after %v", r, r.Dx(), r.Dy(), what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// measure is win with its rectangle measured now.
func (g *guiEnv) measure(win xWindow) xWindow {
	g.t.Helper()
	g.x("window geometry", func(x *xConn) error {
		var err error
		win.rect, err = x.geometry(win.id)
		return err
	})
	return win
}

// countColour counts the pixels in r of img within tol of c per channel.
func countColour(img image.Image, r image.Rectangle, c [3]uint8, tol int) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if absDiff(int(cr>>8), int(c[0])) <= tol && absDiff(int(cg>>8), int(c[1])) <= tol && absDiff(int(cb>>8), int(c[2])) <= tol {
				n++
			}
		}
	}
	return n
}

// colourBlock is the tallest stack of consecutive rows in r of img that
// each hold a run of at least minRun pixels of colour c (within tol): the
// bounding box of those runs, empty if there is none.
func colourBlock(img image.Image, r image.Rectangle, c [3]uint8, tol, minRun int) image.Rectangle {
	near := func(x, y int) bool {
		cr, cg, cb, _ := img.At(x, y).RGBA()
		return absDiff(int(cr>>8), int(c[0])) <= tol && absDiff(int(cg>>8), int(c[1])) <= tol && absDiff(int(cb>>8), int(c[2])) <= tol
	}
	var best, cur image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := image.Rectangle{} // this row's longest run
		for x := r.Min.X; x < r.Max.X; {
			if !near(x, y) {
				x++
				continue
			}
			x0 := x
			for x < r.Max.X && near(x, y) {
				x++
			}
			if x-x0 > row.Dx() {
				row = image.Rect(x0, y, x, y+1)
			}
		}
		switch {
		case row.Dx() < minRun:
			cur = image.Rectangle{}
		case cur.Empty():
			cur = row
		default:
			cur = cur.Union(row)
		}
		if cur.Dy() > best.Dy() {
			best = cur
		}
	}
	return best
}

func absDiff(a, b int) int {
	if a < b {
		return b - a
	}
	return a - b
}

// checkInside fails the test unless the window rectangle r lies entirely
// on screen.
func checkInside(t *testing.T, r, screen image.Rectangle) {
	t.Helper()
	if !r.In(screen) {
		t.Errorf("window %v (%dx%d) is not inside the %dx%d screen: left %d, top %d, right %d, bottom %d",
			r, r.Dx(), r.Dy(), screen.Dx(), screen.Dy(), r.Min.X, r.Min.Y, r.Max.X, r.Max.Y)
	}
}

// TestGUIFitScreens: on an 800x480 (Raspberry Pi 7" touchscreen), a
// 1280x720 and a 1920x1080 screen, each a fresh X server and a fresh HOME
// (so no saved size), lancam's window lies entirely on the screen; at
// 800x480 it also uses most of it (at least 600x380). Inside the window
// the preview moves (two screenshots half a second apart differ), the
// "Start streaming" button is drawn (a block of the theme's primary
// colour), and the window's bottom rows, where the preview ends, are on
// screen and painted by lancam (not the X server's black background only).
func TestGUIFitScreens(t *testing.T) {
	for _, sc := range []struct{ w, h int }{{800, 480}, {1280, 720}, {1920, 1080}} {
		t.Run(fmt.Sprintf("%dx%d", sc.w, sc.h), func(t *testing.T) {
			g, screen := newFitEnv(t, sc.w, sc.h)
			if screen != image.Rect(0, 0, sc.w, sc.h) {
				t.Fatalf("X screen is %v, want %dx%d", screen, sc.w, sc.h)
			}
			// The pointer in the screen's corner, off the window: no
			// button under it changes colour (Xvfb starts it mid-screen).
			corner := image.Pt(sc.w-1, sc.h-1)
			g.x("pointer", func(x *xConn) error {
				if err := x.warpPointer(corner.X, corner.Y); err != nil {
					return err
				}
				if p, err := x.pointer(); err != nil || p != corner {
					return fmt.Errorf("pointer at %v after warping it to %v (%v)", p, corner, err)
				}
				return nil
			})
			l, win := g.startFitGUI("window")
			r := win.rect
			checkInside(t, r, screen)
			if sc.w == 800 && (r.Dx() < 600 || r.Dy() < 380) {
				t.Errorf("window is %dx%d on the 800x480 screen, want at least 600x380", r.Dx(), r.Dy())
			}
			r = r.Intersect(screen)

			// The preview moves: at 30 fps the test pattern changes a clear
			// share of the window in half a second.
			a := g.screenshot()
			time.Sleep(500 * time.Millisecond)
			b := g.screenshot()
			g.saveOnFailure("a", a)
			g.saveOnFailure("b", b)
			changed, area := countChanged(a, b, r), r.Dx()*r.Dy()
			if want := max(2000, area/100); changed < want {
				t.Errorf("only %d of %d window pixels changed in 0.5 s, want at least %d: no moving preview", changed, area, want)
			}

			// The "Start streaming" button, whole: a high-importance button
			// is a block filled with the primary colour (the preview's test
			// pattern has none of it; the selected tab's label and
			// underline are too thin to pass for it).
			block := colourBlock(b, r, fitPrimary, 6, 40)
			n := countColour(b, block, fitPrimary, 6)
			if block.Dy() < 30 || n < 1500 {
				t.Errorf("the largest block of the primary colour %x in the window is %v (%dx%d, %d pixels of it), want one at least 30 rows high with 1500 pixels: no whole \"Start streaming\" button on screen",
					fitPrimary, block, block.Dx(), block.Dy(), n)
			} else {
				t.Logf("the \"Start streaming\" button: %v, %d pixels of the primary colour", block, n)
			}

			// The bottom 10 rows of the window, where the preview and the
			// side panel end, are on screen and lancam painted them: they
			// are not all the X server's black background (-br).
			bottom := image.Rect(win.rect.Min.X, win.rect.Max.Y-10, win.rect.Max.X, win.rect.Max.Y)
			if !bottom.In(screen) {
				t.Errorf("the window's bottom rows %v are not on the %dx%d screen", bottom, sc.w, sc.h)
			} else if black := countColour(b, bottom, [3]uint8{0, 0, 0}, 0); black == bottom.Dx()*bottom.Dy() {
				t.Errorf("the window's bottom rows %v are all black: lancam did not paint them", bottom)
			}
			stopGUI(t, l, syscall.SIGTERM, fitAllowed...)
		})
	}
}

// TestGUIFitFullScreen: on the 800x480 screen, F11 typed into lancam's
// window (keyboard focus on it, the key through XTEST) makes the window
// cover the whole screen, (0,0)-(800,480); F11 again brings it back to
// exactly where and how large it was, and so does Escape after a second
// F11. The preview still moves in full screen; afterwards the size lancam
// remembers is the window's, not the full screen's; and lancam quits with
// code 0 on SIGTERM.
func TestGUIFitFullScreen(t *testing.T) {
	g, screen := newFitEnv(t, 800, 480)
	l, win := g.startFitGUI("window")
	before := win.rect
	if before == screen {
		t.Fatalf("the window already covers the whole screen %v before F11", screen)
	}
	press := func(keysym uint32) {
		t.Helper()
		g.x("focus and key", func(x *xConn) error {
			if err := x.focusWindow(win.id); err != nil {
				return err
			}
			return x.pressKey(keysym)
		})
	}

	press(keysymF11)
	full := g.waitGeometry(l, win.id, 5*time.Second, fmt.Sprintf("the whole screen %v after F11", screen),
		func(r image.Rectangle) bool { return r == screen })
	g.x("attributes", func(x *xConn) error {
		or, err := x.overrideRedirect(win.id)
		t.Logf("full screen %v, override-redirect %v", full, or)
		return err
	})
	// Full screen is still lancam's live window: the preview moves.
	waitPreview(t, l, len(previewLines(l.stderr.String())), 6*time.Second, "shown=true fps>0 in full screen",
		func(p previewLine) bool { return p.shown && p.fps > 0 })
	a := g.screenshot()
	time.Sleep(500 * time.Millisecond)
	b := g.screenshot()
	g.saveOnFailure("full-a", a)
	g.saveOnFailure("full-b", b)
	if changed, want := countChanged(a, b, screen), 2000; changed < want {
		t.Errorf("in full screen only %d pixels changed in 0.5 s, want at least %d", changed, want)
	}

	press(keysymF11)
	g.waitGeometry(l, win.id, 5*time.Second, fmt.Sprintf("back at %v after F11 again", before),
		func(r image.Rectangle) bool { return r == before })

	press(keysymF11)
	g.waitGeometry(l, win.id, 5*time.Second, fmt.Sprintf("the whole screen %v after a third F11", screen),
		func(r image.Rectangle) bool { return r == screen })
	press(keysymEscape)
	g.waitGeometry(l, win.id, 5*time.Second, fmt.Sprintf("back at %v after Escape", before),
		func(r image.Rectangle) bool { return r == before })

	// The size to remember is the window's, not the full screen's: so it
	// is in the preferences lancam leaves behind.
	stopGUI(t, l, syscall.SIGTERM, fitAllowed...)
	g.waitSavedSize(l, before.Dx(), before.Dy())
}

// TestGUIFitRemembersSize: on a 1280x720 screen the window resized to
// 900x560 (as a window manager would, ConfigureWindow) is saved in Fyne's
// preferences file as window.width/window.height, and the next start with
// the same HOME opens the window at 900x560 again, on screen.
func TestGUIFitRemembersSize(t *testing.T) {
	const w, h = 900, 560
	g, screen := newFitEnv(t, 1280, 720)
	l, win := g.startFitGUI("first")
	if win.rect.Dx() == w && win.rect.Dy() == h {
		t.Fatalf("the window is %v at its first start already: the test would prove nothing", win.rect)
	}
	g.x("resize", func(x *xConn) error { return x.resizeWindow(win.id, w, h) })
	g.waitGeometry(l, win.id, 5*time.Second, fmt.Sprintf("%dx%d", w, h),
		func(r image.Rectangle) bool { return r.Dx() == w && r.Dy() == h })

	g.waitSavedSize(l, w, h)
	stopGUI(t, l, syscall.SIGTERM, fitAllowed...)

	l, win = g.startFitGUI("second")
	if absDiff(win.rect.Dx(), w) > 2 || absDiff(win.rect.Dy(), h) > 2 {
		t.Errorf("restarted, the window is %dx%d, want the saved %dx%d", win.rect.Dx(), win.rect.Dy(), w, h)
	}
	checkInside(t, win.rect, screen)
	stopGUI(t, l, syscall.SIGTERM, fitAllowed...)
}

// TestGUIFitSavedSizeTooBig: a saved size larger than the screen (2000x1500
// in the preferences, on the 800x480 screen, as after moving the SD card
// from a desktop to the Pi) still opens the window entirely on screen.
func TestGUIFitSavedSizeTooBig(t *testing.T) {
	g, screen := newFitEnv(t, 800, 480)
	g.writePrefs(map[string]any{"window.width": 2000.0, "window.height": 1500.0})
	l, win := g.startFitGUI("window")
	checkInside(t, win.rect, screen)
	stopGUI(t, l, syscall.SIGTERM, fitAllowed...)
}

// newFitEnv is a test's private w x h X server without a window manager
// or session bus (lancam is a plain window), and the screen's rectangle
// as the X server reports it.
func newFitEnv(t *testing.T, w, h int) (*guiEnv, image.Rectangle) {
	t.Helper()
	g := newGUIEnv(t)
	g.startXvfbSize(w, h)
	g.noBus()
	return g, g.screenRect()
}

// startFitGUI starts lancam with the moving test pattern, waits for its
// window and returns it measured once the preview runs: start-up is over,
// any fitting to the screen done. The first shot is kept as name if the
// test fails.
func (g *guiEnv) startFitGUI(name string) (*lancam, xWindow) {
	g.t.Helper()
	l := g.startGUI("-source", "test", "-size", "640x360", "-fps", "30")
	win, shot := g.waitWindow(l)
	g.saveOnFailure(name, shot)
	waitPreview(g.t, l, 0, 10*time.Second, "shown=true fps>0", func(p previewLine) bool { return p.shown && p.fps > 0 })
	return l, g.measure(win)
}
