package ui

import (
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"github.com/godbus/dbus/v5"
)

// The tray menu's object and interface, where fyne.io/systray exports its
// own (the StatusNotifierItem's Menu property names this path).
const (
	trayMenuPath  = dbus.ObjectPath("/StatusNotifierMenu")
	trayMenuIface = "com.canonical.dbusmenu"
)

// trayMenu serves com.canonical.dbusmenu for the tray in place of
// fyne.io/systray's. systray's GetProperty answers nothing at all for a
// property an entry lacks or an unknown id (it returns an empty variant,
// which godbus cannot encode and drops), so a tray host asking waits for
// the 25 s D-Bus timeout; systray offers no way to change one method, so
// lancam exports the whole interface, from the same fyne.Menu it gives
// Fyne (which keeps drawing the icon through systray). Methods are called
// on godbus's goroutines; actions run on the UI goroutine through do.
type trayMenu struct {
	conn *dbus.Conn
	do   func(func())

	mu       sync.Mutex
	revision uint32
	root     *trayNode
	byID     map[int32]*trayNode
}

// trayNode is one entry; the root (id 0) holds the top level.
type trayNode struct {
	id       int32
	props    map[string]dbus.Variant
	children []*trayNode
	action   func() // nil for separators, submenus and disabled entries
}

// trayLayout is dbusmenu's (ia{sv}av) layout node.
type trayLayout struct {
	V0 int32
	V1 map[string]dbus.Variant
	V2 []dbus.Variant
}

// trayProps is one entry of GetGroupProperties' answer, (ia{sv}).
type trayProps struct {
	V0 int32
	V1 map[string]dbus.Variant
}

// trayEvent is one entry of EventGroup's argument, (isvu).
type trayEvent struct {
	V0 int32
	V1 string
	V2 dbus.Variant
	V3 uint32
}

// exportTrayMenu replaces systray's menu object on the session bus; call
// it once systray has exported its own (Fyne does that as its loop
// starts, before the app's OnStarted).
func exportTrayMenu(conn *dbus.Conn, do func(func()), m *fyne.Menu) (*trayMenu, error) {
	t := &trayMenu{conn: conn, do: do}
	t.build(m)
	if err := conn.Export(t, trayMenuPath, trayMenuIface); err != nil {
		return nil, err
	}
	return t, nil
}

// set shows m from now on and tells the host the layout changed.
func (t *trayMenu) set(m *fyne.Menu) {
	rev := t.build(m)
	// A host that missed the signal reads the revision with the layout.
	t.conn.Emit(trayMenuPath, trayMenuIface+".LayoutUpdated", rev, int32(0))
}

// build turns m into nodes, numbered depth first from 1, and returns the
// new revision.
func (t *trayMenu) build(m *fyne.Menu) uint32 {
	byID := map[int32]*trayNode{}
	next := int32(0)
	var add func(items []*fyne.MenuItem) []*trayNode
	add = func(items []*fyne.MenuItem) []*trayNode {
		var out []*trayNode
		for _, it := range items {
			next++
			n := &trayNode{id: next, props: map[string]dbus.Variant{"visible": dbus.MakeVariant(true)}}
			byID[n.id] = n
			switch {
			case it.IsSeparator:
				n.props["type"] = dbus.MakeVariant("separator")
			default:
				// '_' marks a mnemonic in dbusmenu labels; a name's own is doubled.
				n.props["label"] = dbus.MakeVariant(strings.ReplaceAll(it.Label, "_", "__"))
				n.props["enabled"] = dbus.MakeVariant(!it.Disabled)
				if it.ChildMenu != nil {
					n.props["children-display"] = dbus.MakeVariant("submenu")
					n.children = add(it.ChildMenu.Items)
				} else if !it.Disabled {
					n.action = it.Action
				}
			}
			out = append(out, n)
		}
		return out
	}
	root := &trayNode{props: map[string]dbus.Variant{"children-display": dbus.MakeVariant("submenu")}}
	root.children = add(m.Items)
	byID[0] = root
	t.mu.Lock()
	defer t.mu.Unlock()
	t.revision++
	t.root, t.byID = root, byID
	return t.revision
}

// errInvalidID is dbusmenu's error for an id no entry has.
func errInvalidID() *dbus.Error {
	return dbus.NewError(trayMenuIface+".Error.InvalidId", []any{"no menu entry with that id"})
}

// filtered is props restricted to names (all of them when names is empty).
func filtered(props map[string]dbus.Variant, names []string) map[string]dbus.Variant {
	out := make(map[string]dbus.Variant, len(props))
	for k, v := range props {
		if len(names) == 0 || slices.Contains(names, k) {
			out[k] = v
		}
	}
	return out
}

// nodeLayout is n and depth levels below it (-1: all).
func nodeLayout(n *trayNode, depth int32, names []string) trayLayout {
	l := trayLayout{V0: n.id, V1: filtered(n.props, names), V2: []dbus.Variant{}}
	if depth != 0 {
		for _, c := range n.children {
			l.V2 = append(l.V2, dbus.MakeVariant(nodeLayout(c, depth-1, names)))
		}
	}
	return l
}

// GetLayout is com.canonical.dbusmenu.GetLayout.
func (t *trayMenu) GetLayout(parentID, depth int32, names []string) (uint32, trayLayout, *dbus.Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, ok := t.byID[parentID]
	if !ok {
		return 0, trayLayout{}, errInvalidID()
	}
	return t.revision, nodeLayout(n, depth, names), nil
}

// GetGroupProperties is com.canonical.dbusmenu.GetGroupProperties; unknown
// ids are left out, as the specification says.
func (t *trayMenu) GetGroupProperties(ids []int32, names []string) ([]trayProps, *dbus.Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := []trayProps{}
	for _, id := range ids {
		if n, ok := t.byID[id]; ok {
			out = append(out, trayProps{V0: id, V1: filtered(n.props, names)})
		}
	}
	return out, nil
}

// GetProperty is com.canonical.dbusmenu.GetProperty: the value, or an
// error at once for an unknown id or a property the entry lacks.
func (t *trayMenu) GetProperty(id int32, name string) (dbus.Variant, *dbus.Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, ok := t.byID[id]
	if !ok {
		return dbus.Variant{}, errInvalidID()
	}
	v, ok := n.props[name]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.InvalidArgs", []any{"the menu entry has no property " + name})
	}
	return v, nil
}

// Event is com.canonical.dbusmenu.Event: "clicked" runs the entry's
// action; other events (opened, closed, hovered) need nothing.
func (t *trayMenu) Event(id int32, eventID string, _ dbus.Variant, _ uint32) *dbus.Error {
	t.mu.Lock()
	n, ok := t.byID[id]
	t.mu.Unlock()
	if !ok {
		return errInvalidID()
	}
	if eventID == "clicked" && n.action != nil {
		t.do(n.action)
	}
	return nil
}

// EventGroup is com.canonical.dbusmenu.EventGroup; it returns the ids not
// found.
func (t *trayMenu) EventGroup(events []trayEvent) ([]int32, *dbus.Error) {
	bad := []int32{}
	for _, e := range events {
		if err := t.Event(e.V0, e.V1, e.V2, e.V3); err != nil {
			bad = append(bad, e.V0)
		}
	}
	if len(bad) == len(events) && len(events) > 0 {
		return bad, errInvalidID()
	}
	return bad, nil
}

// AboutToShow is com.canonical.dbusmenu.AboutToShow: the menu is always
// current, so no update is needed.
func (t *trayMenu) AboutToShow(id int32) (bool, *dbus.Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byID[id]; !ok {
		return false, errInvalidID()
	}
	return false, nil
}

// AboutToShowGroup is com.canonical.dbusmenu.AboutToShowGroup.
func (t *trayMenu) AboutToShowGroup(ids []int32) ([]int32, []int32, *dbus.Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	bad := []int32{}
	for _, id := range ids {
		if _, ok := t.byID[id]; !ok {
			bad = append(bad, id)
		}
	}
	return []int32{}, bad, nil
}
