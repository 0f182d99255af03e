package picam

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CommandConfig is what the user chose for a Pi camera stream.
type CommandConfig struct {
	Camera        int // index from --list-cameras
	Width, Height int
	FPS           float64
	Quality       int // JPEG quality 1..100, rpicam-vid's -q
	// Rotation (0 or 180: all libcamera can do) and the flips are done on
	// the sensor, for free; lancam turns frames by 90° itself.
	Rotation     int
	HFlip, VFlip bool
}

// Command is the argv that makes rpicam-vid write concatenated JPEGs to
// stdout for ever. Values are checked here because rpicam-vid's own errors
// for them arrive late, on stderr, after the camera has been opened.
func (t Tools) Command(c CommandConfig) ([]string, error) {
	switch {
	case t.Vid == "":
		return nil, errNoVid
	case c.Camera < 0:
		return nil, fmt.Errorf("picam: camera index %d is negative", c.Camera)
	case c.Width <= 0 || c.Height <= 0:
		return nil, fmt.Errorf("picam: size %dx%d must be positive", c.Width, c.Height)
	case !(c.FPS > 0) || math.IsInf(c.FPS, 0):
		return nil, fmt.Errorf("picam: frame rate %v must be positive", c.FPS)
	case c.Quality < 1 || c.Quality > 100:
		return nil, fmt.Errorf("picam: JPEG quality %d must be 1..100", c.Quality)
	case c.Rotation != 0 && c.Rotation != 180:
		return nil, fmt.Errorf("picam: rotation %d: rpicam-vid takes 0 or 180", c.Rotation)
	}
	var turn []string
	if c.Rotation == 180 {
		turn = append(turn, "--rotation", "180")
	}
	if c.HFlip {
		turn = append(turn, "--hflip")
	}
	if c.VFlip {
		turn = append(turn, "--vflip")
	}
	return append([]string{t.Vid,
		"-t", "0", // run until killed
		"--camera", strconv.Itoa(c.Camera),
		"--codec", "mjpeg",
		"--width", strconv.Itoa(c.Width),
		"--height", strconv.Itoa(c.Height),
		"--framerate", strconv.FormatFloat(c.FPS, 'f', -1, 64),
		"-q", strconv.Itoa(c.Quality),
		"--nopreview", // headless Pis have no display to preview on
		"-o", "-",
	}, turn...), nil
}

// sourcePrefix is the -source scheme for Pi cameras, kept apart from
// /dev/videoN paths so both kinds can sit in one chooser.
const sourcePrefix = "picam"

// SourceName is the -source value for camera index.
func SourceName(index int) string { return sourcePrefix + ":" + strconv.Itoa(index) }

// ParseSource parses a -source value: "picam" means camera 0, the only one
// most Pis have, and "picam:N" camera N. ok is false for anything else so
// callers can try other source kinds.
func ParseSource(s string) (index int, ok bool) {
	if s == sourcePrefix {
		return 0, true
	}
	n, found := strings.CutPrefix(s, sourcePrefix+":")
	if !found || n == "" || strings.TrimLeft(n, "0123456789") != "" {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	if err != nil {
		return 0, false
	}
	return i, true
}
