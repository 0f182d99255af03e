package ui

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lancam/discovery"
)

// screenCases are the screens lancam must work on, as the space a window's
// content gets there: the screen less a 36-pixel panel (Raspberry Pi OS's
// taskbar) and windowFrame (title bar, borders).
var screenCases = []struct {
	name string
	size fyne.Size
}{
	{"800x480", fyne.NewSize(800, 480-36).Subtract(windowFrame)},
	{"1280x720", fyne.NewSize(1280, 720-36).Subtract(windowFrame)},
	{"1920x1080", fyne.NewSize(1920, 1080-36).Subtract(windowFrame)},
}

// placed is an object with its rectangle on the canvas; scrolled objects
// count as reachable when the scroll container they are in is on screen.
type placed struct {
	obj      fyne.CanvasObject
	pos      fyne.Position
	size     fyne.Size
	scrolled bool
}

func (p placed) String() string {
	label := ""
	switch o := p.obj.(type) {
	case *widget.Button:
		label = " " + strconv.Quote(o.Text)
	case *widget.Check:
		label = " " + strconv.Quote(o.Text)
	case *widget.Hyperlink:
		label = " " + strconv.Quote(o.Text)
	case *widget.Select:
		label = " " + strconv.Quote(o.Selected)
	}
	return fmt.Sprintf("%T%s at %v size %v", p.obj, label, p.pos, p.size)
}

// tapTarget says whether the user taps or types into o: Fyne widgets that
// take taps or focus (buttons, selects, entries, checks, sliders, links,
// radio items, tabs). Pictures and scroll areas are not targets.
func tapTarget(o fyne.CanvasObject) bool {
	switch o.(type) {
	case *jpegView, *doubleTapArea, *tapArea, *container.Scroll:
		return false
	case fyne.Tappable, fyne.Focusable, fyne.Draggable:
		return true
	}
	return false
}

// collect walks the visible objects under o (containers, widgets' renderers,
// scroll contents), stopping at tap targets, and returns the targets and
// the pictures with their rectangles.
func collect(o fyne.CanvasObject, at fyne.Position, scrolled bool, targets, pictures *[]placed) {
	if o == nil || !o.Visible() {
		return
	}
	at = at.Add(o.Position())
	p := placed{obj: o, pos: at, size: o.Size(), scrolled: scrolled}
	if _, ok := o.(*jpegView); ok {
		*pictures = append(*pictures, p)
		return
	}
	if tapTarget(o) {
		switch o.(type) {
		case *widget.List, *widget.PopUp:
			// Containers that take focus or taps themselves: what they
			// hold is what the user taps.
		default:
			*targets = append(*targets, p)
			if fmt.Sprintf("%T", o) != "*widget.listItem" { // a list row holds a button of its own
				return
			}
		}
	}
	if c, ok := o.(*container.Scroll); ok {
		collect(c.Content, at.Subtract(c.Offset), true, targets, pictures)
		return
	}
	for _, k := range childrenOf(o) {
		collect(k, at, scrolled, targets, pictures)
	}
}

// childrenOf is what o draws inside it: a container's objects, a widget's
// renderer's, none for anything else.
func childrenOf(o fyne.CanvasObject) []fyne.CanvasObject {
	switch c := o.(type) {
	case *fyne.Container:
		return c.Objects
	case fyne.Widget:
		return test.WidgetRenderer(c).Objects()
	}
	return nil
}

// relayout lays out every container and widget under o again at its
// current size, top down, as Fyne's desktop driver does when a minimum size
// changed (the test canvas does not): a change deep in the tree (new URLs)
// reaches the layouts above it.
func relayout(o fyne.CanvasObject) {
	switch c := o.(type) {
	case *fyne.Container:
		if c.Layout != nil {
			c.Layout.Layout(c.Objects, c.Size())
		}
	case fyne.Widget:
		test.WidgetRenderer(c).Layout(c.Size())
	}
	for _, k := range childrenOf(o) {
		relayout(k)
	}
}

// checkScreen lays c out at its window's size and checks that every tap
// target is touch size and on the canvas (or in a scroll area), and
// returns the pictures.
func checkScreen(t *testing.T, what string, c fyne.Canvas) []placed {
	t.Helper()
	size := c.Size()
	relayout(c.Content())
	var targets, pictures []placed
	collect(c.Content(), fyne.Position{}, false, &targets, &pictures)
	for _, ov := range c.Overlays().List() {
		collect(ov, fyne.Position{}, false, &targets, &pictures)
	}
	if len(targets) == 0 {
		t.Fatalf("%s: no tap targets found", what)
	}
	const slack = 0.5 // float rounding of layouts
	for _, p := range targets {
		if p.size.Height < touchSize-slack || p.size.Width < touchSize-slack {
			t.Errorf("%s: %v: smaller than touch size (%d)", what, p, touchSize)
		}
		if p.scrolled {
			continue
		}
		if p.pos.X < -slack || p.pos.Y < -slack || p.pos.X+p.size.Width > size.Width+slack || p.pos.Y+p.size.Height > size.Height+slack {
			t.Errorf("%s: %v: not inside the %v window", what, p, size)
		}
	}
	return pictures
}

// fitTestWindow checks that w's content fits size and sizes w to it.
func fitTestWindow(t *testing.T, what string, w fyne.Window, size fyne.Size) {
	t.Helper()
	if m := w.Content().MinSize(); m.Width > size.Width || m.Height > size.Height {
		t.Errorf("%s: needs at least %v, more than the %v there is", what, m, size)
	}
	w.Resize(size)
}

// TestScreensFit: at 800x480, 1280x720 and 1920x1080 every screen of the
// app (This camera while streaming two cameras, the LAN list and grid,
// Settings, a viewer window, its password prompt, the Open URL dialog)
// fits the space, every control is touch size and on screen or in a
// scroll area, and the preview takes most of the window.
func TestScreensFit(t *testing.T) {
	for _, sc := range screenCases {
		t.Run(sc.name, func(t *testing.T) {
			lan := &recordingLAN{events: make(chan discovery.Event, 16)}
			r := newTestRigLAN(t, Settings{}, lan, discard, "main", "garden")
			onMain(func() { r.a.toggleStreaming() })
			eventually(t, "streaming", func() bool { return r.a.stream.Streaming() })
			_, portText, _ := net.SplitHostPort(r.srv.Addr())
			port, _ := strconv.Atoi(portText)
			for i, name := range []string{"Kitchen", "Garage with a rather long camera name", "Porch"} {
				p := discovery.Peer{ID: "peer" + strconv.Itoa(i), Name: name, Host: strings.ToLower(name[:5]) + "-pi.local",
					Addrs: []net.IP{net.IPv4(127, 0, 0, 1)}, Port: port, TXT: map[string]string{"path": "/stream.mjpg"}}
				lan.mu.Lock()
				lan.peers = append(lan.peers, p)
				lan.mu.Unlock()
				lan.events <- discovery.Event{Kind: discovery.Added, Peer: p}
			}
			eventually(t, "three peers listed", func() bool { return len(r.a.lan.Peers()) == 3 })

			var m *mainWindow
			onMain(func() {
				m = r.a.main
				fitTestWindow(t, "main window", r.a.win, sc.size)
				pics := checkScreen(t, "This camera", r.a.win.Canvas())
				checkPreview(t, sc.size, pics, m.view)

				m.tabs.SelectIndex(1)
				checkScreen(t, "LAN list", r.a.win.Canvas())
				r.a.lan.setGridMode(true)
				checkScreen(t, "LAN grid", r.a.win.Canvas())
				r.a.lan.setGridMode(false)
				r.a.lan.showOpenURL()
				checkScreen(t, "Open URL", r.a.win.Canvas())
				r.a.win.Canvas().Overlays().Top().Hide()
				r.a.win.Canvas().Overlays().Remove(r.a.win.Canvas().Overlays().Top())

				m.tabs.SelectIndex(2)
				checkScreen(t, "Settings", r.a.win.Canvas())
			})

			url := "http://127.0.0.1:" + strconv.Itoa(port) + "/stream.mjpg"
			var vw, locked *viewer
			onMain(func() {
				vw = r.a.lan.openViewer("url:a", "Kitchen", url, false)
				locked = r.a.lan.openViewer("url:b", "Garage", url, true)
			})
			onMain(func() {
				fitTestWindow(t, "viewer", vw.win, sc.size)
				pics := checkViewerScreen(t, vw)
				checkPreview(t, sc.size, pics, vw.view)
			})
			eventually(t, "password prompt", func() bool { return locked.prompt != nil })
			onMain(func() {
				fitTestWindow(t, "viewer with password prompt", locked.win, sc.size)
				checkScreen(t, "password prompt", locked.win.Canvas())
			})
		})
	}
}

// checkViewerScreen is checkScreen for a viewer, whose only tap target is
// the picture (double tap: full screen) until a dialog opens.
func checkViewerScreen(t *testing.T, vw *viewer) []placed {
	t.Helper()
	var targets, pictures []placed
	collect(vw.win.Content(), fyne.Position{}, false, &targets, &pictures)
	if len(targets) != 0 {
		t.Errorf("viewer: unexpected tap targets %v", targets)
	}
	return pictures
}

// checkPreview: the picture view is among pics, whole on the canvas, and
// at least half the window's area.
func checkPreview(t *testing.T, size fyne.Size, pics []placed, view *jpegView) {
	t.Helper()
	for _, p := range pics {
		if p.obj != view {
			continue
		}
		if p.scrolled || p.pos.X < 0 || p.pos.Y < 0 || p.pos.X+p.size.Width > size.Width+0.5 || p.pos.Y+p.size.Height > size.Height+0.5 {
			t.Errorf("preview %v not inside the %v window", p, size)
		}
		if share := p.size.Width * p.size.Height / (size.Width * size.Height); share < 0.5 {
			t.Errorf("preview %v is %.0f %% of the %v window, want at least 50 %%", p, 100*share, size)
		}
		return
	}
	t.Errorf("preview not on screen (pictures: %v)", pics)
}
