package uvc

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func fakeDevDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestVideoNodesNumericOrder(t *testing.T) {
	dir := fakeDevDir(t, "video10", "video2", "video0", "videox", "video", "vbi0", "media0", "v4l-subdev0")
	got := videoNodes(dir)
	want := []string{filepath.Join(dir, "video0"), filepath.Join(dir, "video2"), filepath.Join(dir, "video10")}
	if !slices.Equal(got, want) {
		t.Fatalf("videoNodes = %v, want %v", got, want)
	}
	if videoNodes(filepath.Join(dir, "missing")) != nil {
		t.Fatal("missing dir must be empty")
	}
}

func TestFindByBusInfo(t *testing.T) {
	dir := fakeDevDir(t, "video0", "video1", "video2", "video3")
	info := map[string]struct {
		bus     string
		capture bool
	}{
		"video0": {"usb-1.1", true},
		"video1": {"usb-1.2", false}, // the metadata node of the same camera
		"video2": {"usb-1.2", true},
		"video3": {"platform:vivid-000", true},
	}
	probe := func(p string) (string, bool) {
		i := info[filepath.Base(p)]
		return i.bus, i.capture
	}
	for bus, want := range map[string]string{"usb-1.2": "video2", "usb-1.1": "video0",
		"platform:vivid-000": "video3", "usb-9": "", "": ""} {
		got := findByBusInfo(dir, bus, probe)
		if want != "" {
			want = filepath.Join(dir, want)
		}
		if got != want {
			t.Errorf("findByBusInfo(%q) = %q, want %q", bus, got, want)
		}
	}
}

func TestListWithoutDevices(t *testing.T) {
	if _, err := os.Stat("/dev/video0"); err == nil {
		t.Skip("this machine has video devices")
	}
	cams, err := List()
	if err != nil || cams == nil || len(cams) != 0 {
		t.Fatalf("List() = %v, %v; want empty, nil", cams, err)
	}
	if got := listIn(t.TempDir(), describe); got == nil || len(got) != 0 {
		t.Fatalf("listIn(empty) = %v", got)
	}
	// Nodes that are not devices are skipped, not errors.
	if got := listIn(fakeDevDir(t, "video0"), describe); len(got) != 0 {
		t.Fatalf("listIn(regular file) = %v", got)
	}
}

func TestListInSkipsNonCapture(t *testing.T) {
	dir := fakeDevDir(t, "video0", "video1")
	got := listIn(dir, func(p string) (Camera, bool) {
		return Camera{Path: p, Card: "cam"}, filepath.Base(p) == "video1"
	})
	if len(got) != 1 || got[0].Path != filepath.Join(dir, "video1") {
		t.Fatalf("listIn = %+v", got)
	}
}

func TestCanCapture(t *testing.T) {
	const (
		capture = 0x00000001
		output  = 0x00000002
		m2m     = 0x00008000
		meta    = 0x00800000
		stream  = 0x04000000
		mplane  = 0x00001000
	)
	for caps, want := range map[uint32]bool{
		capture | stream:          true,
		capture:                   false,
		meta | stream:             false,
		output | stream:           false,
		m2m | stream:              false,
		capture | m2m | stream:    false,
		mplane | stream:           false,
		capture | output | stream: true,
	} {
		if ok, why := canCapture(caps); ok != want {
			t.Errorf("canCapture(%#x) = %v (%s), want %v", caps, ok, why, want)
		}
	}
}

func TestCameraString(t *testing.T) {
	c := Camera{Path: "/dev/video0", Card: "HD Webcam", Driver: "uvcvideo", BusInfo: "usb-1.2",
		Formats: []Format{
			{FourCC: "MJPG", Description: "Motion-JPEG", Sizes: []Size{{1280, 720, []float64{30, 15}}, {640, 480, []float64{30}}}},
			{FourCC: "YUYV", Description: "YUYV 4:2:2", Range: true, Sizes: []Size{{Width: 16, Height: 16}, {Width: 1920, Height: 1080}}},
		}}
	want := "/dev/video0: HD Webcam (uvcvideo, usb-1.2)\n" +
		"  MJPG  Motion-JPEG: 1280x720@30,15 640x480@30\n" +
		"  YUYV  YUYV 4:2:2: 16x16 .. 1920x1080\n"
	if got := c.String(); got != want {
		t.Fatalf("String:\n%s\nwant:\n%s", got, want)
	}
}
