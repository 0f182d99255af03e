package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"lancam/camera"
	"lancam/camera/uvc"
)

// openSource turns -source into a camera.Source: a V4L2 device path, "auto"
// (the first capture device that streams, else the test pattern), or one of
// the synthetic sources camera.Open knows.
func openSource(ctx context.Context, o options, log *slog.Logger) (camera.Source, error) {
	v4l2 := func(path string) (camera.Source, error) {
		return uvc.New(uvc.Config{Device: path, Width: o.width, Height: o.height,
			FPS: o.fps, Quality: o.quality, Logger: log})
	}
	switch {
	case strings.HasPrefix(o.source, "/dev/"):
		return v4l2(o.source)
	case o.source == "auto":
		if path, ok := uvc.FirstStreaming(ctx, uvc.Config{Width: o.width, Height: o.height,
			FPS: o.fps, Quality: o.quality, Logger: log}); ok {
			log.Info("source auto: using camera", "device", path)
			return v4l2(path)
		}
		log.Info("source auto: no camera streams; using the test pattern")
		return camera.Open("test", camera.OpenConfig{Width: o.width, Height: o.height,
			FPS: o.fps, Quality: o.quality, Logger: log})
	}
	return camera.Open(o.source, camera.OpenConfig{Width: o.width, Height: o.height,
		FPS: o.fps, Quality: o.quality, Logger: log})
}

// printCameras is -list-cameras.
func printCameras(out interface{ Write([]byte) (int, error) }) error {
	list, err := uvc.List()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(out, "no V4L2 capture devices found")
		return nil
	}
	for _, c := range list {
		fmt.Fprintln(out, c.String())
	}
	return nil
}
