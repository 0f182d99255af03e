package camera

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Control is one picture setting a camera offers (V4L2's brightness,
// contrast, exposure, white balance, focus, ...), as the window builds a
// slider, menu or checkbox from it and /controls reports it.
type Control struct {
	ID      uint32     `json:"id"`   // the V4L2 control id (or a source's own number)
	Name    string     `json:"name"` // as the driver names it, e.g. "Brightness"
	Type    string     `json:"type"` // "int", "bool", "menu", "intmenu" or "button"
	Min     int64      `json:"min"`
	Max     int64      `json:"max"`
	Step    int64      `json:"step"`
	Default int64      `json:"default"`
	Value   int64      `json:"value"`
	Menu    []MenuItem `json:"menu,omitempty"` // the choices of a menu control
	// Inactive marks a control the driver ignores for now (e.g. exposure
	// time while auto exposure is on); setting it is still allowed.
	Inactive bool `json:"inactive,omitempty"`
	// Restarts says that setting it restarts the camera (rpicam-vid takes
	// its settings on the command line).
	Restarts bool `json:"restarts,omitempty"`
}

// Check says whether the control can take v: within Min..Max, on the step
// from Min, 0 or 1 for a bool, one of the menu's indexes. The error wraps
// ErrBadControl and names the control.
func (c Control) Check(v int64) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadControl, c.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case v < c.Min || v > c.Max:
		return bad("%d out of range %d..%d", v, c.Min, c.Max)
	case c.Type == "bool" && v != 0 && v != 1:
		return bad("%d is not 0 or 1", v)
	case c.Type == "menu" || c.Type == "intmenu":
		if !slices.ContainsFunc(c.Menu, func(m MenuItem) bool { return m.Index == v }) {
			idx := make([]string, len(c.Menu))
			for i, m := range c.Menu {
				idx[i] = strconv.FormatInt(m.Index, 10)
			}
			return bad("%d is not one of the menu's %s", v, strings.Join(idx, ", "))
		}
	case c.Step > 1 && (v-c.Min)%c.Step != 0:
		return bad("%d is not %d plus a multiple of %d", v, c.Min, c.Step)
	}
	return nil
}

// MenuItem is one choice of a menu control.
type MenuItem struct {
	Index int64  `json:"index"`
	Name  string `json:"name"`
}

// Controller is implemented by sources whose camera has controls. The
// methods are safe to call from any goroutine, whether or not the source
// runs: a camera nobody watches is opened just for the call.
type Controller interface {
	// Controls lists the camera's controls with their current values.
	Controls() ([]Control, error)
	// SetControl sets one control; values outside the control's range or
	// step, unknown ids and read-only controls are errors wrapping
	// ErrBadControl, and change nothing.
	SetControl(id uint32, value int64) error
	// ResetControls sets every control back to its default.
	ResetControls() error
}

// ErrBadControl marks a request for a control that does not exist or a
// value it cannot take: the caller's mistake (HTTP 400), not the camera's.
var ErrBadControl = errors.New("bad control")

// Wrapper is implemented by sources that change another's frames (rotation,
// overlay): the camera behind them keeps its controls.
type Wrapper interface {
	Unwrap() Source
}

// ControllerOf finds the controls of the camera behind src and any
// wrappers around it.
func ControllerOf(src Source) (Controller, bool) {
	for src != nil {
		if c, ok := src.(Controller); ok {
			return c, true
		}
		w, ok := src.(Wrapper)
		if !ok {
			return nil, false
		}
		src = w.Unwrap()
	}
	return nil, false
}
