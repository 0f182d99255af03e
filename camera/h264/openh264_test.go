//go:build openh264

package h264

import (
	"testing"
	"time"

	"lancam/camera"
)

// newOpenH264 makes the encoder with c collecting its output.
func newOpenH264(t *testing.T, c *collector) Encoder {
	t.Helper()
	e, err := NewOpenH264(Config{Emit: c.emit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestOpenH264KeyOnRequest: key=true makes that very frame an IDR picture
// with its parameter sets; frames without it are not.
func TestOpenH264KeyOnRequest(t *testing.T) {
	fs := clipOf(t, 320, 240, 12)
	var c collector
	e := newOpenH264(t, &c)
	for i, f := range fs {
		if err := e.Encode(f, i == 7); err != nil {
			t.Fatal(err)
		}
	}
	aus := c.all()
	if len(aus) != len(fs) {
		t.Fatalf("%d access units for %d frames", len(aus), len(fs))
	}
	for i, au := range aus {
		want := i == 0 || i == 7
		if au.Key != want || au.Seq != fs[i].Seq() {
			t.Errorf("unit %d: key %v seq %d; want key %v seq %d", i, au.Key, au.Seq, want, fs[i].Seq())
		}
		if au.Key && !isKeyUnit(au.Data) {
			t.Errorf("unit %d: key without SPS, PPS and IDR: NAL types %v", i, NALTypes(au.Data))
		}
	}
}

// TestOpenH264BadInput: frames that do not decode, or claim a size beyond
// H.264, are refused with an error and the stream goes on undisturbed.
func TestOpenH264BadInput(t *testing.T) {
	fs := clipOf(t, 320, 240, 4)
	var c collector
	e := newOpenH264(t, &c)
	huge := append([]byte(nil), fs[0].JPEG()...)
	for i := 0; i+8 < len(huge); i++ { // SOF0: claim 8000x8000
		if huge[i] == 0xFF && huge[i+1] == 0xC0 {
			huge[i+5], huge[i+6], huge[i+7], huge[i+8] = 0x1F, 0x40, 0x1F, 0x40
			break
		}
	}
	bad := [][]byte{nil, []byte("not a jpeg"), fs[1].JPEG()[:300], huge}
	if err := e.Encode(fs[0], false); err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		if err := e.Encode(camera.NewFrame(b, 320, 240, 99, time.Now()), false); err == nil {
			t.Errorf("%d bytes of bad JPEG encoded without error", len(b))
		}
	}
	for _, f := range fs[1:] {
		if err := e.Encode(f, false); err != nil {
			t.Fatalf("good frame after bad ones: %v", err)
		}
	}
	aus := c.all()
	if len(aus) != len(fs) {
		t.Fatalf("%d access units for %d good frames", len(aus), len(fs))
	}
	needFFmpeg(t)
	if p := ffprobe(t, aus); p.Frames != "4" {
		t.Errorf("ffprobe decoded %s frames, want 4", p.Frames)
	}
}

// TestOpenH264OddSize: H.264 wants even sizes; the odd last column and row
// are dropped.
func TestOpenH264OddSize(t *testing.T) {
	fs := clipOf(t, 321, 241, 2)
	var c collector
	e := newOpenH264(t, &c)
	for _, f := range fs {
		if err := e.Encode(f, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, au := range c.all() {
		if au.Width != 320 || au.Height != 240 {
			t.Errorf("unit %d is %dx%d, want 320x240", au.Seq, au.Width, au.Height)
		}
	}
}

// TestOpenH264Close: Close is idempotent and Encode afterwards fails.
func TestOpenH264Close(t *testing.T) {
	fs := clipOf(t, 64, 48, 1)
	var c collector
	e := newOpenH264(t, &c)
	if err := e.Encode(fs[0], false); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Encode(fs[0], false); err == nil {
		t.Error("Encode after Close succeeded")
	}
}

func TestNextTimestamp(t *testing.T) {
	t0 := time.Unix(100, 0)
	cases := []struct {
		prev      int64
		last, now time.Time
		want      int64
	}{
		{0, time.Time{}, t0, 33},                               // first frame: one interval
		{33, t0, t0.Add(50 * time.Millisecond), 83},            // the real gap
		{83, t0, t0.Add(-time.Second), 116},                    // clock went back
		{116, t0, t0.Add(time.Hour), 149},                      // absurd gap
		{149, t0, t0.Add(500 * time.Microsecond), 182},         // under 1 ms rounds to 0: one interval
		{182, t0, t0.Add(2 * time.Millisecond), 184},           // a burst: still advancing
		{184, t0, t0.Add(9999 * time.Millisecond), 184 + 9999}, // long but sane
	}
	for _, c := range cases {
		if got := nextTimestamp(c.prev, c.last, c.now, 30); got != c.want {
			t.Errorf("nextTimestamp(%d, gap %v) = %d, want %d", c.prev, c.now.Sub(c.last), got, c.want)
		}
	}
}
