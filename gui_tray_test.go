//go:build gui

package main

// The tray, as a desktop's panel sees it: a StatusNotifierWatcher of ours on
// the private session bus, to which lancam (fyne.io/systray) registers its
// StatusNotifierItem; its menu is read and clicked over com.canonical.dbusmenu.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"net"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

const (
	watcherName   = "org.kde.StatusNotifierWatcher"
	watcherPath   = dbus.ObjectPath("/StatusNotifierWatcher")
	itemIface     = "org.kde.StatusNotifierItem"
	itemPath      = dbus.ObjectPath("/StatusNotifierItem")
	menuIface     = "com.canonical.dbusmenu"
	menuPath      = dbus.ObjectPath("/StatusNotifierMenu")
	trayTimeout   = 5 * time.Second // lancam registers; a click takes effect
	streamTimeout = 5 * time.Second // the stream port opens or closes after a click
)

// trayWatcher is a minimal StatusNotifierWatcher (the freedesktop/KDE tray
// protocol): it owns the watcher name, claims that a host is registered,
// and records the items that register.
type trayWatcher struct {
	conn *dbus.Conn
	mu   sync.Mutex
	// items are "sender" bus names (systray registers a path, so the
	// sender is the item's service), in registration order.
	items []string
	reg   chan string
	props *prop.Properties
}

// RegisterStatusNotifierItem is the method items call; service is a bus
// name or (as systray sends) an object path on the sender's connection.
func (w *trayWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.mu.Lock()
	w.items = append(w.items, string(sender))
	items := append([]string(nil), w.items...)
	w.mu.Unlock()
	w.props.SetMust(watcherName, "RegisteredStatusNotifierItems", items)
	w.conn.Emit(watcherPath, watcherName+".StatusNotifierItemRegistered", string(sender)+string(service))
	select {
	case w.reg <- string(sender):
	default:
	}
	return nil
}

// RegisterStatusNotifierHost is accepted and ignored (we are the host).
func (w *trayWatcher) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }

// startTrayWatcher connects to the bus at addr and serves the watcher
// there. It must run before lancam starts: lancam looks for a tray host
// once, at start-up.
func startTrayWatcher(t testing.TB, addr string) *trayWatcher {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to the private bus %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &trayWatcher{conn: conn, reg: make(chan string, 16)}
	if err := conn.Export(w, watcherPath, watcherName); err != nil {
		t.Fatal(err)
	}
	w.props, err = prop.Export(conn, watcherPath, prop.Map{watcherName: {
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: reply %v, %v", watcherName, reply, err)
	}
	return w
}

// waitItem waits until an item registers and returns its bus name.
func (w *trayWatcher) waitItem(t *testing.T, l *lancam, timeout time.Duration) string {
	t.Helper()
	start := time.Now()
	select {
	case s := <-w.reg:
		t.Logf("tray item %s registered %v after we started waiting", s, time.Since(start).Round(time.Millisecond))
		return s
	case <-l.done:
		t.Fatalf("lancam exited (code %d) before registering a tray item (lancam stderr below)", l.cmd.ProcessState.ExitCode())
	case <-time.After(timeout):
		t.Fatalf("no tray item registered within %v (lancam stderr below)", timeout)
	}
	return ""
}

// menuNode is one dbusmenu entry.
type menuNode struct {
	id       int32
	label    string
	kind     string // "" or "separator"
	visible  bool
	enabled  bool
	children []menuNode
}

// trayMenu is a registered item's menu, as a client of it.
type trayMenu struct {
	obj dbus.BusObject
}

// itemMenu checks the item's properties and returns its menu.
func (w *trayWatcher) itemMenu(t *testing.T, service string) *trayMenu {
	t.Helper()
	item := w.conn.Object(service, itemPath)
	v, err := item.GetProperty(itemIface + ".Menu")
	if err != nil {
		t.Fatalf("reading %s.Menu of %s: %v", itemIface, service, err)
	}
	if p, _ := v.Value().(dbus.ObjectPath); p != menuPath {
		t.Errorf("the item's Menu is %v, want %s", v.Value(), menuPath)
	}
	for _, name := range []string{"Id", "Title", "Status"} {
		if v, err := item.GetProperty(itemIface + "." + name); err == nil {
			t.Logf("tray item %s = %v", name, v.Value())
		}
	}
	return &trayMenu{obj: w.conn.Object(service, menuPath)}
}

// layout reads the whole menu with GetLayout(0, -1, []).
func (m *trayMenu) layout() (menuNode, error) {
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	if err := m.obj.Call(menuIface+".GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
		return menuNode{}, err
	}
	return parseMenuNode([]any{root.ID, root.Props, root.Children})
}

// parseMenuNode turns a dbusmenu (ia{sv}av) struct into a menuNode.
func parseMenuNode(v any) (menuNode, error) {
	s, ok := v.([]any)
	if !ok || len(s) != 3 {
		return menuNode{}, fmt.Errorf("menu entry is %T %v, want (ia{sv}av)", v, v)
	}
	id, ok1 := s[0].(int32)
	props, ok2 := s[1].(map[string]dbus.Variant)
	kids, ok3 := s[2].([]dbus.Variant)
	if !ok1 || !ok2 || !ok3 {
		return menuNode{}, fmt.Errorf("menu entry has types %T %T %T, want (ia{sv}av)", s[0], s[1], s[2])
	}
	n := menuNode{id: id, visible: true, enabled: true}
	if p, ok := props["label"]; ok {
		n.label, _ = p.Value().(string)
	}
	if p, ok := props["type"]; ok {
		n.kind, _ = p.Value().(string)
	}
	if p, ok := props["visible"]; ok {
		n.visible, _ = p.Value().(bool)
	}
	if p, ok := props["enabled"]; ok {
		n.enabled, _ = p.Value().(bool)
	}
	for _, k := range kids {
		c, err := parseMenuNode(k.Value())
		if err != nil {
			return menuNode{}, err
		}
		n.children = append(n.children, c)
	}
	return n, nil
}

// labels lists the visible, non-separator entries' labels.
func (n menuNode) labels() []string {
	var out []string
	for _, c := range n.children {
		if c.visible && c.kind != "separator" {
			out = append(out, c.label)
		}
	}
	return out
}

// find returns the top-level entry with the label.
func (n menuNode) find(label string) (menuNode, bool) {
	for _, c := range n.children {
		if c.label == label && c.visible && c.kind != "separator" {
			return c, true
		}
	}
	return menuNode{}, false
}

// waitLabels polls GetLayout until the top-level labels are want.
func (m *trayMenu) waitLabels(t *testing.T, want []string, timeout time.Duration) menuNode {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		root, err := m.layout()
		if err == nil && strings.Join(root.labels(), "|") == strings.Join(want, "|") {
			return root
		}
		if time.Now().After(deadline) {
			t.Fatalf("tray menu labels %q (err %v), want %q within %v", root.labels(), err, want, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// click sends a "clicked" event to the top-level entry with the label.
func (m *trayMenu) click(t *testing.T, label string) {
	t.Helper()
	root, err := m.layout()
	if err != nil {
		t.Fatalf("GetLayout: %v", err)
	}
	n, ok := root.find(label)
	if !ok {
		t.Fatalf("no tray menu entry %q in %q", label, root.labels())
	}
	if !n.enabled {
		t.Fatalf("tray menu entry %q is disabled", label)
	}
	call := m.obj.Call(menuIface+".Event", 0, n.id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
	if call.Err != nil && label != "Quit" { // Quit may exit before answering
		t.Fatalf("clicking %q (id %d): %v", label, n.id, call.Err)
	}
	t.Logf("clicked tray entry %q (id %d)", label, n.id)
}

// trayLabels is the contract's menu, streaming or not.
func trayLabels(streaming bool) []string {
	toggle := "Start streaming"
	if streaming {
		toggle = "Stop streaming"
	}
	return []string{"Show lancam", toggle, "LAN cameras", "Copy stream URL", "Take snapshot", "Quit"}
}

// waitStreamUp waits until the stream URL answers, then checks it as a
// viewer: multipart/x-mixed-replace and one whole JPEG part.
func waitStreamUp(t *testing.T, l *lancam, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		c, err := net.DialTimeout("tcp", l.addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s does not answer %v after starting the stream: %v (lancam stderr below)", l.addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s := openStream(t, l.url("/stream.mjpg"))
	defer s.close()
	data := s.nextJPEG(t)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the first part is not a JPEG: %v", err)
	}
	t.Logf("stream answers (%v): first part a %dx%d JPEG of %d bytes",
		time.Since(start).Round(time.Millisecond), cfg.Width, cfg.Height, len(data))
}

// waitPortClosed waits until nothing accepts connections on lancam's port.
func waitPortClosed(t *testing.T, l *lancam, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		c, err := net.DialTimeout("tcp", l.addr, time.Second)
		if err != nil {
			t.Logf("%s closed (%v)", l.addr, time.Since(start).Round(time.Millisecond))
			return
		}
		c.Close()
		if time.Since(start) > timeout {
			t.Fatalf("%s still answers %v after stopping the stream", l.addr, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGUITray drives lancam through its tray menu only, as a desktop panel
// would: registration, the labels, start and stop streaming (twice),
// closing the window hides it to the tray while streaming goes on, "Show
// lancam" brings it back, and Quit ends lancam with code 0.
func TestGUITray(t *testing.T) {
	g := newGUIEnv(t)
	g.startXvfb()
	g.startBus()
	w := startTrayWatcher(t, g.bus)
	start := time.Now()
	l := g.startGUI("-source", "test", "-size", "320x240", "-fps", "15")
	service := w.waitItem(t, l, trayTimeout)
	t.Logf("registered %v after start", time.Since(start).Round(time.Millisecond))
	m := w.itemMenu(t, service)
	root := m.waitLabels(t, trayLabels(false), trayTimeout)
	if lan, ok := root.find("LAN cameras"); !ok || len(lan.children) == 0 {
		t.Errorf("LAN cameras has no submenu entries: %+v", lan)
	}

	for _, step := range []struct {
		click     string
		streaming bool
		check     func(*testing.T, *lancam, time.Duration)
	}{
		{"Start streaming", true, waitStreamUp},
		{"Stop streaming", false, waitPortClosed},
		{"Start streaming", true, waitStreamUp}, // and again: the port is reusable
	} {
		m.click(t, step.click)
		step.check(t, l, streamTimeout)
		m.waitLabels(t, trayLabels(step.streaming), trayTimeout)
	}

	// While streaming, closing the window hides it to the tray (the
	// preview stops), and "Show lancam" brings it back.
	win, _ := g.waitWindow(l)
	n := len(previewLines(l.stderr.String()))
	if err := xCloseWindow(g.display, win.id); err != nil {
		t.Fatalf("closing the window: %v", err)
	}
	// The first line after closing may still count frames painted before;
	// a whole interval hidden must report none.
	waitPreview(t, l, n, 7*time.Second, "shown=false fps=0", func(p previewLine) bool { return !p.shown && p.fps == 0 })
	if _, ok := g.findWindow(guiWindowTitle); ok {
		t.Errorf("the window is still mapped after closing it with a tray host present")
	}
	if l.exited() {
		t.Fatal("closing the window quit lancam although a tray host is present (lancam stderr below)")
	}
	waitStreamUp(t, l, streamTimeout) // hidden, it still streams
	n = len(previewLines(l.stderr.String()))
	m.click(t, "Show lancam")
	g.waitWindow(l)
	waitPreview(t, l, n, 6*time.Second, "shown=true fps>0", func(p previewLine) bool { return p.shown && p.fps > 0 })

	m.click(t, "Stop streaming")
	waitPortClosed(t, l, streamTimeout)
	m.waitLabels(t, trayLabels(false), trayTimeout)

	quitAt := time.Now()
	m.click(t, "Quit")
	checkGUIExit(t, l, `the tray's "Quit"`, quitAt)
}

// getProperty calls GetProperty(id, name) on the menu with a deadline of
// d; the error is the D-Bus error of the reply, or the context's if no
// reply came in time.
func (m *trayMenu) getProperty(id int32, name string, d time.Duration) (dbus.Variant, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	var v dbus.Variant
	err := m.obj.CallWithContext(ctx, menuIface+".GetProperty", 0, id, name).Store(&v)
	return v, time.Since(start), err
}

// entryProps reads one entry's properties with GetGroupProperties.
func (m *trayMenu) entryProps(t *testing.T, id int32) map[string]dbus.Variant {
	t.Helper()
	var groups []struct {
		ID    int32
		Props map[string]dbus.Variant
	}
	if err := m.obj.Call(menuIface+".GetGroupProperties", 0, []int32{id}, []string{}).Store(&groups); err != nil {
		t.Fatalf("GetGroupProperties([%d]): %v", id, err)
	}
	for _, g := range groups {
		if g.ID == id {
			return g.Props
		}
	}
	t.Fatalf("GetGroupProperties([%d]) has no entry %d: %v", id, id, groups)
	return nil
}

// TestGUITrayGetPropertyMissing (issue 18): com.canonical.dbusmenu's
// GetProperty answers at once, for a property an entry has (its value),
// one it lacks and an id no entry has (a D-Bus error for both) — systray's
// menu left the caller waiting for the D-Bus timeout (25 s) when there was
// no value. Each call gets one second; afterwards the menu still works
// and Quit ends lancam cleanly.
func TestGUITrayGetPropertyMissing(t *testing.T) {
	const answerTimeout = time.Second
	l, m := startTrayGUI(t)
	root := m.waitLabels(t, trayLabels(false), trayTimeout)
	entry, ok := root.find("Start streaming")
	if !ok {
		t.Fatalf("no tray menu entry %q in %q", "Start streaming", root.labels())
	}
	props := m.entryProps(t, entry.id)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	t.Logf("entry %q (id %d) has properties %q", entry.label, entry.id, names)
	const missing = "x-lancam-nonexistent"
	if _, ok := props[missing]; ok {
		t.Fatalf("entry %q has a property %q", entry.label, missing)
	}
	unknownID := int32(99999)
	var ids func(menuNode)
	ids = func(n menuNode) {
		if n.id == unknownID {
			t.Fatalf("the menu has an entry with id %d", unknownID)
		}
		for _, c := range n.children {
			ids(c)
		}
	}
	ids(root)

	ask := func(id int32, name string) {
		t.Helper()
		v, took, err := m.getProperty(id, name, answerTimeout)
		want, has := props[name]
		if id != entry.id {
			has = false
		}
		var dbusErr dbus.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			t.Errorf("GetProperty(%d, %q): no answer within %v (%v)", id, name, answerTimeout, err)
		case has && err != nil:
			t.Errorf("GetProperty(%d, %q): %v after %v, want %v", id, name, err, took.Round(time.Microsecond), want)
		case has && !sameVariant(v, want):
			t.Errorf("GetProperty(%d, %q) = %v after %v, want %v", id, name, v, took.Round(time.Microsecond), want)
		case has:
			t.Logf("GetProperty(%d, %q) = %v after %v", id, name, v, took.Round(time.Microsecond))
		case err == nil:
			t.Errorf("GetProperty(%d, %q) = %v after %v, want a D-Bus error (no such property)", id, name, v, took.Round(time.Microsecond))
		case !errors.As(err, &dbusErr):
			t.Errorf("GetProperty(%d, %q): %T %v after %v, want a D-Bus error reply", id, name, err, err, took.Round(time.Microsecond))
		default:
			t.Logf("GetProperty(%d, %q): D-Bus error %s %q after %v", id, name, dbusErr.Name, dbusErr.Body, took.Round(time.Microsecond))
		}
	}
	if _, ok := props["label"]; !ok {
		t.Fatalf("entry %q has no label property: %v", entry.label, props)
	}
	ask(entry.id, "label")
	if v, _ := props["label"].Value().(string); v != "Start streaming" {
		t.Errorf("the entry's label is %q, want %q", v, "Start streaming")
	}
	ask(entry.id, missing)
	ask(entry.id, "toggle-type") // absent on a plain entry, else its value
	ask(unknownID, "label")
	ask(entry.id, "label") // still answering after the errors

	// The menu still works: a click starts the stream, Quit ends lancam.
	m.click(t, "Start streaming")
	waitStreamUp(t, l, streamTimeout)
	m.waitLabels(t, trayLabels(true), trayTimeout)
	at := time.Now()
	m.click(t, "Quit")
	checkGUIExit(t, l, `the tray's "Quit"`, at)
}

// startTrayGUI starts lancam in window mode with the test pattern on a
// private X server and session bus with a tray host of the test's own,
// and returns it with its registered tray menu.
func startTrayGUI(t *testing.T) (*lancam, *trayMenu) {
	t.Helper()
	g := newGUIEnv(t)
	g.startXvfb()
	g.startBus()
	w := startTrayWatcher(t, g.bus)
	l := g.startGUI("-source", "test", "-size", "320x240", "-fps", "15")
	return l, w.itemMenu(t, w.waitItem(t, l, trayTimeout))
}

// sameVariant compares two variants by signature and value.
func sameVariant(a, b dbus.Variant) bool {
	return a.Signature() == b.Signature() && reflect.DeepEqual(a.Value(), b.Value())
}

// TestGUIQuitWhileStreaming: the tray's Quit, SIGTERM and SIGINT each end
// lancam with code 0 and no panic while it streams to a viewer (stopping
// the stream on the way out must not touch the tray after it is gone).
func TestGUIQuitWhileStreaming(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  syscall.Signal // 0: the tray's Quit
	}{
		{"TrayQuit", 0},
		{"SIGTERM", syscall.SIGTERM},
		{"SIGINT", syscall.SIGINT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, m := startTrayGUI(t)
			m.waitLabels(t, trayLabels(false), trayTimeout)
			m.click(t, "Start streaming")
			waitStreamUp(t, l, streamTimeout)
			m.waitLabels(t, trayLabels(true), trayTimeout)
			viewer := openStream(t, l.url("/stream.mjpg"))
			viewer.nextJPEG(t)
			if tc.sig == 0 {
				at := time.Now()
				m.click(t, "Quit")
				checkGUIExit(t, l, `the tray's "Quit"`, at)
			} else {
				stopGUI(t, l, tc.sig)
			}
			viewer.waitEnd(t)
		})
	}
}

// TestGUITrayHostTool is not a test but a tool for scripts/bench-gui.sh:
// with LANCAM_TRAYHOST_TOOL=1 it serves a tray host (StatusNotifierWatcher)
// on $DBUS_SESSION_BUS_ADDRESS, prints "tray host ready", then "item
// registered" when lancam's item comes; on SIGUSR1 it closes the "lancam"
// window on $DISPLAY (WM_DELETE_WINDOW: lancam hides to the tray) and
// prints "window closed"; it ends on SIGTERM/SIGINT or after
// LANCAM_TRAYHOST_SECONDS (default 120).
func TestGUITrayHostTool(t *testing.T) {
	if os.Getenv("LANCAM_TRAYHOST_TOOL") != "1" {
		t.Skip("a tool for scripts/bench-gui.sh (LANCAM_TRAYHOST_TOOL=1)")
	}
	life := 120 * time.Second
	if s := os.Getenv("LANCAM_TRAYHOST_SECONDS"); s != "" {
		d, err := time.ParseDuration(s + "s")
		if err != nil {
			t.Fatal(err)
		}
		life = d
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	w := startTrayWatcher(t, os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	fmt.Println("tray host ready")
	end := time.After(life)
	g := &guiEnv{t: t, display: os.Getenv("DISPLAY")}
	for {
		select {
		case s := <-w.reg:
			fmt.Println("item registered", s)
		case sig := <-sigs:
			if sig != syscall.SIGUSR1 {
				return
			}
			win, ok := g.findWindow(guiWindowTitle)
			if !ok {
				fmt.Println("no window")
				continue
			}
			if err := xCloseWindow(g.display, win.id); err != nil {
				fmt.Println("closing failed:", err)
				continue
			}
			fmt.Println("window closed")
		case <-end:
			return
		}
	}
}
