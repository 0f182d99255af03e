package ui

import (
	"context"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"lancam/camera/uvc"
)

// Settings returns the settings this run starts with (saved ones with the
// command-line flags on top); main opens the camera they name.
func (a *App) Settings() Settings { return a.settings.Load() }

// Run shows the app until the user quits or ctx ends (SIGINT/SIGTERM), then
// stops streaming and waits for every goroutine it started. It must be
// called on the main goroutine (Fyne's rule).
func (a *App) Run(ctx context.Context, parts Parts) {
	a.start(ctx, parts)
	a.fyne.Run()
	a.stop()
}

// start builds the windows and tray and starts the app's goroutines; Run
// and the tests (whose Fyne app has no event loop) call it.
func (a *App) start(ctx context.Context, parts Parts) {
	ctx, a.cancel = context.WithCancel(ctx)
	a.parts = parts
	a.ctx = ctx
	s := a.settings.Load()
	a.setCurrent(s)
	if a.parts.LAN != nil && s.Name != "" {
		a.parts.LAN.SetName(s.Name)
	}
	a.applyAuth(s)

	a.stream = newStreamer(ctx, parts.Server, a.parts.LAN)
	a.lan = newLANView(lanViewConfig{App: a.fyne, LAN: a.parts.LAN, Logger: a.log, Do: a.do, Fit: a.fitToScreen})
	a.fyne.SetIcon(a.icons.app)
	a.fyne.Settings().SetTheme(newTouchTheme())
	w := a.fyne.NewWindow("lancam")
	a.win = w
	a.main = newMainWindow(a, w, a.lan.Object(), a.newSettingsTab(s))
	a.main.fillControls(s)
	a.main.showStreaming(false, nil)
	a.preview = newPreview(parts.Hub, a.main.view, a.log)
	a.stream.OnChange(func(on bool) {
		urls := a.stream.URLs()
		a.do(func() {
			a.main.showStreaming(on, urls)
			if a.tray != nil {
				a.tray.refresh()
			}
		})
	})
	a.main.onTab = func(lan bool) { a.lanTabShown = lan; a.updateVisibility() }

	hasBus, hasHost := probeTrayHost()
	if desk, ok := a.fyne.(desktop.App); ok && hasBus {
		a.tray = newTray(a, desk)
		a.tray.refresh()
		// Fyne starts systray (which exports its menu) as its loop starts,
		// just before OnStarted: lancam's menu goes over it then.
		a.fyne.Lifecycle().SetOnStarted(a.tray.serveMenu)
		a.lan.OnPeersChanged(func() { a.do(a.tray.refresh) })
	}
	a.trayHost = a.tray != nil && hasHost
	w.SetCloseIntercept(func() {
		if a.trayHost {
			a.hideWindow() // keeps streaming; the tray brings it back
			return
		}
		a.quit()
	})

	a.goRun(a.preview.Run)
	a.goRun(a.lan.Run)
	a.goRun(a.poll)
	if a.parts.CamerasChanged != nil {
		a.goRun(a.followCameras)
	}
	a.runDone = make(chan struct{})
	a.goRun(func(ctx context.Context) {
		select {
		case <-ctx.Done():
			a.quitOnSignal()
		case <-a.runDone:
		}
	})

	if s.StreamOnLaunch {
		a.toggleStreaming()
	}
	if !(s.StartHidden && a.trayHost) {
		a.showWindow()
	}
	if a.cfg.App == nil { // a real window, not the test driver's
		a.goRun(a.watchIconified)
	}
	a.log.Info("window ready", "tray", a.tray != nil, "tray_host", a.trayHost)
}

// stop ends streaming and waits for the app's goroutines.
func (a *App) stop() {
	a.quitting.Store(true)
	close(a.runDone)
	a.cancel()
	if err := a.stream.Stop(); err != nil {
		a.log.Warn("stop streaming", "err", err)
	}
	a.wg.Wait()
	a.main.view.Close()
}

// goRun starts fn in a goroutine the app waits for.
func (a *App) goRun(fn func(ctx context.Context)) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		fn(a.ctx)
	}()
}

// showWindow brings the window back; UI goroutine only.
func (a *App) showWindow() {
	if !a.fitted {
		a.fitWindow()
		a.do(a.fitWindow) // again once shown: only now the scale is known
	}
	a.win.Show()
	a.win.RequestFocus()
	a.shown.Store(true)
	a.updateVisibility()
}

// hideWindow hides to the tray; UI goroutine only.
func (a *App) hideWindow() {
	a.rememberSize()
	a.win.Hide()
	a.shown.Store(false)
	a.updateVisibility()
}

// updateVisibility starts or stops the work only a visible window needs.
func (a *App) updateVisibility() {
	seen := a.shown.Load() && !a.iconified
	a.preview.SetVisible(seen && !a.lanTabShown)
	a.lan.SetVisible(seen && a.lanTabShown)
}

// watchIconified follows minimising, which Fyne does not report: the
// preview stops decoding while the window is an icon.
func (a *App) watchIconified(ctx context.Context) {
	var iw *iconWatch
	defer func() {
		if iw != nil {
			iw.Close()
		}
	}()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	last, tries := false, 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if iw == nil && tries < 20 { // the native window appears once Fyne's loop runs
			tries++
			got := make(chan *iconWatch, 1)
			fyne.Do(func() { got <- newIconWatch(a.win) })
			select {
			case iw = <-got:
			case <-ctx.Done():
				return
			}
			if iw.dpy == nil {
				iw = nil // not yet (or not X11): try again
			}
			continue
		}
		if iw == nil || !a.shown.Load() {
			continue // hidden to the tray: no state to follow, no X round trips
		}
		if now := iw.Iconified(); now != last {
			last = now
			a.do(func() { a.iconified = now; a.updateVisibility() })
		}
	}
}

// toggleStreaming is the button and the tray item.
func (a *App) toggleStreaming() {
	listen := a.current().Listen
	err := a.stream.Toggle(listen)
	if err != nil {
		a.log.Warn("streaming failed", "listen", listen, "err", err)
		a.main.showError(err.Error())
		return
	}
	a.main.showError("")
}

// takeSnapshot saves the current frame and says where.
func (a *App) takeSnapshot() {
	a.goRun(func(ctx context.Context) {
		home, err := os.UserHomeDir()
		if err != nil {
			a.main.say("Snapshot failed: no home folder")
			return
		}
		path, err := saveSnapshot(ctx, a.preview.Hub(), home, time.Now())
		if err != nil {
			a.main.say("Snapshot failed: " + err.Error())
			return
		}
		a.main.say("Snapshot saved to " + path)
		a.log.Info("snapshot saved", "path", path)
	})
}

// poll refreshes the viewer count and the camera's state every second and
// logs the preview's frame rate every two.
func (a *App) poll(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var ps previewStats
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A window hidden to the tray needs no updates: they would only
		// wake Fyne's loop (the hidden window's cost is Fyne's own).
		if a.shown.Load() {
			if a.stream.Streaming() {
				text := viewerText(a.stream.Viewers())
				a.do(func() { a.main.viewers.SetText(text) })
			}
			a.main.showCameraState(a.preview.Hub().Stats())
			a.do(a.rememberSize)
		}
		if i%2 == 1 {
			fps, ms := ps.sample(a.main.view, time.Now())
			a.log.Info("preview", "fps", round1(fps), "decode_ms", round1(ms), "shown", a.previewShown())
		}
	}
}

// followCameras refreshes the chooser on hot-plug.
func (a *App) followCameras(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.parts.CamerasChanged:
			s := a.current()
			a.do(func() { a.main.fillControls(s) })
		}
	}
}

// cameras is the current V4L2 list.
func (a *App) cameras() []uvc.Camera {
	if a.parts.Cameras == nil {
		return nil
	}
	return a.parts.Cameras()
}

func round1(x float64) float64 { return float64(int(x*10+0.5)) / 10 }

// quitOnSignal quits like the menu does when lancam's context ends
// (SIGINT/SIGTERM). Fyne's desktop driver catches those signals too and
// may be shutting down already: once its loop has drained, fyne.Do runs
// the call right here, and Quit then panics inside GLFW (terminated) or
// on Fyne's closed queue. Nothing is left to quit then, so that panic is
// dropped; a Quit that reaches a running loop works as usual.
func (a *App) quitOnSignal() {
	defer func() {
		if r := recover(); r != nil {
			a.log.Debug("quit after Fyne had stopped", "panic", r)
		}
	}()
	a.quitting.Store(true) // Fyne may be quitting on the same signal already
	fyne.Do(func() {
		a.rememberSize()
		a.fyne.Quit()
	})
}

// quit ends Fyne's loop. Widget changes stop first: a change that reaches
// Fyne after its loop has drained runs at once on the calling goroutine,
// against a window and tray that are being torn down.
func (a *App) quit() {
	a.rememberSize()
	a.quitting.Store(true)
	a.fyne.Quit()
}
