package tjpeg

/*
#cgo LDFLAGS: -lturbojpeg
#include <turbojpeg.h>

// The wrappers keep the in/out buffer pointer and size on the C stack: taking
// the address of Go variables would make them escape (one allocation per
// frame), and the plane pointer array must not be Go memory holding Go
// pointers. They return the JPEG size, or -1 with the handle's error set.

static long tjpeg_compress(tjhandle h, const unsigned char *src, int w,
		int pitch, int ht, int pf, unsigned char *out, unsigned long cap,
		int sub, int q) {
	unsigned char *buf = out;
	unsigned long size = cap;
	if (tjCompress2(h, src, w, pitch, ht, pf, &buf, &size, sub, q,
			TJFLAG_NOREALLOC) < 0)
		return -1;
	return (long)size;
}

static long tjpeg_compress_planes(tjhandle h, const unsigned char *y,
		const unsigned char *u, const unsigned char *v, int sy, int su, int sv,
		int w, int ht, int sub, unsigned char *out, unsigned long cap, int q) {
	const unsigned char *planes[3] = {y, u, v};
	int strides[3] = {sy, su, sv};
	unsigned char *buf = out;
	unsigned long size = cap;
	if (tjCompressFromYUVPlanes(h, planes, w, strides, ht, sub, &buf, &size, q,
			TJFLAG_NOREALLOC) < 0)
		return -1;
	return (long)size;
}
*/
import "C"

import (
	"fmt"
	"image"
	"math"
	"unsafe"
)

// Encoder compresses frames with one TurboJPEG handle and one reusable
// output buffer. It is not safe for concurrent use: give each encoding
// goroutine its own.
//
// It passes no DCT flag, so TurboJPEG picks its default: the fast forward DCT
// below quality 96, the accurate one from 96 up. On the 720p reference frame
// at quality 80, forcing the accurate DCT cost ~35% more CPU for +0.02 dB.
type Encoder struct {
	h   C.tjhandle
	buf *C.uchar // tjAlloc'd; sized by tjBufSize so NOREALLOC can never overflow
	cap int
}

// NewEncoder allocates the C-side compressor. Call Close when done: the
// handle and buffer live outside the Go heap and are not garbage collected.
func NewEncoder() (*Encoder, error) {
	h := C.tjInitCompress()
	if h == nil {
		return nil, tjError(nil, "init compressor")
	}
	return &Encoder{h: h}, nil
}

// Close frees the C resources. It is idempotent so it can be deferred next
// to an explicit early Close.
func (e *Encoder) Close() {
	if e.h != nil {
		C.tjDestroy(e.h)
		e.h = nil
	}
	if e.buf != nil {
		C.tjFree(e.buf)
		e.buf = nil
		e.cap = 0
	}
}

// EncodeRGBA compresses img (honouring img.Rect and img.Stride, so
// sub-images work; alpha is ignored) at quality 1..100.
//
// The JPEG is copied into dst[:0]'s backing array when it fits, else into a
// new slice. Reusing dst is only for callers that own the bytes afterwards:
// anyone publishing the result (a camera.Frame, which subscribers read
// concurrently) must pass nil, because published frames are immutable.
func (e *Encoder) EncodeRGBA(dst []byte, img *image.RGBA, sub Subsamp, quality int) ([]byte, error) {
	if img == nil || img.Rect.Empty() {
		return nil, fmt.Errorf("tjpeg: encode: empty image")
	}
	r := img.Rect
	pix := img.Pix[img.PixOffset(r.Min.X, r.Min.Y):]
	return e.encodePacked(dst, pix, r.Dx(), r.Dy(), img.Stride, 4, C.TJPF_RGBX, sub, quality)
}

// EncodeRGB compresses packed 24-bit RGB (stride bytes per row, >= 3*w) with
// the same dst semantics as EncodeRGBA.
func (e *Encoder) EncodeRGB(dst []byte, pix []byte, w, h, stride int, sub Subsamp, quality int) ([]byte, error) {
	return e.encodePacked(dst, pix, w, h, stride, 3, C.TJPF_RGB, sub, quality)
}

func (e *Encoder) encodePacked(dst, pix []byte, w, h, stride, bpp int, pf C.int, sub Subsamp, quality int) ([]byte, error) {
	if err := e.check(w, h, sub, quality); err != nil {
		return nil, err
	}
	if err := checkPlane("pixels", pix, w*bpp, h, stride); err != nil {
		return nil, err
	}
	if err := e.grow(w, h, sub); err != nil {
		return nil, err
	}
	n := C.tjpeg_compress(e.h, (*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w),
		C.int(stride), C.int(h), pf, e.buf, C.ulong(e.cap), C.int(sub), C.int(quality))
	return e.result(dst, n)
}

// EncodeYUVPlanes compresses planar YCbCr straight into JPEG, skipping the
// RGB round trip: this is the cheap path for raw camera frames (YUYV split
// into 4:2:2 planes, NV12 de-interleaved to 4:2:0, YU12 as is).
//
// sub describes the planes' layout. Plane sizes follow TurboJPEG: the Y plane
// is w x h padded up to a multiple of the subsampling factors, the chroma
// planes are that divided by the factors. A stride of 0 means tightly packed
// (the plane width); for SubsampGray u and v are ignored and may be nil.
//
// JPEG (JFIF) defines YCbCr as full range. Most V4L2 YUV is limited range
// (16..235), which encodes fine but displays slightly flat; expand the range
// first if colour fidelity matters more than CPU.
//
// dst semantics are as for EncodeRGBA.
func (e *Encoder) EncodeYUVPlanes(dst []byte, y, u, v []byte, strides [3]int, w, h int, sub Subsamp, quality int) ([]byte, error) {
	if err := e.check(w, h, sub, quality); err != nil {
		return nil, err
	}
	hf, vf := sub.factors()
	yw, yh := pad(w, hf), pad(h, vf)
	planes := [3][]byte{y, u, v}
	nplanes := 3
	if sub == SubsampGray {
		nplanes = 1
	}
	var ptr [3]*C.uchar
	for i := 0; i < nplanes; i++ {
		pw, ph := yw, yh
		if i > 0 {
			pw, ph = yw/hf, yh/vf
		}
		if strides[i] == 0 {
			strides[i] = pw
		}
		if err := checkPlane([3]string{"Y plane", "U plane", "V plane"}[i], planes[i], pw, ph, strides[i]); err != nil {
			return nil, err
		}
		ptr[i] = (*C.uchar)(unsafe.Pointer(&planes[i][0]))
	}
	if err := e.grow(w, h, sub); err != nil {
		return nil, err
	}
	n := C.tjpeg_compress_planes(e.h, ptr[0], ptr[1], ptr[2],
		C.int(strides[0]), C.int(strides[1]), C.int(strides[2]),
		C.int(w), C.int(h), C.int(sub), e.buf, C.ulong(e.cap), C.int(quality))
	return e.result(dst, n)
}

// maxDim is JPEG's hard limit on either dimension; checking it up front also
// keeps w*h*4 far from overflowing C int.
const maxDim = 65500

func (e *Encoder) check(w, h int, sub Subsamp, quality int) error {
	switch {
	case e.h == nil:
		return errClosed
	case w <= 0 || h <= 0 || w > maxDim || h > maxDim:
		return fmt.Errorf("tjpeg: encode: bad size %dx%d", w, h)
	case !sub.valid():
		return fmt.Errorf("tjpeg: encode: bad subsampling %v", sub)
	case quality < 1 || quality > 100:
		return fmt.Errorf("tjpeg: encode: quality %d outside 1..100", quality)
	}
	return nil
}

// grow makes the output buffer big enough for the worst case of this frame
// size, so TJFLAG_NOREALLOC is safe and steady-state encoding allocates
// nothing on the C side either.
func (e *Encoder) grow(w, h int, sub Subsamp) error {
	need := C.tjBufSize(C.int(w), C.int(h), C.int(sub))
	if need == ^C.ulong(0) || need > math.MaxInt32 {
		return tjError(nil, "buffer size")
	}
	if int(need) <= e.cap {
		return nil
	}
	if e.buf != nil {
		C.tjFree(e.buf)
		e.buf, e.cap = nil, 0
	}
	e.buf = C.tjAlloc(C.int(need))
	if e.buf == nil {
		return fmt.Errorf("tjpeg: encode: cannot allocate %d bytes", need)
	}
	e.cap = int(need)
	return nil
}

func (e *Encoder) result(dst []byte, n C.long) ([]byte, error) {
	if n < 0 {
		return nil, tjError(e.h, "compress")
	}
	return append(dst[:0], unsafe.Slice((*byte)(unsafe.Pointer(e.buf)), int(n))...), nil
}

// checkPlane verifies that rows of rowBytes at stride fit in p, because C
// would otherwise read past the slice without any bounds check.
func checkPlane(name string, p []byte, rowBytes, rows, stride int) error {
	if stride < rowBytes {
		return fmt.Errorf("tjpeg: %s: stride %d < row size %d", name, stride, rowBytes)
	}
	if need := (rows-1)*stride + rowBytes; len(p) < need {
		return fmt.Errorf("tjpeg: %s: %d bytes, need %d", name, len(p), need)
	}
	return nil
}

func pad(n, m int) int { return (n + m - 1) / m * m }
