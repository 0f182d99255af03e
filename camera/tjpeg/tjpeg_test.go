package tjpeg

import (
	"bytes"
	"image"
	"image/jpeg"
	"strings"
	"testing"
)

func newCodecs(t testing.TB) (*Encoder, *Decoder) {
	t.Helper()
	enc, err := NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { enc.Close(); dec.Close() })
	return enc, dec
}

// checkDecodes decodes data with both image/jpeg (an independent decoder,
// so we know the stream is standard) and ours, and wants both close to want.
func checkDecodes(t *testing.T, dec *Decoder, data []byte, want *image.RGBA) {
	t.Helper()
	std, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	if p := psnr(want, toRGBA(std)); p < 30 {
		t.Errorf("image/jpeg decode PSNR %.1f dB < 30", p)
	}
	ours, err := dec.DecodeRGBA(nil, data, ScaleFull)
	if err != nil {
		t.Fatalf("DecodeRGBA: %v", err)
	}
	if p := psnr(want, ours); p < 30 {
		t.Errorf("DecodeRGBA PSNR %.1f dB < 30", p)
	}
}

func TestRoundTrip(t *testing.T) {
	enc, dec := newCodecs(t)
	for _, sub := range []Subsamp{Subsamp444, Subsamp422, Subsamp420, SubsampGray, Subsamp440, Subsamp411} {
		for _, size := range []image.Point{{64, 48}, {67, 45}, {1, 1}} {
			t.Run(sub.String()+"/"+size.String(), func(t *testing.T) {
				src := gradient(size.X, size.Y)
				want := src
				if sub == SubsampGray {
					want = grayOf(src)
				}
				data, err := enc.EncodeRGBA(nil, src, sub, 90)
				if err != nil {
					t.Fatal(err)
				}
				hdr, err := DecodeHeader(data)
				if err != nil || hdr != (Header{size.X, size.Y, sub}) {
					t.Errorf("DecodeHeader = %+v, %v; want %v %v", hdr, err, size, sub)
				}
				checkDecodes(t, dec, data, want)

				data, err = enc.EncodeRGB(nil, packRGB(src), size.X, size.Y, 3*size.X, sub, 90)
				if err != nil {
					t.Fatal(err)
				}
				checkDecodes(t, dec, data, want)
			})
		}
	}
}

func TestEncodeSubImageAndDstReuse(t *testing.T) {
	enc, dec := newCodecs(t)
	big := gradient(100, 80)
	sub := big.SubImage(image.Rect(10, 20, 74, 68)).(*image.RGBA)
	buf := make([]byte, 0, 1<<20)
	data, err := enc.EncodeRGBA(buf, sub, Subsamp420, 90)
	if err != nil {
		t.Fatal(err)
	}
	if &data[0] != &buf[:1][0] {
		t.Error("dst with room was not reused")
	}
	checkDecodes(t, dec, data, toRGBA(sub))

	small := make([]byte, 10)
	data, err = enc.EncodeRGBA(small, sub, Subsamp420, 90)
	if err != nil || &data[0] == &small[0] {
		t.Errorf("too-small dst: err %v, reused %v", err, err == nil && &data[0] == &small[0])
	}
}

func TestEncodeErrors(t *testing.T) {
	enc, _ := newCodecs(t)
	img := gradient(16, 16)
	pix := packRGB(img)
	cases := []struct {
		name string
		run  func() ([]byte, error)
	}{
		{"nil image", func() ([]byte, error) { return enc.EncodeRGBA(nil, nil, Subsamp420, 90) }},
		{"empty image", func() ([]byte, error) { return enc.EncodeRGBA(nil, &image.RGBA{}, Subsamp420, 90) }},
		{"quality 0", func() ([]byte, error) { return enc.EncodeRGBA(nil, img, Subsamp420, 0) }},
		{"quality 101", func() ([]byte, error) { return enc.EncodeRGBA(nil, img, Subsamp420, 101) }},
		{"bad subsamp", func() ([]byte, error) { return enc.EncodeRGBA(nil, img, Subsamp(9), 90) }},
		{"nil pix", func() ([]byte, error) { return enc.EncodeRGB(nil, nil, 16, 16, 48, Subsamp420, 90) }},
		{"short pix", func() ([]byte, error) { return enc.EncodeRGB(nil, pix[:100], 16, 16, 48, Subsamp420, 90) }},
		{"small stride", func() ([]byte, error) { return enc.EncodeRGB(nil, pix, 16, 16, 47, Subsamp420, 90) }},
		{"zero width", func() ([]byte, error) { return enc.EncodeRGB(nil, pix, 0, 16, 48, Subsamp420, 90) }},
		{"negative height", func() ([]byte, error) { return enc.EncodeRGB(nil, pix, 16, -1, 48, Subsamp420, 90) }},
		{"nil planes", func() ([]byte, error) {
			return enc.EncodeYUVPlanes(nil, nil, nil, nil, [3]int{}, 16, 16, Subsamp420, 90)
		}},
		{"short U plane", func() ([]byte, error) {
			return enc.EncodeYUVPlanes(nil, make([]byte, 256), make([]byte, 63), make([]byte, 64), [3]int{}, 16, 16, Subsamp420, 90)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if out, err := c.run(); err == nil || out != nil || !strings.HasPrefix(err.Error(), "tjpeg: ") {
				t.Errorf("got %d bytes, err %v; want tjpeg error", len(out), err)
			}
		})
	}
}

func TestCloseIdempotent(t *testing.T) {
	enc, dec := newCodecs(t)
	data, err := enc.EncodeRGBA(nil, gradient(8, 8), Subsamp444, 90)
	if err != nil {
		t.Fatal(err)
	}
	enc.Close()
	enc.Close()
	dec.Close()
	dec.Close()
	if _, err := enc.EncodeRGBA(nil, gradient(8, 8), Subsamp444, 90); err == nil {
		t.Error("encode after Close succeeded")
	}
	if _, err := dec.DecodeRGBA(nil, data, ScaleFull); err == nil {
		t.Error("decode after Close succeeded")
	}
}

func TestScaleFor(t *testing.T) {
	cases := []struct {
		srcW, srcH, wantW, wantH int
		want                     Scale
	}{
		{1280, 720, 320, 180, ScaleQuarter},
		{1280, 720, 321, 180, ScaleHalf},
		{1280, 720, 160, 90, ScaleEighth},
		{1280, 720, 100, 100, ScaleQuarter},
		{1280, 720, 640, 360, ScaleHalf},
		{1280, 720, 641, 100, ScaleFull},
		{1280, 720, 1920, 1080, ScaleFull},
		{1280, 720, 0, 200, ScaleHalf},
		{1280, 720, 0, 0, ScaleEighth},
		{1281, 721, 161, 91, ScaleEighth}, // 1/8 of 1281 rounds up to 161
		{1920, 1080, 480, 270, ScaleQuarter},
	}
	for _, c := range cases {
		if got := ScaleFor(c.srcW, c.srcH, c.wantW, c.wantH); got != c.want {
			t.Errorf("ScaleFor(%d,%d,%d,%d) = %v, want %v", c.srcW, c.srcH, c.wantW, c.wantH, got, c.want)
		}
	}
}
