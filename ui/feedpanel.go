package ui

import (
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// feedPanel is the window's part for a lancam serving several cameras:
// which one the preview (and the snapshot button) shows, and a switch per
// camera that serves and announces it or takes it off the LAN. The camera
// form below it (size, rotation, ...) belongs to the first camera, so it is
// only enabled while the preview shows that one; the Camera controls panel
// (brightness, ...) follows whichever camera is shown.
type feedPanel struct {
	a      *App
	feeds  []Feed
	show   *widget.Select
	checks []*widget.Check
	box    *fyne.Container
	shown  int
}

// newFeedPanel builds the panel; it stays empty (and hidden) for one camera.
func newFeedPanel(a *App, feeds []Feed) *feedPanel {
	p := &feedPanel{a: a, feeds: feeds, box: container.NewVBox()}
	if len(feeds) < 2 {
		p.box.Hide()
		return p
	}
	names := make([]string, len(feeds))
	for i, f := range feeds {
		names[i] = f.Name
	}
	p.show = widget.NewSelect(names, func(name string) {
		for i, f := range feeds {
			if f.Name == name {
				p.showFeed(i)
			}
		}
	})
	p.show.SetSelectedIndex(0)
	p.box.Add(widget.NewForm(widget.NewFormItem("Preview", p.show)))
	p.box.Add(widget.NewLabel("Cameras on the LAN:"))
	for _, f := range feeds {
		c := widget.NewCheck(f.Name, nil)
		c.SetChecked(f.On())
		c.OnChanged = func(on bool) {
			f.SetOn(on)
			if s := p.a.stream; s != nil && p.a.main != nil {
				p.a.main.showStreaming(s.Streaming(), s.URLs())
			}
		}
		p.checks = append(p.checks, c)
		p.box.Add(c)
	}
	return p
}

// Object is the panel's widget tree.
func (p *feedPanel) Object() fyne.CanvasObject { return p.box }

// showFeed switches the preview to camera i; UI goroutine only.
func (p *feedPanel) showFeed(i int) {
	p.shown = i
	if p.a.preview != nil {
		p.a.preview.SetHub(p.feeds[i].Hub)
	}
	if m := p.a.main; m != nil {
		for _, w := range append([]fyne.Disableable{m.camSel, m.sizeSel, m.fpsSel, m.quality}, m.pic.disableables()...) {
			if i == 0 {
				w.Enable()
			} else {
				w.Disable()
			}
		}
		m.controls.reload() // the controls follow the camera shown
	}
}

// links are the page links of the cameras after the first that are on,
// beside the first's base URL (its page).
func (p *feedPanel) links(base string) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, f := range p.feeds[min(1, len(p.feeds)):] {
		if !f.On() {
			continue
		}
		u := strings.TrimSuffix(base, "/") + f.Page
		if pu, err := url.Parse(u); err == nil {
			l := widget.NewHyperlink(f.Name+": "+u, pu)
			l.Truncation = fyne.TextTruncateEllipsis
			out = append(out, l)
		}
	}
	return out
}
