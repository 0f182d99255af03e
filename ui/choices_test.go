package ui

import (
	"slices"
	"testing"

	"lancam/camera/uvc"
)

func TestChoices(t *testing.T) {
	cams := []uvc.Camera{
		{Path: "/dev/video0", Card: "HD Webcam", Formats: []uvc.Format{
			{FourCC: "MJPG", Sizes: []uvc.Size{{Width: 1280, Height: 720, FPS: []float64{30, 15}}, {Width: 640, Height: 480, FPS: []float64{30, 7.5}}}},
			{FourCC: "YUYV", Sizes: []uvc.Size{{Width: 640, Height: 480, FPS: []float64{10}}, {Width: 320, Height: 240, FPS: []float64{30}}}},
		}},
		{Path: "/dev/video2", Driver: "vivid", Formats: []uvc.Format{
			{FourCC: "YUYV", Range: true, Sizes: []uvc.Size{{Width: 16, Height: 16}, {Width: 1920, Height: 1080}}},
		}},
	}
	labels := func(cs []cameraChoice) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Label+"="+c.Source)
		}
		return out
	}
	if got, want := labels(cameraChoices(cams, "dir:/x")), []string{labelAuto + "=auto", "HD Webcam (/dev/video0)=/dev/video0",
		"vivid (/dev/video2)=/dev/video2", labelTest + "=test", "dir:/x=dir:/x"}; !slices.Equal(got, want) {
		t.Errorf("camera choices %q, want %q", got, want)
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/dev/video0", []string{"1280x720", "640x480", "320x240"}},
		{"/dev/video2", []string{"1920x1080", "1280x720", "800x600", "640x480", "640x360"}},
		{"test", []string{"1920x1080", "1280x720", "800x600", "640x480", "640x360"}},
	} {
		if got := sizeChoices(cams, tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("sizes of %s: %q, want %q", tc.path, got, tc.want)
		}
	}
	if got, want := rateChoices(cams, "/dev/video0", 640, 480), []string{"30", "10", "7.5"}; !slices.Equal(got, want) {
		t.Errorf("rates at 640x480: %q, want %q", got, want)
	}
	if got, want := rateChoices(cams, "test", 640, 480), []string{"30", "25", "20", "15", "10", "5"}; !slices.Equal(got, want) {
		t.Errorf("rates of the test pattern: %q, want %q", got, want)
	}
	for _, s := range []string{"", "x", "12x", "axb", "0x10", "-1x5"} {
		if _, _, ok := parseSizeChoice(s); ok {
			t.Errorf("parseSizeChoice(%q) accepted", s)
		}
	}
}
