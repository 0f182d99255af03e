package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// centeredTextLayout puts one object holding a wrapping label (the label
// itself, or a backdrop stack around it) in the middle of the space: as
// wide as the text on one line, at most maxWidth and the space, and as
// tall as the text wrapped at that width. A wrapping label in Fyne's
// Center container gets its minimum width instead, one letter, and stands
// one letter per line, taller than any screen.
type centeredTextLayout struct {
	label    *widget.Label
	maxWidth float32
	// extra is the width around the text inside the object (padding).
	extra float32
}

// newCenteredText lays obj out around label; extra is the padding obj adds
// on each side of the label.
func newCenteredText(label *widget.Label, obj fyne.CanvasObject, maxWidth, extra float32) *fyne.Container {
	return &fyne.Container{Layout: &centeredTextLayout{label: label, maxWidth: maxWidth, extra: 2 * extra}, Objects: []fyne.CanvasObject{obj}}
}

// Layout is Fyne's hook.
func (l *centeredTextLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) == 0 {
		return
	}
	o := objs[0]
	line := fyne.MeasureText(l.label.Text, theme.TextSize(), l.label.TextStyle).Width +
		2*theme.InnerPadding() + l.extra + 1 // +1: rounding must not wrap the last word
	w := min(line, l.maxWidth, size.Width)
	o.Resize(fyne.NewSize(w, o.Size().Height)) // the label wraps at this width
	h := min(o.MinSize().Height, size.Height)
	o.Resize(fyne.NewSize(w, h))
	o.Move(fyne.NewPos((size.Width-w)/2, (size.Height-h)/2))
}

// MinSize asks for nothing: the text fits the space it gets (the window
// is sized by the picture or list around it, never by a message).
func (l *centeredTextLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }

// setCenteredText changes the text of a label laid out by newCenteredText
// (box): a label's change does not lay out its parent again, and only the
// layout gives the label the width its new text wraps at.
func setCenteredText(box *fyne.Container, label *widget.Label, text string) {
	label.SetText(text)
	box.Refresh()
}
