package tjpeg

import (
	"bytes"
	"errors"
	"image"
	"sync"
	"testing"
)

func TestDecodeHeader(t *testing.T) {
	enc, _ := newCodecs(t)
	valid, err := enc.EncodeRGBA(nil, gradient(320, 240), Subsamp422, 80)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   []byte
		want Header
		ok   bool
	}{
		{"valid", valid, Header{320, 240, Subsamp422}, true},
		{"nil", nil, Header{}, false},
		{"empty", []byte{}, Header{}, false},
		{"not jpeg", []byte("GIF89a this is not a jpeg at all, not even close"), Header{}, false},
		{"SOI only", valid[:2], Header{}, false},
		{"truncated before SOF", valid[:100], Header{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeHeader(c.in)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("DecodeHeader = %+v, %v; want %+v, ok=%v", got, err, c.want, c.ok)
			}
		})
	}
}

func TestDecodeHeaderConcurrent(t *testing.T) {
	enc, _ := newCodecs(t)
	data, err := enc.EncodeRGBA(nil, gradient(64, 32), Subsamp420, 80)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				if h, err := DecodeHeader(data); err != nil || h.Width != 64 || h.Height != 32 {
					t.Errorf("DecodeHeader = %+v, %v", h, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestDecodeScales(t *testing.T) {
	enc, dec := newCodecs(t)
	src := gradient(333, 201) // odd sizes exercise TJSCALED's rounding up
	data, err := enc.EncodeRGBA(nil, src, Subsamp420, 90)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Scale{ScaleFull, ScaleHalf, ScaleQuarter, ScaleEighth, {3, 4}, {2, 4}} {
		t.Run(s.String(), func(t *testing.T) {
			img, err := dec.DecodeRGBA(nil, data, s)
			if err != nil {
				t.Fatal(err)
			}
			w, h := s.Size(333, 201)
			if img.Rect != image.Rect(0, 0, w, h) {
				t.Fatalf("decoded %v, Scale.Size says %dx%d", img.Rect, w, h)
			}
			if img.Pix[3] != 255 || img.Pix[len(img.Pix)-1] != 255 {
				t.Error("alpha not opaque")
			}
			allocs := testing.AllocsPerRun(20, func() {
				if out, err := dec.DecodeRGBA(img, data, s); err != nil || out != img {
					t.Fatalf("reuse: %v, same=%v", err, out == img)
				}
			})
			if allocs != 0 {
				t.Errorf("reused dst: %v allocs per decode, want 0", allocs)
			}
		})
	}
	if _, err := dec.DecodeRGBA(nil, data, Scale{1, 3}); err == nil {
		t.Error("scale 1/3 accepted")
	}
	if _, err := dec.DecodeRGBA(nil, data, Scale{}); err == nil {
		t.Error("zero scale accepted")
	}
}

func TestDecodeIntoSubImage(t *testing.T) {
	enc, dec := newCodecs(t)
	src := gradient(40, 30)
	data, err := enc.EncodeRGBA(nil, src, Subsamp444, 95)
	if err != nil {
		t.Fatal(err)
	}
	canvas := image.NewRGBA(image.Rect(0, 0, 100, 100))
	dst := canvas.SubImage(image.Rect(50, 60, 90, 90)).(*image.RGBA)
	got, err := dec.DecodeRGBA(dst, data, ScaleFull)
	if err != nil || got != dst {
		t.Fatalf("err %v, reused %v", err, got == dst)
	}
	if p := psnr(src, got); p < 35 {
		t.Errorf("PSNR %.1f", p)
	}
	if canvas.Pix[3] != 0 { // outside the sub-image stays untouched
		t.Error("decode wrote outside dst.Rect")
	}

	wrong := image.NewRGBA(image.Rect(0, 0, 39, 30))
	if got, err := dec.DecodeRGBA(wrong, data, ScaleFull); err != nil || got == wrong || got.Rect.Dx() != 40 {
		t.Errorf("wrong-size dst: err %v, got %v", err, got.Rect)
	}
}

func TestDecodeCorrupt(t *testing.T) {
	enc, dec := newCodecs(t)
	data, err := enc.EncodeRGBA(nil, gradient(256, 256), Subsamp420, 90)
	if err != nil {
		t.Fatal(err)
	}
	img, err := dec.DecodeRGBA(nil, data[:len(data)/2], ScaleFull)
	if !errors.Is(err, ErrWarning) || img == nil || img.Rect.Dx() != 256 {
		t.Errorf("truncated scan: img %v, err %v; want image and ErrWarning", img != nil, err)
	}
	for _, in := range [][]byte{nil, {}, []byte("not a jpeg"), data[:100]} {
		if img, err := dec.DecodeRGBA(nil, in, ScaleFull); err == nil || img != nil || errors.Is(err, ErrWarning) {
			t.Errorf("%q: img %v, err %v; want fatal error", in, img != nil, err)
		}
	}
}

// TestDecoderRecoversAfterError: a frame TurboJPEG cannot read must not
// poison the handle for the good frames that follow (it did: "two SOI
// markers" forever after one error).
func TestDecoderRecoversAfterError(t *testing.T) {
	enc, d := newCodecs(t)
	good, err := enc.EncodeRGBA(nil, gradient(64, 48), Subsamp420, 80)
	if err != nil {
		t.Fatal(err)
	}
	huge := bytes.Clone(good)
	i := bytes.Index(huge, []byte{0xff, 0xc0})
	huge[i+5], huge[i+6], huge[i+7], huge[i+8] = 0xff, 0xff, 0xff, 0xff // 65535x65535: refused by libjpeg-turbo
	for _, bad := range [][]byte{huge, []byte("garbage that is not a JPEG at all"), good[:len(good)/3]} {
		if _, err := DecodeHeader(bad); err == nil && len(bad) != len(good)/3 {
			t.Errorf("DecodeHeader accepted a broken frame of %d bytes", len(bad))
		}
		d.DecodeRGBA(nil, bad, ScaleFull)
		if h, err := DecodeHeader(good); err != nil || h.Width != 64 {
			t.Fatalf("DecodeHeader of a good frame after a bad one: %+v, %v", h, err)
		}
		if img, err := d.DecodeRGBA(nil, good, ScaleFull); err != nil || img.Rect.Dx() != 64 {
			t.Fatalf("DecodeRGBA of a good frame after a bad one: %v", err)
		}
	}
}

// TestNoQuantTableRefused: a frame whose scan comes without a quantization
// table is refused: the library would borrow the previous frame's table,
// so the same bytes would decode differently after different frames.
func TestNoQuantTableRefused(t *testing.T) {
	enc, dec := newCodecs(t)
	good, err := enc.EncodeRGBA(nil, gradient(32, 16), SubsampGray, 90)
	if err != nil {
		t.Fatal(err)
	}
	if !hasQuantTable(good) {
		t.Fatal("a whole frame counts as without a table")
	}
	// Cut the DQT segment out of the frame.
	noDQT := append([]byte(nil), good[:2]...)
	for i := 2; i+4 <= len(good); {
		if good[i+1] == 0xDA {
			noDQT = append(noDQT, good[i:]...)
			break
		}
		n := 2 + (int(good[i+2])<<8 | int(good[i+3]))
		if good[i+1] != 0xDB {
			noDQT = append(noDQT, good[i:i+n]...)
		}
		i += n
	}
	if hasQuantTable(noDQT) {
		t.Fatal("the cut frame still counts as having a table")
	}
	if _, err := dec.DecodeRGBA(nil, good, ScaleFull); err != nil {
		t.Fatal(err)
	}
	if img, err := dec.DecodeRGBA(nil, noDQT, ScaleFull); img != nil || err == nil {
		t.Errorf("decoded a frame without a table after a good one: %v", err)
	}
}
