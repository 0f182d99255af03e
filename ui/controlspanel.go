package ui

import (
	"context"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lancam/camera"
)

// noControlsText is what the panel says for a test pattern, a folder of
// pictures or a camera whose driver offers nothing to adjust.
const noControlsText = "This camera has no adjustable controls"

// controlsPanel is the side panel's "Camera controls" section: a slider,
// menu, checkbox or button per control of the camera the preview shows
// (brightness, white balance, ...) and "Reset to defaults". It starts
// closed and reads the controls only while open, since reading them opens
// a camera nobody watches, and the Pi's 800x480 screen has room for them
// only when asked for (they scroll with the side panel, beside the
// picture they change).
type controlsPanel struct {
	a      *App
	header *widget.Button
	body   *fyne.Container
	status *widget.Label // why there is nothing to adjust, or what went wrong
	list   *fyne.Container
	reset  *widget.Button
	obj    fyne.CanvasObject

	// UI goroutine only.
	open     bool
	gen      int               // bumped by every read, so an answer about a camera no longer shown is dropped
	ctl      camera.Controller // the camera the rows belong to; nil for none
	rows     []*controlRow
	updating bool // the code, not the user, is changing the widgets

	setMu sync.Mutex // one change at a time, so they reach the camera in order
}

func newControlsPanel(a *App) *controlsPanel {
	p := &controlsPanel{a: a, status: widget.NewLabel(""), list: container.NewVBox()}
	p.header = widget.NewButtonWithIcon("Camera controls", theme.MenuExpandIcon(), p.toggle)
	p.header.Alignment = widget.ButtonAlignLeading
	p.header.Importance = widget.LowImportance
	p.status.Wrapping = fyne.TextWrapWord
	p.status.Hide()
	p.reset = widget.NewButtonWithIcon("Reset to defaults", theme.ViewRefreshIcon(), p.resetAll)
	p.reset.Hide()
	p.body = container.NewVBox(p.status, p.list, p.reset)
	p.body.Hide()
	p.obj = container.NewVBox(widget.NewSeparator(), p.header, p.body)
	return p
}

// Object is the panel's widget tree.
func (p *controlsPanel) Object() fyne.CanvasObject { return p.obj }

// toggle opens or closes the panel; opening reads the controls afresh,
// since another program (v4l2-ctl, a viewer over HTTP) may have changed
// them.
func (p *controlsPanel) toggle() {
	p.open = !p.open
	if !p.open {
		p.header.SetIcon(theme.MenuExpandIcon())
		p.body.Hide()
		return
	}
	p.header.SetIcon(theme.MenuDropDownIcon())
	p.body.Show()
	p.load()
}

// reload re-reads the controls if the panel is open: the camera shown
// changed (preview chooser, another source). Any goroutine.
func (p *controlsPanel) reload() {
	p.a.do(func() {
		if p.open {
			p.load()
		}
	})
}

// load reads the controls of the camera the preview shows off the UI
// goroutine, then rebuilds the rows; UI goroutine only.
func (p *controlsPanel) load() {
	p.gen++
	gen := p.gen
	hub := p.a.preview.Hub()
	if len(p.rows) == 0 {
		p.say("Reading the camera's controls…", widget.MediumImportance)
	}
	p.a.goRun(func(context.Context) {
		ctl, ok := camera.ControllerOf(hub.Source())
		var list []camera.Control
		var err error
		if ok {
			list, err = ctl.Controls()
		}
		p.a.do(func() {
			if gen == p.gen {
				p.build(ctl, list, err)
			}
		})
	})
}

// build makes a row per control; UI goroutine only.
func (p *controlsPanel) build(ctl camera.Controller, list []camera.Control, err error) {
	p.updating = true
	defer func() { p.updating = false }()
	p.ctl, p.rows = ctl, nil
	p.list.RemoveAll()
	for _, c := range list {
		if r := newControlRow(p, ctl, c); r != nil {
			p.rows = append(p.rows, r)
			p.list.Add(r.obj)
		}
	}
	switch {
	case err != nil:
		p.say("Cannot read the camera's controls: "+err.Error(), widget.DangerImportance)
	case len(p.rows) == 0:
		p.say(noControlsText, widget.MediumImportance)
	default:
		p.say("", widget.MediumImportance)
	}
	if len(p.rows) > 0 {
		p.reset.Show()
	} else {
		p.reset.Hide()
	}
	p.list.Refresh()
}

// say shows msg above the controls, or hides the line for ""; UI
// goroutine only.
func (p *controlsPanel) say(msg string, imp widget.Importance) {
	p.status.Importance = imp
	p.status.SetText(msg)
	if msg == "" {
		p.status.Hide()
	} else {
		p.status.Show()
	}
}

// send sets r's control to v off the UI goroutine. Only the latest value
// of a row is sent when several pile up behind a slow camera (a slider
// dragged through many values); UI goroutine only.
func (p *controlsPanel) send(r *controlRow, v int64) {
	if p.updating {
		return
	}
	r.mu.Lock()
	r.pending, r.hasPending = v, true
	r.mu.Unlock()
	gen, id, name := p.gen, r.c.ID, r.c.Name
	p.a.goRun(func(context.Context) {
		p.setMu.Lock()
		defer p.setMu.Unlock()
		r.mu.Lock()
		v, ok := r.pending, r.hasPending
		r.hasPending = false
		r.mu.Unlock()
		if !ok {
			return // an earlier goroutine sent it
		}
		err := r.ctl.SetControl(id, v)
		// Re-read: one control can switch others on or off (auto
		// exposure and exposure time), and a refused value must not stay
		// on screen as if it were set.
		list, lerr := r.ctl.Controls()
		p.a.do(func() {
			if gen != p.gen {
				return
			}
			if lerr == nil {
				p.refresh(list, err != nil)
			}
			if err != nil {
				p.say("Could not set "+name+": "+err.Error(), widget.DangerImportance)
			} else if p.status.Importance == widget.DangerImportance {
				p.say("", widget.MediumImportance)
			}
		})
	})
}

// resetAll is "Reset to defaults".
func (p *controlsPanel) resetAll() {
	ctl, gen := p.ctl, p.gen
	if ctl == nil {
		return
	}
	p.reset.Disable()
	p.a.goRun(func(context.Context) {
		p.setMu.Lock()
		defer p.setMu.Unlock()
		err := ctl.ResetControls()
		list, lerr := ctl.Controls()
		p.a.do(func() {
			p.reset.Enable()
			if gen != p.gen {
				return
			}
			if lerr == nil {
				p.refresh(list, true)
			}
			switch {
			case err != nil:
				p.say("Could not reset the controls: "+err.Error(), widget.DangerImportance)
			case lerr != nil:
				p.say("Cannot read the camera's controls: "+lerr.Error(), widget.DangerImportance)
			default:
				p.say("", widget.MediumImportance)
			}
		})
	})
}

// refresh shows a fresh read of the same camera in the rows: whether each
// is in use now, and with values also what the camera holds. Values are
// left alone after a change that worked, so a slider being dragged does
// not jump back under the finger. UI goroutine only.
func (p *controlsPanel) refresh(list []camera.Control, values bool) {
	p.updating = true
	defer func() { p.updating = false }()
	byID := make(map[uint32]camera.Control, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	for _, r := range p.rows {
		c, ok := byID[r.c.ID]
		if !ok {
			continue
		}
		r.c.Inactive, r.c.Restarts, r.c.Value = c.Inactive, c.Restarts, c.Value
		r.showTitle()
		if values {
			r.showValue()
		}
	}
}
