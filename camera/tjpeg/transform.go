package tjpeg

/*
#cgo LDFLAGS: -lturbojpeg
#include <string.h>
#include <turbojpeg.h>

// tjpeg_transform runs one lossless transform into out (cap bytes, sized
// by tjBufSize for the output so NOREALLOC cannot overflow). It returns the
// JPEG size, or -1 with the handle's error set.
static long tjpeg_transform(tjhandle h, const unsigned char *src,
		unsigned long n, int op, int opts, unsigned char *out,
		unsigned long cap) {
	tjtransform xf;
	memset(&xf, 0, sizeof xf);
	xf.op = op;
	xf.options = opts;
	unsigned char *buf = out;
	unsigned long size = cap;
	if (tjTransform(h, src, n, 1, &buf, &size, &xf, TJFLAG_NOREALLOC) < 0)
		return -1;
	return (long)size;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// Op is a lossless transform of a JPEG: the values equal TurboJPEG's
// TJXOP_*. The eight ops are every rotation by a multiple of 90° with and
// without a mirror.
type Op int

// The transforms.
const (
	OpNone       Op = C.TJXOP_NONE
	OpHFlip      Op = C.TJXOP_HFLIP      // mirror left-right
	OpVFlip      Op = C.TJXOP_VFLIP      // mirror top-bottom
	OpTranspose  Op = C.TJXOP_TRANSPOSE  // mirror along the top-left to bottom-right diagonal
	OpTransverse Op = C.TJXOP_TRANSVERSE // mirror along the other diagonal
	OpRot90      Op = C.TJXOP_ROT90      // clockwise
	OpRot180     Op = C.TJXOP_ROT180
	OpRot270     Op = C.TJXOP_ROT270
)

// OpFor is the single transform that rotates clockwise by degrees (0, 90,
// 180 or 270) and then, when mirror is set, mirrors the result left-right.
func OpFor(degrees int, mirror bool) (Op, error) {
	plain := map[int]Op{0: OpNone, 90: OpRot90, 180: OpRot180, 270: OpRot270}
	mirrored := map[int]Op{0: OpHFlip, 90: OpTranspose, 180: OpVFlip, 270: OpTransverse}
	m := plain
	if mirror {
		m = mirrored
	}
	op, ok := m[degrees]
	if !ok {
		return OpNone, fmt.Errorf("rotation %d: want 0, 90, 180 or 270", degrees)
	}
	return op, nil
}

// SwapsAxes says whether the op turns a W×H picture into H×W.
func (op Op) SwapsAxes() bool {
	return op == OpTranspose || op == OpTransverse || op == OpRot90 || op == OpRot270
}

// ErrImperfect is wrapped by Transform's error when perfect was asked for
// and the picture's size is not a whole number of MCU blocks in the
// direction the transform moves them.
var ErrImperfect = errors.New("tjpeg: transform would not be perfect (partial MCU blocks)")

// Transformer applies lossless transforms with one TurboJPEG handle and one
// reusable output buffer: the coefficients are moved, not decoded, so the
// picture loses nothing and costs a fraction of decode+encode. It is not
// safe for concurrent use.
type Transformer struct {
	h   C.tjhandle
	buf *C.uchar
	cap int
}

// NewTransformer allocates the C-side transformer; Close frees it.
func NewTransformer() (*Transformer, error) {
	h := C.tjInitTransform()
	if h == nil {
		return nil, tjError(nil, "init transformer")
	}
	return &Transformer{h: h}, nil
}

// Close frees the C resources; it is idempotent.
func (t *Transformer) Close() {
	if t.h != nil {
		C.tjDestroy(t.h)
		t.h = nil
	}
	if t.buf != nil {
		C.tjFree(t.buf)
		t.buf, t.cap = nil, 0
	}
}

// Transform applies op to jpeg and returns a new slice (published frames
// are immutable, so the result is never written again) with the result's
// size. With perfect, a picture whose edge blocks cannot be moved whole is
// an error wrapping ErrImperfect; without it those partial blocks are
// trimmed off (at most one MCU, 15 pixels, per edge): jpegtran's -trim.
func (t *Transformer) Transform(jpeg []byte, op Op, perfect bool) (out []byte, w, h int, err error) {
	if t.h == nil {
		return nil, 0, 0, errors.New("tjpeg: transformer is closed")
	}
	hdr, err := DecodeHeader(jpeg)
	if err != nil {
		return nil, 0, 0, err
	}
	if perfect && !aligned(hdr, op) {
		return nil, 0, 0, fmt.Errorf("%w: %dx%d %v", ErrImperfect, hdr.Width, hdr.Height, hdr.Subsamp)
	}
	w, h = hdr.Width, hdr.Height
	if op.SwapsAxes() {
		w, h = h, w
	}
	sub := hdr.Subsamp
	if !sub.valid() {
		sub = Subsamp444 // the largest bound
	}
	need := int(C.tjBufSize(C.int(w), C.int(h), C.int(sub)))
	if need <= 0 {
		return nil, 0, 0, tjError(t.h, "buffer size")
	}
	need += len(jpeg) / 4 // markers (EXIF, comments) are copied as they are
	if t.cap < need {
		if t.buf != nil {
			C.tjFree(t.buf)
		}
		t.buf = C.tjAlloc(C.int(need))
		if t.buf == nil {
			t.cap = 0
			return nil, 0, 0, fmt.Errorf("tjpeg: transform: no memory for %d bytes", need)
		}
		t.cap = need
	}
	opts := C.int(C.TJXOPT_TRIM)
	if perfect {
		opts = C.TJXOPT_PERFECT
	}
	n := C.tjpeg_transform(t.h, (*C.uchar)(unsafe.Pointer(&jpeg[0])), C.ulong(len(jpeg)), C.int(op), opts, t.buf, C.ulong(t.cap))
	if n < 0 {
		return nil, 0, 0, tjError(t.h, "transform")
	}
	out = C.GoBytes(unsafe.Pointer(t.buf), C.int(n))
	if !perfect {
		got, err := DecodeHeader(out)
		if err != nil {
			return nil, 0, 0, err
		}
		w, h = got.Width, got.Height
	}
	return out, w, h, nil
}

// aligned says whether op can move every block of a picture with header h
// whole (TurboJPEG's rule for TJXOPT_PERFECT).
func aligned(h Header, op Op) bool {
	mw, mh := mcuSize(h.Subsamp)
	xOK, yOK := h.Width%mw == 0, h.Height%mh == 0
	switch op {
	case OpNone, OpTranspose:
		return true
	case OpHFlip:
		return xOK
	case OpVFlip:
		return yOK
	case OpRot90:
		return yOK
	case OpRot270:
		return xOK
	}
	return xOK && yOK // ROT180, TRANSVERSE
}

// mcuSize is the MCU block size in pixels for a subsampling.
func mcuSize(s Subsamp) (w, h int) {
	if !s.valid() || s == SubsampGray {
		return 8, 8
	}
	hf, vf := s.factors()
	return 8 * hf, 8 * vf
}
