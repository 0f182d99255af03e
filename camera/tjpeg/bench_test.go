package tjpeg

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"strings"
	"sync"
	"testing"
)

// The benchmarks mirror tjbench run on the frame TestWriteReferencePPM
// writes: 4:2:0 at quality 80, library-default (accurate) DCT. SetBytes is
// the pixel count, so the "MB/s" column reads directly as megapixels per
// second, the unit tjbench prints.
const (
	benchSubsamp = Subsamp420
	benchQuality = 80
)

var benchFrame = sync.OnceValues(func() (*image.RGBA, []byte) {
	img := Reference720p()
	enc, err := NewEncoder()
	if err != nil {
		panic(err)
	}
	defer enc.Close()
	data, err := enc.EncodeRGBA(nil, img, benchSubsamp, benchQuality)
	if err != nil {
		panic(err)
	}
	return img, data
})

// TestWriteReferencePPM writes the benchmark frame for tjbench when
// TJPEG_REF_OUT=/path/ref.ppm is set, plus /path/ref.jpg (4:2:0, q=80, as
// the Go benchmarks decode) so both tools measure the very same pixels.
func TestWriteReferencePPM(t *testing.T) {
	out := os.Getenv("TJPEG_REF_OUT")
	if out == "" {
		t.Skip("set TJPEG_REF_OUT=/path/ref.ppm to write the tjbench reference frame")
	}
	img := Reference720p()
	if err := writePPM(out, img); err != nil {
		t.Fatal(err)
	}
	enc, _ := newCodecs(t)
	data, err := enc.EncodeRGBA(nil, img, benchSubsamp, benchQuality)
	if err != nil {
		t.Fatal(err)
	}
	jpg := strings.TrimSuffix(out, ".ppm") + ".jpg"
	if err := os.WriteFile(jpg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s and %s (%d bytes)", out, jpg, len(data))
}

func pixels(img *image.RGBA) int64 { return int64(img.Rect.Dx() * img.Rect.Dy()) }

// BenchmarkEncode720p compresses packed RGB, like `tjbench ref.ppm 80 -rgb`.
func BenchmarkEncode720p(b *testing.B) {
	img, _ := benchFrame()
	rgb := packRGB(img)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	enc, _ := newCodecs(b)
	var dst []byte
	b.SetBytes(pixels(img))
	for b.Loop() {
		var err error
		if dst, err = enc.EncodeRGB(dst, rgb, w, h, 3*w, benchSubsamp, benchQuality); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(dst)), "jpeg-bytes")
}

// BenchmarkEncodeRGBA720p is the test-pattern source's path (image.RGBA).
func BenchmarkEncodeRGBA720p(b *testing.B) {
	img, _ := benchFrame()
	enc, _ := newCodecs(b)
	var dst []byte
	b.SetBytes(pixels(img))
	for b.Loop() {
		var err error
		if dst, err = enc.EncodeRGBA(dst, img, benchSubsamp, benchQuality); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeYUYV720p is the whole raw-camera path: split + 4:2:2 encode.
func BenchmarkEncodeYUYV720p(b *testing.B) {
	img, _ := benchFrame()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	yuyv := toYUYV(img, 2*w)
	enc, _ := newCodecs(b)
	var dst, y, u, v []byte
	b.SetBytes(pixels(img))
	for b.Loop() {
		y, u, v = SplitYUYV(yuyv, w, h, 2*w, y, u, v)
		var err error
		if dst, err = enc.EncodeYUVPlanes(dst, y, u, v, [3]int{}, w, h, Subsamp422, benchQuality); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeYUVPlanes720p is the encode half alone, comparable with the
// "Comp from YUV" line of `tjbench ref.ppm 80 -subsamp 422 -yuv -rgb`.
func BenchmarkEncodeYUVPlanes720p(b *testing.B) {
	img, _ := benchFrame()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	y, u, v := SplitYUYV(toYUYV(img, 2*w), w, h, 2*w, nil, nil, nil)
	enc, _ := newCodecs(b)
	var dst []byte
	b.SetBytes(pixels(img))
	for b.Loop() {
		var err error
		if dst, err = enc.EncodeYUVPlanes(dst, y, u, v, [3]int{}, w, h, Subsamp422, benchQuality); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(dst)), "jpeg-bytes")
}

// BenchmarkSplitYUYV720p isolates the Go side of the camera path.
func BenchmarkSplitYUYV720p(b *testing.B) {
	img, _ := benchFrame()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	yuyv := toYUYV(img, 2*w)
	var y, u, v []byte
	b.SetBytes(pixels(img))
	for b.Loop() {
		y, u, v = SplitYUYV(yuyv, w, h, 2*w, y, u, v)
	}
}

// BenchmarkSplitNV12720p isolates NV12 -> I420.
func BenchmarkSplitNV12720p(b *testing.B) {
	img, _ := benchFrame()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	nv12 := toNV12(img, w)
	var y, u, v []byte
	b.SetBytes(pixels(img))
	for b.Loop() {
		y, u, v = SplitNV12(nv12, w, h, w, y, u, v)
	}
}

func benchDecode(b *testing.B, s Scale) {
	img, data := benchFrame()
	_, dec := newCodecs(b)
	var dst *image.RGBA
	b.SetBytes(pixels(img))
	for b.Loop() {
		var err error
		if dst, err = dec.DecodeRGBA(dst, data, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode720p decodes to RGBA, like `tjbench ref.jpg -rgbx`.
func BenchmarkDecode720p(b *testing.B) { benchDecode(b, ScaleFull) }

// BenchmarkDecode720pHalf is the preview path (`tjbench ref.jpg -rgbx -scale 1/2`).
func BenchmarkDecode720pHalf(b *testing.B) { benchDecode(b, ScaleHalf) }

// BenchmarkStdlibEncode720p is image/jpeg on the same frame (it always uses 4:2:0).
func BenchmarkStdlibEncode720p(b *testing.B) {
	img, _ := benchFrame()
	var buf bytes.Buffer
	b.SetBytes(pixels(img))
	for b.Loop() {
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: benchQuality}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStdlibDecode720p is image/jpeg on the same JPEG. It stops at
// YCbCr, so it skips the RGBA conversion ours does: flattering to stdlib.
func BenchmarkStdlibDecode720p(b *testing.B) {
	img, data := benchFrame()
	b.SetBytes(pixels(img))
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
