package camera

import (
	"encoding/binary"
	"image"

	"lancam/camera/tjpeg"
)

// turnRGBA writes src turned by op into dst (reused when it has the right
// size) and returns it: the pixel path for frames a lossless transform
// would crop or is too slow for. The destination is written in order, a
// row at a time; each op is an affine walk through the source, so the
// inner loop is one offset step per pixel.
func turnRGBA(dst, src *image.RGBA, op tjpeg.Op) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if op.SwapsAxes() {
		dw, dh = h, w
	}
	if dst == nil || dst.Rect.Dx() != dw || dst.Rect.Dy() != dh {
		dst = image.NewRGBA(image.Rect(0, 0, dw, dh))
	}
	// The source pixel shown at destination (x, y) is
	// (x0 + ax*x + bx*y, y0 + ay*x + by*y).
	var x0, ax, bx, y0, ay, by int
	switch op {
	case tjpeg.OpHFlip:
		x0, ax, by = w-1, -1, 1
	case tjpeg.OpVFlip:
		ax, y0, by = 1, h-1, -1
	case tjpeg.OpRot180:
		x0, ax, y0, by = w-1, -1, h-1, -1
	case tjpeg.OpTranspose:
		bx, ay = 1, 1
	case tjpeg.OpTransverse:
		x0, bx, y0, ay = w-1, -1, h-1, -1
	case tjpeg.OpRot90: // clockwise: the left column becomes the top row
		bx, y0, ay = 1, h-1, -1
	case tjpeg.OpRot270:
		x0, bx, ay = w-1, -1, 1
	default:
		ax, by = 1, 1
	}
	step := ay*src.Stride + 4*ax
	base := src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y)
	for y := range dh {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
		o := base + (y0+by*y)*src.Stride + 4*(x0+bx*y)
		for x := 0; x < len(row); x += 4 {
			binary.LittleEndian.PutUint32(row[x:], binary.LittleEndian.Uint32(src.Pix[o:]))
			o += step
		}
	}
	return dst
}
