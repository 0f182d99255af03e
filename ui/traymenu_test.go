package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"github.com/godbus/dbus/v5"
)

// TestTrayMenuServed: the dbusmenu lancam serves mirrors the fyne.Menu (labels
// with '_' doubled, enabled, separators, a submenu), clicks run the
// entry's action and nothing for disabled ones, and unknown ids or
// properties are errors, never silence.
func TestTrayMenuServed(t *testing.T) {
	var ran []string
	item := func(label string) *fyne.MenuItem {
		return fyne.NewMenuItem(label, func() { ran = append(ran, label) })
	}
	off := item("Copy stream URL")
	off.Disabled = true
	lan := fyne.NewMenuItem("LAN cameras", nil)
	lan.ChildMenu = fyne.NewMenu("", item("garden_cam"))
	m := &trayMenu{do: func(f func()) { f() }}
	if rev := m.build(fyne.NewMenu("lancam", item("Show lancam"), lan, off, fyne.NewMenuItemSeparator(), item("Quit"))); rev != 1 {
		t.Errorf("first revision %d", rev)
	}

	rev, root, err := m.GetLayout(0, -1, nil)
	if err != nil || rev != 1 {
		t.Fatalf("GetLayout: %v, revision %d", err, rev)
	}
	var labels []string
	ids := map[string]int32{}
	var walk func(l trayLayout)
	walk = func(l trayLayout) {
		if v, ok := l.V1["label"]; ok {
			labels = append(labels, v.Value().(string))
			ids[v.Value().(string)] = l.V0
		} else if l.V0 != 0 {
			labels = append(labels, "--"+l.V1["type"].Value().(string))
		}
		for _, c := range l.V2 {
			walk(c.Value().(trayLayout))
		}
	}
	walk(root)
	want := []string{"Show lancam", "LAN cameras", "garden__cam", "Copy stream URL", "--separator", "Quit"}
	if len(labels) != len(want) {
		t.Fatalf("labels %q, want %q", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Fatalf("labels %q, want %q", labels, want)
		}
	}
	if _, top, _ := m.GetLayout(0, 1, []string{"label"}); len(top.V2) != 5 || len(top.V2[1].Value().(trayLayout).V2) != 0 || len(top.V2[0].Value().(trayLayout).V1) != 1 {
		t.Errorf("depth 1 with only labels: %+v", top)
	}

	for _, label := range []string{"garden__cam", "Copy stream URL", "Quit"} {
		if err := m.Event(ids[label], "clicked", dbus.MakeVariant(""), 0); err != nil {
			t.Errorf("click %q: %v", label, err)
		}
	}
	if len(ran) != 2 || ran[0] != "garden_cam" || ran[1] != "Quit" {
		t.Errorf("actions run %q, want the submenu's camera and Quit (not the disabled entry)", ran)
	}
	if v, err := m.GetProperty(ids["Copy stream URL"], "enabled"); err != nil || v.Value() != false {
		t.Errorf("enabled of the disabled entry: %v %v", v, err)
	}
	if v, err := m.GetProperty(ids["LAN cameras"], "children-display"); err != nil || v.Value() != "submenu" {
		t.Errorf("children-display of the submenu: %v %v", v, err)
	}
	for _, c := range []struct {
		id   int32
		name string
	}{{ids["Quit"], "icon-name"}, {99, "label"}} {
		if _, err := m.GetProperty(c.id, c.name); err == nil {
			t.Errorf("GetProperty(%d, %q): no error", c.id, c.name)
		}
	}
	if err := m.Event(99, "clicked", dbus.MakeVariant(""), 0); err == nil {
		t.Error("click on an unknown id: no error")
	}
	if props, _ := m.GetGroupProperties([]int32{ids["Quit"], 99}, nil); len(props) != 1 || props[0].V0 != ids["Quit"] {
		t.Errorf("GetGroupProperties with an unknown id: %+v", props)
	}
	if bad, err := m.EventGroup([]trayEvent{{V0: ids["Show lancam"], V1: "clicked"}, {V0: 99, V1: "clicked"}}); err != nil || len(bad) != 1 || bad[0] != 99 {
		t.Errorf("EventGroup: %v %v", bad, err)
	}
	if _, bad, _ := m.AboutToShowGroup([]int32{0, 99}); len(bad) != 1 {
		t.Errorf("AboutToShowGroup: bad %v", bad)
	}
	if rev := m.build(fyne.NewMenu("lancam", item("Quit"))); rev != 2 {
		t.Errorf("second revision %d", rev)
	}
}
