//go:build qemu

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestQEMUBoot: the guest boots, vivid gives /dev/video0, and lancam's test
// pattern answers /status, /snapshot.jpg and /stream.mjpg through hostfwd.
func TestQEMUBoot(t *testing.T) {
	start := time.Now()
	vm := qemuBoot(t, "boot")
	out, err := exec.Command("curl", "-fsS", "-m", "10", vm.base+"/status").CombinedOutput()
	if err != nil {
		t.Fatalf("host curl /status: %v: %s", err, out)
	}
	var st statusDoc
	if err := json.Unmarshal(out, &st); err != nil || st.Source.Kind != "test" {
		t.Errorf("/status: kind %q (%v): %s", st.Source.Kind, err, out)
	}
	s := vm.openStream()
	if fs := s.waitFrames(5, 10*time.Second); len(fs) < 5 {
		t.Errorf("stream: %d frames in 10 s, want 5", len(fs))
	} else if _, err := jpeg.Decode(bytes.NewReader(fs[len(fs)-1].data)); err != nil {
		t.Errorf("stream frame does not decode: %v", err)
	}
	s.cancel()
	vm.stop()
	log, _ := os.ReadFile(vm.log)
	for _, want := range []string{"video0/name: vivid-000-vid-cap", "/dev/video0 present",
		"list-cameras: /dev/video0", "list-cameras: ", "YUYV",
		`auto-status: {"id":`, `"source":{"kind":"v4l2","device":"/dev/video0"`,
		`auto-log: `, `msg="source auto: using camera" device=/dev/video0`} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("serial log lacks %q", want)
		}
	}
	t.Logf("TestQEMUBoot: %.1f s (boot to /status %.2f s)", time.Since(start).Seconds(), vm.bootTime.Seconds())
}

// TestQEMUVividYUYV: lancam captures vivid's YUYV at 640x480 25 fps and
// encodes it; the host decodes the stream with ffmpeg, measures the rate and
// sees the colour bars.
func TestQEMUVividYUYV(t *testing.T) {
	start := time.Now()
	vm := qemuBoot(t, "vivid", "-size", "640x480", "-fps", "25")
	s := vm.openStream()
	fs := s.waitFrames(1, 15*time.Second)
	if len(fs) == 0 {
		_, ended, err := s.snapshot()
		t.Fatalf("no frame from /dev/video0 in 15 s (ended %v: %v)", ended, err)
	}
	t0 := fs[0].at
	time.Sleep(4 * time.Second)
	fs, _, _ = s.snapshot()
	win := qemuBetween(fs, t0.Add(time.Second), t0.Add(4*time.Second))
	rate := qemuRate(win)
	t.Logf("host multipart reader: %.1f fps over 3 s", rate)
	if rate < qemuMinFullRate {
		t.Errorf("stream rate %.1f fps, want >= %v (vivid 640x480 gives 25; without S_PARM it gives 5)", rate, qemuMinFullRate)
	}
	s.cancel()

	// ffmpeg decodes 50 frames.
	ffStart := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
		"-f", "mjpeg", "-i", vm.base+"/stream.mjpg", "-frames:v", "50", "-f", "null", "-").CombinedOutput()
	ffTime := time.Since(ffStart)
	if err != nil {
		t.Errorf("ffmpeg: %v: %s", err, out)
	} else {
		t.Logf("ffmpeg decoded 50 frames in %.2f s (%.1f fps incl. connect)", ffTime.Seconds(), 50/ffTime.Seconds())
		if len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("ffmpeg reported errors: %s", out)
		}
		if ffTime > 50*time.Second/qemuMinFullRate+2*time.Second {
			t.Errorf("ffmpeg needed %.2f s for 50 frames", ffTime.Seconds())
		}
	}

	// A snapshot shows vivid's colour bars.
	resp, err := http.Get(vm.base + "/snapshot.jpg")
	if err != nil {
		t.Fatalf("/snapshot.jpg: %v", err)
	}
	snap, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	img, err := jpeg.Decode(bytes.NewReader(snap))
	if err != nil {
		t.Errorf("/snapshot.jpg does not decode: %v", err)
	} else {
		if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
			t.Errorf("snapshot is %dx%d, want 640x480", b.Dx(), b.Dy())
		}
		if ok, n := qemuColourBars(img); !ok {
			t.Errorf("snapshot: %d distinct saturated hues along a row, want >= 4 (vivid colour bars)", n)
		}
	}

	st, raw := vm.status()
	if !strings.Contains(strings.ToUpper(st.Source.Format), "YUYV") {
		t.Errorf("/status source.format %q, want it to mention YUYV: %s", st.Source.Format, raw)
	}
	if st.Source.Width != 640 || st.Source.Height != 480 {
		t.Errorf("/status source size %dx%d, want 640x480", st.Source.Width, st.Source.Height)
	}
	if st.Source.FPSDevice != 25 || st.Source.FPSMeasured < qemuMinFullRate {
		t.Errorf("/status fps_device %v (vivid gives 25 at 640x480), fps_measured %v: %s",
			st.Source.FPSDevice, st.Source.FPSMeasured, raw)
	}
	if formats, ok := st.camera("/dev/video0"); !ok || !slices.Contains(formats, "YUYV") {
		t.Errorf("/status cameras: /dev/video0 listed %v with formats %v, want it with YUYV: %s", ok, formats, raw)
	}
	vm.stop()
	t.Logf("TestQEMUVividYUYV: %.1f s (boot to /status %.2f s)", time.Since(start).Seconds(), vm.bootTime.Seconds())
}

// TestQEMULoopbackMJPEG: an MJPEG device (v4l2loopback fed by the producer)
// is passed through byte-identical; frames without DHT get it inserted.
func TestQEMULoopbackMJPEG(t *testing.T) {
	start := time.Now()
	vm := qemuBoot(t, "loopback", strconv.Itoa(qemuLoopFPS))
	s := vm.openStream()
	fs := s.waitFrames(50, 10*time.Second)
	s.cancel()
	if len(fs) == 0 {
		t.Fatalf("no frame from /dev/video10 in 10 s")
	}
	kinds := map[string]int{}
	seen := map[int]bool{}
	for i, f := range fs {
		k, idx := qemuLoopKind(f.data)
		kinds[k]++
		if idx >= 0 {
			seen[idx] = true
		}
		if k == "fixed" {
			if _, err := jpeg.Decode(bytes.NewReader(f.data)); err != nil {
				t.Errorf("part %d: DHT-inserted frame does not decode: %v", i, err)
			}
		}
		if k == "other" && kinds["other"] <= 3 {
			_, err := jpeg.Decode(bytes.NewReader(f.data))
			t.Logf("part %d: %d bytes matching no producer frame (decodes: %v)", i, len(f.data), err == nil)
		}
	}
	t.Logf("%d parts: %d byte-identical, %d with DHT inserted, %d other; %d of %d producer frames seen; %.1f fps",
		len(fs), kinds["exact"], kinds["fixed"], kinds["other"], len(seen), qemuLoopFrames, qemuRate(fs))
	if kinds["exact"] < 5 {
		t.Errorf("%d byte-identical passthrough frames, want >= 5", kinds["exact"])
	}
	if kinds["fixed"] < 5 {
		t.Errorf("%d DHT-inserted frames (stripped output == producer frame), want >= 5", kinds["fixed"])
	}
	if kinds["other"] > 2 {
		t.Errorf("%d parts matched no producer frame, want <= 2", kinds["other"])
	}
	st, raw := vm.status()
	if f := strings.ToUpper(st.Source.Format); !strings.Contains(f, "MJPG") && !strings.Contains(f, "MJPEG") {
		t.Errorf("/status source.format %q, want it to mention MJPG or MJPEG: %s", st.Source.Format, raw)
	}
	vm.stop()
	t.Logf("TestQEMULoopbackMJPEG: %.1f s (boot to /status %.2f s)", time.Since(start).Seconds(), vm.bootTime.Seconds())
}

// TestQEMUDirSourceSelfTest checks the host side of the loopback tests with
// a source that needs no V4L2: lancam -source dir:/data/loop serves the
// producer's JPEGs. It works today and keeps the harness honest.
func TestQEMUDirSourceSelfTest(t *testing.T) {
	start := time.Now()
	vm := qemuBoot(t, "dir", strconv.Itoa(qemuLoopFPS))
	s := vm.openStream()
	fs := s.waitFrames(40, 10*time.Second)
	s.cancel()
	kinds := map[string]int{}
	for _, f := range fs {
		k, _ := qemuLoopKind(f.data)
		kinds[k]++
	}
	t.Logf("%d parts in %.1f s: %d byte-identical, %d with DHT inserted, %d other; %.1f fps",
		len(fs), time.Since(start).Seconds(), kinds["exact"], kinds["fixed"], kinds["other"], qemuRate(fs))
	if kinds["exact"] == 0 || kinds["exact"]+kinds["fixed"] < len(fs)/2 {
		t.Errorf("the classifier recognised too few of the served frames: %v", kinds)
	}
	vm.stop()
	t.Logf("TestQEMUDirSourceSelfTest: %.1f s (boot to /status %.2f s)", time.Since(start).Seconds(), vm.bootTime.Seconds())
}
