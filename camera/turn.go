package camera

import (
	"encoding/binary"
	"image"

	"lancam/camera/tjpeg"
)

// turnRGBA writes src turned by op into dst (reused when it has the right
// size) and returns it: the pixel path for frames a lossless transform
// would crop. The destination is walked in order, a row at a time, so
// writes stream; reads stride through the source.
func turnRGBA(dst, src *image.RGBA, op tjpeg.Op) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if op.SwapsAxes() {
		dw, dh = h, w
	}
	if dst == nil || dst.Rect.Dx() != dw || dst.Rect.Dy() != dh {
		dst = image.NewRGBA(image.Rect(0, 0, dw, dh))
	}
	// from gives the source pixel shown at destination (x, y).
	var from func(x, y int) (int, int)
	switch op {
	case tjpeg.OpHFlip:
		from = func(x, y int) (int, int) { return w - 1 - x, y }
	case tjpeg.OpVFlip:
		from = func(x, y int) (int, int) { return x, h - 1 - y }
	case tjpeg.OpRot180:
		from = func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }
	case tjpeg.OpTranspose:
		from = func(x, y int) (int, int) { return y, x }
	case tjpeg.OpTransverse:
		from = func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }
	case tjpeg.OpRot90: // clockwise: the left column becomes the top row
		from = func(x, y int) (int, int) { return y, h - 1 - x }
	case tjpeg.OpRot270:
		from = func(x, y int) (int, int) { return w - 1 - y, x }
	default:
		from = func(x, y int) (int, int) { return x, y }
	}
	for y := range dh {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
		for x := range dw {
			sx, sy := from(x, y)
			o := src.PixOffset(src.Rect.Min.X+sx, src.Rect.Min.Y+sy)
			binary.LittleEndian.PutUint32(row[4*x:], binary.LittleEndian.Uint32(src.Pix[o:]))
		}
	}
	return dst
}
