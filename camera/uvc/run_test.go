package uvc

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lancam/camera"
	"lancam/camera/tjpeg"
)

var mjpeg320 = negotiated{fourcc: fmtMJPEG, width: 320, height: 240, fps: 30, busInfo: "usb-1.2", card: "Fake Cam"}

// testSource is a Source on w with timings shrunk for tests.
func testSource(t *testing.T, w *fakeWorld, path string) *Source {
	t.Helper()
	s, err := New(Config{Device: path, Width: 640, Height: 480, FPS: 30, StallTimeout: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.open = w.open
	s.findBus = func(string) string { return "" }
	s.backoffLo, s.backoffHi, s.noSignalT = 10*time.Millisecond, 40*time.Millisecond, 30*time.Millisecond
	return s
}

// start runs s until the returned stop is called; stop checks that Run
// returned nil promptly.
func start(t *testing.T, s *Source, publish func(*camera.Frame)) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, publish) }()
	return func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run returned %v, want nil", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
}

func TestRunPassthroughAndCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	w := newFakeWorld(jpg, mjpeg320, "/dev/video0")
	s := testSource(t, w, "/dev/video0")
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	waitFor(t, "10 camera frames", func() bool { f, _ := out.counts(); return f >= 10 })
	if !s.Signal() {
		t.Error("Signal() false while frames flow")
	}
	info := s.Info()
	if info.Kind != "v4l2" || info.Format != "MJPEG" || info.Width != 320 || info.Height != 240 || info.Device != "/dev/video0" {
		t.Errorf("Info = %+v", info)
	}
	if fcc, nw, nh, fps := s.Negotiated(); fcc != "MJPG" || nw != 320 || nh != 240 || fps != 30 {
		t.Errorf("Negotiated = %s %dx%d %g", fcc, nw, nh, fps)
	}
	stop()
	if w.live.Load() != 0 {
		t.Fatal("device left open after Run returned")
	}
	if _, ns := out.counts(); ns != 0 || out.badOrder {
		t.Fatalf("no-signal frames %d, out of order %v", ns, out.badOrder)
	}
	if s.Signal() {
		t.Error("Signal() true after Run returned")
	}
}

func TestRunUnplugShowsNoSignalAndRecovers(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	w := newFakeWorld(jpg, mjpeg320, "/dev/video0")
	s := testSource(t, w, "/dev/video0")
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	defer stop()
	waitFor(t, "camera frames", func() bool { f, _ := out.counts(); return f >= 3 })

	w.set(func(w *fakeWorld) { w.plugged = false }) // Read now fails with ENODEV
	waitFor(t, "NO SIGNAL frames", func() bool { _, ns := out.counts(); return ns >= 3 })
	if s.Signal() {
		t.Error("Signal() true while unplugged")
	}
	if w.live.Load() != 0 {
		t.Error("device still open while unplugged")
	}
	out.mu.Lock()
	if out.sizes[[2]int{320, 240}] != out.frames+out.noSignal {
		t.Errorf("NO SIGNAL not at the negotiated size: %v", out.sizes)
	}
	out.mu.Unlock()

	before, _ := out.counts()
	w.set(func(w *fakeWorld) { w.plugged = true })
	waitFor(t, "frames after replug", func() bool { f, _ := out.counts(); return f >= before+5 })
	if !s.Signal() || w.openCount() < 2 {
		t.Errorf("signal %v, opens %d", s.Signal(), w.openCount())
	}
	if out.badOrder {
		t.Error("frames published out of sequence order")
	}
}

func TestRunStallRecoversWithoutReopen(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	w := newFakeWorld(jpg, mjpeg320, "/dev/video0")
	s := testSource(t, w, "/dev/video0")
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	defer stop()
	waitFor(t, "camera frames", func() bool { f, _ := out.counts(); return f >= 3 })

	w.set(func(w *fakeWorld) { w.paused = true })
	t0 := time.Now()
	waitFor(t, "NO SIGNAL on stall", func() bool { _, ns := out.counts(); return ns >= 2 })
	if d := time.Since(t0); d < 90*time.Millisecond {
		t.Errorf("NO SIGNAL after %v, before the 100ms stall timeout", d)
	}
	if s.Signal() {
		t.Error("Signal() true while stalled")
	}
	before, _ := out.counts()
	w.set(func(w *fakeWorld) { w.paused = false })
	waitFor(t, "frames after stall", func() bool { f, _ := out.counts(); return f >= before+3 })
	if n := w.openCount(); n != 1 {
		t.Errorf("stall caused a reopen: %d opens", n)
	}
	if !s.Signal() {
		t.Error("Signal() false after recovery")
	}
}

func TestRunDropsBadFrames(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	w := newFakeWorld(jpg, mjpeg320, "/dev/video0")
	w.errFlag = true
	s := testSource(t, w, "/dev/video0")
	s.cfg.StallTimeout = time.Hour
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	defer stop()
	waitFor(t, "error-flag drops", func() bool { return s.Drops().ErrorFlag >= 3 })
	w.set(func(w *fakeWorld) { w.errFlag, w.data = false, jpg[:50] })
	waitFor(t, "short drops", func() bool { return s.Drops().Short >= 3 })
	bad := append([]byte{0xFF, 0xD8}, make([]byte, 300)...) // SOI, no EOI
	w.set(func(w *fakeWorld) { w.data = bad })
	waitFor(t, "bad JPEG drops", func() bool { return s.Drops().BadJPEG >= 3 })
	if f, _ := out.counts(); f != 0 || out.noSignal != 0 {
		t.Fatalf("published %d frames, %d no-signal; want none", f, out.noSignal)
	}
	w.set(func(w *fakeWorld) { w.data = jpg })
	waitFor(t, "good frames", func() bool { f, _ := out.counts(); return f >= 1 })
	if w.openCount() != 1 {
		t.Errorf("bad frames caused a reopen")
	}
}

func TestRunStartsUnpluggedThenAppears(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	w := newFakeWorld(jpg, mjpeg320, "/dev/video0")
	w.plugged = false
	s := testSource(t, w, "/dev/video0")
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	defer stop()
	waitFor(t, "NO SIGNAL while absent", func() bool { _, ns := out.counts(); return ns >= 2 })
	out.mu.Lock()
	if out.sizes[[2]int{640, 480}] == 0 {
		t.Errorf("NO SIGNAL before first open must use the wished size: %v", out.sizes)
	}
	out.mu.Unlock()
	if info := s.Info(); info.Width != 640 || info.Format != "" {
		t.Errorf("Info before open = %+v", info)
	}
	w.set(func(w *fakeWorld) { w.plugged = true })
	waitFor(t, "frames", func() bool { f, _ := out.counts(); return f >= 3 })
}

func TestRunFollowsBusInfo(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	// The configured path never exists on disk, so after the unplug
	// relocate asks findBus, which knows the camera came back as video3.
	w := newFakeWorld(jpg, mjpeg320, "/nonexistent/video0")
	s := testSource(t, w, "/nonexistent/video0")
	asked := make(chan string, 100)
	s.findBus = func(bus string) string {
		asked <- bus
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.plugged {
			return "/nonexistent/video3"
		}
		return ""
	}
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	defer stop()
	waitFor(t, "frames", func() bool { f, _ := out.counts(); return f >= 3 })
	w.set(func(w *fakeWorld) { w.plugged = false })
	waitFor(t, "NO SIGNAL", func() bool { _, ns := out.counts(); return ns >= 1 })
	w.set(func(w *fakeWorld) { w.plugged, w.paths = true, []string{"/nonexistent/video3"} })
	before, _ := out.counts()
	waitFor(t, "frames from the moved node", func() bool { f, _ := out.counts(); return f >= before+3 })
	if bus := <-asked; bus != "usb-1.2" {
		t.Errorf("findBus asked for %q", bus)
	}
	if d := s.Info().Device; d != "/nonexistent/video3" {
		t.Errorf("Info().Device = %q after the move", d)
	}
}

func TestRunRawThroughEncodePool(t *testing.T) {
	defer goleak.VerifyNone(t)
	const w, h = 320, 240
	yuyv := make([]byte, w*h*2)
	for i := range yuyv {
		yuyv[i] = byte(i)
	}
	n := negotiated{fourcc: fmtYUYV, width: w, height: h, stride: 2 * w, fps: 30}
	fw := newFakeWorld(yuyv, n, "/dev/video0")
	s := testSource(t, fw, "/dev/video0")
	s.cfg.StallTimeout = time.Hour
	var mu sync.Mutex
	var good, bad int
	var last uint64
	stop := start(t, s, func(f *camera.Frame) {
		hdr, err := tjpeg.DecodeHeader(f.JPEG())
		mu.Lock()
		defer mu.Unlock()
		if err != nil || hdr.Width != w || hdr.Height != h || f.Width() != w || f.Seq() <= last {
			bad++
		} else {
			good++
		}
		last = f.Seq()
	})
	waitFor(t, "encoded frames", func() bool { mu.Lock(); defer mu.Unlock(); return good >= 5 })
	stop()
	if info := s.Info(); info.Format != "YUYV→JPEG" {
		t.Errorf("Info().Format = %q", info.Format)
	}
	if bad != 0 {
		t.Errorf("%d bad frames", bad)
	}
	if fw.live.Load() != 0 {
		t.Error("device left open")
	}
}

func TestRunBacksOffWhenStreamFailsAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	jpg := testJPEG(t, 320, 240)
	w := newFakeWorld(jpg, mjpeg320, "/dev/video0")
	w.failIO = true // opens fine, every Read fails
	s := testSource(t, w, "/dev/video0")
	out := &sink{camera: jpg}
	stop := start(t, s, out.publish)
	time.Sleep(400 * time.Millisecond)
	stop()
	// 10, 20, 40, 40, ... ms between opens: about a dozen, not thousands.
	if n := w.openCount(); n < 3 || n > 20 {
		t.Fatalf("%d opens in 400ms", n)
	}
	if f, ns := out.counts(); f != 0 || ns < 5 {
		t.Fatalf("frames %d, no-signal %d", f, ns)
	}
}
