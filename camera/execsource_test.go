package camera

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lancam/internal/proctest"
	"lancam/internal/testenv"
)

// execCollector records what an ExecSource publishes and wakes waiters.
type execCollector struct {
	src *ExecSource

	mu     sync.Mutex
	frames []*Frame
	signal []bool // Signal() when each frame was published
	wake   chan struct{}
}

func newExecCollector(src *ExecSource) *execCollector {
	return &execCollector{src: src, wake: make(chan struct{}, 1)}
}

func (c *execCollector) publish(f *Frame) {
	c.mu.Lock()
	c.frames = append(c.frames, f)
	c.signal = append(c.signal, c.src.Signal())
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// counts returns how many camera frames and NO SIGNAL cards arrived.
func (c *execCollector) counts() (live, cards int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, on := range c.signal {
		if on {
			live++
		} else {
			cards++
		}
	}
	return live, cards
}

// waitFor waits until cond holds, checking after every publish and every
// 50 ms (for conditions on files the producer writes).
func (c *execCollector) waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-c.wake:
		case <-poll.C:
		case <-deadline.C:
			live, cards := c.counts()
			t.Fatalf("%s: not within %v (%d frames, %d NO SIGNAL cards)", what, timeout, live, cards)
		}
	}
}

// runExec starts src.Run; the returned stop cancels it and checks that Run
// returned nil and no process carrying marker is left.
func runExec(t *testing.T, src *ExecSource, c *execCollector, marker string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, c.publish) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return within 10 s of its context ending")
			}
			if left := proctest.WaitGone(marker, 2*time.Second); len(left) > 0 {
				t.Errorf("processes left after Run returned: %v", left)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// testJPEGFile writes a w×h JPEG and returns its path.
func testJPEGFile(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "frame.jpg")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fastExec is an ExecConfig with timings short enough for tests, and a
// marker in the command's environment to find its processes by.
func fastExec(t *testing.T, argv ...string) (ExecConfig, string) {
	marker := proctest.Marker("exec")
	return ExecConfig{Argv: argv, Width: 160, Height: 120, FPS: 15, Env: []string{marker},
		StallAfter: 300 * time.Millisecond, RestartAfter: 1500 * time.Millisecond,
		BackoffMin: 100 * time.Millisecond, BackoffMax: 400 * time.Millisecond,
		NoSignalEvery: 100 * time.Millisecond, KillGrace: 300 * time.Millisecond}, marker
}

func needFFmpeg(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "ffmpeg")
}

// TestExecSourceFFmpeg: ffmpeg standing in for rpicam-vid delivers frames of
// the size asked for at the rate asked for.
func TestExecSourceFFmpeg(t *testing.T) {
	needFFmpeg(t)
	cfg, marker := fastExec(t, "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
		"-i", "testsrc2=size=320x240:rate=15", "-f", "mjpeg", "-q:v", "5", "-")
	cfg.StallAfter, cfg.RestartAfter = 3*time.Second, 10*time.Second
	src, err := NewExecSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := newExecCollector(src)
	stop := runExec(t, src, c, marker)
	c.waitFor(t, 10*time.Second, "first frame", func() bool { live, _ := c.counts(); return live > 0 })
	c.mu.Lock()
	start, first := time.Now(), len(c.frames)
	c.mu.Unlock()
	c.waitFor(t, 10*time.Second, "45 more frames", func() bool { live, _ := c.counts(); return live >= first+45 })
	rate := 45 / time.Since(start).Seconds()
	stop()
	if rate < 12 || rate > 18 {
		t.Errorf("%.1f frames/s, want about 15", rate)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, f := range c.frames {
		if f.Width() != 320 || f.Height() != 240 || !c.signal[i] {
			t.Fatalf("frame %d: %dx%d signal %v, want 320x240 live", i, f.Width(), f.Height(), c.signal[i])
		}
		if i > 0 && f.Seq() <= c.frames[i-1].Seq() {
			t.Fatalf("frame %d: seq %d after %d", i, f.Seq(), c.frames[i-1].Seq())
		}
	}
	if info := src.Info(); info.Width != 320 || info.Height != 240 || info.Kind != "exec" {
		t.Errorf("Info %+v", info)
	}
	t.Logf("%.2f frames/s", rate)
}

// TestExecSourceDiesMidFrame: the whole frames before the cut arrive, NO
// SIGNAL cards follow, and the command is started again, with back-off.
func TestExecSourceDiesMidFrame(t *testing.T) {
	frame := testJPEGFile(t, 160, 120)
	runs := filepath.Join(t.TempDir(), "runs")
	cfg, marker := fastExec(t, "testdata/exec/die-mid-frame.sh", frame, runs)
	src, err := NewExecSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := newExecCollector(src)
	stop := runExec(t, src, c, marker)
	c.waitFor(t, 10*time.Second, "three runs", func() bool {
		b, _ := os.ReadFile(runs)
		return bytes.Count(b, []byte("run")) >= 3
	})
	c.waitFor(t, 5*time.Second, "the third run's frames", func() bool { live, _ := c.counts(); return live >= 6 })
	stop()
	live, cards := c.counts()
	b, _ := os.ReadFile(runs)
	n := bytes.Count(b, []byte("run"))
	// The last run may have been stopped before its two frames.
	if live < 2*(n-1) || live > 2*n || cards == 0 {
		t.Errorf("%d runs gave %d frames and %d NO SIGNAL cards; want 2 frames a run and some cards", n, live, cards)
	}
	want, _ := os.ReadFile(frame)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, f := range c.frames {
		if c.signal[i] && !bytes.Equal(f.JPEG(), want) {
			t.Fatalf("frame %d is not the producer's JPEG byte for byte", i)
		}
		if !c.signal[i] && (f.Width() != 160 || f.Height() != 120) {
			t.Errorf("NO SIGNAL card %dx%d, want the command's 160x120", f.Width(), f.Height())
		}
	}
}

// TestExecSourceGarbage: junk around frames is skipped, every frame arrives.
func TestExecSourceGarbage(t *testing.T) {
	frame := testJPEGFile(t, 160, 120)
	cfg, marker := fastExec(t, "testdata/exec/garbage.sh", frame, "5")
	cfg.StallAfter, cfg.RestartAfter = 10*time.Second, 20*time.Second
	src, _ := NewExecSource(cfg)
	c := newExecCollector(src)
	stop := runExec(t, src, c, marker)
	c.waitFor(t, 5*time.Second, "five frames", func() bool { live, _ := c.counts(); return live >= 5 })
	stop()
	if live, cards := c.counts(); live != 5 || cards != 0 {
		t.Errorf("%d frames, %d cards; want 5 frames, no card", live, cards)
	}
}

// TestExecSourceSilent: a command that never writes (and ignores SIGTERM,
// and has a child) gets NO SIGNAL cards, is killed whole and restarted;
// stopping leaves none of its processes.
func TestExecSourceSilent(t *testing.T) {
	runs := filepath.Join(t.TempDir(), "runs")
	cfg, marker := fastExec(t, "testdata/exec/silent.sh", runs)
	src, _ := NewExecSource(cfg)
	c := newExecCollector(src)
	stop := runExec(t, src, c, marker)
	c.waitFor(t, 15*time.Second, "a restart", func() bool {
		b, _ := os.ReadFile(runs)
		return bytes.Count(b, []byte("run")) >= 2
	})
	stop()
	live, cards := c.counts()
	if live != 0 || cards < 5 || src.Signal() {
		t.Errorf("%d frames, %d NO SIGNAL cards, signal %v; want only cards", live, cards, src.Signal())
	}
}

// TestExecSourceFlood: a command writing far faster than frames are taken
// never blocks it: frames are replaced, counted as dropped, and stopping
// is prompt.
func TestExecSourceFlood(t *testing.T) {
	needFFmpeg(t)
	cfg, marker := fastExec(t, "ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc2=size=160x120:rate=1000", "-f", "mjpeg", "-q:v", "5", "-")
	cfg.StallAfter, cfg.RestartAfter = 3*time.Second, 10*time.Second
	src, _ := NewExecSource(cfg)
	c := newExecCollector(src)
	slow := func(f *Frame) {
		c.publish(f)
		time.Sleep(20 * time.Millisecond) // a publish slower than the command: what is being tested
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, slow) }()
	c.waitFor(t, 10*time.Second, "20 frames", func() bool { live, _ := c.counts(); return live >= 20 })
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if left := proctest.WaitGone(marker, 2*time.Second); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
	if src.Info().Dropped == 0 {
		t.Error("no frame counted as dropped although the command outran the reader")
	}
	t.Logf("%d frames taken, %d dropped", len(c.frames), src.Info().Dropped)
}

// TestExecSourceNotFound: a command that cannot start is a NO SIGNAL source
// that keeps retrying, not a crash.
func TestExecSourceNotFound(t *testing.T) {
	cfg, marker := fastExec(t, "/nonexistent/rpicam-vid")
	src, _ := NewExecSource(cfg)
	c := newExecCollector(src)
	stop := runExec(t, src, c, marker)
	c.waitFor(t, 5*time.Second, "NO SIGNAL cards", func() bool { _, cards := c.counts(); return cards >= 3 })
	stop()
}

func TestParseExecSpec(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want []string
		err  bool
	}{
		{"exec:rpicam-vid -t 0 -o -", []string{"rpicam-vid", "-t", "0", "-o", "-"}, false},
		{`exec:sh -c 'ffmpeg -i x -f mjpeg - | cat'`, []string{"sh", "-c", "ffmpeg -i x -f mjpeg - | cat"}, false},
		{`exec:cmd "a b" c\ d`, []string{"cmd", "a b", "c d"}, false},
		{"exec:", nil, true},
		{"exec:   ", nil, true},
		{`exec:cmd "unterminated`, nil, true},
	} {
		got, err := ParseExecSpec(tc.spec)
		if (err != nil) != tc.err || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("ParseExecSpec(%q) = %q, %v", tc.spec, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q is not one line", err)
		}
	}
}
