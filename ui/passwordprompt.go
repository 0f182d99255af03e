package ui

import (
	"context"
	"errors"
	"net/http"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"lancam/httpstream"
)

// Overlay texts of a viewer that has no password to give.
const (
	textNeedsPassword = "This camera needs a password."
	textLoginCanceled = "This camera needs a password. Close this window and open it again to log in."
)

// passwordPrompt is the login dialog of a viewer; its widgets belong to
// Fyne's goroutine.
type passwordPrompt struct {
	dlg            *dialog.FormDialog
	user, password *widget.Entry
	remember       *widget.Check
}

// isUnauthorized reports whether a client's error is the server's 401.
func isUnauthorized(err error) bool {
	var he *httpstream.HTTPStatusError
	return errors.As(err, &he) && he.Code == http.StatusUnauthorized
}

// askPassword shows the login dialog over the viewer and waits for it; ok
// is false when the user cancels or the viewer closes.
func (vw *viewer) askPassword(ctx context.Context, last credentials, wrong bool) (credentials, bool) {
	vw.showText(textNeedsPassword)
	answer := make(chan *credentials, 1)
	vw.do(func() { vw.showPrompt(last, wrong, answer) })
	select {
	case <-ctx.Done():
		vw.do(func() {
			if vw.prompt != nil {
				vw.prompt.dlg.Hide()
			}
		})
		return credentials{}, false
	case c := <-answer:
		if c == nil {
			vw.showText(textLoginCanceled)
			return credentials{}, false
		}
		return *c, true
	}
}

// showPrompt builds and shows the dialog; Fyne's goroutine.
func (vw *viewer) showPrompt(last credentials, wrong bool, answer chan<- *credentials) {
	p := &passwordPrompt{user: widget.NewEntry(), password: widget.NewPasswordEntry()}
	user := last.user
	if user == "" {
		user = defaultAuthUser // what another lancam expects unless told otherwise
	}
	p.user.SetText(user)
	p.remember = widget.NewCheck("Remember", nil)
	p.remember.SetChecked(last.remember || !wrong)
	pwItem := widget.NewFormItem("Password", p.password)
	if wrong {
		pwItem.HintText = "Wrong user name or password: try again"
	}
	items := []*widget.FormItem{widget.NewFormItem("User", p.user), pwItem, widget.NewFormItem("", p.remember)}
	p.dlg = dialog.NewForm("Log in to "+vw.title, "Log in", "Cancel", items, func(ok bool) {
		if vw.prompt == p {
			vw.prompt = nil
		}
		if !ok {
			answer <- nil
			return
		}
		answer <- &credentials{user: p.user.Text, pass: p.password.Text, remember: p.remember.Checked}
	}, vw.win)
	p.dlg.Resize(fyne.NewSize(420, 240))
	vw.prompt = p
	p.dlg.Show()
	vw.win.Canvas().Focus(p.password)
}

// showText puts text over the picture, like a client state does.
func (vw *viewer) showText(text string) {
	vw.mu.Lock()
	vw.text = text
	vw.mu.Unlock()
	vw.do(func() {
		setCenteredText(vw.overlay, vw.label, text)
		vw.overlay.Show()
	})
}
