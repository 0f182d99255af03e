//go:build gui

package main

// The real window under Xvfb: the preview moves on screen, streaming starts
// from the tray, and lancam runs and quits cleanly without any session bus.

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// TestGUIWindow: the preview in lancam's window moves (two screenshots
// half a second apart differ clearly in the window), the preview log line
// reports the painted rate, and streaming started from the tray serves
// /stream.mjpg on -listen.
func TestGUIWindow(t *testing.T) {
	g := newGUIEnv(t)
	g.startXvfb()
	g.startBus()
	w := startTrayWatcher(t, g.bus)
	start := time.Now()
	l := g.startGUI("-source", "test", "-size", "640x360", "-fps", "30")
	win, _ := g.waitWindow(l)
	t.Logf("window up %v after start", time.Since(start).Round(time.Millisecond))

	// The first preview line with frames painted: the preview runs.
	p := waitPreview(t, l, 0, 10*time.Second, "shown=true fps>0", func(p previewLine) bool { return p.shown && p.fps > 0 })
	t.Logf("preview: %.1f fps painted, decode+scale %.1f ms", p.fps, p.decodeMS)

	// Two screenshots 0.5 s apart: at 30 fps the moving test pattern
	// changes a clear share of the window (at least 1 %, and 2000 pixels).
	a := g.screenshot()
	time.Sleep(500 * time.Millisecond)
	b := g.screenshot()
	g.saveOnFailure("a", a)
	g.saveOnFailure("b", b)
	r := win.rect.Intersect(a.Bounds())
	changed := countChanged(a, b, r)
	area := r.Dx() * r.Dy()
	want := max(2000, area/100)
	t.Logf("%d of %d window pixels (%.1f %%) changed in 0.5 s", changed, area, 100*float64(changed)/float64(max(area, 1)))
	if changed < want {
		t.Errorf("only %d pixels of the window changed in 0.5 s, want at least %d: the preview does not move", changed, want)
	}
	// Outside the window the screen stays as it was (nothing else draws).
	if outside := countChanged(a, b, a.Bounds()) - changed; outside > 0 {
		t.Logf("%d pixels changed outside the window", outside)
	}

	// A later line reports the rate over a whole interval with the window
	// shown; software GL on a busy CI machine is slow, so only ask for 10.
	p = waitPreview(t, l, len(previewLines(l.stderr.String())), 6*time.Second, "shown=true", func(p previewLine) bool { return p.shown })
	t.Logf("preview: %.1f fps painted, decode+scale %.1f ms", p.fps, p.decodeMS)
	if p.fps < 10 {
		t.Errorf("preview paints %.1f fps of the 30 fps test pattern, want at least 10", p.fps)
	}

	// The HTTP server is off until streaming starts from the tray.
	waitPortClosed(t, l, 0)
	m := w.itemMenu(t, w.waitItem(t, l, trayTimeout))
	m.waitLabels(t, trayLabels(false), trayTimeout)
	m.click(t, "Start streaming")
	waitStreamUp(t, l, streamTimeout)
	m.waitLabels(t, trayLabels(true), trayTimeout)
	m.click(t, "Stop streaming")
	waitPortClosed(t, l, streamTimeout)

	stopGUI(t, l, syscall.SIGTERM) // TestGUIQuitWhileStreaming quits while streaming
}

// TestGUINoSessionBus: without a session bus (an address that leads
// nowhere, an empty runtime dir) lancam still shows its window, and both
// signals end it with code 0 and no panic (fyne.io/systray would panic in
// its teardown if a tray had been made).
func TestGUINoSessionBus(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			g := newGUIEnv(t)
			g.startXvfb()
			g.noBus()
			l := g.startGUI("-source", "test", "-size", "320x240", "-fps", "15")
			_, shot := g.waitWindow(l)
			g.saveOnFailure("window", shot)
			// A preview line: the app is well past its start-up, tray
			// attempt included.
			waitPreview(t, l, 0, 10*time.Second, "shown=true", func(p previewLine) bool { return p.shown })
			stopGUI(t, l, sig, "bus", "tray", "DBus", "D-Bus")
		})
	}
}

// TestGUIMinimised: Fyne does not report minimising, so lancam asks the X
// server; a window the window manager marks iconic (ICCCM WM_STATE, set
// here with xprop since Xvfb runs no window manager) stops decoding, and
// decoding resumes when it is back.
func TestGUIMinimised(t *testing.T) {
	xprop := testenv.Tool(t, "xprop")
	g := newGUIEnv(t)
	g.startXvfb()
	g.noBus()
	l := g.startGUI("-source", "test", "-size", "640x360", "-fps", "30")
	win, _ := g.waitWindow(l)
	waitPreview(t, l, 0, 10*time.Second, "shown=true fps>0", func(p previewLine) bool { return p.shown && p.fps > 0 })
	setState := func(state string) {
		t.Helper()
		out, err := exec.Command(xprop, "-display", g.display, "-id", fmt.Sprint(win.id),
			"-f", "WM_STATE", "32c", "-set", "WM_STATE", state).CombinedOutput()
		if err != nil {
			t.Fatalf("xprop: %v %s", err, out)
		}
	}
	setState("3") // IconicState
	p := waitPreview(t, l, len(previewLines(l.stderr.String())), 6*time.Second, "shown=false", func(p previewLine) bool { return !p.shown })
	p = waitPreview(t, l, len(previewLines(l.stderr.String())), 6*time.Second, "a whole interval minimised", func(p previewLine) bool { return true })
	if p.shown || p.fps != 0 {
		t.Errorf("minimised: preview line %+v, want shown=false and nothing painted", p)
	}
	setState("1") // NormalState
	waitPreview(t, l, len(previewLines(l.stderr.String())), 6*time.Second, "shown=true fps>0 again", func(p previewLine) bool { return p.shown && p.fps > 0 })
	stopGUI(t, l, syscall.SIGTERM, "bus", "tray", "DBus", "D-Bus")
}

// TestGUISeveralCameras: the window starts with two -source flags, and
// streaming started from the tray serves both cameras, each at its own
// URL with its own picture size.
func TestGUISeveralCameras(t *testing.T) {
	g := newGUIEnv(t)
	g.startXvfb()
	g.startBus()
	w := startTrayWatcher(t, g.bus)
	dir := mkdir(t, filepath.Join(t.TempDir(), "porch"))
	if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5",
		"-frames:v", "3", filepath.Join(dir, "f%02d.jpg")).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	l := g.startGUI("-source", "test", "-source", "dir:"+dir, "-size", "640x360", "-fps", "15")
	_, shot := g.waitWindow(l)
	g.saveOnFailure("window", shot)
	waitPreview(t, l, 0, 10*time.Second, "shown=true fps>0", func(p previewLine) bool { return p.shown && p.fps > 0 })

	m := w.itemMenu(t, w.waitItem(t, l, trayTimeout))
	m.click(t, "Start streaming")
	waitStreamUp(t, l, streamTimeout)
	for path, width := range map[string]int{"/stream.mjpg": 640, "/cam/porch/stream.mjpg": 320} {
		s := openStream(t, l.url(path))
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(s.nextJPEG(t)))
		s.close()
		if err != nil || cfg.Width != width {
			t.Errorf("%s: %v, width %d; want %d", path, err, cfg.Width, width)
		}
	}
	stopGUI(t, l, syscall.SIGTERM)
}
