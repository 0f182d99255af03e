// Package h264 turns a camera's JPEG frames into H.264 for viewers that
// cannot afford MJPEG's bandwidth (WebRTC over Wi-Fi): an Encoder per
// camera, run by a Stream only while an H.264 viewer exists.
package h264

import (
	"errors"
	"log/slog"
	"time"

	"lancam/camera"
)

// AccessUnit is one encoded picture in Annex-B form (start codes
// included). It is immutable once emitted: every viewer gets the same one.
type AccessUnit struct {
	Data     []byte
	Key      bool // an IDR picture, preceded by its SPS and PPS
	Seq      uint64
	Captured time.Time
	Width    int
	Height   int
}

// Encoder turns JPEG frames into H.264 access units.
//
// Encode is called from one goroutine at a time. The encoded pictures reach
// Config.Emit, either during Encode (in-process encoders) or from the
// encoder's own reader goroutine, which Close waits for (exec pipelines).
type Encoder interface {
	// Encode takes one frame; key asks for an IDR picture as soon as the
	// encoder can make one (a viewer joined, or one lost data). A change of
	// picture size restarts the encoder's stream with an IDR.
	Encode(f *camera.Frame, key bool) error
	// Name says which encoder this is ("openh264", "x264", "v4l2m2m").
	Name() string
	// Close releases the encoder and waits for its goroutines.
	Close() error
}

// Config configures an encoder.
type Config struct {
	// Bitrate is the target in bits per second; 0 picks one by size
	// (DefaultBitrate).
	Bitrate int
	// FPS is the expected frame rate, for rate control; 0 means 30.
	FPS float64
	// KeyInterval is the longest time between IDR pictures, so a viewer
	// that lost a packet recovers without asking; 0 means 2 s.
	KeyInterval time.Duration
	// Emit receives every encoded picture; it must not block for long.
	Emit func(AccessUnit)
	// Logger, nil means slog.Default().
	Logger *slog.Logger
}

// ErrUnavailable is returned by New when the asked encoder is not on this
// machine (library or program missing, no hardware).
var ErrUnavailable = errors.New("h264: encoder not available")

// errEncoderClosed is Encode's answer after Close.
var errEncoderClosed = errors.New("h264: encoder closed")

// keyFrames is KeyInterval in frames, at least 1.
func keyFrames(c Config) int {
	return max(1, int(c.KeyInterval.Seconds()*c.FPS+0.5))
}

// DefaultBitrate is the target for a picture of w x h at fps frames per
// second: about 0.09 bits per pixel, 2.5 Mbit/s at 1280x720 30 fps, well
// under the 4 Mbit/s that one Wi-Fi viewer should cost.
func DefaultBitrate(w, h int, fps float64) int {
	if fps <= 0 {
		fps = 30
	}
	b := int(float64(w*h) * fps * 0.09)
	return min(max(b, 200_000), 8_000_000)
}

// withDefaults fills the zero fields of c.
func (c Config) withDefaults() Config {
	if c.FPS <= 0 {
		c.FPS = 30
	}
	if c.KeyInterval <= 0 {
		c.KeyInterval = 2 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Emit == nil {
		c.Emit = func(AccessUnit) {}
	}
	return c
}
