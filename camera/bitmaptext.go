package camera

import (
	"image"
	"image/color"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// bitmapTextMaxChars bounds the glyph buffer; longer text is cut.
const bitmapTextMaxChars = 64

// bitmapText draws text with the 7x13 bitmap font rendered at 1x and blown
// up with nearest-neighbour: crisp and readable on a phone at any frame size,
// with no font files. The test pattern and the NO SIGNAL card share it.
// It is not safe for concurrent use.
type bitmapText struct {
	glyphs *image.RGBA // 1x scratch buffer, reused for every string
	drawer font.Drawer
}

func newBitmapText() *bitmapText {
	face := basicfont.Face7x13
	g := image.NewRGBA(image.Rect(0, 0, face.Advance*bitmapTextMaxChars, face.Height))
	return &bitmapText{glyphs: g, drawer: font.Drawer{Dst: g, Src: image.White, Face: face}}
}

// render draws s at 1x into the scratch buffer and returns its size, so a
// caller can place or back it before blit.
func (t *bitmapText) render(s string) (w, h int) {
	clear(t.glyphs.Pix)
	t.drawer.Dot = fixed.P(0, basicfont.Face7x13.Ascent)
	t.drawer.DrawString(s)
	return min(t.drawer.Dot.X.Ceil(), t.glyphs.Rect.Dx()), t.glyphs.Rect.Dy()
}

// blit copies the last rendered text onto dst at (x, y), scale pixels per
// glyph pixel, in colour c; fill clips at dst's edges.
func (t *bitmapText) blit(dst *image.RGBA, w, x, y, scale int, c color.RGBA) {
	for ty := range t.glyphs.Rect.Dy() {
		row := t.glyphs.Pix[ty*t.glyphs.Stride:]
		for tx := range w {
			if row[4*tx+3] >= 128 {
				fill(dst, image.Rect(x+tx*scale, y+ty*scale, x+(tx+1)*scale, y+(ty+1)*scale), c)
			}
		}
	}
}

// draw renders s and blits it at (x, y).
func (t *bitmapText) draw(dst *image.RGBA, s string, x, y, scale int, c color.RGBA) {
	w, _ := t.render(s)
	t.blit(dst, w, x, y, scale, c)
}

// drawCentered draws s centred horizontally on dst at row y.
func (t *bitmapText) drawCentered(dst *image.RGBA, s string, y, scale int, c color.RGBA) {
	w, _ := t.render(s)
	t.blit(dst, w, max((dst.Rect.Dx()-w*scale)/2, 0), y, scale, c)
}
