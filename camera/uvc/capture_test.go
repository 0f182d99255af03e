package uvc

import (
	"bytes"
	"testing"

	"lancam/camera"
)

func TestClassify(t *testing.T) {
	mj := negotiated{fourcc: fmtMJPEG, width: 640, height: 480}
	yuyv := negotiated{fourcc: fmtYUYV, width: 640, height: 480, stride: 1280}
	nv12 := negotiated{fourcc: fmtNV12, width: 640, height: 480}
	big := make([]byte, 640*480*2)
	tests := []struct {
		name string
		b    buffer
		n    negotiated
		want dropReason
	}{
		{"good mjpeg", buffer{data: big[:5000]}, mj, keep},
		{"error flag", buffer{data: big[:5000], errFlag: true}, mj, dropErrFlag},
		{"empty mjpeg", buffer{}, mj, dropShort},
		{"short mjpeg", buffer{data: big[:camera.MinFrameBytes-1]}, mj, dropShort},
		{"min mjpeg", buffer{data: big[:camera.MinFrameBytes]}, mj, keep},
		{"full yuyv", buffer{data: big}, yuyv, keep},
		{"truncated yuyv", buffer{data: big[:len(big)-1]}, yuyv, dropShort},
		{"error flag wins", buffer{data: big, errFlag: true}, yuyv, dropErrFlag},
		{"full nv12", buffer{data: big[:640*480*3/2]}, nv12, keep},
		{"short nv12", buffer{data: big[:640*480]}, nv12, dropShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.b, tt.n); got != tt.want {
				t.Fatalf("classify = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestRawSize(t *testing.T) {
	for _, c := range []struct {
		n    negotiated
		want int
	}{
		{negotiated{fourcc: fmtYUYV, width: 640, height: 480}, 640 * 480 * 2},
		{negotiated{fourcc: fmtYUYV, width: 640, height: 480, stride: 1344}, 1344 * 480},
		{negotiated{fourcc: fmtNV12, width: 1280, height: 720}, 1280 * 720 * 3 / 2},
		{negotiated{fourcc: fmtYU12, width: 1280, height: 720, stride: 1536}, 1536 * 720 * 3 / 2},
		{negotiated{fourcc: fourcc("RGB3"), sizeImage: 99}, 99},
	} {
		if got := rawSize(c.n); got != c.want {
			t.Errorf("rawSize(%+v) = %d, want %d", c.n, got, c.want)
		}
	}
}

func TestRawFormat(t *testing.T) {
	if rawFormat(fmtYUYV) != camera.RawYUYV || rawFormat(fmtNV12) != camera.RawNV12 || rawFormat(fmtYU12) != camera.RawYU12 {
		t.Fatal("raw format mapping")
	}
}

func TestAliases(t *testing.T) {
	a := make([]byte, 100)
	if !aliases(a[10:20], a) || !aliases(a, a[99:]) || aliases(a[:10:10], a[10:20]) {
		t.Fatal("aliases within one array")
	}
	if aliases(a, bytes.Clone(a)) || aliases(nil, a) {
		t.Fatal("distinct arrays alias")
	}
}
