package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"

	"fyne.io/fyne/v2"
	"golang.org/x/image/vector"
)

// Colours of lancam's icon, drawn here rather than shipped as art so that
// the app icon, the tray's idle and streaming icons and Icon.png (for
// FyneApp.toml and the packages) always agree.
var (
	iconBlue  = color.RGBA{0x1e, 0x6f, 0xd9, 0xff}
	iconWhite = color.RGBA{0xff, 0xff, 0xff, 0xff}
	iconRed   = color.RGBA{0xe5, 0x39, 0x35, 0xff}
	iconGrey  = color.RGBA{0x6b, 0x72, 0x80, 0xff}
)

// drawIcon paints the icon at size×size: a video camera on a rounded
// square, blue when streaming-capable, with a red "on air" dot when live.
// idle greys the background for the tray's idle state.
func drawIcon(size int, live, idle bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	s := float32(size)
	bg := iconBlue
	if idle {
		bg = iconGrey
	}
	fill(img, bg, roundRect(0.04*s, 0.04*s, 0.96*s, 0.96*s, 0.2*s))
	fill(img, iconWhite, roundRect(0.14*s, 0.32*s, 0.64*s, 0.74*s, 0.07*s))
	fill(img, iconWhite, polygon([][2]float32{{0.62 * s, 0.47 * s}, {0.86 * s, 0.34 * s}, {0.86 * s, 0.72 * s}, {0.62 * s, 0.59 * s}}))
	if live {
		fill(img, iconWhite, circle(0.76*s, 0.22*s, 0.15*s))
		fill(img, iconRed, circle(0.76*s, 0.22*s, 0.11*s))
	}
	return img
}

// iconResource encodes drawIcon as a PNG resource.
func iconResource(name string, size int, live, idle bool) fyne.Resource {
	var b bytes.Buffer
	png.Encode(&b, drawIcon(size, live, idle)) // cannot fail on an in-memory RGBA
	return fyne.NewStaticResource(name, b.Bytes())
}

type path func(r *vector.Rasterizer)

func fill(dst *image.RGBA, c color.RGBA, p path) {
	r := vector.NewRasterizer(dst.Bounds().Dx(), dst.Bounds().Dy())
	p(r)
	r.Draw(dst, dst.Bounds(), image.NewUniform(c), image.Point{})
}

func roundRect(x0, y0, x1, y1, rad float32) path {
	return func(r *vector.Rasterizer) {
		r.MoveTo(x0+rad, y0)
		r.LineTo(x1-rad, y0)
		r.QuadTo(x1, y0, x1, y0+rad)
		r.LineTo(x1, y1-rad)
		r.QuadTo(x1, y1, x1-rad, y1)
		r.LineTo(x0+rad, y1)
		r.QuadTo(x0, y1, x0, y1-rad)
		r.LineTo(x0, y0+rad)
		r.QuadTo(x0, y0, x0+rad, y0)
		r.ClosePath()
	}
}

func polygon(pts [][2]float32) path {
	return func(r *vector.Rasterizer) {
		r.MoveTo(pts[0][0], pts[0][1])
		for _, p := range pts[1:] {
			r.LineTo(p[0], p[1])
		}
		r.ClosePath()
	}
}

func circle(cx, cy, rad float32) path {
	return func(r *vector.Rasterizer) {
		const n = 48
		r.MoveTo(cx+rad, cy)
		for i := 1; i < n; i++ {
			a := 2 * math.Pi * float64(i) / n
			r.LineTo(cx+rad*float32(math.Cos(a)), cy+rad*float32(math.Sin(a)))
		}
		r.ClosePath()
	}
}
