//go:build !nogui

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"lancam/camera"
	"lancam/httpstream"
	"lancam/ui"
)

// runWindow is lancam with its desktop window and tray. The window's saved
// settings decide the camera and port, except where a flag was given.
func runWindow(ctx context.Context, opts options, stdout, stderr io.Writer, log *slog.Logger) int {
	if len(opts.cams) == 1 && opts.cams[0].spec == "all" {
		opts.cams = nameCameras(findAllCameras(ctx, opts, log))
		opts.source = opts.cams[0].spec
	}
	for _, c := range opts.cams {
		if opts.set["source"] && c.spec != "auto" && !strings.HasPrefix(c.spec, "/dev/") {
			// A wrong -source is a usage error (exit 2) before any window opens.
			one := opts
			one.source = c.spec
			if _, err := openSource(ctx, one, log); err != nil {
				fmt.Fprintf(stderr, "lancam: -source %q: %v\n", c.spec, err)
				return 2
			}
		}
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		log.Info("no display (DISPLAY and WAYLAND_DISPLAY are unset); running headless")
		return runHeadless(ctx, opts, stdout, stderr, log)
	}
	if os.Getenv("GOGC") == "" {
		// The window holds decode buffers and Mesa's memory; a tighter GC
		// goal keeps the app ~8 MB smaller at 720p (the window's RSS budget is 200 MB)
		// for a few more cheap collections: frames allocate almost nothing.
		debug.SetGCPercent(50)
	}
	name := displayName(opts)
	flags := ui.Settings{Source: opts.source, Width: opts.width, Height: opts.height, FPS: opts.fps,
		Quality: opts.quality, Listen: opts.listen, Name: name, Password: opts.password,
		Rotate: opts.rotate, Mirror: opts.mirror, Overlay: opts.overlay}
	app := ui.New(ui.Config{Flags: flags, Overridden: opts.set, User: opts.user, Version: appVersion(), Logger: log})
	s := app.Settings()
	run := opts
	run.source, run.width, run.height, run.fps, run.quality, run.listen, run.name = s.Source, s.Width, s.Height, s.FPS, s.Quality, s.Listen, s.Name
	run.rotate, run.mirror, run.overlay = s.Rotate, s.Mirror, s.Overlay
	run.password = s.Password // the saved one unless -password-file or $LANCAM_PASSWORD gave one
	src, err := openSource(ctx, run, log)
	if err != nil && opts.set["source"] {
		fmt.Fprintf(stderr, "lancam: -source %q: %v\n", opts.source, err)
		return 2
	}
	if err != nil { // a saved camera that no longer works: start with the test pattern, say why
		log.Warn("saved camera unusable; using the test pattern", "source", s.Source, "err", err)
		run.source = "test"
		if src, err = openSource(ctx, run, log); err != nil {
			fmt.Fprintf(stderr, "lancam: %v\n", err)
			return 1
		}
	}
	srcs := []namedSource{{name: firstName(opts, src), src: src}}
	if len(opts.cams) > 1 {
		more := opts
		more.cams = opts.cams[1:]
		extra, err := openCameras(ctx, more, log)
		if err != nil {
			fmt.Fprintf(stderr, "lancam: %v\n", err)
			return 2
		}
		srcs = append(srcs, extra...)
	}
	st := newStation(ctx, run, srcs, log)
	defer st.Close()
	app.Run(ctx, ui.Parts{
		Hub: st.hub, Server: st.srv, LAN: st.lan, Cameras: st.cams.List, CamerasChanged: st.cams.Changed(),
		Feeds: st.uiFeeds(),
		OpenSource: func(ctx context.Context, s ui.Settings) (camera.Source, error) {
			o := run
			o.source, o.width, o.height, o.fps, o.quality = s.Source, s.Width, s.Height, s.FPS, s.Quality
			o.rotate, o.mirror, o.overlay = s.Rotate, s.Mirror, s.Overlay
			return openSource(ctx, o, log)
		},
	})
	return 0
}

// firstName names the window's camera: as the user named it, else after
// the source it started with (it keeps the name when the chooser changes
// the source, so that its URLs stay).
func firstName(opts options, src camera.Source) string {
	if len(opts.cams) > 0 && opts.cams[0].named {
		return opts.cams[0].name
	}
	return autoName(src.Info())
}

// uiFeeds describes the served cameras for the window.
func (st *station) uiFeeds() []ui.Feed {
	out := make([]ui.Feed, len(st.feeds))
	for i, f := range st.feeds {
		out[i] = ui.Feed{Name: f.name, Hub: f.hub, Page: httpstream.PathsOf(f.name, i == 0).Page,
			Title: func() string { return st.lan.Title(i) },
			On:    func() bool { return st.srv.FeedOn(f.name) },
			SetOn: func(on bool) { st.SetCameraOn(f.name, on) }}
	}
	return out
}
