package ui

import (
	"math"
	"strconv"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"lancam/camera"
)

// restartsNote marks controls whose change restarts the camera, so a
// blink of the picture is no surprise.
const restartsNote = " (restarts the camera)"

// controlRow is one control's widgets: int → slider with its value, bool →
// checkbox, menu and intmenu → select, button → button.
type controlRow struct {
	p   *controlsPanel
	ctl camera.Controller
	c   camera.Control // as last read; UI goroutine only
	obj fyne.CanvasObject

	title  *widget.Label // nil for a button, which carries its name itself
	slider *widget.Slider
	value  *widget.Label
	check  *widget.Check
	menu   *widget.Select
	button *widget.Button

	mu         sync.Mutex
	pending    int64 // the value waiting to be sent
	hasPending bool
}

// newControlRow builds the row for c, or returns nil for a type the window
// cannot edit; UI goroutine only, with p.updating set.
func newControlRow(p *controlsPanel, ctl camera.Controller, c camera.Control) *controlRow {
	r := &controlRow{p: p, ctl: ctl, c: c, title: widget.NewLabel("")}
	r.title.Wrapping = fyne.TextWrapWord // long driver names must not widen the side panel
	switch c.Type {
	case "int":
		// The slider counts steps from Min: V4L2 values lie on Min+k·Step,
		// which Fyne's own snapping (to multiples of Step) would miss
		// whenever Min is not one.
		r.slider = widget.NewSlider(0, float64(r.stepIndex(c.Max)))
		r.value = widget.NewLabel("")
		r.slider.OnChanged = func(x float64) { r.value.SetText(strconv.FormatInt(r.valueAt(x), 10)) }
		r.slider.OnChangeEnded = func(x float64) { p.send(r, r.valueAt(x)) }
		r.obj = tight(r.title, container.NewBorder(nil, nil, nil, r.value, r.slider))
	case "bool":
		r.check = widget.NewCheck("", func(on bool) {
			v := int64(0)
			if on {
				v = 1
			}
			p.send(r, v)
		})
		r.obj = container.NewBorder(nil, nil, nil, r.check, r.title)
	case "menu", "intmenu":
		names := make([]string, len(c.Menu))
		for i, m := range c.Menu {
			names[i] = m.Name
		}
		r.menu = widget.NewSelect(names, func(string) {
			if i := r.menu.SelectedIndex(); i >= 0 {
				p.send(r, c.Menu[i].Index)
			}
		})
		r.obj = tight(r.title, r.menu)
	case "button":
		r.title = nil
		// Buttons carry no value; V4L2 wants one within their range all
		// the same.
		r.button = widget.NewButton("", func() { p.send(r, c.Min) })
		r.obj = r.button
	default:
		return nil
	}
	r.showTitle()
	r.showValue()
	return r
}

// tight stacks a title on its widget without the box's padding: a camera
// has a dozen controls or more, and the Pi's screen is 480 px high.
func tight(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.New(layout.NewCustomPaddedVBoxLayout(0), objs...)
}

// step is the control's step, at least 1.
func (r *controlRow) step() int64 { return max(r.c.Step, 1) }

// stepIndex is the slider position of value v.
func (r *controlRow) stepIndex(v int64) int64 {
	return int64(math.Round(float64(v-r.c.Min) / float64(r.step())))
}

// valueAt is the control value at slider position x, on the step grid and
// within the range.
func (r *controlRow) valueAt(x float64) int64 {
	v := r.c.Min + int64(math.Round(x))*r.step()
	return min(max(v, r.c.Min), r.c.Max)
}

// showTitle shows the name, the restart note, and an inactive control
// greyed: it still takes a value, which counts once it is in use again.
func (r *controlRow) showTitle() {
	text := r.c.Name
	if r.c.Restarts {
		text += restartsNote
	}
	imp := widget.MediumImportance
	if r.c.Inactive {
		imp = widget.LowImportance
	}
	if r.button != nil {
		r.button.SetText(text)
		r.button.Importance = imp
		r.button.Refresh()
		return
	}
	r.title.Importance = imp
	r.title.SetText(text)
}

// showValue puts r.c.Value into the widgets; UI goroutine only, with
// p.updating set so that nothing is sent back.
func (r *controlRow) showValue() {
	v := r.c.Value
	switch {
	case r.slider != nil:
		r.slider.SetValue(float64(r.stepIndex(v)))
		r.value.SetText(strconv.FormatInt(v, 10))
	case r.check != nil:
		r.check.SetChecked(v != 0)
	case r.menu != nil:
		for i, m := range r.c.Menu {
			if m.Index == v {
				r.menu.SetSelectedIndex(i)
				return
			}
		}
		r.menu.ClearSelected()
	}
}
