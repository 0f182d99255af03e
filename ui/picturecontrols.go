package ui

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"lancam/camera"
)

// pictureControls are the camera form's rotation, mirror and overlay: how
// lancam turns and stamps the frames, which takes reopening the camera.
type pictureControls struct {
	rotate  *widget.Select
	mirror  *widget.Check
	overlay *doneEntry
}

// rotations are the rotate choices, in degrees clockwise.
var rotations = []int{0, 90, 180, 270}

func rotationLabel(deg int) string { return strconv.Itoa(deg) + "°" }

// newPictureControls builds the widgets; changed runs on the UI goroutine
// when the user changed one (the overlay once typed: on Enter or when it
// loses the focus, since every keystroke would reopen the camera).
func newPictureControls(changed func()) *pictureControls {
	labels := make([]string, len(rotations))
	for i, r := range rotations {
		labels[i] = rotationLabel(r)
	}
	pc := &pictureControls{
		rotate:  widget.NewSelect(labels, func(string) { changed() }),
		mirror:  widget.NewCheck("Left to right", func(bool) { changed() }),
		overlay: newDoneEntry(changed),
	}
	pc.overlay.SetPlaceHolder("e.g. %Y-%m-%d %H:%M:%S")
	pc.overlay.Validator = validOverlay
	return pc
}

// validOverlay accepts what the camera can draw: printable text short
// enough for one line of its bitmap font.
func validOverlay(v string) error {
	if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
		return errors.New("printable text only")
	}
	return (camera.Picture{Overlay: v}).Check()
}

// items are the camera form's rows for rotation and mirror.
func (pc *pictureControls) items() []*widget.FormItem {
	return []*widget.FormItem{
		widget.NewFormItem("Rotation", pc.rotate),
		widget.NewFormItem("Mirror", pc.mirror),
	}
}

// overlayRow goes under the form: the form's narrow value column would
// show a third of a timestamp format, and widening it would widen the
// whole side panel, taking room from the picture on a 800x480 screen.
func (pc *pictureControls) overlayRow() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Overlay text (%N: the name)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	return tight(title, pc.overlay)
}

// disableables are the widgets that only make sense for the first camera.
func (pc *pictureControls) disableables() []fyne.Disableable {
	return []fyne.Disableable{pc.rotate, pc.mirror, pc.overlay}
}

// fill shows s; UI goroutine only, with the caller suppressing changed.
// Text the user is typing is kept: a camera plugged in meanwhile must not
// wipe it.
func (pc *pictureControls) fill(s Settings, typing bool) {
	pc.rotate.SetSelected(rotationLabel(validRotation(s.Rotate)))
	pc.mirror.SetChecked(s.Mirror)
	if !typing {
		pc.overlay.SetText(s.Overlay)
	}
}

// read returns s with the widgets' values; an overlay the camera could
// not draw is left as it was (the entry marks it).
func (pc *pictureControls) read(s Settings) Settings {
	for _, r := range rotations {
		if pc.rotate.Selected == rotationLabel(r) {
			s.Rotate = r
		}
	}
	s.Mirror = pc.mirror.Checked
	if pc.overlay.Validate() == nil {
		s.Overlay = pc.overlay.Text
	}
	return s
}

// doneEntry is an Entry that reports when the user is done with it: on
// Enter and when it loses the focus.
type doneEntry struct {
	widget.Entry
	done func()
}

func newDoneEntry(done func()) *doneEntry {
	e := &doneEntry{done: done}
	e.ExtendBaseWidget(e)
	e.OnSubmitted = func(string) { done() }
	return e
}

// FocusLost applies what was typed, as leaving a form field does.
func (e *doneEntry) FocusLost() {
	e.Entry.FocusLost()
	e.done()
}
