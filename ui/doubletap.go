package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// doubleTapArea lies invisibly over a picture and turns a double tap (or
// double click) into fn, the full-screen toggle: on a touchscreen without
// a keyboard there is no F11. It takes no single taps, so the picture
// under it behaves as before.
type doubleTapArea struct {
	widget.BaseWidget
	fn func()
}

func newDoubleTapArea(fn func()) *doubleTapArea {
	d := &doubleTapArea{fn: fn}
	d.ExtendBaseWidget(d)
	return d
}

// DoubleTapped is Fyne's hook.
func (d *doubleTapArea) DoubleTapped(*fyne.PointEvent) { d.fn() }

// CreateRenderer is Fyne's hook.
func (d *doubleTapArea) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// fullScreenKeys makes F11 call toggle and Escape call leave in c, the
// keys desktop apps use for full screen.
func fullScreenKeys(c fyne.Canvas, toggle, leave func()) {
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyF11:
			toggle()
		case fyne.KeyEscape:
			leave()
		}
	})
}
