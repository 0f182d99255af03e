package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"net/http"
	"path/filepath"
	"testing"

	"lancam/internal/testenv"
)

// pictureStatus is what the picture tests read of /status.
type pictureStatus struct {
	Source struct {
		Width   int    `json:"width"`
		Height  int    `json:"height"`
		Rotate  int    `json:"rotate"`
		Mirror  bool   `json:"mirror"`
		Overlay string `json:"overlay"`
	} `json:"source"`
}

// snapshotImage fetches /snapshot.jpg and decodes it with image/jpeg.
func snapshotImage(t *testing.T, l *lancam) ([]byte, image.Image) {
	t.Helper()
	resp, body := httpGet(t, l.url("/snapshot.jpg"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/snapshot.jpg: %s", resp.Status)
	}
	img, err := jpeg.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return body, img
}

// TestE2ERotatePassthrough: a folder of JPEGs turned by 180° is served
// byte for byte as jpegtran -rotate 180 writes each file, and by 90° with
// width and height swapped in the frames and /status.
func TestE2ERotatePassthrough(t *testing.T) {
	t.Parallel()
	ffmpeg := testenv.Tool(t, "ffmpeg")
	jpegtran := testenv.Tool(t, "jpegtran")
	dir := t.TempDir()
	if _, stderr, err := runTool(t, ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5",
		"-frames:v", "3", filepath.Join(dir, "f%02d.jpg")); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr)
	}
	var turned [][]byte
	for _, name := range []string{"f01.jpg", "f02.jpg", "f03.jpg"} {
		out, stderr, err := runTool(t, jpegtran, "-rotate", "180", filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("jpegtran: %v\n%s", err, stderr)
		}
		turned = append(turned, []byte(out))
	}

	l := startLancam(t, "-source", "dir:"+dir, "-fps", "5", "-rotate", "180")
	snap, _ := snapshotImage(t, l)
	found := false
	for _, want := range turned {
		found = found || bytes.Equal(snap, want)
	}
	if !found {
		t.Errorf("the snapshot (%d bytes) is none of jpegtran -rotate 180's files", len(snap))
	}

	l = startLancam(t, "-source", "dir:"+dir, "-fps", "5", "-rotate", "90", "-mirror")
	_, img := snapshotImage(t, l)
	var st pictureStatus
	if _, body := httpGet(t, l.url("/status")); json.Unmarshal(body, &st) != nil {
		t.Fatal("/status is not JSON")
	}
	if b := img.Bounds(); b.Dx() != 240 || b.Dy() != 320 || st.Source.Width != 240 || st.Source.Height != 320 ||
		st.Source.Rotate != 90 || !st.Source.Mirror {
		t.Errorf("turned by 90° and mirrored: snapshot %v, /status %+v; want 240x320", b, st.Source)
	}
}

// TestE2ERotateTestPattern: the test pattern's vertical colour bars lie
// horizontally after -rotate 90, so the picture changes more from row to
// row than from column to column in the bars' part.
func TestE2ERotateTestPattern(t *testing.T) {
	t.Parallel()
	plain := startLancam(t, "-source", "test", "-size", "640x360")
	_, up := snapshotImage(t, plain)
	turned := startLancam(t, "-source", "test", "-size", "640x360", "-rotate", "90")
	_, side := snapshotImage(t, turned)
	if b := side.Bounds(); b.Dx() != 360 || b.Dy() != 640 {
		t.Fatalf("rotated snapshot %v, want 360x640", b)
	}
	// The bars fill the top half of the pattern, which a clockwise turn
	// puts in the right half.
	ax, ay := variation(up, image.Rect(0, 0, 640, 180))
	bx, by := variation(side, image.Rect(180, 0, 360, 640))
	t.Logf("bars upright: %.1f along x, %.1f along y; turned: %.1f along x, %.1f along y", ax, ay, bx, by)
	if ax < 4*ay || by < 4*bx {
		t.Error("the colour bars did not turn from vertical to horizontal")
	}
}

// TestE2EOverlay: -overlay draws the text on a dark box in the top-left
// corner, and /status says so.
func TestE2EOverlay(t *testing.T) {
	t.Parallel()
	l := startLancam(t, "-source", "test", "-size", "640x360", "-overlay", "%Y-%m-%d %H:%M:%S")
	_, img := snapshotImage(t, l)
	var dark, light int
	box := image.Rect(0, 0, 19*7+8, 13+8) // 19 glyphs of the 7x13 font and the margins
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			switch l := lumaAt(img, x, y); {
			case l < 40:
				dark++
			case l > 200:
				light++
			}
		}
	}
	if dark < box.Dx()*box.Dy()/2 || light < 200 {
		t.Errorf("top-left box: %d dark, %d light pixels; want a dark box with light text", dark, light)
	}
	var st pictureStatus
	if _, body := httpGet(t, l.url("/status")); json.Unmarshal(body, &st) != nil || st.Source.Overlay != "%Y-%m-%d %H:%M:%S" {
		t.Errorf("/status overlay %q", st.Source.Overlay)
	}
}

// variation is the mean luma difference between neighbours along x and
// along y inside r.
func variation(img image.Image, r image.Rectangle) (alongX, alongY float64) {
	var sx, sy, n float64
	for y := r.Min.Y; y < r.Max.Y-1; y++ {
		for x := r.Min.X; x < r.Max.X-1; x++ {
			l := lumaAt(img, x, y)
			sx += float64(abs(lumaAt(img, x+1, y) - l))
			sy += float64(abs(lumaAt(img, x, y+1) - l))
			n++
		}
	}
	return sx / n, sy / n
}

func lumaAt(img image.Image, x, y int) int {
	r, g, b, _ := img.At(x, y).RGBA()
	return int(299*r+587*g+114*b) / 1000 >> 8
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
