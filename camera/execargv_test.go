package camera

import (
	"testing"
	"time"

	"lancam/internal/proctest"
)

// TestExecSetArgv: new settings restart the command at once (no back-off,
// no NO SIGNAL), the old process is gone and frames come from the new one;
// settings given while stopped are what the next start runs.
func TestExecSetArgv(t *testing.T) {
	needFFmpeg(t)
	ffmpeg := func(size string) []string {
		return []string{"ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
			"-i", "testsrc2=size=" + size + ":rate=15", "-f", "mjpeg", "-q:v", "5", "-"}
	}
	cfg, marker := fastExec(t, ffmpeg("320x240")...)
	cfg.StallAfter, cfg.RestartAfter, cfg.BackoffMin = 3*time.Second, 10*time.Second, 5*time.Second
	src, err := NewExecSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := newExecCollector(src)
	last := func() *Frame {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.frames) == 0 {
			return nil
		}
		return c.frames[len(c.frames)-1]
	}
	stop := runExec(t, src, c, marker)
	c.waitFor(t, 10*time.Second, "a 320x240 frame", func() bool { f := last(); return f != nil && f.Width() == 320 })
	before := proctest.With(marker) // "PID: command line"

	start := time.Now()
	src.SetArgv(ffmpeg("160x120"))
	// A back-off restart would wait BackoffMin (5 s): this must be sooner.
	c.waitFor(t, 4*time.Second, "a 160x120 frame", func() bool { f := last(); return f != nil && f.Width() == 160 })
	t.Logf("new command's first frame %v after SetArgv", time.Since(start).Round(time.Millisecond))
	oldGone := func() bool {
		for _, now := range proctest.With(marker) {
			for _, old := range before {
				if now == old {
					return false
				}
			}
		}
		return true
	}
	c.waitFor(t, 2*time.Second, "the old command gone", oldGone)
	if _, cards := c.counts(); cards > 0 {
		t.Errorf("%d NO SIGNAL cards during a settings restart", cards)
	}
	stop()

	src.SetArgv(ffmpeg("240x180")) // while stopped: taken by the next Run
	c2 := newExecCollector(src)
	runExec(t, src, c2, marker)
	c2.waitFor(t, 10*time.Second, "a frame", func() bool { live, _ := c2.counts(); return live > 0 })
	c2.mu.Lock()
	w := c2.frames[0].Width()
	c2.mu.Unlock()
	if w != 240 {
		t.Errorf("first frame after a stopped SetArgv is %d wide, want 240", w)
	}
}
