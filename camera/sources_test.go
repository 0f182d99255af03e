package camera

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// collect runs src until it has published n frames, then stops it and
// checks that Run returns nil on cancellation.
func collect(t *testing.T, src Source, n int) []*Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []*Frame
	err := src.Run(ctx, func(f *Frame) {
		if len(got) < n {
			got = append(got, f)
		}
		if len(got) == n {
			cancel()
		}
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(got) != n {
		t.Fatalf("got %d frames, want %d", len(got), n)
	}
	return got
}

func TestTestPatternMovesAndHasRightSize(t *testing.T) {
	src, err := NewTestPattern(TestPatternConfig{Width: 320, Height: 240, FPS: 100, Quality: 80})
	if err != nil {
		t.Fatal(err)
	}
	frames := collect(t, src, 3)
	var prev image.Image
	for i, f := range frames {
		img, err := jpeg.Decode(bytes.NewReader(f.JPEG()))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 240 || f.Width() != 320 || f.Height() != 240 {
			t.Fatalf("frame %d: size %v / %dx%d", i, b, f.Width(), f.Height())
		}
		if f.Seq() != uint64(i+1) {
			t.Fatalf("frame %d: seq %d", i, f.Seq())
		}
		if prev != nil && sameImage(prev, img) {
			t.Fatalf("frame %d equals the previous one: nothing moves", i)
		}
		prev = img
	}
	if !frames[1].Captured().After(frames[0].Captured()) {
		t.Fatal("capture times do not advance")
	}
}

func sameImage(a, b image.Image) bool {
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if absDiff(r1, r2) > 0x2000 || absDiff(g1, g2) > 0x2000 || absDiff(b1, b2) > 0x2000 {
				return false
			}
		}
	}
	return true
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestTestPatternRejectsBadConfig(t *testing.T) {
	for _, c := range []TestPatternConfig{
		{Width: 0, Height: 240, FPS: 30, Quality: 80},
		{Width: 320, Height: 240, FPS: 0, Quality: 80},
		{Width: 320, Height: 240, FPS: 30, Quality: 101},
	} {
		if _, err := NewTestPattern(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func writeJPEG(t *testing.T, path string, w, h int, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDirSourceLoopsInNameOrderUnchanged(t *testing.T) {
	dir := t.TempDir()
	// Written out of order, with mixed extensions and a file to ignore.
	c := writeJPEG(t, filepath.Join(dir, "c.JPEG"), 32, 16, 200)
	a := writeJPEG(t, filepath.Join(dir, "a.jpg"), 32, 16, 10)
	b := writeJPEG(t, filepath.Join(dir, "b.jpeg"), 48, 24, 100)
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := NewDirSource(DirSourceConfig{Dir: dir, FPS: 200})
	if err != nil {
		t.Fatal(err)
	}
	if info := src.Info(); info.Kind != "dir" || info.Width != 32 || info.Height != 16 {
		t.Fatalf("info %+v", info)
	}
	want := [][]byte{a, b, c, a, b}
	for i, f := range collect(t, src, len(want)) {
		if !bytes.Equal(f.JPEG(), want[i]) {
			t.Fatalf("frame %d is not file %d byte for byte", i, i%3)
		}
		if i%3 == 1 && (f.Width() != 48 || f.Height() != 24) {
			t.Fatalf("frame %d size %dx%d", i, f.Width(), f.Height())
		}
	}
}

func TestDirSourceErrors(t *testing.T) {
	empty := t.TempDir()
	bad := t.TempDir()
	writeJPEG(t, filepath.Join(bad, "1.jpg"), 8, 8, 0)
	if err := os.WriteFile(filepath.Join(bad, "2.jpg"), []byte("GIF89a not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
	}{
		{"no jpegs", empty, "no .jpg or .jpeg files"},
		{"missing", filepath.Join(empty, "nope"), "no such file"},
		{"not a jpeg", bad, "2.jpg is not a valid JPEG"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDirSource(DirSourceConfig{Dir: tc.dir, FPS: 30})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestDirSourceFileVanishesAfterStart(t *testing.T) {
	dir := t.TempDir()
	writeJPEG(t, filepath.Join(dir, "a.jpg"), 8, 8, 0)
	src, err := NewDirSource(DirSourceConfig{Dir: dir, FPS: 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "a.jpg")); err != nil {
		t.Fatal(err)
	}
	err = src.Run(context.Background(), func(*Frame) { t.Fatal("published a vanished file") })
	if err == nil || !strings.Contains(err.Error(), "a.jpg") {
		t.Fatalf("Run = %v, want an error naming the file", err)
	}
}

func TestOpen(t *testing.T) {
	cfg := OpenConfig{Width: 64, Height: 48, FPS: 10, Quality: 70}
	for _, spec := range []string{"auto", "test"} {
		s, err := Open(spec, cfg)
		if err != nil || s.Info().Kind != "test" {
			t.Fatalf("Open(%q) = %v, %v", spec, s, err)
		}
	}
	for _, spec := range []string{"", "dir:", "/dev/nonsense", "cam"} {
		if _, err := Open(spec, cfg); err == nil {
			t.Errorf("Open(%q) accepted", spec)
		}
	}
}
