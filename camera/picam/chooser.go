package picam

import (
	"math"
	"sort"

	"lancam/camera/uvc"
)

// commonSizes are offered besides the sensor modes because rpicam-vid
// scales any mode down, and these are the sizes people ask for.
var commonSizes = [][2]int{{640, 480}, {1280, 720}, {1920, 1080}}

// rates are the frame rates offered; 50 and 60 only where cheap enough.
var rates = []float64{60, 50, 30, 25, 20, 15, 10, 5}

// highRateArea is the largest frame given 50/60 fps: rpicam-vid encodes
// MJPEG in software, and a Pi keeps up with 720p at that speed, not more.
const highRateArea = 1280 * 720

// unknownFPS stands in for modes listed without a rate (libcamera-apps
// before mid 2022); every Pi sensor manages 30 in its video modes.
const unknownFPS = 30

// Chooser turns a Camera into the entry the camera chooser and
// -list-cameras show, in the shape V4L2 cameras use so the UI needs no
// second code path. Path is the -source value.
func Chooser(c Camera) uvc.Camera {
	f := uvc.Format{FourCC: "MJPG", Description: "MJPEG (rpicam-vid)", Sizes: []uvc.Size{}}
	for _, s := range chooserSizes(c) {
		f.Sizes = append(f.Sizes, uvc.Size{Width: s[0], Height: s[1], FPS: sizeRates(c.Modes, s[0], s[1])})
	}
	return uvc.Camera{
		Path:    SourceName(c.Index),
		Card:    "Camera Module " + c.Model,
		BusInfo: c.Path,
		Driver:  "libcamera",
		Formats: []uvc.Format{f},
	}
}

// chooserSizes is the sensor modes plus the common sizes that fit the
// sensor, largest first.
func chooserSizes(c Camera) [][2]int {
	seen := map[[2]int]bool{}
	var out [][2]int
	add := func(s [2]int) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, m := range c.Modes {
		add([2]int{m.Width, m.Height})
	}
	for _, s := range commonSizes {
		if s[0] <= c.Width && s[1] <= c.Height {
			add(s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := out[i][0]*out[i][1], out[j][0]*out[j][1]; a != b {
			return a > b
		}
		return out[i][0] > out[j][0]
	})
	return out
}

// sizeRates lists, highest first, the offered rates the size's mode can
// deliver. If the mode is slower than every offered rate its own rate is
// offered, so no size is left without one.
func sizeRates(modes []Mode, w, h int) []float64 {
	limit := fitMode(modes, w, h).FPS
	if limit <= 0 {
		limit = unknownFPS
	}
	var out []float64
	for _, r := range rates {
		if r <= limit && (r <= 30 || w*h <= highRateArea) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		out = []float64{math.Floor(limit*100) / 100}
	}
	return out
}

// fitMode picks the mode rpicam-vid would scale w×h from: the smallest one
// covering the size (smaller modes bin more and run faster), or the largest
// mode when none covers it. The zero Mode means no modes were listed.
func fitMode(modes []Mode, w, h int) Mode {
	var best Mode
	found := false
	for _, m := range modes {
		if m.Width < w || m.Height < h {
			continue
		}
		if !found || m.Width*m.Height < best.Width*best.Height ||
			(m.Width*m.Height == best.Width*best.Height && m.FPS > best.FPS) {
			best, found = m, true
		}
	}
	if !found && len(modes) > 0 {
		return modes[0] // modes are sorted largest first
	}
	return best
}
