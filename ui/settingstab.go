package ui

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// settingsTab edits what the camera tab does not: the display name, the
// port and how lancam starts.
type settingsTab struct {
	a                         *App
	name, port, password      *widget.Entry
	onLaunch, hidden, atLogin *widget.Check
	note                      *widget.Label
	obj                       fyne.CanvasObject
}

func (a *App) newSettingsTab(s Settings) fyne.CanvasObject { return a.buildSettingsTab(s).obj }

// buildSettingsTab makes the tab's widgets; tests drive them directly.
func (a *App) buildSettingsTab(s Settings) *settingsTab {
	t := &settingsTab{a: a, name: widget.NewEntry(), port: widget.NewEntry(), note: widget.NewLabel("")}
	t.name.SetText(s.Name)
	t.name.Validator = func(v string) error {
		if strings.TrimSpace(v) == "" || len(v) > 200 {
			return errors.New("1 to 200 characters")
		}
		return nil
	}
	t.password = widget.NewPasswordEntry()
	t.password.SetText(s.Password)
	t.password.SetPlaceHolder("none: anyone on the network may watch")
	t.password.Validator = func(v string) error {
		if strings.ContainsFunc(v, unicode.IsControl) || len(v) > 1024 {
			return errors.New("printable text, at most 1024 bytes")
		}
		return nil
	}
	pwItem := widget.NewFormItem("Password (optional)", t.password)
	pwItem.HintText = "Viewers log in as \"" + a.authUser() + "\" with it"
	if a.settings.PasswordOverridden() {
		// The command line's password holds for this run; editing it
		// here would silently not apply.
		t.password.Disable()
		pwItem.HintText = "Set by -password-file or $LANCAM_PASSWORD for this run"
	}
	t.port.SetText(strconv.Itoa(s.Port()))
	t.port.Validator = func(v string) error {
		if p, err := strconv.Atoi(v); err != nil || p < 1 || p > 65535 {
			return errors.New("a port number, 1-65535")
		}
		return nil
	}
	t.onLaunch = widget.NewCheck("Start streaming when lancam starts", nil)
	t.onLaunch.SetChecked(s.StreamOnLaunch)
	t.hidden = widget.NewCheck("Start hidden in the tray", nil)
	t.hidden.SetChecked(s.StartHidden)
	t.atLogin = widget.NewCheck("Start lancam when I log in", nil)
	t.atLogin.SetChecked(s.StartAtLogin)
	t.note.Wrapping = fyne.TextWrapWord
	if len(a.cfg.Overridden) > 0 {
		t.note.SetText("Options given on the command line win over these settings for this run.")
	}
	form := widget.NewForm(
		widget.NewFormItem("Name on the network", t.name),
		widget.NewFormItem("Port", t.port),
		pwItem,
	)
	save := widget.NewButton("Save", t.save)
	save.Importance = widget.HighImportance
	t.obj = container.NewVScroll(container.NewVBox(form, t.onLaunch, t.hidden, t.atLogin, save, t.note))
	return t
}

// save validates and applies.
func (t *settingsTab) save() {
	if err := errors.Join(t.name.Validate(), t.port.Validate(), t.password.Validate()); err != nil {
		t.note.SetText("Not saved: " + err.Error())
		return
	}
	port, _ := strconv.Atoi(t.port.Text)
	s := t.a.current().WithPort(port)
	s.Name = strings.TrimSpace(t.name.Text)
	if !t.a.settings.PasswordOverridden() {
		s.Password = t.password.Text
	}
	s.StreamOnLaunch, s.StartHidden, s.StartAtLogin = t.onLaunch.Checked, t.hidden.Checked, t.atLogin.Checked
	t.a.applySettings(s)
	t.note.SetText("Saved.")
}
