package camera

import (
	"log/slog"
	"time"
)

// turnChoice picks, for one run of a source, how frames are turned: the
// lossless transform, or decoded pixels. The lossless transforms that move
// blocks across the picture buffer it whole and can cost several times a
// decode and an encode (19 ms against 6 ms per 720p frame here), yet on
// an emulated or odd CPU the pixels may be the slower path. So: lossless
// while it takes at most budget per frame; after slowMax slower frames in a
// row, slowMax frames through the pixels, and whichever was cheaper stays
// for the rest of the run.
type turnChoice struct {
	budget time.Duration // half a frame interval; 0: never switch
	log    *slog.Logger

	state            turnState
	n                int
	lossless, pixels time.Duration // summed costs of the samples
}

type turnState int

const (
	turnLossless turnState = iota
	turnTrying             // measuring the pixel path
	turnPixels             // decided: pixels
	turnKept               // decided: lossless
)

// slowMax is how many frames each path is measured over.
const slowMax = 3

// usePixels says which path the next frame takes.
func (c *turnChoice) usePixels() bool { return c.state == turnTrying || c.state == turnPixels }

// record notes what the last frame's turn cost.
func (c *turnChoice) record(took time.Duration) {
	switch c.state {
	case turnLossless:
		if c.budget <= 0 || took <= c.budget {
			c.n, c.lossless = 0, 0
			return
		}
		c.n++
		c.lossless += took
		if c.n == slowMax {
			c.state, c.n = turnTrying, 0
		}
	case turnTrying:
		c.n++
		c.pixels += took
		if c.n < slowMax {
			return
		}
		per := func(d time.Duration) time.Duration { return (d / slowMax).Round(100 * time.Microsecond) }
		if c.pixels < c.lossless {
			c.state = turnPixels
			c.say("picture: the lossless turn is too slow for the frame rate; turning decoded pixels instead",
				"lossless", per(c.lossless), "pixels", per(c.pixels), "budget", c.budget)
		} else {
			c.state = turnKept
			c.say("picture: the lossless turn is slow, but turning pixels is no faster here; staying lossless",
				"lossless", per(c.lossless), "pixels", per(c.pixels), "budget", c.budget)
		}
	}
}

func (c *turnChoice) say(msg string, args ...any) {
	if c.log != nil {
		c.log.Info(msg, args...)
	}
}
