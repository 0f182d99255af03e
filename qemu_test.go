//go:build qemu

package main

// Real-kernel V4L2 tests: lancam runs in a QEMU guest (TCG, Debian's kernel)
// against vivid (a virtual YUYV camera) and v4l2loopback (fed MJPEG by
// scripts/qemu/producer.c), and is checked from the host through hostfwd
// with Go's multipart reader, image/jpeg, ffmpeg and curl.
//
//	go test -tags qemu -run QEMU -count=1 -timeout 15m .
//
// Host setup (packages, kernel, v4l2loopback.ko) is scripts/qemu/prepare.sh,
// cached in ${XDG_CACHE_HOME:-~/.cache}/lancam/qemu (QEMU_CACHE overrides).
// The guest's scenarios are scripts/qemu/scenarios/*.sh; the host drives
// device events (disconnect, reload, pause, resume, exit) through a command
// channel: busybox httpd on guest port 9000, GET /cgi-bin/cmd?NAME.
//
// e2e_test.go owns TestMain, so the one-time setup here is a sync.Once that
// the first test runs.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	qemuLoopFPS      = 25               // the producer's rate in the loopback scenario
	qemuBootTimeout  = 60 * time.Second // from qemu start until /status answers
	qemuVMTimeout    = 180              // seconds run.sh lets one guest live
	qemuPrepTimeout  = 10 * time.Minute
	qemuLoopFrames   = 8 // producer frames: even ones keep their DHT, odd ones lose it
	qemuMinFullRate  = 20.0
	qemuStallRateMin = 18.0
)

// qemuEnv is the one-time host setup shared by the tests.
var qemuEnv struct {
	once     sync.Once
	err      error
	kdir     string   // prepared kernel: vmlinux, modules, v4l2loopback.ko
	initrd   string   // initramfs with lancam, tools, scenarios, /data/loop
	withDHT  [][]byte // producer frames as written, by index (nil for odd ones)
	noDHT    [][]byte // odd producer frames: DHT stripped (nil for even ones)
	prepTime time.Duration
}

func qemuSetup(t *testing.T) {
	t.Helper()
	qemuEnv.once.Do(func() { qemuEnv.err = qemuDoSetup(t) })
	if qemuEnv.err != nil {
		t.Fatalf("QEMU setup: %v", qemuEnv.err)
	}
}

func qemuDoSetup(t *testing.T) error {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return fmt.Errorf("needs linux/amd64, have %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	cache := os.Getenv("QEMU_CACHE")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return err
			}
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "lancam", "qemu")
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), qemuPrepTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "scripts/qemu/prepare.sh", cache).CombinedOutput()
	qemuEnv.prepTime = time.Since(start)
	t.Logf("prepare.sh (%.1f s):\n%s", qemuEnv.prepTime.Seconds(), bytes.TrimSpace(out))
	if err != nil {
		return fmt.Errorf("prepare.sh: %v", err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if k, ok := strings.CutPrefix(l, "KDIR="); ok {
			qemuEnv.kdir = strings.TrimSpace(k)
		}
	}
	if qemuEnv.kdir == "" {
		return fmt.Errorf("prepare.sh printed no KDIR=")
	}

	// A build folder per test process; stale ones from dead processes go.
	old, _ := filepath.Glob(filepath.Join(cache, "build-*"))
	for _, d := range old {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "build-"))
		if err == nil && syscall.Kill(pid, 0) != nil {
			os.RemoveAll(d)
		}
	}
	dir := filepath.Join(cache, fmt.Sprintf("build-%d", os.Getpid()))
	os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "data", "loop"), 0o755); err != nil {
		return err
	}

	start = time.Now()
	bin := filepath.Join(dir, "lancam")
	if err := qemuBuildStatic(bin); err != nil {
		return err
	}
	t.Logf("static lancam built in %.1f s", time.Since(start).Seconds())

	if err := qemuMakeFrames(filepath.Join(dir, "data", "loop")); err != nil {
		return err
	}
	qemuEnv.initrd = filepath.Join(dir, "initramfs.cpio")
	cmd := exec.Command("scripts/qemu/mkinitramfs.sh", cache, bin, "boot")
	cmd.Env = append(os.Environ(), "INITRD="+qemuEnv.initrd, "QEMU_DATA="+filepath.Join(dir, "data"),
		"KDIR="+qemuEnv.kdir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mkinitramfs.sh: %v\n%s", err, out)
	}
	return nil
}

// qemuBuildStatic builds lancam as one static binary for the guest (cgo and
// libturbojpeg.a linked in).
func qemuBuildStatic(out string) error {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-tags", "netgo,osusergo",
		"-ldflags", "-s -w -linkmode external -extldflags -static", "-o", out, ".")
	cflags := os.Getenv("CGO_CFLAGS")
	if cflags == "" {
		cflags = "-O2 -g"
	}
	if wd, err := os.Getwd(); err == nil {
		// go4vl v0.5.0 needs two fourccs Debian 12's headers lack (see Makefile).
		if _, err := os.Stat(filepath.Join(wd, "camera", "uvc", "shim")); err == nil {
			cflags += " -I" + filepath.Join(wd, "camera", "uvc", "shim")
		}
	}
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "CGO_CFLAGS="+cflags, "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("static build of lancam: %v\n%s", err, b)
	}
	return nil
}

// qemuMakeFrames writes the producer's JPEGs: 640x480, each with a bar at a
// different place so that every frame differs; odd frames have their DHT
// segments removed, as UVC cameras send them.
func qemuMakeFrames(dir string) error {
	qemuEnv.withDHT = make([][]byte, qemuLoopFrames)
	qemuEnv.noDHT = make([][]byte, qemuLoopFrames)
	for i := 0; i < qemuLoopFrames; i++ {
		img := image.NewRGBA(image.Rect(0, 0, 640, 480))
		for y := 0; y < 480; y++ {
			for x := 0; x < 640; x++ {
				c := color.RGBA{uint8(x * 255 / 640), uint8(y * 255 / 480), 90, 255}
				if x/80 == i {
					c = color.RGBA{240, 240, 240, 255}
				}
				img.Set(x, y, c)
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
			return err
		}
		data := b.Bytes()
		if i%2 == 1 {
			stripped, n := qemuStripDHT(data)
			if n == 0 {
				return fmt.Errorf("frame %d: no DHT to strip", i)
			}
			data = stripped
			qemuEnv.noDHT[i] = data
		} else {
			qemuEnv.withDHT[i] = data
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.jpg", i)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// qemuStripDHT returns b without its DHT (FFC4) segments, walking the
// marker segments up to SOS, and how many it removed.
func qemuStripDHT(b []byte) ([]byte, int) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return b, 0
	}
	out := []byte{0xFF, 0xD8}
	n := 0
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return b, 0
		}
		m := b[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xDA { // SOS: the rest is entropy-coded data
			out = append(out, b[i:]...)
			return out, n
		}
		l := int(b[i+2])<<8 | int(b[i+3])
		if i+2+l > len(b) {
			return b, 0
		}
		if m == 0xC4 {
			n++
		} else {
			out = append(out, b[i:i+2+l]...)
		}
		i += 2 + l
	}
	return b, 0
}

// qemuVM is one booted guest.
type qemuVM struct {
	t        *testing.T
	base     string // http://127.0.0.1:PORT (guest :8080)
	cmdBase  string // http://127.0.0.1:CMDPORT/cgi-bin/cmd? (guest :9000)
	log      string
	proc     *exec.Cmd
	done     chan struct{}
	rc       int
	started  time.Time
	bootTime time.Duration // qemu start until /status answered
}

func qemuFreePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// qemuBoot starts the guest with scenario and its args and waits for
// lancam's /status through hostfwd.
func qemuBoot(t *testing.T, scenario string, args ...string) *qemuVM {
	t.Helper()
	qemuSetup(t)
	port, cmdPort := qemuFreePort(t), qemuFreePort(t)
	for cmdPort == port {
		cmdPort = qemuFreePort(t)
	}
	vm := &qemuVM{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port),
		cmdBase: fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/cmd?", cmdPort),
		log:     filepath.Join(t.TempDir(), "serial.log"), done: make(chan struct{})}
	appendArgs := []string{"lancam.scenario=" + scenario}
	if len(args) > 0 {
		appendArgs = append(appendArgs, "lancam.args="+strings.Join(args, ","))
	}
	vm.proc = exec.Command("scripts/qemu/run.sh", append([]string{qemuEnv.kdir, qemuEnv.initrd, vm.log}, appendArgs...)...)
	vm.proc.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), fmt.Sprintf("CMDPORT=%d", cmdPort),
		fmt.Sprintf("TIMEOUT=%d", qemuVMTimeout))
	vm.proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	vm.proc.Stderr = &stderr
	vm.started = time.Now()
	if err := vm.proc.Start(); err != nil {
		t.Fatalf("run.sh: %v", err)
	}
	go func() {
		err := vm.proc.Wait()
		vm.rc = vm.proc.ProcessState.ExitCode()
		if err != nil && vm.rc == 0 {
			vm.rc = -1
		}
		close(vm.done)
	}()
	t.Cleanup(func() {
		select {
		case <-vm.done:
		default:
			syscall.Kill(-vm.proc.Process.Pid, syscall.SIGKILL)
			<-vm.done
		}
		if t.Failed() {
			t.Logf("run.sh stderr: %s", stderr.String())
			t.Logf("serial log (%s), last lines:\n%s", vm.log, vm.tail(60))
		}
	})

	client := &http.Client{Timeout: 3 * time.Second}
	deadline := time.Now().Add(qemuBootTimeout)
	for {
		select {
		case <-vm.done:
			t.Fatalf("guest exited (rc %d) before /status answered", vm.rc)
		default:
		}
		resp, err := client.Get(vm.base + "/status")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /status from the guest within %v (last error %v)", qemuBootTimeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	vm.bootTime = time.Since(vm.started)
	t.Logf("boot to /status: %.2f s", vm.bootTime.Seconds())
	return vm
}

func (vm *qemuVM) tail(n int) string {
	b, _ := os.ReadFile(vm.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cmd runs a guest command (scenarios/lib.sh cmd_NAME) and returns its output.
func (vm *qemuVM) cmd(name string) string {
	vm.t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(vm.cmdBase + name)
	if err != nil {
		vm.t.Fatalf("guest command %s: %v", name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		vm.t.Fatalf("guest command %s: %s %s", name, resp.Status, b)
	}
	return string(b)
}

// stop asks the guest to end its scenario and checks the exit code.
func (vm *qemuVM) stop() {
	vm.t.Helper()
	vm.cmd("exit")
	select {
	case <-vm.done:
	case <-time.After(30 * time.Second):
		vm.t.Fatalf("guest did not power off within 30 s of exit")
	}
	if vm.rc != 0 {
		vm.t.Errorf("guest scenario exit code %d, want 0", vm.rc)
	}
}

// qemuStatus is the part of /status the tests read.
type qemuStatus struct {
	Source struct {
		Kind        string  `json:"kind"`
		Device      string  `json:"device"`
		Format      string  `json:"format"`
		Width       int     `json:"width"`
		Height      int     `json:"height"`
		FPSMeasured float64 `json:"fps_measured"`
		FPSDevice   float64 `json:"fps_device"`
		Online      bool    `json:"online"`
		Running     bool    `json:"running"`
		LastError   string  `json:"last_error"`
	} `json:"source"`
	Cameras []struct {
		Path    string `json:"path"`
		Card    string `json:"card"`
		Formats []struct {
			FourCC string `json:"fourcc"`
		} `json:"formats"`
	} `json:"cameras"`
}

// camera returns the formats /status lists for path, and whether it is listed.
func (st qemuStatus) camera(path string) ([]string, bool) {
	for _, c := range st.Cameras {
		if c.Path == path {
			var f []string
			for _, x := range c.Formats {
				f = append(f, x.FourCC)
			}
			return f, true
		}
	}
	return nil, false
}

func (vm *qemuVM) status() (qemuStatus, string) {
	vm.t.Helper()
	var st qemuStatus
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(vm.base + "/status")
	if err != nil {
		vm.t.Fatalf("/status: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &st); err != nil {
		vm.t.Fatalf("/status: %v: %s", err, b)
	}
	return st, string(b)
}

// qemuFrame is one part of /stream.mjpg and when it arrived.
type qemuFrame struct {
	at   time.Time
	data []byte
}

// qemuStream reads /stream.mjpg in the background.
type qemuStream struct {
	mu     sync.Mutex
	frames []qemuFrame
	err    error // why the stream ended
	ended  bool
	cancel context.CancelFunc
}

func (vm *qemuVM) openStream() *qemuStream {
	vm.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, vm.base+"/stream.mjpg", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		vm.t.Fatalf("GET /stream.mjpg: %v", err)
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || err != nil || mt != "multipart/x-mixed-replace" {
		cancel()
		vm.t.Fatalf("GET /stream.mjpg: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &qemuStream{cancel: cancel}
	vm.t.Cleanup(cancel)
	go func() {
		defer resp.Body.Close()
		mr := multipart.NewReader(resp.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			var b []byte
			if err == nil {
				b, err = io.ReadAll(p)
			}
			s.mu.Lock()
			if err != nil {
				s.err, s.ended = err, true
				s.mu.Unlock()
				return
			}
			s.frames = append(s.frames, qemuFrame{time.Now(), b})
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *qemuStream) snapshot() ([]qemuFrame, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]qemuFrame(nil), s.frames...), s.ended, s.err
}

// waitFrames waits until the stream has n frames or d passed.
func (s *qemuStream) waitFrames(n int, d time.Duration) []qemuFrame {
	deadline := time.Now().Add(d)
	for {
		f, ended, _ := s.snapshot()
		if len(f) >= n || ended || time.Now().After(deadline) {
			return f
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// between returns the frames that arrived in [from, to).
func qemuBetween(frames []qemuFrame, from, to time.Time) []qemuFrame {
	var out []qemuFrame
	for _, f := range frames {
		if !f.at.Before(from) && f.at.Before(to) {
			out = append(out, f)
		}
	}
	return out
}

// qemuRate is frames per second over the span of fs (first to last arrival).
func qemuRate(fs []qemuFrame) float64 {
	if len(fs) < 2 {
		return 0
	}
	return float64(len(fs)-1) / fs[len(fs)-1].at.Sub(fs[0].at).Seconds()
}

// qemuColourBars reports whether img shows vivid's colour bars: along a row
// at 2/3 height, at least 4 distinct saturated hues.
func qemuColourBars(img image.Image) (bool, int) {
	b := img.Bounds()
	y := b.Min.Y + b.Dy()*2/3
	hues := map[int]bool{}
	for i := 0; i < 64; i++ {
		x := b.Min.X + (2*i+1)*b.Dx()/128
		r, g, bl, _ := img.At(x, y).RGBA()
		r, g, bl = r>>8, g>>8, bl>>8
		mx, mn := max(r, g, bl), min(r, g, bl)
		if mx < 100 || float64(mx-mn) < 0.5*float64(mx) {
			continue
		}
		var h float64
		switch mx {
		case r:
			h = 60 * float64(int(g)-int(bl)) / float64(mx-mn)
		case g:
			h = 120 + 60*float64(int(bl)-int(r))/float64(mx-mn)
		default:
			h = 240 + 60*float64(int(r)-int(g))/float64(mx-mn)
		}
		if h < 0 {
			h += 360
		}
		hues[int((h+30)/60)%6] = true
	}
	return len(hues) >= 4, len(hues)
}

func qemuIsBars(data []byte) bool {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return false
	}
	ok, _ := qemuColourBars(img)
	return ok
}

// qemuLoopKind classifies a part of the loopback stream: "exact" (a producer
// frame with DHT, byte-identical), "fixed" (a DHT-less producer frame with
// DHT inserted and nothing else changed) or "other" (e.g. NO SIGNAL).
func qemuLoopKind(data []byte) (string, int) {
	for i, f := range qemuEnv.withDHT {
		if f != nil && bytes.Equal(f, data) {
			return "exact", i
		}
	}
	stripped, n := qemuStripDHT(data)
	if n > 0 {
		for i, f := range qemuEnv.noDHT {
			if f != nil && bytes.Equal(f, stripped) {
				return "fixed", i
			}
		}
	}
	return "other", -1
}

// TestQEMUBoot: the guest boots, vivid gives /dev/video0, and lancam's test
// pattern answers /status, /snapshot.jpg and /stream.mjpg through hostfwd.
func TestQEMUBoot(t *testing.T) {
	start := time.Now()
	vm := qemuBoot(t, "boot")
	out, err := exec.Command("curl", "-fsS", "-m", "10", vm.base+"/status").CombinedOutput()
	if err != nil {
		t.Fatalf("host curl /status: %v: %s", err, out)
	}
	var st qemuStatus
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
		`auto-status: {"source":{"kind":"v4l2","device":"/dev/video0"`,
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

// TestQEMUStall: the producer stops writing for 3 s: NO SIGNAL frames start
// about 2 s in, the connection stays, and full rate is back within 1 s of
// the producer resuming.
func TestQEMUStall(t *testing.T) {
	start := time.Now()
	vm := qemuBoot(t, "loopback", strconv.Itoa(qemuLoopFPS))
	s := vm.openStream()
	if fs := s.waitFrames(1, 10*time.Second); len(fs) == 0 {
		t.Fatalf("no frame from /dev/video10 in 10 s")
	}
	time.Sleep(2 * time.Second)
	vm.cmd("pause")
	tPause := time.Now()
	time.Sleep(3 * time.Second)
	tResume := time.Now() // the producer may write before the command returns
	vm.cmd("resume")
	time.Sleep(3 * time.Second)
	fs, ended, err := s.snapshot()
	s.cancel()
	if ended {
		t.Fatalf("stream ended during the stall test: %v", err)
	}
	isReal := func(f qemuFrame) bool { k, _ := qemuLoopKind(f.data); return k != "other" }
	var realBefore, realDuring, placeholders, realAfter []qemuFrame
	for _, f := range fs {
		switch {
		case f.at.Before(tPause):
			if isReal(f) {
				realBefore = append(realBefore, f)
			}
		case f.at.Before(tResume):
			if isReal(f) {
				realDuring = append(realDuring, f)
			} else {
				placeholders = append(placeholders, f)
			}
		default:
			if isReal(f) {
				realAfter = append(realAfter, f)
			}
		}
	}
	t.Logf("before pause %.1f fps; during %d real, %d placeholders; after resume %d real frames",
		qemuRate(realBefore), len(realDuring), len(placeholders), len(realAfter))
	if r := qemuRate(realBefore); r < qemuStallRateMin {
		t.Errorf("rate before the stall %.1f fps, want >= %v", r, qemuStallRateMin)
	}
	if late := qemuBetween(realDuring, tPause.Add(300*time.Millisecond), tResume); len(late) > 0 {
		var at []string
		for _, f := range late {
			k, i := qemuLoopKind(f.data)
			at = append(at, fmt.Sprintf("%.2f s (%s frame %d)", f.at.Sub(tPause).Seconds(), k, i))
		}
		t.Errorf("%d producer frames arrived more than 0.3 s into the pause: at %s", len(late), strings.Join(at, ", "))
	}
	if len(placeholders) == 0 {
		t.Errorf("no NO SIGNAL frame during a 3 s stall")
	} else {
		d := placeholders[0].at.Sub(tPause)
		t.Logf("first NO SIGNAL frame %.2f s after the pause", d.Seconds())
		if d < 1500*time.Millisecond || d > 2800*time.Millisecond {
			t.Errorf("first NO SIGNAL frame %.2f s after the pause, want about 2 s", d.Seconds())
		}
		if _, err := jpeg.Decode(bytes.NewReader(placeholders[0].data)); err != nil {
			t.Errorf("NO SIGNAL frame does not decode: %v", err)
		}
	}
	if len(realAfter) == 0 {
		t.Fatalf("no producer frame after resuming")
	}
	d := realAfter[0].at.Sub(tResume)
	t.Logf("first frame %.2f s after resume", d.Seconds())
	if d > time.Second {
		t.Errorf("first frame %.2f s after resume, want <= 1 s", d.Seconds())
	}
	if r := qemuRate(qemuBetween(realAfter, tResume.Add(time.Second), tResume.Add(3*time.Second))); r < qemuStallRateMin {
		t.Errorf("rate 1-3 s after resuming %.1f fps, want >= %v", r, qemuStallRateMin)
	}
	vm.stop()
	t.Logf("TestQEMUStall: %.1f s (boot to /status %.2f s)", time.Since(start).Seconds(), vm.bootTime.Seconds())
}

// TestQEMUUnplug: a USB unplug mid-stream (the guest removes /dev/video0 and
// presses vivid's Disconnect control, so capture fails with ENODEV): the
// viewer stays connected and gets NO SIGNAL frames (~1 fps); lancam lets go
// of the device so that rmmod works; after the module is loaded again
// (/dev/video0 reappears) full-rate colour bars resume on the same connection.
func TestQEMUUnplug(t *testing.T) {
	start := time.Now()
	vm := qemuBoot(t, "vivid", "-size", "640x480", "-fps", "25")
	s := vm.openStream()
	if fs := s.waitFrames(1, 15*time.Second); len(fs) == 0 {
		t.Fatalf("no frame from /dev/video0 in 15 s")
	}
	time.Sleep(2 * time.Second)
	out := vm.cmd("unplug")
	tDisc := time.Now()
	t.Logf("unplug: %s", strings.TrimSpace(out))
	time.Sleep(4 * time.Second)
	// The camera list follows hot-plug without a restart.
	if st, raw := vm.status(); st.Source.Online {
		t.Errorf("/status source.online true while unplugged: %s", raw)
	} else if _, listed := st.camera("/dev/video0"); listed {
		t.Errorf("/status still lists /dev/video0 after the unplug: %s", raw)
	}
	out = vm.cmd("reload")
	tReload := time.Now()
	t.Logf("reload (%.1f s): %s", tReload.Sub(tDisc.Add(4*time.Second)).Seconds(), strings.TrimSpace(out))
	if !strings.Contains(out, "rmmod vivid after") {
		t.Errorf("rmmod vivid failed: lancam still holds /dev/video0 after the unplug (it must close it)")
	}
	time.Sleep(6 * time.Second)
	fs, ended, err := s.snapshot()
	s.cancel()
	if ended {
		t.Fatalf("stream ended after the unplug: %v (viewers must stay connected)", err)
	}
	var before, barsDuring, placeholders, barsAfter []qemuFrame
	for _, f := range fs {
		bars := qemuIsBars(f.data)
		switch {
		case f.at.Before(tDisc):
			if bars {
				before = append(before, f)
			}
		case f.at.Before(tReload):
			if bars {
				barsDuring = append(barsDuring, f)
			} else {
				placeholders = append(placeholders, f)
			}
		default:
			if bars {
				barsAfter = append(barsAfter, f)
			}
		}
	}
	t.Logf("before %.1f fps; unplugged: %d bar frames, %d placeholders; after reload %d bar frames",
		qemuRate(before), len(barsDuring), len(placeholders), len(barsAfter))
	if r := qemuRate(before); r < qemuMinFullRate {
		t.Errorf("rate before unplug %.1f fps, want >= %v", r, qemuMinFullRate)
	}
	if late := qemuBetween(barsDuring, tDisc.Add(500*time.Millisecond), tReload); len(late) > 0 {
		t.Errorf("%d camera frames more than 0.5 s after the unplug", len(late))
	}
	if len(placeholders) < 2 {
		t.Errorf("%d NO SIGNAL frames in the ~4 s unplugged, want >= 2 (about 1 fps)", len(placeholders))
	} else {
		t.Logf("first NO SIGNAL %.2f s after unplug, %.2f fps", placeholders[0].at.Sub(tDisc).Seconds(), qemuRate(placeholders))
		if _, err := jpeg.Decode(bytes.NewReader(placeholders[0].data)); err != nil {
			t.Errorf("NO SIGNAL frame does not decode: %v", err)
		}
	}
	if len(barsAfter) == 0 {
		t.Fatalf("no camera frame within 6 s of reloading vivid")
	}
	t.Logf("first camera frame %.2f s after the reload", barsAfter[0].at.Sub(tReload).Seconds())
	if r := qemuRate(qemuBetween(barsAfter, barsAfter[0].at.Add(500*time.Millisecond), tReload.Add(6*time.Second))); r < qemuMinFullRate {
		t.Errorf("rate after reload %.1f fps, want >= %v", r, qemuMinFullRate)
	}
	if st, raw := vm.status(); !st.Source.Online {
		t.Errorf("/status source.online false after the device came back: %s", raw)
	} else if _, listed := st.camera("/dev/video0"); !listed {
		t.Errorf("/status does not list /dev/video0 again after the reload: %s", raw)
	}
	vm.stop()
	t.Logf("TestQEMUUnplug: %.1f s (boot to /status %.2f s)", time.Since(start).Seconds(), vm.bootTime.Seconds())
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
