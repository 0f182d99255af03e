package ui

import (
	"errors"
	"net/url"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// openURLExample is what most cameras without lancam serve (mjpg-streamer
// and ustreamer answer this URL).
const openURLExample = "http://camera.local:8080/?action=stream"

// validateStreamURL checks what a user typed and returns the URL to open.
// A missing scheme means http, since that is how camera URLs are written
// on stickers and in forums; anything but http and https is refused
// because the MJPEG client speaks nothing else.
func validateStreamURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("enter the address of an MJPEG stream, e.g. " + openURLExample)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", errors.New("the address must not contain spaces")
		}
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("this is not a valid address: " + cleanErr(err))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return "", errors.New("only http:// and https:// addresses can be played, not " + cleanName(u.Scheme) + "://")
	}
	if u.Hostname() == "" {
		return "", errors.New("the address has no host name, e.g. " + openURLExample)
	}
	return u.String(), nil
}

// urlTitle names a viewer of a typed URL by its host, without any
// password the URL carries.
func urlTitle(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "Camera"
	}
	return cleanName(u.Host)
}

// showOpenURL asks for a URL; the Open button stays disabled, with the
// reason under the entry, until the URL is valid. UI goroutine.
func (v *lanView) showOpenURL() {
	entry := widget.NewEntry()
	entry.SetPlaceHolder(openURLExample)
	entry.Validator = func(s string) error {
		_, err := validateStreamURL(s)
		return err
	}
	item := widget.NewFormItem("URL", entry)
	item.HintText = "An MJPEG stream (lancam, mjpg-streamer, ustreamer, an IP camera)"
	parent, temp := v.parentWindow()
	d := dialog.NewForm("Open a camera URL", "Open", "Cancel", []*widget.FormItem{item}, func(ok bool) {
		if temp {
			parent.Close()
		}
		if !ok {
			return
		}
		u, err := validateStreamURL(entry.Text)
		if err != nil {
			return // the form does not confirm while invalid
		}
		v.OpenURL(urlTitle(u), u)
	}, parent)
	entry.OnSubmitted = func(string) { d.Submit() } // Enter opens, unless the URL is refused
	d.Resize(fyne.NewSize(560, 220))
	d.Show()
	parent.Canvas().Focus(entry)
}

// parentWindow is the window showing the tab; without one (the tab not on
// screen yet) a small window of its own hosts the dialog, and temp says so.
func (v *lanView) parentWindow() (fyne.Window, bool) {
	if c := v.cfg.App.Driver().CanvasForObject(v.root); c != nil {
		for _, w := range v.cfg.App.Driver().AllWindows() {
			if w.Canvas() == c {
				return w, false
			}
		}
	}
	w := v.cfg.App.NewWindow("Open a camera URL")
	w.Resize(fyne.NewSize(600, 260))
	w.Show()
	return w, true
}
