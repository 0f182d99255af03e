package ui

import (
	"slices"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
)

// fakeDesk records what the app hands the system tray.
type fakeDesk struct {
	mu   sync.Mutex
	menu *fyne.Menu
	icon fyne.Resource
}

func (d *fakeDesk) SetSystemTrayMenu(m *fyne.Menu)    { d.mu.Lock(); d.menu = m; d.mu.Unlock() }
func (d *fakeDesk) SetSystemTrayIcon(r fyne.Resource) { d.mu.Lock(); d.icon = r; d.mu.Unlock() }
func (d *fakeDesk) SetSystemTrayWindow(fyne.Window)   {}
func (d *fakeDesk) state() (*fyne.Menu, fyne.Resource) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.menu, d.icon
}

func menuLabels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		if !it.IsSeparator {
			out = append(out, it.Label)
		}
	}
	return out
}

func menuItem(m *fyne.Menu, label string) *fyne.MenuItem {
	for _, it := range m.Items {
		if it.Label == label {
			return it
		}
	}
	return nil
}

// TestTrayMenu: the menu the issue lists, its toggle item flipping with the
// state (and the icon with it), and the LAN cameras submenu.
func TestTrayMenu(t *testing.T) {
	r := newTestRig(t, Settings{})
	desk := &fakeDesk{}
	onMain(func() {
		r.a.tray = newTray(r.a, desk)
		r.a.tray.refresh()
	})
	m, icon := desk.state()
	want := []string{"Show lancam", "Start streaming", "LAN cameras", "Copy stream URL", "Take snapshot", "Quit"}
	if got := menuLabels(m); !slices.Equal(got, want) {
		t.Fatalf("tray menu %q, want %q", got, want)
	}
	if icon != r.a.icons.idle || !menuItem(m, "Copy stream URL").Disabled || !menuItem(m, "Quit").IsQuit {
		t.Errorf("idle tray: icon %v, copy disabled %v, quit %v", icon.Name(), menuItem(m, "Copy stream URL").Disabled, menuItem(m, "Quit").IsQuit)
	}
	if sub := menuItem(m, "LAN cameras").ChildMenu; len(sub.Items) != 1 || !sub.Items[0].Disabled {
		t.Errorf("LAN cameras without peers: %+v", sub.Items)
	}

	onMain(menuItem(m, "Start streaming").Action)
	eventually(t, "the tray to say Stop streaming", func() bool {
		m, icon := desk.state()
		return menuItem(m, "Stop streaming") != nil && icon == r.a.icons.live && !menuItem(m, "Copy stream URL").Disabled
	})
	if !r.a.stream.Streaming() {
		t.Fatal("Start streaming in the tray did not start the server")
	}
	m, _ = desk.state()
	onMain(menuItem(m, "Stop streaming").Action)
	eventually(t, "the tray to say Start streaming", func() bool {
		m, icon := desk.state()
		return menuItem(m, "Start streaming") != nil && icon == r.a.icons.idle
	})
}
