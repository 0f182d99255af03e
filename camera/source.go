package camera

import "context"

// Source produces frames until its context ends.
//
// Run must call publish from a single goroutine (the one Run runs on) and
// return when ctx is done; it returns nil then. Any other return ends this run
// of the source: the hub logs the error and starts it again with back-off
// while someone is still watching.
type Source interface {
	Run(ctx context.Context, publish func(*Frame)) error
	Info() SourceInfo
}

// SourceInfo describes what a source delivers, for /status and the UI.
type SourceInfo struct {
	Kind   string  `json:"kind"`   // "test", "dir", "v4l2", ...
	Device string  `json:"device"` // path or description of the device
	Format string  `json:"format"` // e.g. "MJPEG", "YUYV→JPEG", "JPEG files"
	Width  int     `json:"width"`
	Height int     `json:"height"`
	FPS    float64 `json:"fps_wanted"`
	// DeviceFPS is the rate the device agreed to (0 when not negotiated),
	// which a camera may set below the wish (vivid: 25 at 640x480).
	DeviceFPS float64 `json:"fps_device,omitempty"`
	// Dropped counts frames the source threw away (damaged, too short,
	// not a JPEG, or no encoder free), so a flaky cable shows up.
	Dropped uint64 `json:"dropped"`
	// Rotate, Mirror and Overlay are the Picture applied (WithPicture);
	// Width and Height are then the size after rotation.
	Rotate  int    `json:"rotate"`
	Mirror  bool   `json:"mirror"`
	Overlay string `json:"overlay"`
}

// SignalReporter is implemented by sources that keep publishing placeholder
// frames (NO SIGNAL) while their device is gone or stalled: frames still
// arrive, so only the source knows the camera is offline. Signal must be
// cheap and safe to call from any goroutine.
type SignalReporter interface {
	Signal() bool
}
