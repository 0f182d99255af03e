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
// e2e_main_test.go owns TestMain, so the one-time setup here is a sync.Once that
// the first test runs.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	// nogui: the guest has no X or GL libraries to link statically.
	cmd := exec.CommandContext(ctx, goCmd, "build", "-tags", "netgo,osusergo,nogui",
		"-ldflags", "-s -w -linkmode external -extldflags -static", "-o", out, ".")
	cflags := os.Getenv("CGO_CFLAGS")
	if cflags == "" {
		cflags = "-O2 -g"
	}
	if wd, err := os.Getwd(); err == nil && !strings.Contains(cflags, "cgo-shim") {
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
