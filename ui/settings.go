package ui

import (
	"fmt"
	"net"
	"strconv"

	"fyne.io/fyne/v2"
)

// Settings are what the user chooses in the window and keeps between runs.
type Settings struct {
	Source         string // "auto", "/dev/videoN", "test", "dir:PATH"
	Width, Height  int
	FPS            float64
	Quality        int
	Listen         string // host:port; the Settings tab edits the port
	Name           string // display name on the LAN
	StreamOnLaunch bool
	StartHidden    bool // start in the tray, without the window
	StartAtLogin   bool
	// Password, when not empty, is asked of every viewer (HTTP Basic).
	// It is kept in Fyne's preferences file, readable by this user only.
	Password string
	// Rotate turns the picture clockwise (0, 90, 180 or 270 degrees),
	// Mirror flips it left to right, and Overlay is a timestamp format
	// stamped on it, such as "%Y-%m-%d %H:%M:%S" ("" for none).
	Rotate  int
	Mirror  bool
	Overlay string
}

// Port is the port part of Listen (0 when unparsable).
func (s Settings) Port() int {
	_, p, err := net.SplitHostPort(s.Listen)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// WithPort returns s listening on port, keeping the host part.
func (s Settings) WithPort(port int) Settings {
	host, _, _ := net.SplitHostPort(s.Listen)
	s.Listen = net.JoinHostPort(host, strconv.Itoa(port))
	return s
}

// Size is "WxH".
func (s Settings) Size() string { return fmt.Sprintf("%dx%d", s.Width, s.Height) }

// Preference keys; flag names are the keys of Config.Overridden.
const (
	keySource, keyWidth, keyHeight, keyFPS, keyQuality = "source", "width", "height", "fps", "quality"
	keyListen, keyName                                 = "listen", "name"
	keyStreamOnLaunch, keyStartHidden, keyStartAtLogin = "stream_on_launch", "start_hidden", "start_at_login"
	keyPassword                                        = "password"
	keyRotate, keyMirror, keyOverlay                   = "rotate", "mirror", "overlay"
)

// settingsStore loads and saves Settings with Fyne's preferences. Flags the
// user gave on the command line win for this run without being saved, so
// `lancam -source test` does not change what the next plain start uses.
type settingsStore struct {
	prefs      fyne.Preferences
	flags      Settings
	overridden map[string]bool
}

func newSettingsStore(p fyne.Preferences, flags Settings, overridden map[string]bool) *settingsStore {
	if overridden == nil {
		overridden = map[string]bool{}
	}
	return &settingsStore{prefs: p, flags: flags, overridden: overridden}
}

// Load returns the saved settings (defaults: the flags' defaults), with the
// command-line flags applied on top.
func (st *settingsStore) Load() Settings {
	p, f := st.prefs, st.flags
	s := Settings{
		Source:         p.StringWithFallback(keySource, f.Source),
		Width:          p.IntWithFallback(keyWidth, f.Width),
		Height:         p.IntWithFallback(keyHeight, f.Height),
		FPS:            p.FloatWithFallback(keyFPS, f.FPS),
		Quality:        p.IntWithFallback(keyQuality, f.Quality),
		Listen:         p.StringWithFallback(keyListen, f.Listen),
		Name:           p.StringWithFallback(keyName, f.Name),
		StreamOnLaunch: p.BoolWithFallback(keyStreamOnLaunch, f.StreamOnLaunch),
		StartHidden:    p.BoolWithFallback(keyStartHidden, f.StartHidden),
		StartAtLogin:   p.BoolWithFallback(keyStartAtLogin, f.StartAtLogin),
		Password:       p.StringWithFallback(keyPassword, ""),
		Rotate:         validRotation(p.IntWithFallback(keyRotate, f.Rotate)),
		Mirror:         p.BoolWithFallback(keyMirror, f.Mirror),
		Overlay:        p.StringWithFallback(keyOverlay, f.Overlay),
	}
	return st.applyFlags(s)
}

// applyFlags puts the command-line values over s.
func (st *settingsStore) applyFlags(s Settings) Settings {
	o, f := st.overridden, st.flags
	if o["source"] {
		s.Source = f.Source
	}
	if o["size"] {
		s.Width, s.Height = f.Width, f.Height
	}
	if o["fps"] {
		s.FPS = f.FPS
	}
	if o["quality"] {
		s.Quality = f.Quality
	}
	if o["listen"] {
		s.Listen = f.Listen
	}
	if o["name"] {
		s.Name = f.Name
	}
	if o["password"] { // -password-file or $LANCAM_PASSWORD
		s.Password = f.Password
	}
	if o["rotate"] {
		s.Rotate = f.Rotate
	}
	if o["mirror"] {
		s.Mirror = f.Mirror
	}
	if o["overlay"] {
		s.Overlay = f.Overlay
	}
	return s
}

// validRotation keeps a hand-edited preferences file from asking for an
// angle the camera cannot turn by: anything but a quarter turn is none.
func validRotation(deg int) int {
	switch deg {
	case 0, 90, 180, 270:
		return deg
	}
	return 0
}

// Save keeps s for the next run.
func (st *settingsStore) Save(s Settings) {
	p := st.prefs
	p.SetString(keySource, s.Source)
	p.SetInt(keyWidth, s.Width)
	p.SetInt(keyHeight, s.Height)
	p.SetFloat(keyFPS, s.FPS)
	p.SetInt(keyQuality, s.Quality)
	p.SetString(keyListen, s.Listen)
	p.SetString(keyName, s.Name)
	p.SetBool(keyStreamOnLaunch, s.StreamOnLaunch)
	p.SetBool(keyStartHidden, s.StartHidden)
	p.SetBool(keyStartAtLogin, s.StartAtLogin)
	p.SetInt(keyRotate, s.Rotate)
	p.SetBool(keyMirror, s.Mirror)
	p.SetString(keyOverlay, s.Overlay)
	if !st.overridden["password"] {
		// A password given for one run must not end up in a file.
		p.SetString(keyPassword, s.Password)
	}
}

// PasswordOverridden reports whether the command line set the password
// for this run, so the Settings tab cannot change it.
func (st *settingsStore) PasswordOverridden() bool { return st.overridden["password"] }
