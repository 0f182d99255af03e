package tjpeg

/*
#cgo LDFLAGS: -lturbojpeg
#include <turbojpeg.h>

// The plane pointer array lives on the C stack: a Go array holding Go
// pointers may not be handed to C.
static int tjpeg_decode_planes(tjhandle h, const unsigned char *buf,
		unsigned long n, unsigned char *y, unsigned char *u, unsigned char *v,
		int sy, int sc, int flags) {
	unsigned char *planes[3] = {y, u, v};
	int strides[3] = {sy, sc, sc};
	return tjDecompressToYUVPlanes(h, buf, n, planes, 0, strides, 0, flags);
}
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"
)

// I420 is a picture in planar YCbCr 4:2:0 (I420, what H.264 encoders take):
// a Y plane of Width x Height samples and U and V planes of half that each
// way, rows YStride and CStride bytes apart. The values are JPEG's, that is
// full range (0..255) BT.601.
//
// A zero I420 is ready for Decoder.DecodeI420, which reuses its buffers from
// frame to frame; it must not be used by two decodes at once.
type I420 struct {
	Y, U, V          []byte
	YStride, CStride int
	// Width and Height are even: 4:2:0 has no half chroma samples, so
	// DecodeI420 drops an odd last column or row.
	Width, Height int

	// cu and cv receive chroma in the JPEG's own subsampling when that is
	// not 4:2:0, to be resampled into U and V.
	cu, cv []byte
}

// errTooSmall refuses pictures that are empty once cropped to even sizes.
var errTooSmall = errors.New("tjpeg: decode I420: picture narrower or shorter than 2 pixels")

// DecodeI420 decodes jpeg into dst without colour conversion or chroma
// upsampling (tjDecompressToYUVPlanes): 2.2 ms for the 720p reference frame
// against 2.55 ms to RGBA here, and no RGB-to-YUV pass after it.
//
// A 4:2:0 JPEG decodes straight into dst's planes, whose strides are then
// the library's padded plane widths. Other subsamplings (USB webcams send
// 4:2:2) decode their chroma into scratch planes and are resampled by box
// averaging: 4:2:2 costs one word-at-a-time row average per chroma row;
// grayscale gets neutral (128) chroma.
//
// Errors follow DecodeRGBA: damaged but decodable data gives a complete
// picture together with an error wrapping ErrWarning; any other error means
// dst holds no usable picture (its buffers may have been partly written).
// The size is not limited here: check DecodeHeader first when the data comes
// from an untrusted peer.
func (d *Decoder) DecodeI420(dst *I420, jpeg []byte) error {
	if d.h == nil {
		return errClosed
	}
	hdr, err := header(d.h, jpeg)
	if err != nil {
		d.reset()
		return err
	}
	if !hasQuantTable(jpeg) {
		return errNoQuantTable
	}
	w, h := hdr.Width&^1, hdr.Height&^1
	if w == 0 || h == 0 {
		return errTooSmall
	}
	sub := C.int(hdr.Subsamp)
	ysw, ysh := int(C.tjPlaneWidth(0, C.int(hdr.Width), sub)), int(C.tjPlaneHeight(0, C.int(hdr.Height), sub))
	csw, csh := 0, 0
	if hdr.Subsamp != SubsampGray {
		csw, csh = int(C.tjPlaneWidth(1, C.int(hdr.Width), sub)), int(C.tjPlaneHeight(1, C.int(hdr.Height), sub))
	}
	if ysw <= 0 || ysh <= 0 || csw < 0 || csh < 0 {
		return fmt.Errorf("tjpeg: decode I420: no plane layout for %v", hdr.Subsamp)
	}

	dst.Width, dst.Height = w, h
	dst.Y, dst.YStride = resize(dst.Y, ysw*ysh), ysw
	// Chroma goes straight into U and V for 4:2:0, else into the scratch
	// planes while U and V get the tight 4:2:0 layout.
	cu, cv, cstride := &dst.U, &dst.V, csw
	if hdr.Subsamp == Subsamp420 {
		dst.CStride = csw
	} else {
		dst.CStride = w / 2
		dst.U, dst.V = resize(dst.U, w/2*h/2), resize(dst.V, w/2*h/2)
		cu, cv = &dst.cu, &dst.cv
	}
	if csw > 0 {
		*cu, *cv = resize(*cu, csw*csh), resize(*cv, csw*csh)
	}

	err = d.decodePlanes(jpeg, dst.Y, *cu, *cv, ysw, cstride)
	if err != nil && !errors.Is(err, ErrWarning) {
		return err
	}
	switch hdr.Subsamp {
	case Subsamp420:
	case SubsampGray:
		fillBytes(dst.U, 128)
		fillBytes(dst.V, 128)
	case Subsamp422:
		halveRows(dst.U, dst.CStride, dst.cu, csw, w/2, h/2)
		halveRows(dst.V, dst.CStride, dst.cv, csw, w/2, h/2)
	default:
		hf, vf := hdr.Subsamp.factors()
		boxTo420(dst.U, dst.CStride, dst.cu, csw, w/2, h/2, hf, vf)
		boxTo420(dst.V, dst.CStride, dst.cv, csw, w/2, h/2, hf, vf)
	}
	return err
}

// decodePlanes runs the library into planes the caller sized. On a warning
// it makes sure the picture is complete: TurboJPEG 2.1 reports a fatal error
// that follows a warning as a warning too, and then stops writing. The last
// Y byte is written last, in the final iMCU row, but it can legitimately
// hold any value, so a frame whose sentinel survives is decoded once more
// with the other sentinel: a complete decode writes the same byte both
// times. Warnings are rare, so the second pass costs nothing in practice.
func (d *Decoder) decodePlanes(jpeg, y, u, v []byte, ys, cs int) error {
	last := &y[len(y)-1]
	var err error
	for _, sentinel := range [...]byte{0x00, 0xFF} {
		*last = sentinel
		var pu, pv *C.uchar
		if len(u) > 0 {
			pu, pv = (*C.uchar)(unsafe.Pointer(&u[0])), (*C.uchar)(unsafe.Pointer(&v[0]))
		}
		rc := C.tjpeg_decode_planes(d.h, (*C.uchar)(unsafe.Pointer(&jpeg[0])), C.ulong(len(jpeg)),
			(*C.uchar)(unsafe.Pointer(&y[0])), pu, pv, C.int(ys), C.int(cs), C.TJFLAG_LIMITSCANS)
		if rc == 0 {
			return nil
		}
		err = tjError(d.h, "decompress to YUV")
		if C.tjGetErrorCode(d.h) != C.TJERR_WARNING {
			d.reset()
			return err
		}
		d.reset() // a stopped decode leaves the handle mid-stream
		if *last != sentinel {
			return err
		}
	}
	return fmt.Errorf("tjpeg: decompress to YUV: incomplete image: %w", err)
}

// halveRows turns 4:2:2 chroma (full height) into 4:2:0 by averaging each
// pair of rows, eight bytes at a time: (a|b) - ((a^b)>>1) is the rounded-up
// mean of every byte lane without carries between lanes. USB webcams
// deliver 4:2:2, so this runs every frame; a 4:2:2 720p frame decodes in
// 2.45 ms against 2.2 ms for 4:2:0, the larger entropy decode included.
func halveRows(dst []byte, dstride int, src []byte, sstride, cw, ch int) {
	le := binary.LittleEndian
	for r := 0; r < ch; r++ {
		a := src[2*r*sstride : 2*r*sstride+cw]
		b := src[(2*r+1)*sstride : (2*r+1)*sstride+cw]
		o := dst[r*dstride : r*dstride+cw]
		for len(a) >= 8 && len(b) >= 8 && len(o) >= 8 {
			x, y := le.Uint64(a), le.Uint64(b)
			le.PutUint64(o, (x|y)-((x^y)>>1&0x7F7F7F7F7F7F7F7F))
			a, b, o = a[8:], b[8:], o[8:]
		}
		for i := range o {
			o[i] = uint8((int(a[i]) + int(b[i]) + 1) >> 1)
		}
	}
}

// boxTo420 resamples chroma of any other layout (hf x vf luma pixels per
// chroma sample) by averaging the samples under each 2x2 luma block. It is
// plain per-sample Go: 4:4:4, 4:4:0 and 4:1:1 cameras are rare enough that
// ~1-2 ms per 720p frame does not matter.
func boxTo420(dst []byte, dstride int, src []byte, sstride, cw, ch, hf, vf int) {
	for r := 0; r < ch; r++ {
		r0, r1 := src[(2*r)/vf*sstride:], src[(2*r+1)/vf*sstride:]
		o := dst[r*dstride : r*dstride+cw]
		for c := range o {
			x0, x1 := (2*c)/hf, (2*c+1)/hf
			o[c] = uint8((int(r0[x0]) + int(r0[x1]) + int(r1[x0]) + int(r1[x1]) + 2) >> 2)
		}
	}
}

// fillBytes sets every byte of b to v by doubling copies (memmove speed).
func fillBytes(b []byte, v byte) {
	if len(b) == 0 {
		return
	}
	b[0] = v
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}
