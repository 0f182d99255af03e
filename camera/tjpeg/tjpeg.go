// Package tjpeg encodes and decodes JPEG through libjpeg-turbo's TurboJPEG 2
// API. It exists because image/jpeg is about 10x slower to encode and 4x
// slower to decode a 720p frame: at 30 fps that is most of a core for
// image/jpeg against under a tenth here. Everything is shaped around reusing
// handles and buffers frame after frame.
package tjpeg

/*
#cgo LDFLAGS: -lturbojpeg
#include <turbojpeg.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// Subsamp is chroma subsampling. The values equal TurboJPEG's TJSAMP_* so
// they cross the cgo boundary without a lookup table.
type Subsamp int

// Subsampling levels. 4:2:0 is what cameras and browsers expect for video;
// 4:4:4 keeps sharp colour edges (UI captures); Gray drops chroma entirely.
const (
	Subsamp444 Subsamp = iota
	Subsamp422
	Subsamp420
	SubsampGray
	// Subsamp440 and Subsamp411 exist so DecodeHeader can report every
	// layout libjpeg-turbo understands; encoders rarely want them.
	Subsamp440
	Subsamp411
)

var subsampNames = [...]string{"4:4:4", "4:2:2", "4:2:0", "gray", "4:4:0", "4:1:1"}

// String makes headers readable in logs and test failures.
func (s Subsamp) String() string {
	if s.valid() {
		return subsampNames[s]
	}
	return fmt.Sprintf("Subsamp(%d)", int(s))
}

func (s Subsamp) valid() bool { return s >= 0 && int(s) < len(subsampNames) }

// factors returns the horizontal and vertical chroma subsampling factors,
// which decide how big each YUV plane must be.
func (s Subsamp) factors() (hf, vf int) {
	switch s {
	case Subsamp422:
		return 2, 1
	case Subsamp420:
		return 2, 2
	case Subsamp440:
		return 1, 2
	case Subsamp411:
		return 4, 1
	}
	return 1, 1
}

// Scale is a DCT scaling factor for decoding: 1/1, 1/2, 1/4, 1/8. Scaling
// inside the IDCT is far cheaper than decoding full size and resizing, which
// is what makes small previews cheap.
type Scale struct{ Num, Denom int }

// The scales ScaleFor chooses from. DecodeRGBA also accepts any other factor
// libjpeg-turbo supports (such as 3/4), but only these map to its SIMD (or,
// for 1/8, DC-only) inverse DCTs.
var (
	ScaleFull    = Scale{1, 1}
	ScaleHalf    = Scale{1, 2}
	ScaleQuarter = Scale{1, 4}
	ScaleEighth  = Scale{1, 8}
)

// Size returns the decoded size of a w x h image at this scale. It rounds up
// exactly like TJSCALED, so a buffer of this size is what the library fills.
func (s Scale) Size(w, h int) (int, int) {
	if s.Denom <= 0 {
		return 0, 0
	}
	return (w*s.Num + s.Denom - 1) / s.Denom, (h*s.Num + s.Denom - 1) / s.Denom
}

// String prints the factor as a fraction for error messages.
func (s Scale) String() string { return fmt.Sprintf("%d/%d", s.Num, s.Denom) }

// ScaleFor returns the largest reduction among ScaleEighth, ScaleQuarter,
// ScaleHalf and ScaleFull that still covers wantW x wantH, so a preview can
// be decoded small and only ever scaled down for display (never blown up). A
// non-positive want dimension is unconstrained. If even full size is smaller
// than wanted, ScaleFull is returned: JPEG scaling never helps upscaling.
func ScaleFor(srcW, srcH, wantW, wantH int) Scale {
	for _, s := range [...]Scale{ScaleEighth, ScaleQuarter, ScaleHalf} {
		w, h := s.Size(srcW, srcH)
		if w >= wantW && h >= wantH {
			return s
		}
	}
	return ScaleFull
}

// supported reports whether libjpeg-turbo can decode at s. The library picks
// its factor from the output size alone, so s is compared by value (2/4 is
// fine) against the library's own list.
func (s Scale) supported() bool {
	if s.Num <= 0 || s.Denom <= 0 {
		return false
	}
	for _, f := range scalingFactors() {
		if s.Num*f.Denom == f.Num*s.Denom {
			return true
		}
	}
	return false
}

var scalingFactors = sync.OnceValue(func() []Scale {
	var n C.int
	p := C.tjGetScalingFactors(&n)
	if p == nil || n <= 0 {
		return []Scale{ScaleFull}
	}
	var out []Scale
	for _, f := range unsafe.Slice(p, int(n)) {
		out = append(out, Scale{int(f.num), int(f.denom)})
	}
	return out
})

// Header is what a JPEG says about itself before any pixels are decoded.
type Header struct {
	Width, Height int
	Subsamp       Subsamp
}

// ErrWarning marks a frame libjpeg-turbo could decode only after recovering
// from corruption (truncated or garbled entropy data, common with cheap USB
// cameras). DecodeRGBA then returns the image as well as an error wrapping
// ErrWarning, so a preview can choose to show it while strict callers just
// check err != nil.
var ErrWarning = errors.New("recoverable JPEG corruption")

var errClosed = errors.New("tjpeg: use after Close")

// tjError turns the handle's last error into a Go error. tjGetErrorStr2 keeps
// the message per handle, so this is safe while other handles are busy.
func tjError(h C.tjhandle, op string) error {
	msg := C.GoString(C.tjGetErrorStr2(h))
	if h != nil && C.tjGetErrorCode(h) == C.TJERR_WARNING {
		return fmt.Errorf("tjpeg: %s: %w: %s", op, ErrWarning, msg)
	}
	return fmt.Errorf("tjpeg: %s: %s", op, msg)
}
