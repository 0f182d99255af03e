package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"lancam/camera"
	"lancam/camera/picam"
	"lancam/camera/uvc"
)

// openSource opens the camera -source names with the -rotate, -mirror and
// -overlay picture settings applied: by rpicam-vid itself where it can
// (rotation 180 and the flips), else on the frames (camera.WithPicture).
func openSource(ctx context.Context, o options, log *slog.Logger) (camera.Source, error) {
	src, err := openCamera(ctx, o, log)
	if err != nil {
		return nil, err
	}
	pic := camera.Picture{Rotate: o.rotate, Mirror: o.mirror, Overlay: o.overlay, Name: displayName(o), Quality: o.quality}
	if picamTurns(o.rotate) && src.Info().Kind == "picam" {
		pic.Rotate, pic.Mirror = 0, false
	}
	return camera.WithPicture(src, pic, log)
}

// picamTurns says whether rpicam-vid can do the rotation itself.
func picamTurns(rotate int) bool { return rotate == 0 || rotate == 180 }

// openCamera turns -source into a camera.Source: a V4L2 device path, a
// Raspberry Pi Camera Module ("picam", "picam:N"), a command
// ("exec:COMMAND"), "auto" (the first V4L2 camera that streams, else the
// first Camera Module, else the test pattern), or one of the synthetic
// sources camera.Open knows.
func openCamera(ctx context.Context, o options, log *slog.Logger) (camera.Source, error) {
	cam := uvc.Config{Width: o.width, Height: o.height, FPS: o.fps, Quality: o.quality, Logger: log, Saved: savedControls()}
	if index, ok := picam.ParseSource(o.source); ok {
		return openPicam(ctx, index, o, log)
	}
	switch {
	case strings.HasPrefix(o.source, "/dev/"):
		cam.Device = o.source
		return uvc.New(cam)
	case strings.HasPrefix(o.source, "exec:"):
		argv, err := camera.ParseExecSpec(o.source)
		if err != nil {
			return nil, err
		}
		return camera.NewExecSource(camera.ExecConfig{Argv: argv, Width: o.width, Height: o.height,
			FPS: o.fps, Quality: o.quality, Logger: log})
	case o.source == "auto":
		if path, ok := uvc.FirstStreaming(ctx, cam); ok {
			log.Info("source auto: using camera", "device", path)
			cam.Device = path
			return uvc.New(cam)
		}
		if tools, err := picam.FindTools(); err == nil {
			if list, err := tools.List(ctx); err == nil && len(list) > 0 {
				log.Info("source auto: no V4L2 camera streams; using the Camera Module", "model", list[0].Model)
				return newPicamSource(tools, list[0], o, log)
			}
		}
		log.Info("source auto: no camera streams; using the test pattern")
	case o.source == "all":
		return nil, errors.New("-source all names several cameras; it is opened by openCameras")
	}
	// camera.Open takes "auto" without a camera as the test pattern.
	return camera.Open(o.source, camera.OpenConfig{Width: o.width, Height: o.height,
		FPS: o.fps, Quality: o.quality, Logger: log})
}

// namedSource is one opened camera and the name its URLs carry.
type namedSource struct {
	name string
	src  camera.Source
}

// openCameras opens every -source, "all" being every V4L2 camera that
// streams and every Camera Module (the test pattern when there is none).
// A camera that cannot be opened fails the whole list: the user named it.
func openCameras(ctx context.Context, o options, log *slog.Logger) ([]namedSource, error) {
	cams := o.cams
	if len(cams) == 0 {
		cams = nameCameras([]camSpec{{spec: o.source}})
	}
	if len(cams) == 1 && cams[0].spec == "all" {
		cams = nameCameras(findAllCameras(ctx, o, log))
	}
	out := make([]namedSource, 0, len(cams))
	for _, c := range cams {
		one := o
		one.source = c.spec
		src, err := openSource(ctx, one, log)
		if err != nil {
			return nil, fmt.Errorf("-source %q: %w", c.spec, err)
		}
		name := c.name
		if c.spec == "auto" && !c.named {
			name = autoName(src.Info())
		}
		out = append(out, namedSource{name: name, src: src})
	}
	return out, nil
}

// autoName names the camera -source auto picked after what it picked.
func autoName(info camera.SourceInfo) string {
	if strings.HasPrefix(info.Device, "/dev/") {
		return deriveName(info.Device)
	}
	return deriveName(info.Kind)
}

// findAllCameras is -source all: every V4L2 camera that delivers frames,
// then every Camera Module, at most maxCameras.
func findAllCameras(ctx context.Context, o options, log *slog.Logger) []camSpec {
	var list []camSpec
	for _, path := range uvc.AllStreaming(ctx, uvc.Config{Width: o.width, Height: o.height, FPS: o.fps, Logger: log}) {
		list = append(list, camSpec{spec: path})
	}
	if tools, err := picam.FindTools(); err == nil {
		if mods, err := tools.List(ctx); err == nil {
			for _, m := range mods {
				list = append(list, camSpec{spec: fmt.Sprintf("picam:%d", m.Index)})
			}
		}
	}
	if len(list) == 0 {
		log.Info("source all: no camera streams; using the test pattern")
		list = []camSpec{{spec: "test"}}
	}
	if len(list) > maxCameras {
		log.Warn("source all: serving only the first cameras", "found", len(list), "served", maxCameras)
		list = list[:maxCameras]
	}
	names := make([]string, len(list))
	for i, c := range list {
		names[i] = c.spec
	}
	log.Info("source all", "cameras", strings.Join(names, " "))
	return list
}

// openPicam opens Camera Module index through rpicam-vid. Without the
// tool the error says in one line what to install; a module that
// rpicam-hello does not list is an error too (when rpicam-hello works).
func openPicam(ctx context.Context, index int, o options, log *slog.Logger) (camera.Source, error) {
	tools, err := picam.FindTools()
	if err != nil {
		return nil, err
	}
	c := picam.Camera{Index: index}
	if list, err := tools.List(ctx); err != nil {
		log.Warn("listing Camera Modules failed; trying the camera anyway", "err", err)
	} else if index >= len(list) {
		return nil, fmt.Errorf("no Camera Module %d: %s lists %d", index, filepath.Base(tools.Hello), len(list))
	} else {
		c = list[index]
	}
	return newPicamSource(tools, c, o, log)
}

// newPicamSource runs rpicam-vid for c with the size, rate and quality
// asked for.
func newPicamSource(tools picam.Tools, c picam.Camera, o options, log *slog.Logger) (camera.Source, error) {
	cc := picam.CommandConfig{Camera: c.Index, Width: o.width, Height: o.height, FPS: o.fps, Quality: o.quality}
	if picamTurns(o.rotate) {
		cc.Rotation = o.rotate
		cc.HFlip = o.mirror && o.rotate == 0
		cc.VFlip = o.mirror && o.rotate == 180 // turned 180° and mirrored is flipped top to bottom
	}
	device := fmt.Sprintf("Camera Module %d", c.Index)
	if c.Model != "" {
		device = fmt.Sprintf("Camera Module %s (picam:%d)", c.Model, c.Index)
	}
	return picam.NewSource(tools, cc, c.Model, savedControls(), camera.ExecConfig{Kind: "picam", Device: device,
		Width: o.width, Height: o.height, FPS: o.fps, Quality: o.quality, Logger: log,
		Rotate: cc.Rotation, Mirror: cc.HFlip || cc.VFlip})
}

// printCameras is -list-cameras: the V4L2 cameras, then the Camera Modules.
func printCameras(out io.Writer) error {
	list, err := uvc.List()
	if err != nil {
		return err
	}
	list = append(list, picamChoices(context.Background(), nil)...)
	if len(list) == 0 {
		fmt.Fprintln(out, "no cameras found (no V4L2 capture device, no Camera Module through rpicam-apps)")
		return nil
	}
	for _, c := range list {
		fmt.Fprintln(out, c.String())
	}
	return nil
}

// picamChoices lists the Camera Modules as camera-chooser entries ("picam:N"),
// or none when rpicam-apps are missing or list nothing.
func picamChoices(ctx context.Context, log *slog.Logger) []uvc.Camera {
	tools, err := picam.FindTools()
	if err != nil {
		return nil
	}
	list, err := tools.List(ctx)
	if err != nil {
		if log != nil {
			log.Warn("listing Camera Modules", "err", err)
		}
		return nil
	}
	out := make([]uvc.Camera, 0, len(list))
	for _, c := range list {
		out = append(out, picam.Chooser(c))
	}
	return out
}

// savedControls is where camera control values are kept across runs
// ($XDG_CONFIG_HOME/lancam/controls.json), or nil (this run only) without
// a config folder.
func savedControls() *uvc.ControlStore {
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil
	}
	return uvc.NewControlStore(filepath.Join(dir, "lancam", "controls.json"))
}
