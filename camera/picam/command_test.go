package picam

import (
	"math"
	"reflect"
	"testing"
)

func TestCommand(t *testing.T) {
	tools := Tools{Vid: "/usr/bin/rpicam-vid", Hello: "/usr/bin/rpicam-hello"}
	tests := []struct {
		name string
		cfg  CommandConfig
		want []string // nil: expect an error
	}{
		{"720p30", CommandConfig{Camera: 0, Width: 1280, Height: 720, FPS: 30, Quality: 80},
			[]string{"/usr/bin/rpicam-vid", "-t", "0", "--camera", "0", "--codec", "mjpeg",
				"--width", "1280", "--height", "720", "--framerate", "30", "-q", "80", "--nopreview", "-o", "-"}},
		{"fractional rate, second camera", CommandConfig{Camera: 1, Width: 640, Height: 480, FPS: 7.5, Quality: 100},
			[]string{"/usr/bin/rpicam-vid", "-t", "0", "--camera", "1", "--codec", "mjpeg",
				"--width", "640", "--height", "480", "--framerate", "7.5", "-q", "100", "--nopreview", "-o", "-"}},
		{"quality 1", CommandConfig{Width: 4608, Height: 2592, FPS: 14.35, Quality: 1},
			[]string{"/usr/bin/rpicam-vid", "-t", "0", "--camera", "0", "--codec", "mjpeg",
				"--width", "4608", "--height", "2592", "--framerate", "14.35", "-q", "1", "--nopreview", "-o", "-"}},
		{"zero width", CommandConfig{Width: 0, Height: 480, FPS: 30, Quality: 80}, nil},
		{"negative height", CommandConfig{Width: 640, Height: -1, FPS: 30, Quality: 80}, nil},
		{"zero fps", CommandConfig{Width: 640, Height: 480, FPS: 0, Quality: 80}, nil},
		{"NaN fps", CommandConfig{Width: 640, Height: 480, FPS: math.NaN(), Quality: 80}, nil},
		{"infinite fps", CommandConfig{Width: 640, Height: 480, FPS: math.Inf(1), Quality: 80}, nil},
		{"quality 0", CommandConfig{Width: 640, Height: 480, FPS: 30, Quality: 0}, nil},
		{"quality 101", CommandConfig{Width: 640, Height: 480, FPS: 30, Quality: 101}, nil},
		{"negative camera", CommandConfig{Camera: -1, Width: 640, Height: 480, FPS: 30, Quality: 80}, nil},
		{"turned on the sensor", CommandConfig{Width: 640, Height: 480, FPS: 30, Quality: 80, Rotation: 180, HFlip: true, VFlip: true},
			[]string{"/usr/bin/rpicam-vid", "-t", "0", "--camera", "0", "--codec", "mjpeg",
				"--width", "640", "--height", "480", "--framerate", "30", "-q", "80", "--nopreview", "-o", "-",
				"--rotation", "180", "--hflip", "--vflip"}},
		{"rotation 90", CommandConfig{Width: 640, Height: 480, FPS: 30, Quality: 80, Rotation: 90}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tools.Command(tt.cfg)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("Command(%+v) = %q, want an error", tt.cfg, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Command(%+v): %v", tt.cfg, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Command(%+v) =\n%q\nwant\n%q", tt.cfg, got, tt.want)
			}
		})
	}
	if _, err := (Tools{}).Command(CommandConfig{Width: 640, Height: 480, FPS: 30, Quality: 80}); err == nil {
		t.Error("Command without a video tool: want an error")
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in    string
		index int
		ok    bool
	}{
		{"picam", 0, true},
		{"picam:0", 0, true},
		{"picam:1", 1, true},
		{"picam:12", 12, true},
		{"picam:", 0, false},
		{"picam:-1", 0, false},
		{"picam:+1", 0, false},
		{"picam:1x", 0, false},
		{"picam: 1", 0, false},
		{"picam:99999999999999999999", 0, false},
		{"PICAM", 0, false},
		{"picamera", 0, false},
		{"/dev/video0", 0, false},
		{"auto", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		i, ok := ParseSource(tt.in)
		if i != tt.index || ok != tt.ok {
			t.Errorf("ParseSource(%q) = %d, %v; want %d, %v", tt.in, i, ok, tt.index, tt.ok)
		}
	}
	for _, n := range []int{0, 3} {
		if i, ok := ParseSource(SourceName(n)); !ok || i != n {
			t.Errorf("ParseSource(SourceName(%d)) = %d, %v", n, i, ok)
		}
	}
}
