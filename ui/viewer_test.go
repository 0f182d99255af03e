package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"go.uber.org/goleak"

	"lancam/camera"
	"lancam/httpstream"
)

// startStreamServer serves the test pattern on a loopback port that stays
// the same across Stop and Start.
func startStreamServer(t *testing.T, ctx context.Context) (*httpstream.Server, string) {
	t.Helper()
	src, err := camera.Open("test", camera.OpenConfig{Width: 320, Height: 240, FPS: 30, Quality: 80, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	hub := camera.NewHub(camera.HubConfig{Source: src, Logger: discard})
	srv := httpstream.New(httpstream.Config{Addr: "127.0.0.1:0", Hub: hub, Logger: discard})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	srv.SetAddr(addr) // a restart comes back where the viewer looks
	t.Cleanup(func() { srv.Stop(); hub.Close() })
	return srv, addr
}

// TestViewerPlaysReconnectsAndStops: a viewer window plays a real MJPEG
// server, says in words that it is not answering and how often it retries
// (and blanks the picture, keeping the window's size) while the server is
// down, plays again when it is back, is focused rather than duplicated when
// opened twice, and its client goroutine is gone once the window closes.
func TestViewerPlaysReconnectsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, addr := startStreamServer(t, ctx)
	v, loop := startLANView(t, nil, nil)
	before := goleak.IgnoreCurrent() // the server, Run and the UI loop

	url := "http://" + addr + "/stream.mjpg"
	loop.wait(func() { v.OpenURL("", url) })
	var vw *viewer
	loop.wait(func() { vw = v.viewerFor("url:" + url) })
	if vw == nil {
		t.Fatal("no viewer window")
	}
	if vw.win.Title() != addr {
		t.Errorf("title %q, want the host", vw.win.Title())
	}
	playing := func() bool {
		s, text := vw.status()
		return s == httpstream.ClientPlaying && text == "" && !vw.overlay.Visible()
	}
	loop.waitUntil(t, "playing", playing)
	n0, _ := vw.view.stats()
	loop.waitUntil(t, "frames shown", func() bool { n, _ := vw.view.stats(); return n >= n0+10 })

	// Opening it again focuses the same window.
	wins := len(v.cfg.App.Driver().AllWindows())
	loop.wait(func() { v.OpenURL("again", url) })
	if got := len(v.cfg.App.Driver().AllWindows()); got != wins || v.viewerFor("url:"+url) != vw {
		t.Errorf("second open: %d windows (was %d)", got, wins)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	var size, viewSize fyne.Size
	var viewPos fyne.Position
	loop.wait(func() { size, viewPos, viewSize = vw.win.Canvas().Size(), vw.view.Position(), vw.view.Size() })
	loop.waitUntil(t, "reconnecting overlay", func() bool {
		s, text := vw.status()
		return s == httpstream.ClientReconnecting && strings.HasPrefix(text, addr+" is not answering — retrying every ") &&
			vw.overlay.Visible() && vw.label.Text == text
	})
	// The message wraps at words inside the window, which keeps its size
	// and the picture's place.
	loop.wait(func() {
		if got := vw.win.Canvas().Size(); got != size {
			t.Errorf("window %v while reconnecting, was %v", got, size)
		}
		if got := vw.view.Position(); got != viewPos || vw.view.Size() != viewSize {
			t.Errorf("picture at %v size %v while reconnecting, was %v %v", got, vw.view.Size(), viewPos, viewSize)
		}
		if ls := vw.label.Size(); ls.Width < 200 || ls.Height > 200 {
			t.Errorf("message laid out %v: not wrapped at words", ls)
		}
	})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	n1, _ := vw.view.stats()
	loop.waitUntil(t, "playing again", func() bool { n, _ := vw.view.stats(); return playing() && n >= n1+5 })

	loop.wait(func() { vw.win.Close() })
	select {
	case <-vw.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the viewer's client still runs after the window closed")
	}
	if v.viewerFor("url:"+url) != nil {
		t.Error("closed viewer still registered")
	}
	srv.Stop()
	// Nothing the viewer started is left (the camera keeps its grace time).
	goleak.VerifyNone(t, before, goleak.IgnoreAnyFunction("lancam/camera.(*Hub).runSource"))
}

// TestViewerStopsWithRun: ending Run's context stops open viewers' clients
// even though their windows stay open.
func TestViewerStopsWithRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, addr := startStreamServer(t, ctx)
	v, loop := startLANView(t, nil, nil)
	url := "http://" + addr + "/?action=stream"
	loop.wait(func() { v.OpenURL("Cam", url) })
	vw := v.viewerFor("url:" + url)
	loop.waitUntil(t, "playing", func() bool { s, _ := vw.status(); return s == httpstream.ClientPlaying })
	v.cancel() // what Run does when its ctx ends
	select {
	case <-vw.done:
	case <-time.After(5 * time.Second):
		t.Fatal("viewer still running after Run's context ended")
	}
}

// TestGridPlaysOnlyWhileVisible: in grid mode each peer's stream plays in
// its cell while the tab is seen, and stops when it is hidden.
func TestGridPlaysOnlyWhileVisible(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, addr := startStreamServer(t, ctx)
	host, portS, _ := strings.Cut(addr, ":")
	port, _ := strconv.Atoi(portS)
	lan := newFakeLAN(true)
	v, loop := startLANView(t, lan, nil)
	p := testPeer("cam", "Cam", host, port, map[string]string{"path": "/stream.mjpg"})
	lan.add(p)
	loop.waitUntil(t, "row", func() bool { return v.list.length() == 1 })
	loop.wait(func() { v.setGridMode(true) })
	v.SetVisible(true)
	var cell *gridCell
	loop.waitUntil(t, "cell", func() bool { cell = v.grid.cellFor("cam"); return cell != nil })
	loop.waitUntil(t, "grid frames", func() bool { n, _ := cell.view.stats(); return n >= 10 })
	v.SetVisible(false)
	time.Sleep(500 * time.Millisecond) // the stream stops
	n0, _ := cell.view.stats()
	time.Sleep(time.Second)
	if n, _ := cell.view.stats(); n != n0 {
		t.Errorf("%d frames decoded while hidden", n-n0)
	}
}
