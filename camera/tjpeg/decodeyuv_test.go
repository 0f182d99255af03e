package tjpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"testing"
)

// lumaOf is the JFIF luma of img's top-left w x h pixels, as a tight plane.
func lumaOf(img *image.RGBA, w, h int) []byte {
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out[y*w+x], _, _ = rgbToYCbCr(pixel(img, x, y))
		}
	}
	return out
}

// chroma420Of is img's Cb and Cr averaged over 2x2 blocks (even sizes).
func chroma420Of(img *image.RGBA, w, h int) (u, v []byte) {
	u, v = make([]byte, w/2*h/2), make([]byte, w/2*h/2)
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			var su, sv int
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				_, cb, cr := rgbToYCbCr(pixel(img, x+d[0], y+d[1]))
				su, sv = su+int(cb), sv+int(cr)
			}
			u[y/2*w/2+x/2], v[y/2*w/2+x/2] = uint8((su+2)/4), uint8((sv+2)/4)
		}
	}
	return u, v
}

// planeDiff compares a w x h window of plane p (stride) with tight want.
func planeDiff(p []byte, stride int, want []byte, w, h int) (mean float64, worst int) {
	var sum int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := int(p[y*stride+x]) - int(want[y*w+x])
			d = max(d, -d)
			sum += d
			worst = max(worst, d)
		}
	}
	return float64(sum) / float64(w*h), worst
}

// TestDecodeI420 decodes every subsampling, odd sizes included, and checks
// the planes against what the JPEG decodes to through RGB (luma) and
// against the source picture (chroma, where the JPEG kept any).
func TestDecodeI420(t *testing.T) {
	enc, dec := newCodecs(t)
	for _, size := range [][2]int{{320, 240}, {101, 77}} {
		src := gradient(size[0], size[1])
		for _, sub := range []Subsamp{Subsamp420, Subsamp422, Subsamp444, SubsampGray, Subsamp440, Subsamp411} {
			t.Run(fmt.Sprintf("%dx%d/%v", size[0], size[1], sub), func(t *testing.T) {
				data, err := enc.EncodeRGBA(nil, src, sub, 95)
				if err != nil {
					t.Fatal(err)
				}
				var pic I420
				if err := dec.DecodeI420(&pic, data); err != nil {
					t.Fatal(err)
				}
				w, h := size[0]&^1, size[1]&^1
				if pic.Width != w || pic.Height != h {
					t.Fatalf("size %dx%d, want %dx%d", pic.Width, pic.Height, w, h)
				}
				if pic.YStride < w || pic.CStride < w/2 || len(pic.Y) < (h-1)*pic.YStride+w ||
					len(pic.U) < (h/2-1)*pic.CStride+w/2 || len(pic.V) != len(pic.U) {
					t.Fatalf("planes too small: Y %d/%d U %d V %d/%d", len(pic.Y), pic.YStride, len(pic.U), len(pic.V), pic.CStride)
				}
				rgb, err := dec.DecodeRGBA(nil, data, ScaleFull)
				if err != nil {
					t.Fatal(err)
				}
				// Through RGB the luma comes back up to rounding and the
				// clamping of out-of-gamut compression errors.
				if mean, worst := planeDiff(pic.Y, pic.YStride, lumaOf(rgb, w, h), w, h); mean > 0.1 || worst > 3 {
					t.Errorf("Y vs RGB decode: mean |diff| %.2f, worst %d", mean, worst)
				}
				wantU, wantV := chroma420Of(src, w, h)
				if sub == SubsampGray {
					wantU, wantV = bytes.Repeat([]byte{128}, w/2*h/2), bytes.Repeat([]byte{128}, w/2*h/2)
				}
				// 4:1:1 keeps a quarter of the horizontal chroma detail,
				// which the source's colour waves show.
				tol := 1.0
				if sub == Subsamp411 {
					tol = 2.5
				}
				for i, p := range [][2][]byte{{pic.U, wantU}, {pic.V, wantV}} {
					if mean, worst := planeDiff(p[0], pic.CStride, p[1], w/2, h/2); mean > tol || worst > 8 {
						t.Errorf("%c vs source: mean |diff| %.2f, worst %d", "UV"[i], mean, worst)
					}
				}
			})
		}
	}
}

// TestDecodeI420Reuse: frame after frame, the same I420 decodes without
// allocating, also across the scratch path (4:2:2) and a size change.
func TestDecodeI420Reuse(t *testing.T) {
	enc, dec := newCodecs(t)
	var pic I420
	for _, c := range []struct {
		w, h int
		sub  Subsamp
	}{{640, 360, Subsamp420}, {640, 360, Subsamp422}, {320, 180, Subsamp420}} {
		data, err := enc.EncodeRGBA(nil, Reference(c.w, c.h), c.sub, 80)
		if err != nil {
			t.Fatal(err)
		}
		if err := dec.DecodeI420(&pic, data); err != nil {
			t.Fatal(err)
		}
		y := &pic.Y[0]
		allocs := testing.AllocsPerRun(10, func() {
			if err := dec.DecodeI420(&pic, data); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 || &pic.Y[0] != y || pic.Width != c.w {
			t.Errorf("%dx%d %v: %.0f allocations per frame, Y moved %v, width %d", c.w, c.h, c.sub, allocs, &pic.Y[0] != y, pic.Width)
		}
	}
}

// TestDecodeI420Errors: broken input gives an error, a truncated scan a
// complete picture with ErrWarning, and the decoder keeps decoding good
// frames identically afterwards.
func TestDecodeI420Errors(t *testing.T) {
	enc, dec := newCodecs(t)
	good, err := enc.EncodeRGBA(nil, Reference(256, 128), Subsamp422, 85)
	if err != nil {
		t.Fatal(err)
	}
	var want, pic I420
	if err := dec.DecodeI420(&want, good); err != nil {
		t.Fatal(err)
	}
	tiny, err := enc.EncodeRGBA(nil, gradient(1, 40), Subsamp420, 85)
	if err != nil {
		t.Fatal(err)
	}
	huge := claimSize(t, good, 65535, 65535)
	// Cut right after the frame header: the library calls the missing scan
	// a warning, but there is no picture at all.
	headerOnly := good[:sofAt(t, good)+19]
	for _, bad := range [][]byte{nil, {}, []byte("not a jpeg, not even close to one"), good[:100], tiny, huge, headerOnly} {
		if err := dec.DecodeI420(&pic, bad); err == nil || errors.Is(err, ErrWarning) {
			t.Errorf("%d bytes: err %v, want a fatal error", len(bad), err)
		}
		if err := dec.DecodeI420(&pic, good); err != nil {
			t.Fatalf("good frame after a bad one: %v", err)
		}
		if !bytes.Equal(pic.Y, want.Y) || !bytes.Equal(pic.U, want.U) || !bytes.Equal(pic.V, want.V) {
			t.Fatal("good frame decodes differently after a bad one")
		}
	}
	if err := dec.DecodeI420(&pic, good[:len(good)/2]); !errors.Is(err, ErrWarning) || pic.Width != 256 {
		t.Errorf("truncated scan: err %v, width %d; want ErrWarning and the picture", err, pic.Width)
	}
	dec.Close()
	if err := dec.DecodeI420(&pic, good); !errors.Is(err, errClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// FuzzDecodeI420: whatever the bytes, DecodeI420 neither crashes nor
// returns planes smaller than it claims, and a good frame still decodes
// exactly afterwards.
func FuzzDecodeI420(f *testing.F) {
	var seeds [][]byte
	for _, sub := range []Subsamp{Subsamp444, Subsamp422, Subsamp420, SubsampGray, Subsamp411} {
		seeds = append(seeds, fuzzSeedFrame(f, 48, 32, sub))
	}
	for _, b := range seeds {
		f.Add(b)
		for _, cut := range []int{sofAt(f, b) + 12, len(b) / 2, len(b) - 2} {
			f.Add(bytes.Clone(b[:cut]))
		}
		for _, at := range []int{sofAt(f, b) + 1, sofAt(f, b) + 9, len(b) * 3 / 4} {
			v := bytes.Clone(b)
			v[at] ^= 0x04
			f.Add(v)
		}
	}
	dec, err := NewDecoder()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(dec.Close)
	good := seeds[1]
	var want, pic I420
	if err := dec.DecodeI420(&want, good); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if hdr, err := DecodeHeader(b); err == nil && hdr.Width*hdr.Height > fuzzMaxPixels {
			return
		}
		// The size is cleared (buffers kept for reuse) so a call that
		// returns success without writing a picture cannot pass on the
		// previous one.
		pic.Width, pic.Height = 0, 0
		err := dec.DecodeI420(&pic, b)
		if err == nil || errors.Is(err, ErrWarning) {
			w, h := pic.Width, pic.Height
			if w <= 0 || h <= 0 || w%2 != 0 || h%2 != 0 || len(pic.Y) < (h-1)*pic.YStride+w ||
				len(pic.U) < (h/2-1)*pic.CStride+w/2 || len(pic.V) < (h/2-1)*pic.CStride+w/2 {
				t.Fatalf("err %v: picture %dx%d with planes Y %d/%d U %d V %d/%d", err, w, h, len(pic.Y), pic.YStride, len(pic.U), len(pic.V), pic.CStride)
			}
		}
		if err := dec.DecodeI420(&pic, good); err != nil || !bytes.Equal(pic.Y, want.Y) || !bytes.Equal(pic.U, want.U) {
			t.Fatalf("good frame after %d fuzz bytes: %v", len(b), err)
		}
	})
}

// BenchmarkDecodeI420720p is the per-frame decode cost of the H.264
// encoders, next to BenchmarkDecode720p (to RGBA) for comparison.
func BenchmarkDecodeI420720p(b *testing.B) {
	for _, sub := range []Subsamp{Subsamp420, Subsamp422} {
		b.Run(sub.String(), func(b *testing.B) {
			enc, dec := newCodecs(b)
			data, err := enc.EncodeRGBA(nil, Reference720p(), sub, 80)
			if err != nil {
				b.Fatal(err)
			}
			var pic I420
			b.SetBytes(1280 * 720)
			for b.Loop() {
				if err := dec.DecodeI420(&pic, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
