package tjpeg

import (
	"bufio"
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
)

// Reference is the benchmark frame shared with tjbench (via
// TestWriteReferencePPM): busy like ffmpeg's "testsrc2,noise=alls=8" —
// colour gradients, hard-edged bars and stripes, and +-8 pseudo-random noise
// — so entropy coding costs what a real camera frame costs. Deterministic.
// The layout scales with w x h; at 1280x720 it is pixel-for-pixel the frame
// the 720p benchmarks have always used.
func Reference(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bars := [...][3]int{{235, 235, 235}, {235, 235, 16}, {16, 235, 235}, {16, 235, 16},
		{235, 16, 235}, {235, 16, 16}, {16, 16, 235}, {16, 16, 16}}
	cx, cy, rad := w*900/1280, h*420/720, h*150/720 // the disc, scaled
	seed := uint32(0x9e3779b9)
	for yy := 0; yy < h; yy++ {
		for xx := 0; xx < w; xx++ {
			var r, g, b int
			switch {
			case yy < h/4: // colour bars
				c := bars[xx*len(bars)/w]
				r, g, b = c[0], c[1], c[2]
			case yy < h/2 && xx < w/2: // fine stripes of varying pitch
				v := 40 + 180*((xx/(1+yy%7))&1)
				r, g, b = v, v, v
			default: // diagonal colour gradients
				r, g, b = xx*255/w, yy*255/h, (w-xx+yy)*255/(w+h)
			}
			dx, dy := xx-cx, yy-cy // a solid disc with a hard edge
			if dx*dx+dy*dy < rad*rad {
				r, g, b = 200, 60, 90
			}
			seed ^= seed << 13 // xorshift32 noise, amplitude +-8
			seed ^= seed >> 17
			seed ^= seed << 5
			n := int(seed%17) - 8
			i := img.PixOffset(xx, yy)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = clamp(r+n), clamp(g+n), clamp(b+n), 255
		}
	}
	return img
}

// Reference720p is Reference(1280, 720), the frame of the *720p benchmarks.
func Reference720p() *image.RGBA { return Reference(1280, 720) }

// gradient is a smooth test image; smooth content is what lets a q=90 JPEG
// clear the 30 dB bar at every subsampling, odd sizes included.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8(x * 255 / w)
			img.Pix[i+1] = uint8(y * 255 / h)
			img.Pix[i+2] = uint8(128 + 100*math.Sin(float64(x+y)/17))
			img.Pix[i+3] = 255
		}
	}
	return img
}

func clamp(v int) uint8 { return uint8(min(max(v, 0), 255)) }

// toRGBA flattens any decoded image (image/jpeg returns YCbCr or Gray).
func toRGBA(m image.Image) *image.RGBA {
	if r, ok := m.(*image.RGBA); ok {
		return r
	}
	out := image.NewRGBA(image.Rect(0, 0, m.Bounds().Dx(), m.Bounds().Dy()))
	draw.Draw(out, out.Rect, m, m.Bounds().Min, draw.Src)
	return out
}

// grayOf is what a grayscale JPEG of img should look like (JFIF luma).
func grayOf(img *image.RGBA) *image.RGBA {
	out := image.NewRGBA(img.Rect)
	for i := 0; i < len(img.Pix); i += 4 {
		y, _, _ := rgbToYCbCr(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
		out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = y, y, y, 255
	}
	return out
}

// psnr over the RGB channels, in dB.
func psnr(a, b *image.RGBA) float64 {
	if a.Rect.Size() != b.Rect.Size() {
		return math.Inf(-1)
	}
	var sum float64
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i, j := a.PixOffset(a.Rect.Min.X+x, a.Rect.Min.Y+y), b.PixOffset(b.Rect.Min.X+x, b.Rect.Min.Y+y)
			for c := 0; c < 3; c++ {
				d := float64(a.Pix[i+c]) - float64(b.Pix[j+c])
				sum += d * d
			}
		}
	}
	mse := sum / float64(3*w*h)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// rgbToYCbCr is full-range BT.601 as JFIF defines it, written out so the
// YUV tests do not trust the code under test.
func rgbToYCbCr(r, g, b uint8) (y, cb, cr uint8) {
	R, G, B := float64(r), float64(g), float64(b)
	y = clamp(int(math.Round(0.299*R + 0.587*G + 0.114*B)))
	cb = clamp(int(math.Round(128 - 0.168736*R - 0.331264*G + 0.5*B)))
	cr = clamp(int(math.Round(128 + 0.5*R - 0.418688*G - 0.081312*B)))
	return
}

// toYUYV packs img (even width) as YUYV with stride bytes per row; chroma
// of each pixel pair is averaged, like a camera's 4:2:2 output.
func toYUYV(img *image.RGBA, stride int) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := make([]byte, stride*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x += 2 {
			y0, u0, v0 := rgbToYCbCr(pixel(img, x, y))
			y1, u1, v1 := rgbToYCbCr(pixel(img, x+1, y))
			o := y*stride + 2*x
			out[o], out[o+1], out[o+2], out[o+3] = y0, uint8((int(u0)+int(u1)+1)/2), y1, uint8((int(v0)+int(v1)+1)/2)
		}
	}
	return out
}

// toNV12 packs img (even size) as NV12 with stride bytes per row; chroma is
// averaged over each 2x2 block.
func toNV12(img *image.RGBA, stride int) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := make([]byte, stride*h+stride*h/2)
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			var su, sv int
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				yy, u, v := rgbToYCbCr(pixel(img, x+d[0], y+d[1]))
				out[(y+d[1])*stride+x+d[0]] = yy
				su, sv = su+int(u), sv+int(v)
			}
			o := h*stride + y/2*stride + x
			out[o], out[o+1] = uint8((su+2)/4), uint8((sv+2)/4)
		}
	}
	return out
}

func pixel(img *image.RGBA, x, y int) (r, g, b uint8) {
	i := img.PixOffset(x, y)
	return img.Pix[i], img.Pix[i+1], img.Pix[i+2]
}

// packRGB drops alpha: tjbench and EncodeRGB take 24-bit pixels.
func packRGB(img *image.RGBA) []byte {
	out := make([]byte, 0, len(img.Pix)/4*3)
	for i := 0; i < len(img.Pix); i += 4 {
		out = append(out, img.Pix[i:i+3]...)
	}
	return out
}

// writePPM writes a binary P6 file, a format tjbench reads.
func writePPM(path string, img *image.RGBA) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	fmt.Fprintf(bw, "P6\n%d %d\n255\n", img.Rect.Dx(), img.Rect.Dy())
	bw.Write(packRGB(img))
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
