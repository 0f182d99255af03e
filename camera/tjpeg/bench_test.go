package tjpeg

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
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

// yuyvSizes are the V4L2 issue's frame sizes for the YUYV -> JPEG target.
var yuyvSizes = [...]image.Point{{640, 480}, {1280, 720}, {1920, 1080}}

// TestWriteReferencePPM writes benchmark frames for tjbench, each as a PPM
// plus a JPEG of it (4:2:0, q=80, as the Go benchmarks decode) so both tools
// measure the very same pixels:
//
//	TJPEG_REF_OUT=/path/ref.ppm   the 1280x720 frame: ref.ppm and ref.jpg
//	TJPEG_REF_OUT_DIR=/path       ref-WxH.ppm and ref-WxH.jpg for every
//	                              yuyvSizes entry (Reference(W, H))
func TestWriteReferencePPM(t *testing.T) {
	out, dir := os.Getenv("TJPEG_REF_OUT"), os.Getenv("TJPEG_REF_OUT_DIR")
	if out == "" && dir == "" {
		t.Skip("set TJPEG_REF_OUT=/path/ref.ppm or TJPEG_REF_OUT_DIR=/path to write tjbench reference frames")
	}
	enc, _ := newCodecs(t)
	write := func(ppm string, img *image.RGBA) {
		t.Helper()
		if err := writePPM(ppm, img); err != nil {
			t.Fatal(err)
		}
		data, err := enc.EncodeRGBA(nil, img, benchSubsamp, benchQuality)
		if err != nil {
			t.Fatal(err)
		}
		jpg := strings.TrimSuffix(ppm, ".ppm") + ".jpg"
		if err := os.WriteFile(jpg, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s and %s (%d bytes)", ppm, jpg, len(data))
	}
	if out != "" {
		write(out, Reference720p())
	}
	if dir != "" {
		for _, sz := range yuyvSizes {
			write(filepath.Join(dir, fmt.Sprintf("ref-%dx%d.ppm", sz.X, sz.Y)), Reference(sz.X, sz.Y))
		}
	}
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

// yuyvFrame is Reference(w, h) packed as YUYV (stride 2w), built once per
// size: the pixels tjbench reads from ref-WxH.ppm, as a camera delivers them.
func yuyvFrame(w, h int) []byte {
	yuyvFramesMu.Lock()
	defer yuyvFramesMu.Unlock()
	k := image.Pt(w, h)
	if f, ok := yuyvFrames[k]; ok {
		return f
	}
	f := toYUYV(Reference(w, h), 2*w)
	yuyvFrames[k] = f
	return f
}

var (
	yuyvFramesMu sync.Mutex
	yuyvFrames   = map[image.Point][]byte{}
)

// benchEncodeYUYV is the whole raw-camera path, packed YUYV in, JPEG out:
// split + 4:2:2 encode at q80. scripts/bench.sh compares it with tjbench's
// RGB -> YUV + "Comp from YUV" on the same frame (`-subsamp 422 -yuv`).
func benchEncodeYUYV(b *testing.B, w, h int) {
	yuyv := yuyvFrame(w, h)
	enc, _ := newCodecs(b)
	y, u, v := SplitYUYV(yuyv, w, h, 2*w, nil, nil, nil) // planes as a capture loop reuses them
	var dst []byte
	b.SetBytes(int64(w * h))
	b.ReportAllocs()
	for b.Loop() {
		y, u, v = SplitYUYV(yuyv, w, h, 2*w, y, u, v)
		var err error
		if dst, err = enc.EncodeYUVPlanes(dst, y, u, v, [3]int{}, w, h, Subsamp422, benchQuality); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(dst)), "jpeg-bytes")
}

func BenchmarkEncodeYUYV640x480(b *testing.B)   { benchEncodeYUYV(b, 640, 480) }
func BenchmarkEncodeYUYV1280x720(b *testing.B)  { benchEncodeYUYV(b, 1280, 720) }
func BenchmarkEncodeYUYV1920x1080(b *testing.B) { benchEncodeYUYV(b, 1920, 1080) }

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
