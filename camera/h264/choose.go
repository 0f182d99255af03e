package h264

import (
	"fmt"
	"slices"
)

// Kinds lists the encoder names New accepts, "auto" first.
func Kinds() []string { return []string{"auto", "openh264", "x264", "v4l2m2m"} }

// New makes the encoder of the given kind. "auto" takes the Pi's hardware
// encoder (v4l2m2m) when there is one, which leaves the CPU only the JPEG
// decode and the pipe (not measured here: no Pi), else the software
// encoder that costs the least: openh264 when built in, else x264.
//
// BenchmarkEncode720p, a panning 1280x720 q80 clip at DefaultBitrate
// (2.49 Mbit/s), JPEG decode (2.2 ms) included, 2-core amd64 VM, best of
// several runs:
//
//	                   CPU ms/frame        CPU ms/frame    kbit/s
//	                   (pinned to 1 CPU)   (2 CPUs)        at 30 fps
//	openh264           7.6                 7.5             2490-2560
//	x264 (ffmpeg)      8.3                 10.0            2470-2590
//
// (x264's figures include ffmpeg's CPU.) At the same rate both give about
// 32 dB PSNR on that clip. openh264 is built in only with -tags openh264
// (see openh264.go), so the .debs use x264.
func New(kind string, cfg Config) (Encoder, error) {
	switch kind {
	case "auto", "":
		switch {
		case ffmpegAvailable("v4l2m2m") == nil:
			return NewFFmpeg(cfg, "v4l2m2m")
		case openH264Built:
			return NewOpenH264(cfg)
		}
		return NewFFmpeg(cfg, "x264")
	case "openh264":
		return NewOpenH264(cfg)
	case "x264", "v4l2m2m":
		return NewFFmpeg(cfg, kind)
	}
	return nil, fmt.Errorf("h264: unknown encoder %q (want one of %v)", kind, Kinds())
}

// Available lists the encoders this machine can run: openh264 when built
// in, the ffmpeg ones when ffmpeg, its encoder and for v4l2m2m the
// hardware are there. Empty means no H.264 (and so no WebRTC) here.
func Available() []string {
	var out []string
	if openH264Built {
		out = append(out, "openh264")
	}
	for _, k := range []string{"x264", "v4l2m2m"} {
		if ffmpegAvailable(k) == nil {
			out = append(out, k)
		}
	}
	return slices.Clip(out)
}
