package ui

import (
	"context"
	"os"

	"lancam/camera"
)

// applySettings makes s the settings in effect and keeps them: the camera
// is reopened when its settings changed (viewers stay connected and see the
// new camera), the name re-announced, a new port takes effect by
// restarting the stream, and the autostart entry follows "start at login".
func (a *App) applySettings(s Settings) {
	old := a.current()
	a.setCurrent(s)
	a.settings.Save(s)
	if s.Source != old.Source || s.Width != old.Width || s.Height != old.Height || s.FPS != old.FPS || s.Quality != old.Quality ||
		s.Rotate != old.Rotate || s.Mirror != old.Mirror || s.Overlay != old.Overlay {
		a.goRun(func(ctx context.Context) { a.switchSource(ctx, s) })
	}
	if s.Name != old.Name && a.parts.LAN != nil {
		a.parts.LAN.SetName(s.Name)
	}
	if s.Password != old.Password {
		a.applyAuth(s)
	}
	if s.Listen != old.Listen {
		if a.stream.Streaming() {
			if err := a.stream.Stop(); err != nil {
				a.log.Warn("restarting the stream on the new port", "err", err)
			}
			a.toggleStreaming()
		} else {
			a.main.showError("") // an error about the old port no longer holds
		}
	}
	if s.StartAtLogin != old.StartAtLogin {
		a.setStartAtLogin(s.StartAtLogin)
	}
}

// switchSource opens the camera s names and hands it to the hub, unless the
// user has chosen yet another one meanwhile.
func (a *App) switchSource(ctx context.Context, s Settings) {
	a.sourceMu.Lock()
	defer a.sourceMu.Unlock()
	if a.current() != s || a.parts.OpenSource == nil {
		return
	}
	var src camera.Source
	src, err := a.parts.OpenSource(ctx, s)
	if err != nil {
		a.main.setError(&a.main.cameraErr, "Cannot use "+s.Source+": "+err.Error())
		return
	}
	a.parts.Hub.SetSource(src)
	a.main.controls.reload() // another camera has other controls
	a.log.Info("camera switched", "source", s.Source, "size", s.Size(), "fps", s.FPS,
		"rotate", s.Rotate, "mirror", s.Mirror, "overlay", s.Overlay)
}

// setStartAtLogin writes or removes ~/.config/autostart/lancam.desktop.
func (a *App) setStartAtLogin(on bool) {
	dir, err := os.UserConfigDir()
	if err == nil {
		var exe string
		if exe, err = os.Executable(); err == nil {
			err = setAutostart(dir, exe, on)
		}
	}
	if err != nil {
		a.main.say("Could not change start at login: " + err.Error())
	}
}
