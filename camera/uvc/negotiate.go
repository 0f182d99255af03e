package uvc

import (
	"math"
	"slices"
)

// fourcc packs four characters the way V4L2's v4l2_fourcc does. The pixel
// formats lancam understands are spelled out here, without cgo, so the
// negotiation logic stays pure and testable.
func fourcc(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// Pixel formats in order of preference: JPEG from the camera is passed
// through (no CPU spent on encoding); raw formats are encoded here.
var (
	fmtMJPEG = fourcc("MJPG")
	fmtJPEG  = fourcc("JPEG")
	fmtYUYV  = fourcc("YUYV")
	fmtNV12  = fourcc("NV12")
	fmtYU12  = fourcc("YU12") // V4L2_PIX_FMT_YUV420, planar I420
)

var preferred = []uint32{fmtMJPEG, fmtJPEG, fmtYUYV, fmtNV12, fmtYU12}

// fourccString turns a packed fourcc back into its four letters.
func fourccString(f uint32) string {
	b := []byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)}
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

// isJPEG reports whether frames of f are already JPEG (passthrough).
func isJPEG(f uint32) bool { return f == fmtMJPEG || f == fmtJPEG }

// formatLabel is what SourceInfo.Format shows for a negotiated fourcc.
func formatLabel(f uint32) string {
	switch {
	case f == 0:
		return ""
	case isJPEG(f):
		return "MJPEG"
	}
	return fourccString(f) + "→JPEG"
}

// pickFormat returns the most preferred fourcc among those offered.
func pickFormat(offered []uint32) (uint32, bool) {
	for _, p := range preferred {
		if slices.Contains(offered, p) {
			return p, true
		}
	}
	return 0, false
}

// sizeRange is one VIDIOC_ENUM_FRAMESIZES answer. A discrete size has
// min == max; stepwise and continuous ranges have a step (1 if continuous).
type sizeRange struct {
	minW, maxW, stepW int
	minH, maxH, stepH int
}

// discreteSize makes the sizeRange of one fixed size.
func discreteSize(w, h int) sizeRange {
	return sizeRange{minW: w, maxW: w, stepW: 1, minH: h, maxH: h, stepH: 1}
}

// clampStep moves v into [lo, hi] onto the nearest lo + k*step.
func clampStep(v, lo, hi, step int) int {
	if step <= 0 {
		step = 1
	}
	v = min(max(v, lo), hi)
	k := int(math.Round(float64(v-lo) / float64(step)))
	v = lo + k*step
	for v > hi {
		v -= step
	}
	return max(v, lo)
}

// sizeDistance scores how far w x h is from the wish: the log of the area
// ratio plus the log of the aspect ratio, so 2x too big and 2x too small
// cost the same, and a wrong shape costs as much as a wrong size.
func sizeDistance(w, h, ww, wh int) float64 {
	if w <= 0 || h <= 0 {
		return math.Inf(1)
	}
	area := math.Abs(math.Log(float64(w*h) / float64(ww*wh)))
	aspect := math.Abs(math.Log(float64(w*wh) / float64(h*ww)))
	return area + aspect
}

// pickSize returns the offered size closest to the wish; ties go to the
// larger size (detail can be thrown away later, not invented).
func pickSize(offered []sizeRange, ww, wh int) (w, h int, ok bool) {
	best := math.Inf(1)
	for _, r := range offered {
		cw := clampStep(ww, r.minW, r.maxW, r.stepW)
		ch := clampStep(wh, r.minH, r.maxH, r.stepH)
		d := sizeDistance(cw, ch, ww, wh)
		if d < best-1e-9 || (math.Abs(d-best) <= 1e-9 && cw*ch > w*h) {
			best, w, h, ok = d, cw, ch, true
		}
	}
	return w, h, ok
}

// fract is a V4L2 frame interval: num/den seconds per frame.
type fract struct{ num, den uint32 }

// fps is the frame rate of the interval (0 when unknown).
func (f fract) fps() float64 {
	if f.num == 0 || f.den == 0 {
		return 0
	}
	return float64(f.den) / float64(f.num)
}

// intervalFor turns a wished rate into an interval: 1/30 for 30 fps,
// 1000/12500 for 12.5 fps.
func intervalFor(fps float64) fract {
	if fps <= 0 {
		fps = 30
	}
	if fps == math.Trunc(fps) {
		return fract{1, uint32(fps)}
	}
	return fract{1000, uint32(math.Round(fps * 1000))}
}

// intervalRange is one VIDIOC_ENUM_FRAMEINTERVALS answer: discrete when
// discrete is set (only min counts), else anything between min and max
// (min being the shortest interval, i.e. the highest rate).
type intervalRange struct {
	discrete bool
	min, max fract
}

// pickInterval returns the offered interval whose rate is closest to fps;
// ties go to the higher rate. Ranges are clamped; with nothing offered the
// wish itself is asked for (the driver then picks what it can).
func pickInterval(offered []intervalRange, fps float64) fract {
	want := intervalFor(fps)
	var best fract
	bestD := math.Inf(1)
	for _, r := range offered {
		c := r.min
		if !r.discrete {
			hi, lo := r.min.fps(), r.max.fps()
			switch {
			case hi > 0 && want.fps() > hi:
				c = r.min
			case lo > 0 && want.fps() < lo:
				c = r.max
			default:
				c = want
			}
		}
		d := math.Abs(c.fps() - want.fps())
		if c.fps() > 0 && (d < bestD-1e-9 || (math.Abs(d-bestD) <= 1e-9 && c.fps() > best.fps())) {
			best, bestD = c, d
		}
	}
	if bestD == math.Inf(1) {
		return want
	}
	return best
}
