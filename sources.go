package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"lancam/camera"
	"lancam/camera/uvc"
)

// openSource turns -source into a camera.Source: a V4L2 device path, "auto"
// (the first capture device that streams, else the test pattern), or one of
// the synthetic sources camera.Open knows.
func openSource(ctx context.Context, o options, log *slog.Logger) (camera.Source, error) {
	cam := uvc.Config{Width: o.width, Height: o.height, FPS: o.fps, Quality: o.quality, Logger: log}
	switch {
	case strings.HasPrefix(o.source, "/dev/"):
		cam.Device = o.source
		return uvc.New(cam)
	case o.source == "auto":
		if path, ok := uvc.FirstStreaming(ctx, cam); ok {
			log.Info("source auto: using camera", "device", path)
			cam.Device = path
			return uvc.New(cam)
		}
		log.Info("source auto: no camera streams; using the test pattern")
	}
	// camera.Open takes "auto" without a camera as the test pattern.
	return camera.Open(o.source, camera.OpenConfig{Width: o.width, Height: o.height,
		FPS: o.fps, Quality: o.quality, Logger: log})
}

// printCameras is -list-cameras.
func printCameras(out io.Writer) error {
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
