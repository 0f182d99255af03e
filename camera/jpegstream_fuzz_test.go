package camera

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"testing/iotest"
)

// streamResult is everything a split of one input shows from outside.
type streamResult struct {
	frames           [][]byte
	err              error
	skipped, dropped uint64
}

func splitBytes(in []byte, maxFrame int, wrap func(io.Reader) io.Reader) streamResult {
	s := NewJPEGStream(wrap(bytes.NewReader(in)), maxFrame)
	frames, err := splitAll(s)
	return streamResult{frames, err, s.SkippedBytes(), s.DroppedFrames()}
}

func (a streamResult) equal(b streamResult) bool {
	return a.err == b.err && a.skipped == b.skipped && a.dropped == b.dropped &&
		slices.EqualFunc(a.frames, b.frames, bytes.Equal)
}

// noSOI turns every FF D8 in b into FF 00, which cannot make a new one.
func noSOI(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte{0xFF, mSOI}, []byte{0xFF, 0x00})
}

// FuzzJPEGStream: no input makes the split panic; it ends in io.EOF or
// io.ErrUnexpectedEOF (the latter only with a dropped frame); every frame
// is SOI..EOI and within the limit; frames plus SkippedBytes are exactly
// the input; frames and dropped frames together are no more than the SOIs
// in the input; reading a byte at a time changes nothing; a returned frame
// split on its own is itself. And a valid frame wrapped in fuzz garbage
// that holds no SOI comes out alone and whole, the garbage counted as
// skipped. (With an SOI in the garbage that does not hold: a frame begun
// there may swallow the valid one's SOI inside a segment's length.)
//
// Seeds: the fixtures of TestJPEGStream (progressive, restart markers, an
// EXIF thumbnail, the ffmpeg stream, nodht.jpg) whole, concatenated, cut,
// with garbage and bit flips; testdata/fuzz/FuzzJPEGStream holds every
// crasher found.
func FuzzJPEGStream(f *testing.F) {
	a := streamJPEG(f, 32, 24, 80, 40, 1)
	exif := withThumbnail(f, a, streamJPEG(f, 8, 8, 70, 0, 4))
	valid := [][]byte{
		a,
		exif,
		withFill(f, a),
		streamFixture(f, "jpegstream/progressive.jpg"),
		streamFixture(f, "jpegstream/restart.jpg"),
		streamFixture(f, "nodht.jpg"),
	}
	valid = append(valid, ffmpegFrames(f)[:2]...)
	f.Add(streamFixture(f, "jpegstream/ffmpeg5.mjpeg"), uint16(0))
	for i, v := range valid {
		f.Add(v, uint16(0))
		f.Add(cat(v, valid[(i+1)%len(valid)]), uint16(len(v)))
		f.Add(cat([]byte("\xFF\xFFjunk\xFF"), v, []byte("\xFF\xD9\xFF")), uint16(i))
		f.Add(cat(v[:len(v)/2], v), uint16(0))
		f.Add(v[:len(v)-1], uint16(0))
		flip := bytes.Clone(v)
		flip[len(v)/3] ^= 0xFF
		f.Add(cat(flip, v), uint16(len(v)+1))
	}
	f.Fuzz(func(t *testing.T, in []byte, limit uint16) {
		maxFrame := int(limit)
		if maxFrame == 0 {
			maxFrame = defaultMaxFrame
		}
		r := splitBytes(in, int(limit), func(r io.Reader) io.Reader { return r })
		if r.err != io.EOF && r.err != io.ErrUnexpectedEOF {
			t.Fatalf("split ended with %v", r.err)
		}
		if r.err == io.ErrUnexpectedEOF && r.dropped == 0 {
			t.Error("a frame was cut off but none counted as dropped")
		}
		total := 0
		for i, fr := range r.frames {
			if len(fr) < 4 || fr[0] != 0xFF || fr[1] != mSOI || fr[len(fr)-2] != 0xFF || fr[len(fr)-1] != mEOI {
				t.Fatalf("frame %d (%d bytes) is not SOI..EOI: % x", i, len(fr), fr[:min(len(fr), 8)])
			}
			if len(fr) > maxFrame {
				t.Fatalf("frame %d: %d bytes over the limit %d", i, len(fr), maxFrame)
			}
			total += len(fr)
		}
		if uint64(total)+r.skipped != uint64(len(in)) {
			t.Fatalf("%d bytes in frames + %d skipped != %d bytes of input", total, r.skipped, len(in))
		}
		if n := uint64(len(r.frames)) + r.dropped; n > uint64(bytes.Count(in, []byte{0xFF, mSOI})) {
			t.Fatalf("%d frames returned or dropped from %d SOIs", n, bytes.Count(in, []byte{0xFF, mSOI}))
		}
		if one := splitBytes(in, int(limit), iotest.OneByteReader); !one.equal(r) {
			t.Fatalf("one byte at a time: %d frames, %v, %d skipped, %d dropped; whole: %d, %v, %d, %d",
				len(one.frames), one.err, one.skipped, one.dropped, len(r.frames), r.err, r.skipped, r.dropped)
		}
		for i, fr := range r.frames {
			alone := splitBytes(fr, int(limit), func(r io.Reader) io.Reader { return r })
			if want := (streamResult{frames: [][]byte{fr}, err: io.EOF}); !alone.equal(want) {
				t.Fatalf("frame %d split on its own: %d frames, %v", i, len(alone.frames), alone.err)
			}
		}

		v := valid[int(limit)%len(valid)]
		g1, g2 := noSOI(in[:len(in)/2]), noSOI(in[len(in)/2:])
		w := splitBytes(cat(g1, v, g2), 0, iotest.HalfReader)
		if want := (streamResult{frames: [][]byte{v}, err: io.EOF, skipped: uint64(len(g1) + len(g2))}); !w.equal(want) {
			t.Fatalf("valid frame in garbage: %d frames, %v, %d skipped, %d dropped; want it alone, io.EOF, %d skipped",
				len(w.frames), w.err, w.skipped, w.dropped, want.skipped)
		}
	})
}
