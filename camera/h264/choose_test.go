package h264

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lancam/camera"
	"lancam/camera/tjpeg"
	"lancam/internal/testenv"
)

// TestMain fails the package if any test leaves a goroutine behind: the
// ffmpeg encoder's reader and waiter must be gone after Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// needFFmpeg skips (fails in CI) a test that drives ffmpeg or ffprobe.
func needFFmpeg(t testing.TB) {
	t.Helper()
	testenv.Tool(t, "ffmpeg")
	testenv.Tool(t, "ffprobe")
}

// isKeyUnit: SPS, PPS and an IDR slice, in that order.
func isKeyUnit(data []byte) bool {
	ts := NALTypes(data)
	s, p, i := slices.Index(ts, nalSPS), slices.Index(ts, nalPPS), slices.Index(ts, nalIDR)
	return s >= 0 && p > s && i > p
}

// newOrSkip makes the named encoder, skipping (failing in CI) when this
// machine does not have it; v4l2m2m needs a Pi, so it is never required.
func newOrSkip(t testing.TB, kind string, cfg Config) Encoder {
	t.Helper()
	if kind != "openh264" {
		needFFmpeg(t)
	} else if !openH264Built {
		t.Skip("openh264 is not built in (-tags openh264)")
	}
	e, err := New(kind, cfg)
	if errors.Is(err, ErrUnavailable) {
		if kind == "v4l2m2m" { // needs a Raspberry Pi: never required
			t.Skip(err)
		}
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// painter draws a moving picture: a busy texture (gradients, stripes and
// fixed noise, like a real scene) panning 3 px a frame, so every
// macroblock moves, with a disc crossing it the other way. Frames are
// JPEG quality 80 4:2:0, as the test pattern and Pi cameras send.
type painter struct {
	w, h int
	tex  *image.RGBA // wide enough for the whole pan
	img  *image.RGBA
	enc  *tjpeg.Encoder
}

const panStep = 3 // pixels per frame

// newPainter prepares a w x h picture for a clip of up to frames frames
// (the pan wraps after that). Close it when done.
func newPainter(w, h, frames int) (*painter, error) {
	enc, err := tjpeg.NewEncoder()
	if err != nil {
		return nil, err
	}
	tw := w + panStep*frames
	tex := image.NewRGBA(image.Rect(0, 0, tw, h))
	seed := uint32(0x2545f491)
	for y := 0; y < h; y++ {
		for x := 0; x < tw; x++ {
			var r, g, b int
			switch {
			case y < h/3 && (x/(4+y%9))%2 == 0:
				r, g, b = 220, 220, 200
			case y < h/3:
				r, g, b = 30, 40, 60
			default:
				r, g, b = (x*255/tw+y)%256, y*255/h, (tw-x)*255/tw
			}
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			n := int(seed%13) - 6
			i := tex.PixOffset(x, y)
			tex.Pix[i], tex.Pix[i+1], tex.Pix[i+2], tex.Pix[i+3] = clampByte(r+n), clampByte(g+n), clampByte(b+n), 255
		}
	}
	return &painter{w: w, h: h, tex: tex, img: image.NewRGBA(image.Rect(0, 0, w, h)), enc: enc}, nil
}

func (p *painter) Close() { p.enc.Close() }

func clampByte(v int) uint8 { return uint8(min(max(v, 0), 255)) }

// frame draws and encodes picture n (0-based).
func (p *painter) frame(n int) (*camera.Frame, error) {
	off := (n * panStep) % (p.tex.Rect.Dx() - p.w + 1)
	for y := 0; y < p.h; y++ {
		copy(p.img.Pix[y*p.img.Stride:y*p.img.Stride+4*p.w], p.tex.Pix[y*p.tex.Stride+4*off:])
	}
	cx, cy, rad := p.w-(n*7)%p.w, p.h/2+p.h/4*((n/20)%2), p.h/8
	for y := max(cy-rad, 0); y < min(cy+rad, p.h); y++ {
		for x := max(cx-rad, 0); x < min(cx+rad, p.w); x++ {
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) < rad*rad {
				i := p.img.PixOffset(x, y)
				p.img.Pix[i], p.img.Pix[i+1], p.img.Pix[i+2] = 200, 60, 90
			}
		}
	}
	jpg, err := p.enc.EncodeRGBA(nil, p.img, tjpeg.Subsamp420, 80)
	if err != nil {
		return nil, err
	}
	return camera.NewFrame(jpg, p.w, p.h, uint64(n+1), time.Unix(1700000000, 0).Add(time.Duration(n)*time.Second/30)), nil
}

// clip draws n frames of w x h.
func clip(w, h, n int) ([]*camera.Frame, error) {
	p, err := newPainter(w, h, n)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	out := make([]*camera.Frame, n)
	for i := range out {
		if out[i], err = p.frame(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// frames720p is the shared 60-frame 1280x720 clip: drawing it once keeps
// the race-detector run short.
var frames720p = sync.OnceValues(func() ([]*camera.Frame, error) { return clip(1280, 720, 60) })

// clipOf returns n frames of w x h (the shared clip for 60 at 720p) or
// fails tb.
func clipOf(tb testing.TB, w, h, n int) []*camera.Frame {
	tb.Helper()
	var fs []*camera.Frame
	var err error
	if w == 1280 && h == 720 && n == 60 {
		fs, err = frames720p()
	} else {
		fs, err = clip(w, h, n)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return fs
}

// collector gathers emitted access units; the ffmpeg encoder emits from its
// reader goroutine.
type collector struct {
	mu  sync.Mutex
	aus []AccessUnit
}

func (c *collector) emit(au AccessUnit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.aus = append(c.aus, au)
}

func (c *collector) all() []AccessUnit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.aus)
}

// waitFor polls until n units arrived or a few seconds passed.
func (c *collector) waitFor(t testing.TB, n int) []AccessUnit {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		aus := c.all()
		if len(aus) >= n || time.Now().After(deadline) {
			return aus
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// probe is what ffprobe says about an Annex-B file.
type probe struct {
	Codec   string `json:"codec_name"`
	Profile string `json:"profile"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Frames  string `json:"nb_read_frames"`
}

// ffprobe decodes every frame of aus (concatenated) with ffmpeg's decoder.
func ffprobe(t testing.TB, aus []AccessUnit) probe {
	t.Helper()
	var all bytes.Buffer
	for _, au := range aus {
		all.Write(au.Data)
	}
	path := filepath.Join(t.TempDir(), "out.h264")
	if err := os.WriteFile(path, all.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries",
		"stream=codec_name,width,height,profile,nb_read_frames", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	var res struct{ Streams []probe }
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) != 1 {
		t.Fatalf("ffprobe said %s (%v)", out, err)
	}
	return res.Streams[0]
}

// TestEncoders runs every encoder this machine has through a 60-frame
// moving 720p clip and checks the stream with ffmpeg's decoder.
func TestEncoders(t *testing.T) {
	for _, kind := range Kinds()[1:] {
		t.Run(kind, func(t *testing.T) {
			t.Run("clip", func(t *testing.T) { checkClip(t, kind) })
			t.Run("resize", func(t *testing.T) { checkResize(t, kind) })
		})
	}
}

// checkClip: all 60 frames come out decodable, in order, labelled with
// their frames; the first is a key picture with its parameter sets; the
// rate at DefaultBitrate stays within 4 Mbit/s.
func checkClip(t *testing.T, kind string) {
	fs := clipOf(t, 1280, 720, 60)
	var c collector
	e := newOrSkip(t, kind, Config{Emit: c.emit})
	for _, f := range fs {
		if err := e.Encode(f, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	aus := c.all()
	if len(aus) != len(fs) {
		t.Fatalf("%d access units for %d frames", len(aus), len(fs))
	}
	bytes := 0
	for i, au := range aus {
		bytes += len(au.Data)
		if au.Seq != fs[i].Seq() || !au.Captured.Equal(fs[i].Captured()) || au.Width != 1280 || au.Height != 720 {
			t.Fatalf("unit %d: seq %d captured %v %dx%d; frame seq %d captured %v", i, au.Seq, au.Captured, au.Width, au.Height, fs[i].Seq(), fs[i].Captured())
		}
	}
	if !aus[0].Key || !isKeyUnit(aus[0].Data) {
		t.Errorf("first unit: key %v, NAL types %v; want key with SPS, PPS, IDR", aus[0].Key, NALTypes(aus[0].Data))
	}
	kbps := float64(bytes) * 8 * 30 / float64(len(aus)) / 1000
	t.Logf("%s: %.0f kbit/s at 30 fps, first unit %d bytes", kind, kbps, len(aus[0].Data))
	if kbps > 4000 {
		t.Errorf("%.0f kbit/s at 30 fps, over 4000", kbps)
	}
	needFFmpeg(t)
	p := ffprobe(t, aus)
	if p.Codec != "h264" || p.Width != 1280 || p.Height != 720 || p.Frames != "60" || !strings.Contains(p.Profile, "Baseline") {
		t.Errorf("ffprobe: %+v; want h264 1280x720 baseline, 60 frames", p)
	}
}

// checkResize: a new picture size mid-stream starts over with a key
// picture of the new size, and the whole stream still decodes.
func checkResize(t *testing.T, kind string) {
	a, b := clipOf(t, 640, 360, 5), clipOf(t, 320, 240, 5)
	for i, f := range b { // frame numbers go on across the change
		b[i] = camera.NewFrame(f.JPEG(), 320, 240, uint64(6+i), f.Captured())
	}
	var c collector
	e := newOrSkip(t, kind, Config{Emit: c.emit})
	for _, f := range append(a, b...) {
		if err := e.Encode(f, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	aus := c.all()
	if len(aus) != 10 {
		t.Fatalf("%d access units for 10 frames", len(aus))
	}
	if au := aus[5]; !au.Key || !isKeyUnit(au.Data) || au.Width != 320 || au.Height != 240 || au.Seq != 6 {
		t.Errorf("first unit after the change: key %v NALs %v %dx%d seq %d", au.Key, NALTypes(au.Data), au.Width, au.Height, au.Seq)
	}
	needFFmpeg(t)
	if p := ffprobe(t, aus); p.Frames != "10" {
		t.Errorf("ffprobe decoded %s of 10 frames", p.Frames)
	}
}

func TestNewKinds(t *testing.T) {
	if _, err := New("vp8", Config{}); err == nil || errors.Is(err, ErrUnavailable) {
		t.Errorf("unknown kind: %v", err)
	}
	needFFmpeg(t)
	av := Available()
	if slices.Contains(av, "openh264") != openH264Built || !slices.Contains(av, "x264") {
		t.Errorf("Available() = %v, want x264 and openh264 only when built in (%v)", av, openH264Built)
	}
	for _, k := range av {
		if !slices.Contains(Kinds(), k) {
			t.Errorf("available %q is not a kind", k)
		}
	}
	e, err := New("auto", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	want := "x264"
	if openH264Built {
		want = "openh264"
	}
	if slices.Contains(av, "v4l2m2m") {
		want = "v4l2m2m"
	}
	if e.Name() != want {
		t.Errorf("auto chose %s, want %s", e.Name(), want)
	}
}
