package camera

import (
	"fmt"
	"log/slog"
	"strings"
)

// OpenConfig holds the wishes that apply to every kind of source.
type OpenConfig struct {
	Width, Height int
	FPS           float64
	Quality       int
	Logger        *slog.Logger
}

// Open makes the synthetic sources a -source flag names: "test" and
// "dir:PATH"; "auto" means the test pattern here, for callers that found no
// camera (V4L2 devices live in package uvc). The error says what was wrong
// with spec in one line.
func Open(spec string, cfg OpenConfig) (Source, error) {
	switch {
	case spec == "auto" || spec == "test":
		return NewTestPattern(TestPatternConfig{Width: cfg.Width, Height: cfg.Height,
			FPS: cfg.FPS, Quality: cfg.Quality})
	case strings.HasPrefix(spec, "dir:"):
		dir := strings.TrimPrefix(spec, "dir:")
		if dir == "" {
			return nil, fmt.Errorf("-source dir: needs a folder, e.g. dir:/home/pi/frames")
		}
		return NewDirSource(DirSourceConfig{Dir: dir, FPS: cfg.FPS})
	}
	return nil, fmt.Errorf("unknown source %q: use auto, /dev/videoN, picam, exec:COMMAND, test or dir:PATH", spec)
}
