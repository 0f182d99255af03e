package uvc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vladimirvivien/go4vl/v4l2"
	"golang.org/x/sys/unix"
)

// Camera describes one capture node for -list-cameras and the UI.
type Camera struct {
	Path    string   `json:"path"`
	Card    string   `json:"card"`
	BusInfo string   `json:"bus_info"`
	Driver  string   `json:"driver"`
	Formats []Format `json:"formats"`
}

// Format is one pixel format a camera offers.
type Format struct {
	FourCC      string `json:"fourcc"`
	Description string `json:"description"`
	// Range means Sizes holds the smallest and largest size of a stepwise
	// or continuous range rather than a list of fixed sizes.
	Range bool   `json:"range,omitempty"`
	Sizes []Size `json:"sizes"`
}

// Size is one frame size with the rates offered at it (empty if the driver
// gives a range or none).
type Size struct {
	Width  int       `json:"width"`
	Height int       `json:"height"`
	FPS    []float64 `json:"fps,omitempty"`
}

// String prints the camera as a block for lancam -list-cameras:
//
//	/dev/video0: HD Webcam (uvcvideo, usb-0000:01:00.0-1.2)
//	  MJPG  Motion-JPEG: 1280x720@30,15 640x480@30,15
func (c Camera) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s (%s, %s)\n", c.Path, c.Card, c.Driver, c.BusInfo)
	for _, f := range c.Formats {
		fmt.Fprintf(&b, "  %-4s  %s:", f.FourCC, f.Description)
		if f.Range && len(f.Sizes) == 2 {
			fmt.Fprintf(&b, " %dx%d .. %dx%d", f.Sizes[0].Width, f.Sizes[0].Height, f.Sizes[1].Width, f.Sizes[1].Height)
		} else {
			for _, s := range f.Sizes {
				fmt.Fprintf(&b, " %dx%d", s.Width, s.Height)
				for i, r := range s.FPS {
					sep := ","
					if i == 0 {
						sep = "@"
					}
					fmt.Fprintf(&b, "%s%g", sep, r)
				}
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// List describes every capture node under /dev, skipping output, metadata
// and mem2mem nodes. No cameras is an empty list, not an error; nodes that
// cannot be opened (busy, no permission) are skipped.
func List() ([]Camera, error) {
	return listIn(devDir, describe), nil
}

// listIn is List over dir with an injectable describe for tests.
func listIn(dir string, describe func(path string) (Camera, bool)) []Camera {
	cams := []Camera{}
	for _, p := range videoNodes(dir) {
		if c, ok := describe(p); ok {
			cams = append(cams, c)
		}
	}
	return cams
}

// describe queries one node; ok is false for nodes lancam cannot capture from.
func describe(path string) (Camera, bool) {
	fd, err := v4l2.OpenDevice(path, unix.O_RDWR|unix.O_NONBLOCK, 0)
	if err != nil {
		return Camera{}, false
	}
	defer v4l2.CloseDevice(fd)
	c, err := v4l2.GetCapability(fd)
	if err != nil {
		return Camera{}, false
	}
	if ok, _ := canCapture(c.GetCapabilities()); !ok {
		return Camera{}, false
	}
	cam := Camera{Path: path, Card: c.Card, BusInfo: c.BusInfo, Driver: c.Driver, Formats: []Format{}}
	descs, _ := v4l2.GetAllFormatDescriptions(fd)
	for _, d := range descs {
		f := Format{FourCC: fourccString(d.PixelFormat), Description: d.Description, Sizes: []Size{}}
		sizes, _ := v4l2.GetFormatFrameSizes(fd, d.PixelFormat)
		for _, s := range sizes {
			z := s.Size
			if s.Type != v4l2.FrameSizeTypeDiscrete {
				f.Range = true
				f.Sizes = []Size{{Width: int(z.MinWidth), Height: int(z.MinHeight)},
					{Width: int(z.MaxWidth), Height: int(z.MaxHeight)}}
				break
			}
			sz := Size{Width: int(z.MinWidth), Height: int(z.MinHeight)}
			for _, iv := range frameIntervals(fd, d.PixelFormat, z.MinWidth, z.MinHeight) {
				sz.FPS = append(sz.FPS, roundFPS(iv.min.fps()))
			}
			f.Sizes = append(f.Sizes, sz)
		}
		cam.Formats = append(cam.Formats, f)
	}
	return cam, true
}

// roundFPS keeps rates like 7.5 and 12.5 but drops float noise.
func roundFPS(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// firstFrameTimeout is how long FirstStreaming waits for a node's first frame.
const firstFrameTimeout = 2 * time.Second

// FirstStreaming returns the first capture node (in /dev/videoN order) that
// opens with cfg's wishes and delivers a usable frame within about 2 s, for
// -source auto. It closes every node it tried.
func FirstStreaming(ctx context.Context, cfg Config) (path string, ok bool) {
	paths := streaming(ctx, capturePaths(), wishOf(cfg), openV4L, firstFrameTimeout, 1)
	if len(paths) == 0 {
		return "", false
	}
	return paths[0], true
}

// AllStreaming returns every capture node that delivers a usable frame
// within about 2 s, in /dev/videoN order, for -source all.
func AllStreaming(ctx context.Context, cfg Config) []string {
	return streaming(ctx, capturePaths(), wishOf(cfg), openV4L, firstFrameTimeout, 0)
}

func capturePaths() []string {
	var paths []string
	for _, c := range listIn(devDir, describe) {
		paths = append(paths, c.Path)
	}
	return paths
}

func wishOf(cfg Config) wish {
	w := wish{cfg.Width, cfg.Height, cfg.FPS}
	if w.width == 0 || w.height == 0 {
		w.width, w.height = 640, 480
	}
	return w
}

// streaming tries paths in order and returns those that deliver, stopping
// after limit of them (0: no limit).
func streaming(ctx context.Context, paths []string, w wish, open openFunc, timeout time.Duration, limit int) []string {
	var out []string
	for _, p := range paths {
		if ctx.Err() != nil || limit > 0 && len(out) >= limit {
			break
		}
		if delivers(ctx, p, w, open, timeout) {
			out = append(out, p)
		}
	}
	return out
}

// delivers opens p and waits up to timeout for one frame that classify keeps.
func delivers(ctx context.Context, p string, w wish, open openFunc, timeout time.Duration) bool {
	dev, err := open(p, w)
	if err != nil {
		return false
	}
	defer dev.Close()
	n := dev.Negotiated()
	deadline := time.Now().Add(timeout)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		b, err := dev.Read(min(readTimeout, time.Until(deadline)))
		if errors.Is(err, errNoFrame) {
			continue
		}
		if err != nil {
			return false
		}
		if classify(b, n) == keep {
			return true
		}
	}
	return false
}
