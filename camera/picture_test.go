package camera

import (
	"bytes"
	"context"
	"image"
	"testing"
	"time"

	"lancam/camera/tjpeg"
)

// jpegSource publishes one fixed JPEG n times, then waits for the end.
type jpegSource struct {
	jpeg          []byte
	width, height int
	n             int
	noSignal      bool
}

func (s *jpegSource) Info() SourceInfo {
	return SourceInfo{Kind: "fake", Width: s.width, Height: s.height, FPS: 30}
}

func (s *jpegSource) Signal() bool { return !s.noSignal }

func (s *jpegSource) Run(ctx context.Context, publish func(*Frame)) error {
	for i := range s.n {
		publish(NewFrame(s.jpeg, s.width, s.height, uint64(i+1), time.Date(2026, 12, 4, 17, 30, 5, 0, time.UTC)))
	}
	<-ctx.Done()
	return nil
}

// controlled is a source with controls, to find behind a wrapper.
type controlled struct{ jpegSource }

func (controlled) Controls() ([]Control, error)   { return nil, nil }
func (controlled) SetControl(uint32, int64) error { return nil }
func (controlled) ResetControls() error           { return nil }

// runOnce runs src until it published n frames and returns them.
func runOnce(t *testing.T, src Source, n int) []*Frame {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var got []*Frame
	err := src.Run(ctx, func(f *Frame) {
		got = append(got, f)
		if len(got) == n {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// testJPEG encodes the test pattern's first frame at w×h.
func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	src, err := NewTestPattern(TestPatternConfig{Width: w, Height: h, FPS: 30, Quality: 90})
	if err != nil {
		t.Fatal(err)
	}
	return runOnce(t, src, 1)[0].JPEG()
}

// TestPictureRotates: every rotation and mirror gives exactly the lossless
// transform's bytes and the turned size, in the frames and in Info.
func TestPictureRotates(t *testing.T) {
	jpg := testJPEG(t, 320, 240)
	tr, err := tjpeg.NewTransformer()
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for _, deg := range []int{0, 90, 180, 270} {
		for _, mirror := range []bool{false, true} {
			src, err := WithPicture(&jpegSource{jpeg: jpg, width: 320, height: 240, n: 1}, Picture{Rotate: deg, Mirror: mirror}, nil)
			if err != nil {
				t.Fatal(err)
			}
			op, _ := tjpeg.OpFor(deg, mirror)
			want, w, h, err := tr.Transform(jpg, op, true)
			if err != nil {
				t.Fatal(err)
			}
			f := runOnce(t, src, 1)[0]
			info := src.Info()
			if !bytes.Equal(f.JPEG(), want) || f.Width() != w || f.Height() != h || info.Width != w || info.Height != h {
				t.Errorf("%d° mirror %v: frame %dx%d, info %dx%d, want %dx%d and the transform's bytes", deg, mirror, f.Width(), f.Height(), info.Width, info.Height, w, h)
			}
			if deg != 0 || mirror {
				if info.Rotate != deg || info.Mirror != mirror {
					t.Errorf("%d° mirror %v: info says %d° mirror %v", deg, mirror, info.Rotate, info.Mirror)
				}
			}
		}
	}
}

// TestPictureKeepsTheRest: no settings is no wrapper; NO SIGNAL cards pass
// upright; the camera's controls stay reachable; bad rotations are errors.
func TestPictureKeepsTheRest(t *testing.T) {
	jpg := testJPEG(t, 320, 240)
	plain := &jpegSource{jpeg: jpg, width: 320, height: 240, n: 1}
	if src, _ := WithPicture(plain, Picture{}, nil); src != Source(plain) {
		t.Error("a Picture that changes nothing wrapped the source")
	}
	card, _ := WithPicture(&jpegSource{jpeg: jpg, width: 320, height: 240, n: 1, noSignal: true}, Picture{Rotate: 90}, nil)
	if f := runOnce(t, card, 1)[0]; !bytes.Equal(f.JPEG(), jpg) || f.Width() != 320 {
		t.Error("a NO SIGNAL card was turned")
	}
	wrapped, _ := WithPicture(&controlled{jpegSource{jpeg: jpg}}, Picture{Rotate: 180, Overlay: "x"}, nil)
	if _, ok := ControllerOf(wrapped); !ok {
		t.Error("the controls are lost behind the wrapper")
	}
	if _, ok := ControllerOf(plain); ok {
		t.Error("a source without controls has some")
	}
	for _, p := range []Picture{{Rotate: 45}, {Rotate: -90}, {Rotate: 360}, {Overlay: string(make([]byte, 200))}} {
		if _, err := WithPicture(plain, p, nil); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	broken, _ := WithPicture(&jpegSource{jpeg: []byte("not a jpeg"), width: 4, height: 4, n: 1}, Picture{Rotate: 90}, nil)
	if f := runOnce(t, broken, 1)[0]; string(f.JPEG()) != "not a jpeg" {
		t.Error("a frame that cannot be turned was not passed through")
	}
}

// TestPictureOverlay: the overlay darkens a box in the top-left corner
// with light text in it and leaves the rest of the picture alone.
func TestPictureOverlay(t *testing.T) {
	jpg := testJPEG(t, 640, 360)
	src, _ := WithPicture(&jpegSource{jpeg: jpg, width: 640, height: 360, n: 1}, Picture{Overlay: "%Y-%m-%d %H:%M:%S", Quality: 90}, nil)
	f := runOnce(t, src, 1)[0]
	dec, err := tjpeg.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	before, _ := dec.DecodeRGBA(nil, jpg, tjpeg.ScaleFull)
	after, err := dec.DecodeRGBA(nil, f.JPEG(), tjpeg.ScaleFull)
	if err != nil || f.Width() != 640 || f.Height() != 360 {
		t.Fatalf("overlay frame %dx%d: %v", f.Width(), f.Height(), err)
	}
	// "2026-12-04 17:30:05" is 19 glyphs of 7x13 px at scale 1, plus margins.
	box := image.Rect(0, 0, 19*7+8, 13+8)
	var dark, light int
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if l := luma(after, x, y); l < 30 {
				dark++
			} else if l > 200 {
				light++
			}
		}
	}
	if area := box.Dx() * box.Dy(); dark < area/2 || light < 200 {
		t.Errorf("box: %d dark and %d light of %d pixels: want a dark box with text", dark, light, area)
	}
	var diff int
	for y := 100; y < 360; y += 4 {
		for x := 0; x < 640; x += 4 {
			if d := luma(after, x, y) - luma(before, x, y); d > 24 || d < -24 {
				diff++
			}
		}
	}
	if diff > 200 {
		t.Errorf("%d sampled pixels outside the box changed", diff)
	}
}

func luma(img *image.RGBA, x, y int) int {
	o := img.PixOffset(x, y)
	return (299*int(img.Pix[o]) + 587*int(img.Pix[o+1]) + 114*int(img.Pix[o+2])) / 1000
}

// TestFormatOverlay: the conversions, a literal %, and unknown ones kept.
func TestFormatOverlay(t *testing.T) {
	at := time.Date(2026, 3, 7, 8, 5, 9, 42e6, time.FixedZone("CET", 3600))
	for format, want := range map[string]string{
		"%Y-%m-%d %H:%M:%S":   "2026-03-07 08:05:09",
		"%y%m%d.%L %Z %z":     "260307.042 CET +0100",
		"%a %d %b, day %j":    "Sat 07 Mar, day 066",
		"%N 100%% %q trail %": "Porch 100% %q trail %",
		"plain":               "plain",
	} {
		if got := FormatOverlay(format, at, "Porch"); got != want {
			t.Errorf("%q = %q, want %q", format, got, want)
		}
	}
}

// BenchmarkPicture720p is the per-frame cost of each picture setting on a
// 720p test-pattern frame (make bench compares the rotation with jpegtran).
func BenchmarkPicture720p(b *testing.B) {
	src, err := NewTestPattern(TestPatternConfig{Width: 1280, Height: 720, FPS: 30, Quality: 80})
	if err != nil {
		b.Fatal(err)
	}
	var frame *Frame
	ctx, cancel := context.WithCancel(context.Background())
	src.Run(ctx, func(f *Frame) { frame = f; cancel() })
	for _, tc := range []struct {
		name string
		pic  Picture
	}{
		{"rotate90", Picture{Rotate: 90}},
		{"rotate180", Picture{Rotate: 180}},
		{"mirror", Picture{Mirror: true}},
		{"overlay", Picture{Overlay: "%Y-%m-%d %H:%M:%S", Quality: 80}},
		{"rotate90+overlay", Picture{Rotate: 90, Overlay: "%Y-%m-%d %H:%M:%S", Quality: 80}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			op, _ := tjpeg.OpFor(tc.pic.Rotate, tc.pic.Mirror)
			w, err := newPictureWorker(tc.pic, op)
			if err != nil {
				b.Fatal(err)
			}
			defer w.close()
			b.SetBytes(int64(len(frame.JPEG())))
			for b.Loop() {
				if _, err := w.process(frame); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestPictureKeepsTheFrameRate: lossless turns that take longer than the
// budget three frames in a row make the next three go through the pixels
// (same size, not the transform's bytes), then the cheaper path stays.
func TestPictureKeepsTheFrameRate(t *testing.T) {
	jpg := testJPEG(t, 320, 240)
	op, _ := tjpeg.OpFor(180, false)
	w, err := newPictureWorker(Picture{Rotate: 180, Quality: 80}, op)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	lossless, _, _, _ := w.tr.Transform(jpg, op, true)
	w.choice.budget = time.Nanosecond // every turn is too slow
	f := NewFrame(jpg, 320, 240, 1, time.Now())
	for i := range 2 * slowMax {
		out, err := w.process(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Equal(out.JPEG(), lossless); got != (i < slowMax) || out.Width() != 320 || out.Height() != 240 {
			t.Errorf("frame %d: lossless %v (want %v), %dx%d", i, got, i < slowMax, out.Width(), out.Height())
		}
	}
	if w.choice.state != turnPixels && w.choice.state != turnKept {
		t.Errorf("no decision after both paths were measured: state %d", w.choice.state)
	}
	if b := losslessBudget(SourceInfo{FPS: 30, DeviceFPS: 25}); b != 20*time.Millisecond {
		t.Errorf("budget at 25 fps: %v", b)
	}
}

// TestTurnChoice: the path measured cheaper wins; a lossless turn within
// budget never switches; one fast frame restarts the count.
func TestTurnChoice(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		costs []time.Duration // per frame, in the order they come
		want  turnState
	}{
		{"fast enough", []time.Duration{5 * ms, 8 * ms, 8 * ms, 8 * ms, 8 * ms}, turnLossless},
		{"slow, pixels cheaper", []time.Duration{20 * ms, 20 * ms, 20 * ms, 6 * ms, 6 * ms, 6 * ms}, turnPixels},
		{"slow, pixels dearer", []time.Duration{20 * ms, 20 * ms, 20 * ms, 30 * ms, 30 * ms, 30 * ms}, turnKept},
		{"one fast frame between", []time.Duration{20 * ms, 20 * ms, 5 * ms, 20 * ms, 20 * ms}, turnLossless},
		{"still measuring", []time.Duration{20 * ms, 20 * ms, 20 * ms, 6 * ms}, turnTrying},
	} {
		c := turnChoice{budget: 10 * ms}
		for _, d := range tc.costs {
			c.record(d)
		}
		if c.state != tc.want {
			t.Errorf("%s: state %d, want %d", tc.name, c.state, tc.want)
		}
	}
	never := turnChoice{}
	for range 10 {
		never.record(time.Second)
	}
	if never.usePixels() {
		t.Error("a run without a budget switched")
	}
}
