package h264

import (
	"errors"
	"fmt"

	"lancam/camera"
	"lancam/camera/tjpeg"
)

// maxPixels bounds the pictures encoded: H.264 level 5.1's 36864
// macroblocks (4096x2304). Bigger claims are refused before decoding
// allocates for them.
const (
	maxPixels = 4096 * 2304
	maxSide   = 4096
)

// picture is the JPEG-to-I420 step every encoder here starts with; its
// planes are reused from frame to frame.
type picture struct {
	dec *tjpeg.Decoder
	pic tjpeg.I420
}

func newPicture() (picture, error) {
	d, err := tjpeg.NewDecoder()
	if err != nil {
		return picture{}, err
	}
	return picture{dec: d}, nil
}

// decode fills p.pic from f. Damaged frames that libjpeg-turbo recovers
// are encoded as they decode, as MJPEG viewers see them.
func (p *picture) decode(f *camera.Frame) error {
	hdr, err := tjpeg.DecodeHeader(f.JPEG())
	if err != nil {
		return fmt.Errorf("h264: frame %d: %w", f.Seq(), err)
	}
	if hdr.Width > maxSide || hdr.Height > maxSide || hdr.Width*hdr.Height > maxPixels {
		return fmt.Errorf("h264: frame %d: %dx%d is beyond H.264 level 5.1", f.Seq(), hdr.Width, hdr.Height)
	}
	if err := p.dec.DecodeI420(&p.pic, f.JPEG()); err != nil && !errors.Is(err, tjpeg.ErrWarning) {
		return fmt.Errorf("h264: frame %d: %w", f.Seq(), err)
	}
	return nil
}

func (p *picture) close() { p.dec.Close() }
