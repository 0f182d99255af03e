// Package ui is lancam's desktop app: the main window with the live
// preview and the streaming toggle, the LAN cameras, the tray and the
// settings. It is the only package that imports Fyne. Widgets change only
// on Fyne's goroutine (App.do, which is fyne.Do); the logic behind them
// lives in types that tests drive with Fyne's test driver.
package ui

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lancam/camera"
	"lancam/camera/uvc"
	"lancam/discovery"
	"lancam/httpstream"
)

// AppID is the Fyne application id: it names the preferences folder and
// matches FyneApp.toml.
const AppID = "io.github.lancam"

// LAN is the discovery side the app needs (main's wiring of package
// discovery): announce while streaming, the peers, and the display name.
type LAN interface {
	Announce(ctx context.Context, addr string)
	Withdraw()
	SetName(name string)
	// SetAuth says whether the server asks for a password (TXT auth).
	SetAuth(on bool)
	Peers() []discovery.Peer
	Events() <-chan discovery.Event // may be nil
	// LANStatus says whether a network interface other than loopback is
	// up: without one no other lancam can be found, nor find this one.
	LANStatus() discovery.LANStatus
}

// Config is what the app needs before it runs: the command line.
type Config struct {
	// Flags holds the command-line values and Overridden the flags the
	// user gave: those win over the saved settings for this run.
	Flags      Settings
	Overridden map[string]bool
	// User is the user name the password goes with (-user); "" means
	// "lancam".
	User    string
	Version string
	Logger  *slog.Logger
	// App is the Fyne app; nil makes the real one (tests pass test.NewApp).
	App fyne.App
}

// Parts are the rest of lancam the app drives.
type Parts struct {
	Hub    *camera.Hub
	Server *httpstream.Server
	LAN    LAN // nil: no discovery
	// Cameras lists the V4L2 cameras; it is re-read when CamerasChanged
	// ticks (hot-plug).
	Cameras        func() []uvc.Camera
	CamerasChanged <-chan struct{}
	// OpenSource opens the camera the chooser picked.
	OpenSource func(ctx context.Context, s Settings) (camera.Source, error)
	// Feeds are every camera served, the first being Hub's. With two or
	// more the window can preview each and switch each on and off.
	Feeds []Feed
}

// Feed is one camera of a lancam serving several.
type Feed struct {
	Name  string // its path name: /cam/NAME/
	Page  string // its page's path on the server
	Hub   *camera.Hub
	Title func() string // its display name on the LAN
	On    func() bool   // whether it is served and announced
	SetOn func(on bool) // switches it; its viewers are disconnected when off
}

// App is the running desktop app.
type App struct {
	cfg   Config
	parts Parts
	log   *slog.Logger
	// onUI runs a widget change on the UI goroutine, later: fyne.Do, or in
	// tests a single goroutine standing in for Fyne's (whose test driver
	// runs fyne.Do on the caller's goroutine). Use a.do.
	onUI     func(func())
	quitting atomic.Bool // Fyne's loop is over: widget changes are dropped
	// shown: the window is on screen (not hidden to the tray). Set on the
	// UI goroutine, read by the poll and the iconify watch too.
	shown atomic.Bool
	fyne  fyne.App

	settings *settingsStore
	icons    icons

	// Set up by Run; the fields below belong to the UI goroutine unless
	// noted.
	ctx         context.Context
	cancel      context.CancelFunc
	runDone     chan struct{} // closed when Fyne's loop has returned
	stream      *streamer     // safe from any goroutine
	win         fyne.Window
	main        *mainWindow
	preview     *preview // safe from any goroutine
	lan         *lanView // safe from any goroutine
	tray        *tray
	trayHost    bool // a tray host exists: closing the window hides it
	iconified   bool // minimised by the window manager
	lanTabShown bool
	fitted      bool // the window was sized to the screen once

	screen screenInfo // read before Fyne starts; zero without an X display

	mu       sync.Mutex
	cur      Settings   // guarded by mu
	sourceMu sync.Mutex // one camera switch at a time

	wg sync.WaitGroup
}

// icons are drawn once per app.
type icons struct {
	app, idle, live fyne.Resource
}

// New builds the app's windows; nothing runs before Run.
func New(cfg Config) *App {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	ic := icons{
		app:  iconResource("lancam.png", 256, false, false),
		idle: iconResource("lancam-idle.png", 64, false, true),
		live: iconResource("lancam-live.png", 64, true, false),
	}
	var scr screenInfo
	fa := cfg.App
	if fa == nil {
		scr = readScreen()
		if v, ok := setSmallScreenScale(scr); ok {
			log.Info("small screen: drawing one unit per pixel", "screen", scr.work, "width_mm", scr.widthMM, "FYNE_SCALE", v)
		}
		// What `fyne build` would read from FyneApp.toml, for a plain go
		// build: above all the fyneDo migration (Fyne's threading model
		// where every widget change goes through fyne.Do).
		app.SetMetadata(fyne.AppMetadata{ID: AppID, Name: "lancam", Version: cfg.Version, Icon: ic.app,
			Migrations: map[string]bool{"fyneDo": true}})
		fa = app.NewWithID(AppID)
	}
	a := &App{cfg: cfg, log: log, fyne: fa, onUI: fyne.Do, icons: ic, screen: scr}
	a.settings = newSettingsStore(fa.Preferences(), cfg.Flags, cfg.Overridden)
	return a
}

// current is the settings in effect.
func (a *App) current() Settings {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur
}

func (a *App) setCurrent(s Settings) {
	a.mu.Lock()
	a.cur = s
	a.mu.Unlock()
}

// previewShown reports whether the preview is decoding.
func (a *App) previewShown() bool {
	v, _ := a.preview.state()
	return v
}

// do runs fn on the UI goroutine, unless the app is quitting: after Fyne's
// loop (and the tray's D-Bus connection) is gone, a late change, such as the
// streaming toggle's when quitting while streaming, would panic in systray.
func (a *App) do(fn func()) {
	if a.quitting.Load() {
		return
	}
	a.onUI(func() {
		if !a.quitting.Load() {
			fn()
		}
	})
}
