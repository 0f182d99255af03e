package h264

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"lancam/camera"
)

// ffmpegCodecs maps our encoder names to ffmpeg's.
var ffmpegCodecs = map[string]string{"x264": "libx264", "v4l2m2m": "h264_v4l2m2m"}

// Timeouts of the ffmpeg pipeline.
const (
	// ffmpegWriteTimeout bounds one frame's write: ffmpeg that takes no
	// input for this long is stuck, and Encode says so instead of hanging.
	ffmpegWriteTimeout = 5 * time.Second
	// ffmpegStopGrace is how long ffmpeg may take to flush and exit after
	// its input ends before its process group is killed.
	ffmpegStopGrace = 2 * time.Second
	// stderrTail is how much of ffmpeg's stderr errors quote.
	stderrTail = 1024
)

// ffmpegEnc runs ffmpeg as an exec pipeline: our own JPEG decode (cheaper
// than ffmpeg's: 6.7 against 8.4 ms of CPU per 720p frame with x264
// included, measured with ffmpeg 5.1) feeds raw I420 on stdin, and FLV
// comes back on stdout. FLV is there for its framing only: every tag
// carries one whole access unit with its length, so a picture is handed on
// the moment its last byte arrives. Raw H.264 with access unit delimiters
// would only show a picture's end when the next one starts, a frame late.
//
// With -tune zerolatency and no B-frames, x264 returns one picture per
// input frame, in order, so a FIFO of frame metadata labels the output
// (a hardware encoder may return them later, but still one each, in order).
//
// ffmpeg offers no way to ask a running encoder for an IDR. A key request
// therefore restarts ffmpeg (the pictures still inside the old one are
// flushed and emitted first; the new stream starts with an IDR), unless
// the periodic IDR is due within half a second anyway or ffmpeg was
// (re)started less than KeyInterval ago. So a viewer joining mid-GOP
// usually waits about a process start (0.15 s here) instead of up to
// KeyInterval, and a viewer that keeps losing data cannot restart ffmpeg
// more than once per key interval.
type ffmpegEnc struct {
	cfg   Config
	name  string // "x264" or "v4l2m2m"
	codec string // ffmpeg's name for it
	bin   string
	src   picture
	raw   []byte // one tight I420 frame for ffmpeg's stdin

	mu     sync.Mutex // Close may come from another goroutine than Encode
	proc   *ffmpegProc
	closed bool
}

// NewFFmpeg makes an encoder that runs ffmpeg with codec "x264" (libx264)
// or "v4l2m2m" (the Raspberry Pi 4's and earlier hardware encoder through
// V4L2 memory-to-memory). It returns an error wrapping ErrUnavailable when
// ffmpeg, the ffmpeg encoder or (for v4l2m2m) the hardware is missing.
// ffmpeg itself starts with the first frame, when the size is known.
func NewFFmpeg(cfg Config, codec string) (Encoder, error) {
	if err := ffmpegAvailable(codec); err != nil {
		return nil, err
	}
	bin, _ := exec.LookPath("ffmpeg") // found by ffmpegAvailable
	src, err := newPicture()
	if err != nil {
		return nil, err
	}
	return &ffmpegEnc{cfg: cfg.withDefaults(), name: codec, codec: ffmpegCodecs[codec], bin: bin, src: src}, nil
}

// ffmpegAvailable says why codec cannot be used here, nil if it can.
func ffmpegAvailable(codec string) error {
	ff, ok := ffmpegCodecs[codec]
	if !ok {
		return fmt.Errorf("h264: unknown ffmpeg encoder %q", codec)
	}
	encoders, err := ffmpegEncoders()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, codec, err)
	}
	if !encoders[ff] {
		return fmt.Errorf("%w: %s: this ffmpeg has no %s encoder", ErrUnavailable, codec, ff)
	}
	if codec == "v4l2m2m" && !hasPiEncoder() {
		return fmt.Errorf("%w: v4l2m2m: no bcm2835-codec-encode device (a Raspberry Pi 4 or earlier has one at /dev/video11)", ErrUnavailable)
	}
	return nil
}

// ffmpegEncoders lists ffmpeg's encoders, once per process: the answer
// only changes when packages are installed, and asking costs ~50 ms.
var ffmpegEncoders = sync.OnceValues(func() (map[string]bool, error) {
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		return nil, errors.New("ffmpeg is not installed")
	}
	out, err := exec.Command(bin, "-hide_banner", "-encoders").Output()
	if err != nil {
		return nil, fmt.Errorf("ffmpeg -encoders: %v", err)
	}
	return parseEncoders(out), nil
})

// parseEncoders reads `ffmpeg -encoders`: after the legend, lines of
// " V..... name  description".
func parseEncoders(out []byte) map[string]bool {
	m := map[string]bool{}
	past := false
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && past && strings.HasPrefix(f[0], "V") {
			m[f[1]] = true
		}
		if strings.HasPrefix(strings.TrimSpace(line), "------") {
			past = true
		}
	}
	return m
}

// hasPiEncoder reports whether a V4L2 device names itself as the Pi's
// H.264 encoder. Hardware does not come and go: asked once.
var hasPiEncoder = sync.OnceValue(func() bool { return findV4L2Device("/sys/class/video4linux", "bcm2835-codec-encode") != "" })

// findV4L2Device returns the /dev path of the first device under sysfs
// whose name contains want, or "".
func findV4L2Device(sysfs, want string) string {
	names, _ := filepath.Glob(filepath.Join(sysfs, "*", "name"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil && strings.Contains(string(b), want) {
			return "/dev/" + filepath.Base(filepath.Dir(n))
		}
	}
	return ""
}

// Name implements Encoder.
func (e *ffmpegEnc) Name() string { return e.name }

// Encode implements Encoder. It fails once ffmpeg has died or stalls; the
// caller then closes this encoder and makes a new one.
func (e *ffmpegEnc) Encode(f *camera.Frame, key bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errEncoderClosed
	}
	if err := e.src.decode(f); err != nil {
		return err
	}
	p := &e.src.pic
	if e.proc != nil {
		switch {
		case e.proc.exited():
			return fmt.Errorf("%s: ffmpeg exited: %w", e.name, e.proc.failure())
		case p.Width != e.proc.w || p.Height != e.proc.h:
			e.stop()
		case key && e.proc.keyWorthRestart(keyFrames(e.cfg), e.cfg):
			e.cfg.Logger.Debug("restarting ffmpeg for a key picture", "encoder", e.name)
			e.stop()
		}
	}
	if e.proc == nil {
		proc, err := startFFmpeg(e.bin, e.args(p.Width, p.Height), e.cfg, p.Width, p.Height)
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		e.proc = proc
	}
	e.raw = packI420(e.raw, p.Y, p.U, p.V, p.YStride, p.CStride, p.Width, p.Height)
	if err := e.proc.feed(e.raw, frameMeta{seq: f.Seq(), captured: f.Captured()}); err != nil {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	return nil
}

// args is ffmpeg's command line for w x h input.
func (e *ffmpegEnc) args(w, h int) []string {
	rate := e.cfg.Bitrate
	if rate <= 0 {
		rate = DefaultBitrate(w, h, e.cfg.FPS)
	}
	fps := strconv.FormatFloat(e.cfg.FPS, 'f', -1, 64)
	a := []string{"-hide_banner", "-nostats", "-loglevel", "error",
		// Raw video needs no probing; probing would hold the first frames.
		"-probesize", "32", "-analyzeduration", "0",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", fmt.Sprintf("%dx%d", w, h), "-framerate", fps,
		"-i", "pipe:0", "-an", "-c:v", e.codec,
		"-g", strconv.Itoa(keyFrames(e.cfg)), "-bf", "0",
		"-b:v", strconv.Itoa(rate), "-maxrate", strconv.Itoa(rate), "-bufsize", strconv.Itoa(rate),
		// JPEG's samples are full-range BT.601: say so in the VUI.
		"-color_range", "pc", "-colorspace", "smpte170m", "-color_primaries", "bt709", "-color_trc", "iec61966-2-1"}
	switch e.name {
	case "x264":
		a = append(a, "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline")
	case "v4l2m2m":
		// 578 is FF_PROFILE_H264_CONSTRAINED_BASELINE: this option takes
		// no names for H.264 profiles outside libx264.
		a = append(a, "-profile:v", "578")
	}
	return append(a, "-flush_packets", "1", "-f", "flv", "pipe:1")
}

// stop ends the running ffmpeg: its input closes, it flushes the pictures
// still inside (they are emitted) and exits, or is killed after a grace.
func (e *ffmpegEnc) stop() {
	if e.proc != nil {
		e.proc.stop()
		e.proc = nil
	}
}

// Close implements Encoder.
func (e *ffmpegEnc) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.stop()
	e.src.close()
	return nil
}

// packI420 copies the planes into one tight frame, rawvideo's layout.
func packI420(dst, y, u, v []byte, ys, cs, w, h int) []byte {
	dst = dst[:0]
	for r := 0; r < h; r++ {
		dst = append(dst, y[r*ys:r*ys+w]...)
	}
	for _, c := range [2][]byte{u, v} {
		for r := 0; r < h/2; r++ {
			dst = append(dst, c[r*cs:r*cs+w/2]...)
		}
	}
	return dst
}
