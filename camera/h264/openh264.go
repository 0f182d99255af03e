//go:build openh264

// OpenH264 is built in only with -tags openh264: Debian 12's libopenh264-7
// and Debian 13's libopenh264-8 differ in ABI (SLayerBSInfo and
// SSourcePicture grew fields), so a .deb linked against one cannot run
// with the other, and Raspberry Pi OS moved from 12 to 13. The .debs
// encode in software with ffmpeg's libx264 instead, which measured within
// a tenth of openh264's CPU per frame.

package h264

/*
#cgo pkg-config: openh264
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wels/codec_api.h>

// lc_enc keeps the encoder and its output description in C memory: the
// library fills SFrameBSInfo with pointers into its own buffers, which Go
// memory must not hold across calls.
typedef struct {
	ISVCEncoder *enc;
	SFrameBSInfo info;
} lc_enc;

typedef struct {
	int w, h, bitrate, max_bitrate, intra, rc_mode, skip;
	float fps;
} lc_params;

typedef struct {
	lc_enc *e;
	int rc;
	const char *stage;
} lc_opened;

static lc_opened lc_open(lc_params c) {
	lc_opened r = {NULL, 0, "alloc"};
	lc_enc *e = calloc(1, sizeof *e);
	if (!e) {
		r.rc = -1;
		return r;
	}
	r.stage = "WelsCreateSVCEncoder";
	if ((r.rc = WelsCreateSVCEncoder(&e->enc)) != 0 || !e->enc) {
		free(e);
		r.rc = r.rc ? r.rc : -1;
		return r;
	}
	ISVCEncoder *x = e->enc;
	// Errors only: the library's warnings come per frame under load.
	int level = WELS_LOG_ERROR;
	(*x)->SetOption(x, ENCODER_OPTION_TRACE_LEVEL, &level);

	SEncParamExt p;
	(*x)->GetDefaultParams(x, &p);
	p.iUsageType = CAMERA_VIDEO_REAL_TIME;
	p.iPicWidth = c.w;
	p.iPicHeight = c.h;
	p.iTargetBitrate = c.bitrate;
	p.iMaxBitrate = c.max_bitrate;
	p.iRCMode = c.rc_mode;
	p.fMaxFrameRate = c.fps;
	p.iTemporalLayerNum = 1;
	p.iSpatialLayerNum = 1;
	p.uiIntraPeriod = c.intra;
	p.iNumRefFrame = 1;
	// Browsers' WebRTC stacks expect parameter set IDs to stay put.
	p.eSpsPpsIdStrategy = CONSTANT_ID;
	p.iEntropyCodingModeFlag = 0; // CAVLC: baseline has no CABAC
	p.bEnableFrameSkip = c.skip;
	p.iMultipleThreadIdc = 1;
	p.bEnableDenoise = false;
	p.bEnableFrameCroppingFlag = true;

	SSpatialLayerConfig *l = &p.sSpatialLayers[0];
	l->iVideoWidth = c.w;
	l->iVideoHeight = c.h;
	l->fFrameRate = c.fps;
	l->iSpatialBitrate = c.bitrate;
	l->iMaxSpatialBitrate = c.max_bitrate;
	l->uiProfileIdc = PRO_BASELINE;
	l->sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
	// The samples are JPEG's full-range BT.601; say so, or decoders would
	// stretch 16..235 to black..white and crush both ends.
	l->bVideoSignalTypePresent = true;
	l->uiVideoFormat = 5; // unspecified
	l->bFullRange = true;
	l->bColorDescriptionPresent = true;
	l->uiColorPrimaries = CP_BT709;
	l->uiTransferCharacteristics = TRC_IEC61966_2_1; // sRGB, as JPEG cameras mean
	l->uiColorMatrix = CM_SMPTE170M;

	r.stage = "InitializeExt";
	if ((r.rc = (*x)->InitializeExt(x, &p)) != 0) {
		WelsDestroySVCEncoder(x);
		free(e);
		return r;
	}
	int fmt = videoFormatI420;
	(*x)->SetOption(x, ENCODER_OPTION_DATAFORMAT, &fmt);
	r.e = e;
	return r;
}

static void lc_close(lc_enc *e) {
	(*e->enc)->Uninitialize(e->enc);
	WelsDestroySVCEncoder(e->enc);
	free(e);
}

typedef struct {
	int rc, type, size;
} lc_coded;

// lc_encode encodes one picture and returns the frame type and the size of
// all its NAL units, which lc_copy then copies out.
static lc_coded lc_encode(lc_enc *e, unsigned char *y, unsigned char *u,
		unsigned char *v, int ys, int cs, int w, int h, long long ts, int key) {
	lc_coded o = {0, 0, 0};
	ISVCEncoder *x = e->enc;
	if (key)
		(*x)->ForceIntraFrame(x, true);
	SSourcePicture pic;
	memset(&pic, 0, sizeof pic);
	pic.iColorFormat = videoFormatI420;
	pic.iPicWidth = w;
	pic.iPicHeight = h;
	pic.iStride[0] = ys;
	pic.iStride[1] = pic.iStride[2] = cs;
	pic.pData[0] = y;
	pic.pData[1] = u;
	pic.pData[2] = v;
	pic.uiTimeStamp = ts;
	memset(&e->info, 0, sizeof e->info);
	if ((o.rc = (*x)->EncodeFrame(x, &pic, &e->info)) != 0)
		return o;
	o.type = e->info.eFrameType;
	for (int i = 0; i < e->info.iLayerNum; i++) {
		SLayerBSInfo *l = &e->info.sLayerInfo[i];
		for (int j = 0; j < l->iNalCount; j++)
			o.size += l->pNalLengthInByte[j];
	}
	return o;
}

// lc_copy concatenates every layer's NAL units (each with its start code)
// into dst, which holds the size lc_encode returned.
static void lc_copy(lc_enc *e, unsigned char *dst) {
	for (int i = 0; i < e->info.iLayerNum; i++) {
		SLayerBSInfo *l = &e->info.sLayerInfo[i];
		int n = 0;
		for (int j = 0; j < l->iNalCount; j++)
			n += l->pNalLengthInByte[j];
		memcpy(dst, l->pBsBuf, n);
		dst += n;
	}
}
*/
import "C"

import (
	//DEL
	"fmt"
	"sync"
	"time"
	"unsafe"

	"lancam/camera"
)

// openH264Built says whether this build links OpenH264 (-tags openh264).
const openH264Built = true

// openH264 encodes in-process with Cisco's OpenH264 (Debian's
// libopenh264): no exec, no pipe copies, one thread.
type openH264 struct {
	cfg Config
	src picture

	mu     sync.Mutex // Close may come from another goroutine than Encode
	enc    *C.lc_enc
	w, h   int
	ts     int64 // milliseconds of the last picture, for rate control
	last   time.Time
	closed bool
}

// NewOpenH264 makes the in-process software encoder. The library's encoder
// itself starts with the first frame, when the picture size is known.
func NewOpenH264(cfg Config) (Encoder, error) {
	src, err := newPicture()
	if err != nil {
		return nil, err
	}
	return &openH264{cfg: cfg.withDefaults(), src: src}, nil
}

// Name implements Encoder.
func (e *openH264) Name() string { return "openh264" }

// Encode implements Encoder. A frame that does not decode is refused with
// an error and leaves the encoder as it was, ready for the next one.
func (e *openH264) Encode(f *camera.Frame, key bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errEncoderClosed
	}
	if err := e.src.decode(f); err != nil {
		return err
	}
	p := &e.src.pic
	if e.enc == nil || p.Width != e.w || p.Height != e.h {
		if err := e.open(p.Width, p.Height); err != nil {
			return err
		}
	}
	e.ts = nextTimestamp(e.ts, e.last, f.Captured(), e.cfg.FPS)
	e.last = f.Captured()
	k := 0
	if key {
		k = 1
	}
	o := C.lc_encode(e.enc, (*C.uchar)(unsafe.Pointer(&p.Y[0])), (*C.uchar)(unsafe.Pointer(&p.U[0])),
		(*C.uchar)(unsafe.Pointer(&p.V[0])), C.int(p.YStride), C.int(p.CStride),
		C.int(p.Width), C.int(p.Height), C.longlong(e.ts), C.int(k))
	if o.rc != 0 {
		return fmt.Errorf("openh264: EncodeFrame failed (%d)", int(o.rc))
	}
	if o._type == C.videoFrameTypeSkip || o._type == C.videoFrameTypeInvalid || o.size <= 0 {
		return nil
	}
	data := make([]byte, int(o.size))
	C.lc_copy(e.enc, (*C.uchar)(unsafe.Pointer(&data[0])))
	e.cfg.Emit(AccessUnit{Data: data, Key: o._type == C.videoFrameTypeIDR, Seq: f.Seq(),
		Captured: f.Captured(), Width: p.Width, Height: p.Height})
	return nil
}

// open (re)starts the library's encoder for w x h; its first picture is
// an IDR, which is what a size change needs.
func (e *openH264) open(w, h int) error {
	if e.enc != nil {
		C.lc_close(e.enc)
		e.enc = nil
	}
	rate := e.cfg.Bitrate
	if rate <= 0 {
		rate = DefaultBitrate(w, h, e.cfg.FPS)
	}
	r := C.lc_open(C.lc_params{w: C.int(w), h: C.int(h), bitrate: C.int(rate), max_bitrate: C.int(rate),
		intra: C.int(keyFrames(e.cfg)), rc_mode: C.RC_BITRATE_MODE, skip: 0, fps: C.float(e.cfg.FPS)})
	if r.e == nil {
		return fmt.Errorf("openh264: %s failed (%d) for %dx%d", C.GoString(r.stage), int(r.rc), w, h)
	}
	e.enc, e.w, e.h = r.e, w, h
	e.cfg.Logger.Debug("openh264 encoder started", "width", w, "height", h, "bitrate", rate)
	return nil
}

// Close implements Encoder.
func (e *openH264) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if e.enc != nil {
		C.lc_close(e.enc)
		e.enc = nil
	}
	e.src.close()
	return nil
}

// nextTimestamp gives the picture captured at now a timestamp in ms after
// prev (that of the picture captured at last): the capture gap when it is
// sane, else one frame interval, so rate control always sees time advance.
func nextTimestamp(prev int64, last, now time.Time, fps float64) int64 {
	step := int64(1000 / fps)
	if !last.IsZero() {
		if d := now.Sub(last).Milliseconds(); d > 0 && d < 10_000 {
			step = d
		}
	}
	return prev + max(step, 1)
}
