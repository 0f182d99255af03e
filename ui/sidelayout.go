package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// The side panel's width: wide enough that the camera chooser shows whole
// names, narrow enough to leave the preview most of an 800-pixel screen.
const (
	sidePanelMinWidth = 300
	sidePanelMaxWidth = 380
	// previewMinWidth is the narrowest preview worth having beside the
	// panel; narrower windows fold the panel below it.
	previewMinWidth = 360
)

// sideLayout places the preview (first object) and the scrolling side
// panel (second): the panel at the right when the window is landscape and
// wide enough for both, else folded below a preview that keeps most of
// the height. The panel's width follows the window, not its content, so
// the preview does not move when the panel's text changes (URLs appear
// when streaming starts).
type sideLayout struct{}

// wide reports whether the panel goes beside the preview, and its width.
func (sideLayout) wide(size, side fyne.Size) (bool, float32) {
	w := min(max(size.Width*0.36, sidePanelMinWidth), sidePanelMaxWidth)
	w = max(w, side.Width) // the content's own minimum wins
	return size.Width >= size.Height && size.Width-w-theme.Padding() >= previewMinWidth, w
}

// Layout is Fyne's hook.
func (l sideLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) < 2 {
		return
	}
	preview, side := objs[0], objs[1]
	pad := theme.Padding()
	if wide, w := l.wide(size, side.MinSize()); wide {
		preview.Move(fyne.NewPos(0, 0))
		preview.Resize(fyne.NewSize(size.Width-w-pad, size.Height))
		side.Move(fyne.NewPos(size.Width-w, 0))
		side.Resize(fyne.NewSize(w, size.Height))
		return
	}
	ph := max(size.Height*0.55, preview.MinSize().Height)
	preview.Move(fyne.NewPos(0, 0))
	preview.Resize(fyne.NewSize(size.Width, ph))
	side.Move(fyne.NewPos(0, ph+pad))
	side.Resize(fyne.NewSize(size.Width, max(size.Height-ph-pad, 0)))
}

// MinSize is the preview's and the panel's minimum stacked: the panel
// scrolls, so it needs little height.
func (sideLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) < 2 {
		return fyne.Size{}
	}
	p, s := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(max(p.Width, s.Width), p.Height+theme.Padding()+s.Height)
}
