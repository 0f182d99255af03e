//go:build qemu

package main

// Classifying the frames the guest serves.

import (
	"bytes"
	"image"
	"image/jpeg"
)

// qemuColourBars reports whether img shows vivid's colour bars: along a row
// at 2/3 height, at least 4 distinct saturated hues.
func qemuColourBars(img image.Image) (bool, int) {
	b := img.Bounds()
	y := b.Min.Y + b.Dy()*2/3
	hues := map[int]bool{}
	for i := 0; i < 64; i++ {
		x := b.Min.X + (2*i+1)*b.Dx()/128
		r, g, bl, _ := img.At(x, y).RGBA()
		r, g, bl = r>>8, g>>8, bl>>8
		mx, mn := max(r, g, bl), min(r, g, bl)
		if mx < 100 || float64(mx-mn) < 0.5*float64(mx) {
			continue
		}
		var h float64
		switch mx {
		case r:
			h = 60 * float64(int(g)-int(bl)) / float64(mx-mn)
		case g:
			h = 120 + 60*float64(int(bl)-int(r))/float64(mx-mn)
		default:
			h = 240 + 60*float64(int(r)-int(g))/float64(mx-mn)
		}
		if h < 0 {
			h += 360
		}
		hues[int((h+30)/60)%6] = true
	}
	return len(hues) >= 4, len(hues)
}

func qemuIsBars(data []byte) bool {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return false
	}
	ok, _ := qemuColourBars(img)
	return ok
}

// qemuLoopKind classifies a part of the loopback stream: "exact" (a producer
// frame with DHT, byte-identical), "fixed" (a DHT-less producer frame with
// DHT inserted and nothing else changed) or "other" (e.g. NO SIGNAL).
func qemuLoopKind(data []byte) (string, int) {
	for i, f := range qemuEnv.withDHT {
		if f != nil && bytes.Equal(f, data) {
			return "exact", i
		}
	}
	stripped, n := qemuStripDHT(data)
	if n > 0 {
		for i, f := range qemuEnv.noDHT {
			if f != nil && bytes.Equal(f, stripped) {
				return "fixed", i
			}
		}
	}
	return "other", -1
}
