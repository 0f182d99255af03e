package tjpeg

/*
#cgo LDFLAGS: -lturbojpeg
#include <turbojpeg.h>

typedef struct { int rc, w, h, sub; } tjpeg_hdr;

// Data cut off before the frame header looks like a "tables-only" stream,
// for which the library returns success without touching the outputs; zero
// them so the Go side can tell.
// Returned by value so the outputs live on the C stack: passing addresses of
// Go locals would heap-allocate them on every frame.
static tjpeg_hdr tjpeg_header(tjhandle h, const unsigned char *buf,
		unsigned long n) {
	tjpeg_hdr r = {0, 0, 0, -1};
	int cs;
	r.rc = tjDecompressHeader3(h, buf, n, &r.w, &r.h, &r.sub, &cs);
	return r;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"
)

// Decoder decompresses with one TurboJPEG handle. It is not safe for
// concurrent use: give each decoding goroutine its own.
type Decoder struct {
	h C.tjhandle
}

// NewDecoder allocates the C-side decompressor. Call Close when done: the
// handle lives outside the Go heap and is not garbage collected.
func NewDecoder() (*Decoder, error) {
	h := C.tjInitDecompress()
	if h == nil {
		return nil, tjError(nil, "init decompressor")
	}
	return &Decoder{h: h}, nil
}

// Close frees the handle. It is idempotent so it can be deferred next to an
// explicit early Close.
func (d *Decoder) Close() {
	if d.h != nil {
		C.tjDestroy(d.h)
		d.h = nil
	}
}

// DecodeRGBA decodes jpeg at scale s (DCT scaling: far cheaper than decoding
// full size and resizing) into dst when dst is non-nil and exactly the scaled
// size, so a preview loop reusing its image allocates nothing per frame;
// otherwise it allocates a new image. Alpha is set opaque.
//
// Decoding uses the library defaults (accurate IDCT, smooth upsampling), as
// tjbench does, so a preview shows what viewers get; no speed knobs until a
// preview proves too slow. TJFLAG_LIMITSCANS refuses progressive frames
// with absurd scan counts (a peer could otherwise stall a viewer).
//
// If the data is damaged but decodable, the image is returned together with
// an error wrapping ErrWarning; on any other error the image is nil.
func (d *Decoder) DecodeRGBA(dst *image.RGBA, jpeg []byte, s Scale) (*image.RGBA, error) {
	if d.h == nil {
		return nil, errClosed
	}
	if !s.supported() {
		return nil, fmt.Errorf("tjpeg: decode: unsupported scale %v", s)
	}
	hdr, err := header(d.h, jpeg)
	if err != nil {
		d.reset()
		return nil, err
	}
	if !hasQuantTable(jpeg) {
		return nil, errNoQuantTable
	}
	w, h := s.Size(hdr.Width, hdr.Height)
	if !fits(dst, w, h) {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	pix := dst.Pix[dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y):]
	// The last pixel's alpha, which the library writes (0xFF) last, tells a
	// finished decode from one that stopped early.
	last := &pix[(h-1)*dst.Stride+w*4-1]
	*last = 0
	rc := C.tjDecompress2(d.h, (*C.uchar)(unsafe.Pointer(&jpeg[0])), C.ulong(len(jpeg)),
		(*C.uchar)(unsafe.Pointer(&pix[0])), C.int(w), C.int(dst.Stride), C.int(h), C.TJPF_RGBA, C.TJFLAG_LIMITSCANS)
	if rc < 0 {
		err := tjError(d.h, "decompress")
		if C.tjGetErrorCode(d.h) == C.TJERR_WARNING {
			if *last == 0xFF {
				return dst, err
			}
			// TurboJPEG 2.1 reports a fatal error that follows a warning
			// as a warning too; the picture was never (fully) written.
			err = fmt.Errorf("tjpeg: decompress: incomplete image: %s", C.GoString(C.tjGetErrorStr2(d.h)))
		}
		d.reset()
		return nil, err
	}
	return dst, nil
}

// reset replaces the handle after a fatal error: TurboJPEG 2.1 leaves a
// failed decompressor mid-stream (the next frame then fails with "two SOI
// markers"), so one corrupt frame from a camera or a peer would break every
// later frame. tjInitDecompress costs microseconds; errors are rare.
func (d *Decoder) reset() {
	if h := C.tjInitDecompress(); h != nil {
		C.tjDestroy(d.h)
		d.h = h
	}
}

// fits reports whether img can take a w x h decode in place; anything else
// (wrong size, hand-built image with a short Pix) gets a fresh image rather
// than letting C write out of bounds.
func fits(img *image.RGBA, w, h int) bool {
	if img == nil || img.Rect.Dx() != w || img.Rect.Dy() != h {
		return false
	}
	off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
	return off >= 0 && off <= len(img.Pix) &&
		checkPlane("dst", img.Pix[off:], w*4, h, img.Stride) == nil
}

// DecodeHeader reads the size and subsampling without decoding pixels: cheap
// enough to validate uploaded files and to learn a frame's size before
// allocating for it. Non-JPEG or truncated-before-the-frame-header data is an
// error. Safe for concurrent use.
func DecodeHeader(jpeg []byte) (Header, error) {
	h, err := getHeaderHandle()
	if err != nil {
		return Header{}, err
	}
	hdr, err := header(h, jpeg)
	if err != nil {
		C.tjDestroy(h) // a failed handle is left mid-stream: see Decoder.reset
		return Header{}, err
	}
	putHeaderHandle(h)
	return hdr, nil
}

func header(h C.tjhandle, jpeg []byte) (Header, error) {
	if len(jpeg) == 0 {
		return Header{}, fmt.Errorf("tjpeg: header: empty input")
	}
	r := C.tjpeg_header(h, (*C.uchar)(unsafe.Pointer(&jpeg[0])), C.ulong(len(jpeg)))
	if r.rc < 0 {
		// Never ErrWarning: the library files "missing SOS marker" (data cut
		// after the frame header) as a warning, but without a header there is
		// no picture, and ErrWarning promises one.
		return Header{}, fmt.Errorf("tjpeg: header: %s", C.GoString(C.tjGetErrorStr2(h)))
	}
	if r.w <= 0 || r.h <= 0 {
		return Header{}, fmt.Errorf("tjpeg: header: no image (truncated or tables-only JPEG)")
	}
	return Header{Width: int(r.w), Height: int(r.h), Subsamp: Subsamp(r.sub)}, nil
}

// headerHandles is a bounded free list rather than a sync.Pool: a pool may
// drop entries at any GC, which would leak their C memory without finalizers.
var headerHandles = make(chan C.tjhandle, 4)

func getHeaderHandle() (C.tjhandle, error) {
	select {
	case h := <-headerHandles:
		return h, nil
	default:
	}
	h := C.tjInitDecompress()
	if h == nil {
		return nil, tjError(nil, "init decompressor")
	}
	return h, nil
}

func putHeaderHandle(h C.tjhandle) {
	select {
	case headerHandles <- h:
	default:
		C.tjDestroy(h)
	}
}

// errNoQuantTable refuses a frame without its own quantization table: the
// library would use the previous frame's (JPEG's abbreviated streams keep
// tables across images), so what it shows would depend on what came
// before. Cameras send one with every frame.
var errNoQuantTable = errors.New("tjpeg: decompress: no quantization table before the scan")

// hasQuantTable walks the marker segments up to the first scan and reports
// whether a DQT is among them. Anything malformed counts as present: the
// library then reports the real error.
func hasQuantTable(jpeg []byte) bool {
	for i := 2; i+4 <= len(jpeg); {
		if jpeg[i] != 0xFF {
			return true
		}
		switch m := jpeg[i+1]; {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xDB:
			return true
		case m == 0xDA: // start of scan
			return false
		case m == 0x01 || m >= 0xD0 && m <= 0xD8: // no length
			i += 2
			continue
		}
		i += 2 + (int(jpeg[i+2])<<8 | int(jpeg[i+3]))
	}
	return true
}
