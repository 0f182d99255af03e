package ui

import (
	"github.com/godbus/dbus/v5"
)

// probeTrayHost reports whether there is a D-Bus session bus, and whether a
// tray host (a StatusNotifierWatcher) is on it. Without a bus lancam runs
// as a plain window: fyne.io/systray would panic on quit (nil connection in
// its teardown), so no tray is made at all. Without a host closing the
// window quits, as nobody could bring it back.
func probeTrayHost() (bus, host bool) {
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return false, false
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return false, false
	}
	if err := conn.Hello(); err != nil {
		return false, false
	}
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&host)
	return true, err == nil && host
}
