package h264

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// flvReader takes H.264 access units out of an FLV stream as ffmpeg's
// muxer writes it: length-prefixed NAL units in video tags, parameter sets
// in the sequence header (or in-band, as some hardware encoders send
// them). Every IDR picture it returns starts with SPS and PPS, which a
// viewer joining at that picture needs.
type flvReader struct {
	r       *bufio.Reader
	started bool
	lenSize int
	params  []byte // Annex-B SPS and PPS, the newest seen
	hdr     [11]byte
}

func newFLVReader(r *bufio.Reader) *flvReader { return &flvReader{r: r, lenSize: 4} }

// maxTag bounds one FLV tag: FLV's own 24-bit limit is 16 MiB; a tag that
// big would be a broken stream anyway, not a picture.
const maxTag = 1 << 24

var startCode = []byte{0, 0, 0, 1}

// next returns the next access unit in Annex-B form.
func (f *flvReader) next() ([]byte, error) {
	if !f.started {
		var h [13]byte // "FLV", version, flags, header size, first PreviousTagSize
		if _, err := io.ReadFull(f.r, h[:]); err != nil {
			return nil, err
		}
		if string(h[:3]) != "FLV" {
			return nil, fmt.Errorf("ffmpeg output is not FLV: % x", h[:3])
		}
		if skip := int(binary.BigEndian.Uint32(h[5:9])) - 9; skip > 0 {
			if _, err := f.r.Discard(skip); err != nil {
				return nil, err
			}
		}
		f.started = true
	}
	for {
		if _, err := io.ReadFull(f.r, f.hdr[:11]); err != nil {
			return nil, err
		}
		typ := f.hdr[0] & 0x1F
		size := int(f.hdr[1])<<16 | int(f.hdr[2])<<8 | int(f.hdr[3])
		body := make([]byte, size+4) // + PreviousTagSize
		if _, err := io.ReadFull(f.r, body); err != nil {
			return nil, unexpected(err)
		}
		body = body[:size]
		if typ != 9 || len(body) < 5 || body[0]&0x0F != 7 { // video, AVC
			continue
		}
		switch body[1] {
		case 0: // sequence header: AVCDecoderConfigurationRecord
			f.config(body[5:])
		case 1:
			if au := f.annexB(body[5:]); len(au) > 0 {
				return au, nil
			}
		}
	}
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// config takes the NAL length size and parameter sets from an
// AVCDecoderConfigurationRecord; an empty or short one (hardware encoders
// that only send them in-band) changes nothing.
func (f *flvReader) config(b []byte) {
	if len(b) < 7 || b[0] != 1 {
		return
	}
	f.lenSize = int(b[4]&3) + 1
	var params []byte
	b, ok := appendSets(&params, b[5:], int(b[5]&0x1F), 1)
	if !ok || len(b) < 1 {
		return
	}
	if _, ok = appendSets(&params, b, int(b[0]), 1); ok {
		f.params = params
	}
}

// appendSets copies n parameter sets (2-byte length + NAL each) that
// start after skip bytes of b into dst as Annex-B, returning the rest.
func appendSets(dst *[]byte, b []byte, n, skip int) ([]byte, bool) {
	b = b[skip:]
	for range n {
		if len(b) < 2 {
			return nil, false
		}
		l := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+l {
			return nil, false
		}
		*dst = append(append(*dst, startCode...), b[2:2+l]...)
		b = b[2+l:]
	}
	return b, true
}

// annexB rewrites length-prefixed NAL units with start codes, putting the
// parameter sets in front of an IDR picture that lacks them and
// remembering in-band ones for later IDRs.
func (f *flvReader) annexB(b []byte) []byte {
	var nals [][]byte
	idr, sps := false, false
	for len(b) >= f.lenSize {
		var l int
		for i := range f.lenSize {
			l = l<<8 | int(b[i])
		}
		b = b[f.lenSize:]
		if l <= 0 || l > len(b) {
			break
		}
		nal := b[:l]
		b = b[l:]
		switch nal[0] & 0x1F {
		case nalIDR:
			idr = true
		case nalSPS:
			sps = true
		}
		nals = append(nals, nal)
	}
	out := make([]byte, 0, len(f.params)+len(nals)*4+sumLen(nals))
	if idr && !sps {
		out = append(out, f.params...)
	}
	var inband []byte
	for _, n := range nals {
		out = append(append(out, startCode...), n...)
		if t := n[0] & 0x1F; t == nalSPS || t == nalPPS {
			inband = append(append(inband, startCode...), n...)
		}
	}
	if sps {
		f.params = inband
	}
	return out
}

func sumLen(b [][]byte) int {
	n := 0
	for _, x := range b {
		n += len(x)
	}
	return n
}
