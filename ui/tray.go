package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"github.com/godbus/dbus/v5"
)

// tray is the system tray icon and menu: idle or streaming icon, and the
// menu (show, start/stop, LAN cameras, copy URL, snapshot, quit), rebuilt
// whenever streaming or the peers change.
type tray struct {
	a      *App
	desk   desktop.App
	served *trayMenu // lancam's own dbusmenu, once exported (UI goroutine)
}

func newTray(a *App, desk desktop.App) *tray { return &tray{a: a, desk: desk} }

// menu builds the current menu.
func (t *tray) menu() *fyne.Menu {
	a := t.a
	on := a.stream.Streaming()
	toggle := "Start streaming"
	if on {
		toggle = "Stop streaming"
	}
	var cams []*fyne.MenuItem
	for _, p := range a.lan.Peers() {
		id := p.ID
		cams = append(cams, fyne.NewMenuItem(cleanName(p.Name), func() { a.lan.OpenPeer(id) }))
	}
	if len(cams) == 0 {
		none := fyne.NewMenuItem("No cameras found", nil)
		none.Disabled = true
		cams = append(cams, none)
	}
	lanItem := fyne.NewMenuItem("LAN cameras", nil)
	lanItem.ChildMenu = fyne.NewMenu("", cams...)
	copyItem := fyne.NewMenuItem("Copy stream URL", func() {
		if urls := a.stream.URLs(); len(urls) > 0 {
			a.fyne.Clipboard().SetContent(urls[0] + "stream.mjpg")
		}
	})
	copyItem.Disabled = !on
	quit := fyne.NewMenuItem("Quit", a.quit)
	quit.IsQuit = true
	return fyne.NewMenu("lancam",
		fyne.NewMenuItem("Show lancam", a.showWindow),
		fyne.NewMenuItem(toggle, a.toggleStreaming),
		lanItem,
		copyItem,
		fyne.NewMenuItem("Take snapshot", a.takeSnapshot),
		fyne.NewMenuItemSeparator(),
		quit,
	)
}

// serveMenu exports lancam's own dbusmenu over systray's (see trayMenu);
// UI goroutine, once systray runs. Without it the tray works as systray
// makes it.
func (t *tray) serveMenu() {
	conn, err := dbus.SessionBus() // systray's connection: the same object path must be on it
	if err == nil {
		t.served, err = exportTrayMenu(conn, t.a.do, t.menu())
	}
	if err != nil {
		t.a.log.Warn("tray: own menu not exported, systray's stays", "err", err)
	}
}

// refresh rebuilds menu and icon; UI goroutine only.
func (t *tray) refresh() {
	m := t.menu()
	t.desk.SetSystemTrayMenu(m)
	if t.served != nil {
		t.served.set(m)
	}
	if t.a.stream.Streaming() {
		t.desk.SetSystemTrayIcon(t.a.icons.live)
	} else {
		t.desk.SetSystemTrayIcon(t.a.icons.idle)
	}
}
