package h264

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/camera"
)

// newX264 makes the ffmpeg x264 encoder with c collecting its output.
func newX264(t *testing.T, c *collector, cfg Config) *ffmpegEnc {
	t.Helper()
	cfg.Emit = c.emit
	e := newOrSkip(t, "x264", cfg)
	t.Cleanup(func() { e.Close() })
	return e.(*ffmpegEnc)
}

// TestFFmpegOneInOneOut: each frame's picture comes out before the next
// frame goes in (no probing delay, no encoder lookahead), labelled with
// its frame's metadata.
func TestFFmpegOneInOneOut(t *testing.T) {
	fs := clipOf(t, 320, 240, 5)
	var c collector
	e := newX264(t, &c, Config{})
	for i, f := range fs {
		if err := e.Encode(f, false); err != nil {
			t.Fatal(err)
		}
		aus := c.waitFor(t, i+1)
		if len(aus) != i+1 {
			t.Fatalf("frame %d in, %d pictures out", i+1, len(aus))
		}
		if au := aus[i]; au.Seq != f.Seq() || !au.Captured.Equal(f.Captured()) || au.Width != 320 || au.Key != (i == 0) {
			t.Errorf("picture %d: %+v", i, au)
		}
	}
}

// TestFFmpegKeyRestart: a key request right after the start is left to the
// IDR that starts every stream; one later in the GOP restarts ffmpeg, whose
// first picture is an IDR.
func TestFFmpegKeyRestart(t *testing.T) {
	fs := clipOf(t, 320, 240, 4)
	var c collector
	e := newX264(t, &c, Config{KeyInterval: time.Second, FPS: 30})
	for i, f := range fs[:2] {
		if err := e.Encode(f, true); err != nil {
			t.Fatal(err)
		}
		c.waitFor(t, i+1)
	}
	first := e.proc
	time.Sleep(1050 * time.Millisecond) // past KeyInterval: restarts allowed
	if err := e.Encode(fs[2], false); err != nil {
		t.Fatal(err)
	}
	if err := e.Encode(fs[3], true); err != nil {
		t.Fatal(err)
	}
	aus := c.waitFor(t, 4)
	keys := []bool{}
	for _, au := range aus {
		keys = append(keys, au.Key)
	}
	if !slices.Equal(keys, []bool{true, false, false, true}) || e.proc == first {
		t.Errorf("keys %v, restarted %v; want [true false false true], restarted", keys, e.proc != first)
	}
	if !isKeyUnit(aus[3].Data) {
		t.Errorf("key picture after the restart has NAL types %v", NALTypes(aus[3].Data))
	}
}

// TestFFmpegDies: once ffmpeg is gone, Encode says so and Close still
// reaps everything.
func TestFFmpegDies(t *testing.T) {
	fs := clipOf(t, 320, 240, 3)
	var c collector
	e := newX264(t, &c, Config{})
	if err := e.Encode(fs[0], false); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, 1)
	syscall.Kill(e.proc.cmd.Process.Pid, syscall.SIGKILL)
	var err error
	for deadline := time.Now().Add(5 * time.Second); err == nil && time.Now().Before(deadline); {
		err = e.Encode(fs[1], false)
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil {
		t.Fatal("Encode kept succeeding after ffmpeg was killed")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if e.proc != nil {
		t.Error("process still attached after Close")
	}
}

// TestFFmpegBadFrameAndResize: a frame that does not decode is refused
// without touching ffmpeg; a new size restarts it with an IDR of that size.
func TestFFmpegBadFrameAndResize(t *testing.T) {
	small, big := clipOf(t, 320, 240, 2), clipOf(t, 640, 360, 2)
	var c collector
	e := newX264(t, &c, Config{})
	if err := e.Encode(small[0], false); err != nil {
		t.Fatal(err)
	}
	proc := e.proc
	if err := e.Encode(camera.NewFrame([]byte("garbage"), 320, 240, 50, time.Now()), false); err == nil {
		t.Error("garbage frame accepted")
	}
	for _, f := range []*camera.Frame{small[1], big[0], big[1]} {
		if err := e.Encode(f, false); err != nil {
			t.Fatal(err)
		}
	}
	aus := c.waitFor(t, 4)
	if len(aus) != 4 || e.proc == proc {
		t.Fatalf("%d pictures, restarted %v", len(aus), e.proc != proc)
	}
	if au := aus[2]; !au.Key || au.Width != 640 || au.Height != 360 || au.Seq != big[0].Seq() {
		t.Errorf("first picture after the size change: key %v %dx%d seq %d", au.Key, au.Width, au.Height, au.Seq)
	}
}

// TestFFmpegUnavailable: unknown codecs are refused outright; v4l2m2m is
// unavailable without the Pi's encoder.
func TestFFmpegUnavailable(t *testing.T) {
	if _, err := NewFFmpeg(Config{}, "h265"); err == nil || errors.Is(err, ErrUnavailable) {
		t.Errorf("unknown codec: %v", err)
	}
	if hasPiEncoder() {
		t.Skip("this machine has the Pi's encoder")
	}
	if _, err := NewFFmpeg(Config{}, "v4l2m2m"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("v4l2m2m without hardware: %v", err)
	}
}

func TestFindV4L2Device(t *testing.T) {
	sys := t.TempDir()
	for dev, name := range map[string]string{"video0": "UVC Camera (046d:0825)\n", "video10": "bcm2835-codec-decode\n",
		"video11": "bcm2835-codec-encode\n"} {
		os.MkdirAll(filepath.Join(sys, dev), 0o755)
		os.WriteFile(filepath.Join(sys, dev, "name"), []byte(name), 0o644)
	}
	if got := findV4L2Device(sys, "bcm2835-codec-encode"); got != "/dev/video11" {
		t.Errorf("found %q, want /dev/video11", got)
	}
	if got := findV4L2Device(t.TempDir(), "bcm2835-codec-encode"); got != "" {
		t.Errorf("found %q in an empty sysfs", got)
	}
}

func TestParseEncoders(t *testing.T) {
	out := `Encoders:
 V..... = Video
 ------
 V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V..... h264_v4l2m2m         V4L2 mem2mem H.264 encoder wrapper (codec h264)
 A....D aac                  AAC (Advanced Audio Coding)
`
	m := parseEncoders([]byte(out))
	if !m["libx264"] || !m["h264_v4l2m2m"] || m["aac"] || m["="] || len(m) != 2 {
		t.Errorf("parsed %v", m)
	}
}

// TestFFmpegArgs: the hardware encoder gets constrained baseline by number
// and none of x264's options.
func TestFFmpegArgs(t *testing.T) {
	e := &ffmpegEnc{cfg: Config{}.withDefaults(), name: "v4l2m2m", codec: "h264_v4l2m2m"}
	a := strings.Join(e.args(1280, 720), " ")
	for _, want := range []string{"-c:v h264_v4l2m2m", "-profile:v 578", "-s 1280x720", "-g 60", "-b:v 2488320", "-f flv pipe:1"} {
		if !strings.Contains(a, want) {
			t.Errorf("args lack %q: %s", want, a)
		}
	}
	if strings.Contains(a, "zerolatency") {
		t.Errorf("x264 options for v4l2m2m: %s", a)
	}
}

// flvTag builds one FLV tag of type typ.
func flvTag(typ byte, body []byte) []byte {
	h := []byte{typ, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body)), 0, 0, 0, 0, 0, 0, 0}
	t := append(h, body...)
	return binary.BigEndian.AppendUint32(t, uint32(len(t)))
}

// avcTag is a video tag: packet type pt (0 config, 1 NAL units).
func avcTag(key bool, pt byte, payload []byte) []byte {
	b := byte(0x27)
	if key {
		b = 0x17
	}
	return flvTag(9, append([]byte{b, pt, 0, 0, 0}, payload...))
}

// lengthPrefixed joins NAL units with 4-byte lengths.
func lengthPrefixed(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = binary.BigEndian.AppendUint32(b, uint32(len(n)))
		b = append(b, n...)
	}
	return b
}

func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(append(b, 0, 0, 0, 1), n...)
	}
	return b
}

// TestFLVReader: parameter sets from the sequence header go in front of
// IDR pictures lacking them, in-band ones replace them, other tags are
// skipped, and a cut stream is an error.
func TestFLVReader(t *testing.T) {
	sps, pps := []byte{0x67, 0x42, 0xC0, 0x1F}, []byte{0x68, 0xCE, 0x3C}
	sps2 := []byte{0x67, 0x42, 0xC0, 0x28}
	idr, p := []byte{0x65, 0x88, 0x84}, []byte{0x41, 0x9A, 0x02}
	conf := []byte{1, 0x42, 0xC0, 0x1F, 0xFF, 0xE1, 0, byte(len(sps))}
	conf = append(append(conf, sps...), 1, 0, byte(len(pps)))
	conf = append(conf, pps...)
	var s []byte
	s = append(s, 'F', 'L', 'V', 1, 1, 0, 0, 0, 9, 0, 0, 0, 0)
	s = append(s, flvTag(18, []byte("onMetaData..."))...)
	s = append(s, avcTag(true, 0, conf)...)
	s = append(s, avcTag(true, 1, lengthPrefixed(idr))...)
	s = append(s, avcTag(false, 1, lengthPrefixed(p))...)
	s = append(s, avcTag(true, 1, lengthPrefixed(sps2, pps, idr))...)
	s = append(s, avcTag(true, 1, lengthPrefixed(idr))...)
	s = append(s, avcTag(false, 2, nil)...) // end of sequence
	want := [][]byte{annexB(sps, pps, idr), annexB(p), annexB(sps2, pps, idr), annexB(sps2, pps, idr)}

	r := newFLVReader(bufio.NewReader(bytes.NewReader(s)))
	for i, w := range want {
		got, err := r.next()
		if err != nil || !bytes.Equal(got, w) {
			t.Fatalf("unit %d: % x, %v; want % x", i, got, err, w)
		}
	}
	if _, err := r.next(); err != io.EOF {
		t.Errorf("after the last tag: %v, want EOF", err)
	}
	r = newFLVReader(bufio.NewReader(bytes.NewReader(s[:len(s)-30])))
	var err error
	for err == nil {
		_, err = r.next()
	}
	if err != io.ErrUnexpectedEOF {
		t.Errorf("cut stream: %v, want unexpected EOF", err)
	}
	if _, err := newFLVReader(bufio.NewReader(strings.NewReader("GIF89a not flv at all"))).next(); err == nil {
		t.Error("non-FLV accepted")
	}
}
