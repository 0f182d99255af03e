package ui

import (
	"image"
	"sync"

	"lancam/camera/tjpeg"
)

// frameDecoder decodes JPEGs from peers for display. It is the one place that
// checks a frame's claimed size before anything is allocated for it, and that
// owns a TurboJPEG handle, so the preview and the thumbnails cannot drift
// apart on either. The zero value is ready: the handle is made on the first
// frame that passes the size check, so a view that never gets a frame never
// holds C memory. It is safe for concurrent use (decodes are serialised),
// which lets Close race a last decode on shutdown.
type frameDecoder struct {
	mu  sync.Mutex
	dec *tjpeg.Decoder
}

// decode decodes jpeg at the smallest DCT scale that still covers wantW x
// wantH pixels, so a small view pays for a small decode and is only ever
// scaled down for display. A non-positive want (a view not laid out yet)
// decodes full size: ScaleFor would read it as unconstrained and pick 1/8,
// which would then be blown up on screen.
//
// dst is reused when it is exactly the decoded size, so a caller cycling its
// own buffers allocates nothing per frame; otherwise (or when nil) a fresh
// image is returned. Frames claiming more than maxFrameSide a side fail with
// errTooLarge from the header alone. As with tjpeg, a damaged but decodable
// frame returns the image together with an error wrapping tjpeg.ErrWarning;
// on any other error the image is nil.
func (d *frameDecoder) decode(dst *image.RGBA, jpeg []byte, wantW, wantH int) (*image.RGBA, error) {
	// The header is read outside the lock (DecodeHeader is safe for
	// concurrent use) so a flood of refused frames never queues behind a
	// real decode.
	h, err := tjpeg.DecodeHeader(jpeg)
	if err != nil {
		return nil, err
	}
	if h.Width > maxFrameSide || h.Height > maxFrameSide {
		return nil, errTooLarge
	}
	if wantW <= 0 || wantH <= 0 {
		wantW, wantH = h.Width, h.Height
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dec == nil {
		if d.dec, err = tjpeg.NewDecoder(); err != nil {
			return nil, err
		}
	}
	return d.dec.DecodeRGBA(dst, jpeg, tjpeg.ScaleFor(h.Width, h.Height, wantW, wantH))
}

// Close frees the TurboJPEG handle, which lives outside the Go heap. It is
// idempotent; a later decode would make a new handle, so call it only once
// nothing decodes any more.
func (d *frameDecoder) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dec != nil {
		d.dec.Close()
		d.dec = nil
	}
}
