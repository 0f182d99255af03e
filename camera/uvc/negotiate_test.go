package uvc

import "testing"

func TestPickFormat(t *testing.T) {
	tests := []struct {
		name    string
		offered []uint32
		want    uint32
		ok      bool
	}{
		{"MJPEG preferred over YUYV", []uint32{fmtYUYV, fmtMJPEG}, fmtMJPEG, true},
		{"JPEG counts as passthrough", []uint32{fmtYUYV, fmtJPEG}, fmtJPEG, true},
		{"YUYV fallback", []uint32{fourcc("RGB3"), fmtNV12, fmtYUYV}, fmtYUYV, true},
		{"NV12 only", []uint32{fmtNV12}, fmtNV12, true},
		{"NV12 before YU12", []uint32{fmtYU12, fmtNV12}, fmtNV12, true},
		{"YU12 only", []uint32{fourcc("BA81"), fmtYU12}, fmtYU12, true},
		{"nothing usable", []uint32{fourcc("H264"), fourcc("RGB3")}, 0, false},
		{"empty", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := pickFormat(tt.offered)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("pickFormat = %s,%v; want %s,%v", fourccString(got), ok, fourccString(tt.want), tt.ok)
			}
		})
	}
}

func TestFourCCAndLabels(t *testing.T) {
	if fourccString(fourcc("MJPG")) != "MJPG" || fourccString(0x00) != "????" {
		t.Fatal("fourcc round trip")
	}
	for f, want := range map[uint32]string{fmtMJPEG: "MJPEG", fmtJPEG: "MJPEG", fmtYUYV: "YUYV→JPEG",
		fmtNV12: "NV12→JPEG", fmtYU12: "YU12→JPEG", 0: ""} {
		if got := formatLabel(f); got != want {
			t.Errorf("formatLabel(%s) = %q, want %q", fourccString(f), got, want)
		}
	}
}

// webcam is a typical UVC discrete size list.
var webcam = []sizeRange{discreteSize(640, 480), discreteSize(160, 120), discreteSize(1280, 720),
	discreteSize(1920, 1080), discreteSize(320, 240), discreteSize(800, 600)}

func TestPickSize(t *testing.T) {
	tests := []struct {
		name         string
		offered      []sizeRange
		ww, wh       int
		wantW, wantH int
		ok           bool
	}{
		{"exact discrete", webcam, 1280, 720, 1280, 720, true},
		{"closest by area", webcam, 1200, 700, 1280, 720, true},
		{"aspect matters", webcam, 1024, 576, 1280, 720, true},
		{"4:3 wish picks 4:3", webcam, 700, 525, 640, 480, true},
		{"bigger than all", webcam, 3840, 2160, 1920, 1080, true},
		{"smaller than all", webcam, 64, 48, 160, 120, true},
		{"stepwise exact", []sizeRange{{48, 1920, 2, 32, 1080, 2}}, 640, 480, 640, 480, true},
		{"stepwise rounds to step", []sizeRange{{16, 1920, 16, 16, 1088, 16}}, 1000, 562, 1008, 560, true},
		{"stepwise clamps", []sizeRange{{16, 800, 8, 16, 600, 8}}, 1920, 1080, 800, 600, true},
		{"continuous", []sizeRange{{1, 4096, 1, 1, 2160, 1}}, 1366, 768, 1366, 768, true},
		{"tie goes to larger", []sizeRange{discreteSize(320, 240), discreteSize(1280, 960)}, 640, 480, 1280, 960, true},
		{"none", nil, 640, 480, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, h, ok := pickSize(tt.offered, tt.ww, tt.wh)
			if w != tt.wantW || h != tt.wantH || ok != tt.ok {
				t.Fatalf("pickSize(%dx%d) = %dx%d,%v; want %dx%d,%v", tt.ww, tt.wh, w, h, ok, tt.wantW, tt.wantH, tt.ok)
			}
		})
	}
}

func TestClampStep(t *testing.T) {
	for _, c := range []struct{ v, lo, hi, step, want int }{
		{100, 0, 200, 16, 96}, {105, 0, 200, 16, 112}, {300, 0, 200, 16, 192},
		{-5, 10, 200, 7, 10}, {50, 10, 200, 0, 50}, {199, 10, 200, 7, 199},
	} {
		if got := clampStep(c.v, c.lo, c.hi, c.step); got != c.want {
			t.Errorf("clampStep(%d,%d,%d,%d) = %d, want %d", c.v, c.lo, c.hi, c.step, got, c.want)
		}
	}
}

func disc(num, den uint32) intervalRange {
	return intervalRange{discrete: true, min: fract{num, den}, max: fract{num, den}}
}

func TestPickInterval(t *testing.T) {
	uvc := []intervalRange{disc(1, 30), disc(1, 25), disc(1, 20), disc(1, 15), disc(1, 10), disc(1, 5)}
	tests := []struct {
		name    string
		offered []intervalRange
		fps     float64
		want    fract
	}{
		{"exact", uvc, 15, fract{1, 15}},
		{"closest", uvc, 24, fract{1, 25}},
		{"above all", uvc, 60, fract{1, 30}},
		{"below all", uvc, 1, fract{1, 5}},
		{"tie goes to faster", []intervalRange{disc(1, 20), disc(1, 30)}, 25, fract{1, 30}},
		{"vivid 640x480 caps at 25", []intervalRange{disc(1, 25), disc(1, 5)}, 30, fract{1, 25}},
		{"fractional rate", []intervalRange{disc(2, 25), disc(1, 5)}, 12, fract{2, 25}},
		{"nothing offered asks the wish", nil, 30, fract{1, 30}},
		{"fractional wish", nil, 7.5, fract{1000, 7500}},
		{"range inside", []intervalRange{{min: fract{1, 60}, max: fract{1, 1}}}, 24, fract{1, 24}},
		{"range clamps high", []intervalRange{{min: fract{1, 30}, max: fract{1, 1}}}, 60, fract{1, 30}},
		{"range clamps low", []intervalRange{{min: fract{1, 30}, max: fract{1, 10}}}, 2, fract{1, 10}},
		{"zero intervals ignored", []intervalRange{disc(0, 0), disc(1, 10)}, 30, fract{1, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pickInterval(tt.offered, tt.fps); got != tt.want {
				t.Fatalf("pickInterval(%g) = %d/%d, want %d/%d", tt.fps, got.num, got.den, tt.want.num, tt.want.den)
			}
		})
	}
}
