package h264

import (
	"fmt"
	"slices"
)

// Kinds lists the encoder names New accepts, "auto" first.
func Kinds() []string { return []string{"auto", "openh264", "x264", "v4l2m2m"} }

// New makes the encoder of the given kind. "auto" takes the Pi's hardware
// encoder (v4l2m2m) when there is one, which leaves the CPU only the JPEG
// decode and the pipe (not measured here: no Pi), else openh264.
//
// Between the software encoders openh264 costs less CPU per frame, JPEG
// decode (2.2 ms) included: BenchmarkEncode720p, a panning 1280x720 q80
// clip at DefaultBitrate (2.49 Mbit/s), 2-core amd64 VM, best of several
// runs:
//
//	                   CPU ms/frame        CPU ms/frame    kbit/s
//	                   (pinned to 1 CPU)   (2 CPUs)        at 30 fps
//	openh264           7.6                 7.5             2490-2560
//	x264 (ffmpeg)      8.3                 10.0            2470-2590
//
// (x264's figures include ffmpeg's CPU; on two CPUs its sliced threads
// cost more in all.) openh264 also needs no ffmpeg, no process and no pipe
// copies. At the same rate both give about 32 dB PSNR on that clip.
func New(kind string, cfg Config) (Encoder, error) {
	switch kind {
	case "auto", "":
		if ffmpegAvailable("v4l2m2m") == nil {
			return NewFFmpeg(cfg, "v4l2m2m")
		}
		return NewOpenH264(cfg)
	case "openh264":
		return NewOpenH264(cfg)
	case "x264", "v4l2m2m":
		return NewFFmpeg(cfg, kind)
	}
	return nil, fmt.Errorf("h264: unknown encoder %q (want one of %v)", kind, Kinds())
}

// Available lists the encoders this machine can run, for /status: openh264
// (linked in) always, the ffmpeg ones when ffmpeg, its encoder and for
// v4l2m2m the hardware are there.
func Available() []string {
	out := []string{"openh264"}
	for _, k := range []string{"x264", "v4l2m2m"} {
		if ffmpegAvailable(k) == nil {
			out = append(out, k)
		}
	}
	return slices.Clip(out)
}
