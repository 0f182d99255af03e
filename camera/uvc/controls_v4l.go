package uvc

import (
	"errors"
	"fmt"

	"github.com/vladimirvivien/go4vl/v4l2"
	"golang.org/x/sys/unix"

	"lancam/camera"
)

// ctlTypes are the control types lancam offers. Integer64 is missing on
// purpose: VIDIOC_QUERYCTRL reports its range as 0..0 and VIDIOC_G_CTRL
// refuses it, and go4vl has no VIDIOC_QUERY_EXT_CTRL. Strings, bitmasks
// and compound controls have no slider or menu to show.
var ctlTypes = map[v4l2.CtrlType]string{
	v4l2.CtrlTypeInt:         "int",
	v4l2.CtrlTypeBool:        "bool",
	v4l2.CtrlTypeMenu:        "menu",
	v4l2.CtrlTypeIntegerMenu: "intmenu",
	v4l2.CtrlTypeButton:      "button",
}

// v4lCtl is a node opened through go4vl for control calls.
type v4lCtl struct {
	path string
	fd   uintptr
	cap  v4l2.Capability
}

// openCtlV4L opens path without touching its format or buffers, so it
// works beside a streaming open of the same node.
func openCtlV4L(path string) (ctlNode, error) {
	fd, err := v4l2.OpenDevice(path, unix.O_RDWR|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	c, err := v4l2.GetCapability(fd)
	if err != nil {
		v4l2.CloseDevice(fd)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &v4lCtl{path: path, fd: fd, cap: c}, nil
}

func (n *v4lCtl) ident() (string, string) { return n.cap.BusInfo, n.cap.Card }

func (n *v4lCtl) close() error { return v4l2.CloseDevice(n.fd) }

func (n *v4lCtl) set(id uint32, v int32) error {
	if err := v4l2.SetControlValue(n.fd, id, v); err != nil {
		return fmt.Errorf("%s: %w", n.path, err)
	}
	return nil
}

// controls skips control classes (headings), disabled controls, types
// lancam does not offer and controls whose value cannot be read.
func (n *v4lCtl) controls() ([]ctlInfo, error) {
	all, err := v4l2.QueryAllControls(n.fd)
	if err != nil {
		// EINVAL on the very first query (go4vl's ErrorBadArgument) or
		// ENOTTY mean a node without controls.
		if len(all) == 0 && (errors.Is(err, v4l2.ErrorBadArgument) || errors.Is(err, v4l2.ErrorUnsupported)) {
			return []ctlInfo{}, nil
		}
		return nil, fmt.Errorf("%s: %w", n.path, err)
	}
	out := make([]ctlInfo, 0, len(all))
	for _, c := range all {
		typ, ok := ctlTypes[c.Type]
		if !ok || c.Flags&v4l2.CtrlFlagDisabled != 0 {
			continue
		}
		info := ctlInfo{Control: camera.Control{ID: c.ID, Name: c.Name, Type: typ,
			Min: int64(c.Minimum), Max: int64(c.Maximum), Step: int64(c.Step), Default: int64(c.Default),
			Inactive: c.Flags&v4l2.CtrlFlagInactive != 0}, readOnly: c.Flags&v4l2.CtrlFlagReadOnly != 0}
		switch {
		case typ == "button":
			// The driver says 0..0 and ignores the value: either of 0
			// and 1 presses it, so clients may send the natural 1.
			info.Min, info.Max, info.Step, info.Default = 0, 1, 1, 0
		case c.Flags&v4l2.CtrlFlagWriteOnly != 0:
			info.Value = info.Default
		default:
			v, err := v4l2.GetControlValue(n.fd, c.ID)
			if errors.Is(err, v4l2.ErrorSystem) { // ENODEV, EIO: the camera went
				return nil, fmt.Errorf("%s: %w", n.path, err)
			}
			if err != nil {
				continue
			}
			info.Value = int64(v)
		}
		if c.IsMenu() {
			items, err := c.GetMenuItems()
			if err != nil {
				continue
			}
			for _, it := range items {
				info.Menu = append(info.Menu, camera.MenuItem{Index: int64(it.Index), Name: it.Name})
			}
		}
		out = append(out, info)
	}
	return out, nil
}
