//go:build qemu

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"lancam/camera"
)

// TestQEMUControls: vivid's controls through the guest lancam's HTTP API,
// with -rotate 90 so that they are reached through the rotation wrapper.
// Brightness set while streaming shows in the picture (mean luma), hostile
// and cross-origin sets change nothing, a value set before an unplug and a
// module reload (which resets vivid) is put back on reopen, and a set
// while nobody watches reaches the camera too.
func TestQEMUControls(t *testing.T) {
	start := time.Now()
	vm := qemuBoot(t, "vivid", "-size", "640x360", "-fps", "30", "-rotate", "90")
	s := vm.openStream() // keeps the camera streaming: sets happen live
	if fs := s.waitFrames(1, 15*time.Second); len(fs) == 0 {
		t.Fatalf("no frame from /dev/video0 in 15 s")
	}

	list := vm.controls()
	var names []string
	for _, c := range list {
		names = append(names, c.Name)
	}
	t.Logf("%d controls: %s", len(list), strings.Join(names, ", "))
	for _, want := range []string{"Brightness", "Contrast", "Saturation", "Hue"} {
		c, ok := qemuControl(list, want)
		if !ok {
			t.Errorf("/controls lacks %s", want)
			continue
		}
		if c.Type != "int" || c.Min >= c.Max || c.Step < 1 || c.Default < c.Min || c.Default > c.Max {
			t.Errorf("%s: %+v", want, c)
		}
	}
	bright, ok := qemuControl(list, "Brightness")
	if !ok {
		t.Fatal("no Brightness control")
	}
	if bright.Value != bright.Default {
		t.Errorf("Brightness %d at start, want the default %d", bright.Value, bright.Default)
	}

	img := vm.snapshotImage()
	if b := img.Bounds(); b.Dx() != 360 || b.Dy() != 640 {
		t.Errorf("-rotate 90 of 640x360: snapshot %dx%d, want 360x640", b.Dx(), b.Dy())
	}
	along, across := qemuHues(img, true), qemuHues(img, false)
	t.Logf("rotated colour bars: %d hues down a column, %d along a row", along, across)
	if along < 4 || across > 2 {
		t.Errorf("vivid's vertical bars are not horizontal after -rotate 90: %d hues down a column, %d along a row", along, across)
	}
	luma0 := qemuMeanLuma(img)

	id := fmt.Sprint(bright.ID)
	form := func(v int64) string { return url.Values{"id": {id}, "value": {fmt.Sprint(v)}}.Encode() }
	lumaMax := vm.setAndWatch(t, "application/x-www-form-urlencoded", form(bright.Max), func(y float64) bool { return y > luma0+40 })
	lumaMin := vm.setAndWatch(t, "application/json", fmt.Sprintf(`{"Brightness":%d}`, bright.Min), func(y float64) bool { return y < luma0-40 })
	t.Logf("mean luma: %.1f at brightness %d (default), %.1f at %d, %.1f at %d",
		luma0, bright.Default, lumaMax, bright.Max, lumaMin, bright.Min)

	for _, bad := range []struct {
		what, body string
		hdr        []string
		code       int
	}{
		{"cross-origin", form(bright.Default), []string{"Origin", "http://evil.example"}, 403},
		{"cross-site", form(bright.Default), []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"above max", form(bright.Max + 1), nil, 400},
		{"below min", form(bright.Min - 1), nil, 400},
	} {
		code, body := vm.post("/controls", "application/x-www-form-urlencoded", bad.body, bad.hdr...)
		if code != bad.code {
			t.Errorf("%s POST: %d %s, want %d", bad.what, code, body, bad.code)
		}
		if c, _ := qemuControl(vm.controls(), "Brightness"); c.Value != bright.Min {
			t.Errorf("%s POST changed Brightness to %d", bad.what, c.Value)
		}
	}

	// mjpg-streamer's form, then a lasting unplug and a module reload:
	// vivid comes back at its defaults and lancam puts the value back.
	resp, err := http.Get(vm.base + "/?action=command&id=" + id + "&value=" + fmt.Sprint(bright.Max))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != id+": 0\n" {
		t.Errorf("?action=command: %s %q", resp.Status, b)
	}
	t.Logf("unplug: %s", strings.TrimSpace(vm.cmd("unplug")))
	waitQEMU(t, 10*time.Second, "lancam to see the unplug", func() bool { st, _ := vm.status(); return !st.Source.Online })
	t.Logf("reload: %s", strings.TrimSpace(vm.cmd("reload")))
	tReload := time.Now()
	waitQEMU(t, 15*time.Second, "Brightness back at max after the reload", func() bool {
		c, _ := qemuControl(vm.controlsMaybe(), "Brightness")
		return c.Value == bright.Max
	})
	t.Logf("Brightness %d again %.2f s after the reload", bright.Max, time.Since(tReload).Seconds())
	if log, _ := os.ReadFile(vm.log); !bytes.Contains(log, []byte("saved controls applied")) {
		t.Errorf("serial log lacks lancam's \"saved controls applied\"")
	}
	waitQEMU(t, 10*time.Second, "a bright picture after the reload", func() bool { return qemuMeanLuma(vm.snapshotImage()) > luma0+40 })

	// Nobody watching: the set opens the node just for the call, and the
	// next snapshot (which starts the camera) shows it.
	s.cancel()
	waitQEMU(t, 10*time.Second, "the camera to stop with nobody watching", func() bool { st, _ := vm.status(); return !st.Source.Running })
	vm.setAndWatch(t, "application/x-www-form-urlencoded", form(bright.Min), func(y float64) bool { return y < luma0-40 })

	vm.setAndWatch(t, "application/x-www-form-urlencoded", "reset=1", func(y float64) bool { return y > luma0-10 && y < luma0+10 })
	if c, _ := qemuControl(vm.controls(), "Brightness"); c.Value != bright.Default {
		t.Errorf("Brightness %d after reset, want %d", c.Value, bright.Default)
	}
	vm.stop()
	t.Logf("TestQEMUControls: %.1f s (boot to /status %.2f s)", time.Since(start).Seconds(), vm.bootTime.Seconds())
}

// controlsMaybe is GET /controls, nil while the camera is unavailable.
func (vm *qemuVM) controlsMaybe() []camera.Control {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(vm.base + "/controls")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var doc struct {
		Supported bool             `json:"supported"`
		Controls  []camera.Control `json:"controls"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&doc) != nil || !doc.Supported {
		return nil
	}
	return doc.Controls
}

func (vm *qemuVM) controls() []camera.Control {
	vm.t.Helper()
	list := vm.controlsMaybe()
	if list == nil {
		vm.t.Fatal("GET /controls gave no controls")
	}
	return list
}

// post sends body to path with ctype and header pairs hdr.
func (vm *qemuVM) post(path, ctype, body string, hdr ...string) (int, string) {
	vm.t.Helper()
	req, _ := http.NewRequest("POST", vm.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		vm.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// setAndWatch POSTs a set to /controls and polls snapshots until their
// mean luma satisfies ok; it returns that luma.
func (vm *qemuVM) setAndWatch(t *testing.T, ctype, body string, ok func(float64) bool) float64 {
	t.Helper()
	if code, b := vm.post("/controls", ctype, body); code != 200 {
		t.Fatalf("POST /controls %s: %d %s", body, code, b)
	}
	var y float64
	sent := time.Now()
	waitQEMU(t, 5*time.Second, "the picture to follow "+body, func() bool { y = qemuMeanLuma(vm.snapshotImage()); return ok(y) })
	t.Logf("%s: mean luma %.1f after %.2f s", body, y, time.Since(sent).Seconds())
	return y
}

func (vm *qemuVM) snapshotImage() image.Image {
	vm.t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(vm.base + "/snapshot.jpg")
	if err != nil {
		vm.t.Fatalf("/snapshot.jpg: %v", err)
	}
	defer resp.Body.Close()
	img, err := jpeg.Decode(resp.Body)
	if err != nil {
		vm.t.Fatalf("/snapshot.jpg (%s): %v", resp.Status, err)
	}
	return img
}

func qemuControl(list []camera.Control, name string) (camera.Control, bool) {
	for _, c := range list {
		if c.Name == name {
			return c, true
		}
	}
	return camera.Control{}, false
}

// qemuMeanLuma is the mean Y (0..255) of img.
func qemuMeanLuma(img image.Image) float64 {
	if yc, ok := img.(*image.YCbCr); ok {
		var sum int
		r := yc.Rect
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for _, v := range yc.Y[yc.YOffset(r.Min.X, y) : yc.YOffset(r.Max.X-1, y)+1] {
				sum += int(v)
			}
		}
		return float64(sum) / float64(r.Dx()*r.Dy())
	}
	var sum float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			sum += float64(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
		}
	}
	return sum / float64(b.Dx()*b.Dy())
}

// qemuHues counts the distinct saturated hues qemuColourBars finds along a
// row at 2/3 height or (down) down a column at 1/3 width, clear of
// vivid's text, which after -rotate 90 runs down the right half.
func qemuHues(img image.Image, down bool) int {
	if down {
		b := img.Bounds()
		img = transposed{img, image.Rect(b.Min.X, b.Min.Y, b.Min.X+b.Dx()/2, b.Max.Y)}
	}
	_, n := qemuColourBars(img)
	return n
}

// transposed shows the part r of img with x and y swapped.
type transposed struct {
	img image.Image
	r   image.Rectangle
}

func (t transposed) ColorModel() color.Model { return t.img.ColorModel() }
func (t transposed) Bounds() image.Rectangle {
	return image.Rect(t.r.Min.Y, t.r.Min.X, t.r.Max.Y, t.r.Max.X)
}
func (t transposed) At(x, y int) color.Color { return t.img.At(y, x) }

// waitQEMU polls cond until it holds or d passes.
func waitQEMU(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
