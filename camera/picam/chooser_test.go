package picam

import (
	"reflect"
	"testing"

	"lancam/camera/uvc"
)

func TestChooserIMX708(t *testing.T) {
	low := []float64{30, 25, 20, 15, 10, 5}
	high := []float64{60, 50, 30, 25, 20, 15, 10, 5}
	want := uvc.Camera{
		Path:    "picam:0",
		Card:    "Camera Module imx708_wide",
		BusInfo: "/base/soc/i2c0mux/i2c@1/imx708@1a",
		Driver:  "libcamera",
		Formats: []uvc.Format{{FourCC: "MJPG", Description: "MJPEG (rpicam-vid)", Sizes: []uvc.Size{
			{Width: 4608, Height: 2592, FPS: []float64{10, 5}}, // full-res mode runs at 14.35
			{Width: 2304, Height: 1296, FPS: low},
			{Width: 1920, Height: 1080, FPS: low}, // scaled from 2304x1296 at 56 fps
			{Width: 1536, Height: 864, FPS: low},  // 120 fps mode, but too big to encode at 60
			{Width: 1280, Height: 720, FPS: high},
			{Width: 640, Height: 480, FPS: high},
		}}},
	}
	if got := Chooser(imx708Pi4); !reflect.DeepEqual(got, want) {
		t.Errorf("Chooser =\n%+v\nwant\n%+v", got, want)
	}
}

func TestChooserRates(t *testing.T) {
	tests := []struct {
		name string
		cam  Camera
		w, h int
		want []float64
	}{
		{"imx219 640x480 from its 103 fps mode", imx219Pi5, 640, 480, []float64{60, 50, 30, 25, 20, 15, 10, 5}},
		{"imx219 full sensor", imx219Pi5, 3280, 2464, []float64{20, 15, 10, 5}},
		{"modes without rates assume 30",
			Camera{Index: 2, Model: "imx219", Width: 3280, Height: 2464, Modes: []Mode{{3280, 2464, 0}, {640, 480, 0}}},
			640, 480, []float64{30, 25, 20, 15, 10, 5}},
		{"a mode slower than 5 fps still offers its rate",
			Camera{Model: "hq64", Width: 9152, Height: 6944, Modes: []Mode{{9152, 6944, 2.72}}},
			9152, 6944, []float64{2.72}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Chooser(tt.cam)
			for _, s := range c.Formats[0].Sizes {
				if s.Width == tt.w && s.Height == tt.h {
					if !reflect.DeepEqual(s.FPS, tt.want) {
						t.Errorf("%dx%d rates = %v, want %v", tt.w, tt.h, s.FPS, tt.want)
					}
					return
				}
			}
			t.Errorf("%dx%d not offered: %+v", tt.w, tt.h, c.Formats[0].Sizes)
		})
	}
}

func TestChooserSmallSensorSkipsBigCommonSizes(t *testing.T) {
	c := Chooser(Camera{Index: 1, Model: "ov7251", Width: 640, Height: 480, Modes: []Mode{{640, 480, 120}}})
	var got [][2]int
	for _, s := range c.Formats[0].Sizes {
		got = append(got, [2]int{s.Width, s.Height})
	}
	if want := [][2]int{{640, 480}}; !reflect.DeepEqual(got, want) {
		t.Errorf("sizes = %v, want %v", got, want)
	}
	if c.Path != "picam:1" {
		t.Errorf("Path = %q", c.Path)
	}
}
