package ui

import (
	"fmt"
	"image"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lancam/camera"
)

// mainWindow is "This camera": the preview, the camera controls, the
// streaming toggle with its URLs, QR code and viewer count, the snapshot
// button and an error line that says what to do.
type mainWindow struct {
	a   *App
	win fyne.Window

	view *jpegView

	toggle   *widget.Button
	urlBox   *fyne.Container
	copyBtn  *widget.Button
	qr       *canvas.Image
	viewers  *widget.Label
	message  *widget.Label // snapshot results and other notes
	errLabel *widget.Label
	errCard  *fyne.Container
	camSel   *widget.Select
	sizeSel  *widget.Select
	fpsSel   *widget.Select
	quality  *widget.Slider
	pic      *pictureControls
	controls *controlsPanel
	choices  []cameraChoice
	updating bool // set while the code (not the user) changes the selects
	shownURL string
	onTab    func(lan bool) // the selected tab changed
	feeds    *feedPanel     // several cameras: which one is previewed, which are on

	// Full screen: the preview alone fills the screen. The picture moves
	// between previewSlot (in the camera tab) and the full-screen content.
	tabs        *container.AppTabs
	previewSlot *fyne.Container
	tapArea     *doubleTapArea
	full        bool
	windowed    fyne.Size // the window's size before full screen

	errMu                sync.Mutex
	streamErr, cameraErr string
	errShown             string // the line's text, as last sent to it
}

// newMainWindow builds the window's content in w.
func newMainWindow(a *App, w fyne.Window, lanTab, settingsTab fyne.CanvasObject) *mainWindow {
	m := &mainWindow{a: a, win: w, view: newJPEGView(a.do),
		viewers: widget.NewLabel("not streaming"), message: widget.NewLabel(""), errLabel: widget.NewLabel("")}

	m.toggle = widget.NewButtonWithIcon("Start streaming", theme.MediaPlayIcon(), m.onToggle)
	m.toggle.Importance = widget.HighImportance
	m.urlBox = container.NewVBox()
	m.copyBtn = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), m.copyURL)
	m.qr = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))
	m.qr.FillMode = canvas.ImageFillContain
	m.qr.ScaleMode = canvas.ImageScalePixels
	m.qr.SetMinSize(fyne.NewSize(160, 160))
	m.qr.Hide()

	m.camSel = widget.NewSelect(nil, func(string) { m.onSourceControls() })
	m.sizeSel = widget.NewSelect(nil, func(string) { m.onSourceControls() })
	m.fpsSel = widget.NewSelect(nil, func(string) { m.onSourceControls() })
	m.quality = widget.NewSlider(10, 100)
	m.quality.Step = 5
	m.quality.OnChangeEnded = func(float64) { m.onSourceControls() }
	m.pic = newPictureControls(m.onSourceControls)
	m.controls = newControlsPanel(a)

	snap := widget.NewButtonWithIcon("Take snapshot", theme.MediaPhotoIcon(), a.takeSnapshot)
	fullBtn := widget.NewButtonWithIcon("Full screen (F11, double-tap)", theme.ViewFullScreenIcon(), func() { m.setFullScreen(true) })
	m.tapArea = newDoubleTapArea(func() { m.setFullScreen(!m.full) })
	m.previewSlot = container.NewStack(m.view, m.tapArea)

	m.errLabel.Wrapping = fyne.TextWrapWord
	m.errLabel.Importance = widget.DangerImportance
	m.errCard = container.NewVBox(container.NewBorder(nil, nil, widget.NewIcon(theme.ErrorIcon()), nil, m.errLabel))
	m.errCard.Hide()
	m.message.Wrapping = fyne.TextWrapWord

	// The camera chooser has the panel's whole width: camera names are
	// long ("HD Pro Webcam C920 (/dev/video0)").
	camLabel := widget.NewLabelWithStyle("Camera", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	form := widget.NewForm(
		widget.NewFormItem("Size", m.sizeSel),
		widget.NewFormItem("Frame rate", m.fpsSel),
		widget.NewFormItem("Quality", m.quality),
	)
	for _, it := range m.pic.items() {
		form.AppendItem(it)
	}
	m.feeds = newFeedPanel(a, a.parts.Feeds)
	// The streaming toggle comes first: it is what lancam is for, and on a
	// small screen what is below the fold needs a scroll.
	side := container.NewVBox(
		m.toggle,
		m.viewers,
		container.NewBorder(nil, nil, nil, m.copyBtn, m.urlBox),
		container.NewCenter(m.qr),
		m.feeds.Object(),
		camLabel,
		m.camSel,
		form,
		m.pic.overlayRow(),
		snap,
		fullBtn,
		m.message,
		m.controls.Object(), // last: opening it must not move the buttons above
	)
	cameraTab := container.NewBorder(m.errCard, nil, nil, nil,
		container.New(sideLayout{}, m.previewSlot, container.NewVScroll(side)))
	lanItem := container.NewTabItemWithIcon("LAN cameras", theme.ComputerIcon(), lanTab)
	m.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("This camera", theme.MediaVideoIcon(), cameraTab),
		lanItem,
		container.NewTabItemWithIcon("Settings", theme.SettingsIcon(), settingsTab),
	)
	m.tabs.OnSelected = func(ti *container.TabItem) {
		if m.onTab != nil {
			m.onTab(ti == lanItem)
		}
	}
	w.SetContent(m.tabs)
	fullScreenKeys(w.Canvas(), func() { m.setFullScreen(!m.full) }, func() { m.setFullScreen(false) })
	return m
}

// setFullScreen shows the preview alone on the whole screen, or the tabs
// again; UI goroutine only. From another tab it switches to this camera's
// first, so the preview runs.
func (m *mainWindow) setFullScreen(on bool) {
	if on == m.full {
		return
	}
	m.full = on
	if on {
		// Fyne 2.7 takes the full-screen size for the window's own when the
		// content changes while full screen, so the size is put back by hand.
		m.windowed = m.win.Canvas().Size()
		m.tabs.SelectIndex(0)
		m.previewSlot.RemoveAll()
		m.win.SetContent(container.NewStack(m.view, m.tapArea))
		m.win.SetFullScreen(true)
		return
	}
	m.win.SetContent(m.tabs)
	m.previewSlot.Objects = []fyne.CanvasObject{m.view, m.tapArea}
	m.previewSlot.Refresh()
	m.win.SetFullScreen(false)
	if !m.windowed.IsZero() {
		m.win.Resize(m.windowed)
	}
}

// onToggle is the Start/Stop button.
func (m *mainWindow) onToggle() { m.a.toggleStreaming() }

// showStreaming updates the toggle, URLs and QR; UI goroutine only.
func (m *mainWindow) showStreaming(on bool, urls []string) {
	if on {
		m.toggle.SetText("Stop streaming")
		m.toggle.SetIcon(theme.MediaStopIcon())
		m.toggle.Importance = widget.DangerImportance
	} else {
		m.toggle.SetText("Start streaming")
		m.toggle.SetIcon(theme.MediaPlayIcon())
		m.toggle.Importance = widget.HighImportance
		m.viewers.SetText("not streaming")
	}
	m.toggle.Refresh()
	m.urlBox.RemoveAll()
	m.shownURL = ""
	for _, u := range urls {
		if pu, err := url.Parse(u); err == nil {
			l := widget.NewHyperlink(u, pu)
			l.Truncation = fyne.TextTruncateEllipsis // a long host name must not widen the panel
			m.urlBox.Add(l)
		}
	}
	if len(urls) > 0 {
		for _, l := range m.feeds.links(urls[0]) {
			m.urlBox.Add(l)
		}
		m.shownURL = urls[0]
		if img, err := qrImage(urls[len(urls)-1], 320); err == nil { // an IP address: phones without mDNS read it too
			m.qr.Image = img
			m.qr.Show()
			m.qr.Refresh()
		}
		m.copyBtn.Enable()
		m.copyBtn.Show()
	} else {
		m.qr.Hide()
		m.copyBtn.Disable()
		m.copyBtn.Hide() // nothing to copy: no empty row on a small screen
	}
	m.urlBox.Refresh()
}

// copyURL puts the first page URL on the clipboard.
func (m *mainWindow) copyURL() {
	if m.shownURL == "" {
		return
	}
	m.a.fyne.Clipboard().SetContent(m.shownURL + "stream.mjpg")
	m.message.SetText("Copied " + m.shownURL + "stream.mjpg")
}

// showError shows the streaming error (port busy, …), or clears it with "".
func (m *mainWindow) showError(msg string) { m.setError(&m.streamErr, msg) }

// showCameraState turns the hub's state into words in the error line: a
// camera that is selected but sends nothing (unplugged, stalled).
func (m *mainWindow) showCameraState(st camera.HubStats) {
	msg := ""
	if st.Running && !st.Online && st.Frames > 0 || st.Running && st.LastError != "" {
		name := st.Source.Device
		if name == "" {
			name = st.Source.Kind
		}
		msg = "The camera " + name + " is not sending pictures"
		if st.LastError != "" {
			msg += " (" + st.LastError + ")"
		}
		msg += ". Check that it is plugged in, or choose another camera."
	}
	m.setError(&m.cameraErr, msg)
}

// setError updates one of the error sources and the line showing them; any
// goroutine (the line changes through App.do).
func (m *mainWindow) setError(slot *string, msg string) {
	m.errMu.Lock()
	*slot = msg
	text := strings.TrimSpace(m.streamErr + "\n" + m.cameraErr)
	same := text == m.errShown
	m.errShown = text
	m.errMu.Unlock()
	if same {
		return // the poll sets the camera's state every second: no repaint for nothing
	}
	m.a.do(func() {
		m.errLabel.SetText(text)
		if text == "" {
			m.errCard.Hide()
		} else {
			m.errCard.Show()
		}
	})
}

// fillControls sets the selects to s and the camera list; UI goroutine only.
func (m *mainWindow) fillControls(s Settings) {
	m.updating = true
	defer func() { m.updating = false }()
	cams := m.a.cameras()
	m.choices = cameraChoices(cams, s.Source)
	labels := make([]string, len(m.choices))
	sel := ""
	for i, c := range m.choices {
		labels[i] = c.Label
		if c.Source == s.Source {
			sel = c.Label
		}
	}
	m.camSel.SetOptions(labels)
	m.camSel.SetSelected(sel)
	m.sizeSel.SetOptions(withCurrent(sizeChoices(cams, s.Source), s.Size()))
	m.sizeSel.SetSelected(s.Size())
	m.fpsSel.SetOptions(withCurrent(rateChoices(cams, s.Source, s.Width, s.Height), formatFPS(s.FPS)))
	m.fpsSel.SetSelected(formatFPS(s.FPS))
	m.quality.SetValue(float64(s.Quality))
	m.pic.fill(s, m.win.Canvas().Focused() == m.pic.overlay)
}

// onSourceControls applies a change the user made to the camera controls.
func (m *mainWindow) onSourceControls() {
	if m.updating {
		return
	}
	s := m.a.current()
	for _, c := range m.choices {
		if c.Label == m.camSel.Selected {
			s.Source = c.Source
		}
	}
	if w, h, ok := parseSizeChoice(m.sizeSel.Selected); ok {
		s.Width, s.Height = w, h
	}
	if r, err := strconv.ParseFloat(m.fpsSel.Selected, 64); err == nil && r > 0 {
		s.FPS = r
	}
	s.Quality = int(m.quality.Value)
	m.a.applySettings(m.pic.read(s))
}

// withCurrent makes sure the current value is among the options.
func withCurrent(opts []string, cur string) []string {
	for _, o := range opts {
		if o == cur {
			return opts
		}
	}
	return append(opts, cur)
}

// viewerText is the live viewer count line.
func viewerText(n int) string {
	switch n {
	case 0:
		return "Streaming — no viewers yet"
	case 1:
		return "Streaming — 1 viewer"
	}
	return fmt.Sprintf("Streaming — %d viewers", n)
}

// say shows a note under the buttons; any goroutine.
func (m *mainWindow) say(msg string) { m.a.do(func() { m.message.SetText(msg) }) }
