package tjpeg

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestYUYVEncode(t *testing.T) {
	enc, dec := newCodecs(t)
	for _, c := range []struct{ w, h, pad int }{{64, 48, 0}, {66, 45, 12}, {1280, 720, 0}} {
		t.Run(fmt.Sprintf("%dx%d+%d", c.w, c.h, c.pad), func(t *testing.T) {
			src := gradient(c.w, c.h)
			stride := 2*c.w + c.pad
			y, u, v := SplitYUYV(toYUYV(src, stride), c.w, c.h, stride, nil, nil, nil)
			if y == nil {
				t.Fatal("SplitYUYV rejected valid input")
			}
			data, err := enc.EncodeYUVPlanes(nil, y, u, v, [3]int{}, c.w, c.h, Subsamp422, 90)
			if err != nil {
				t.Fatal(err)
			}
			if h, err := DecodeHeader(data); err != nil || h != (Header{c.w, c.h, Subsamp422}) {
				t.Errorf("header %+v, %v", h, err)
			}
			checkDecodes(t, dec, data, src)
		})
	}
}

func TestNV12Encode(t *testing.T) {
	enc, dec := newCodecs(t)
	for _, c := range []struct{ w, h, pad int }{{64, 48, 0}, {66, 46, 30}, {1280, 720, 0}} {
		t.Run(fmt.Sprintf("%dx%d+%d", c.w, c.h, c.pad), func(t *testing.T) {
			src := gradient(c.w, c.h)
			stride := c.w + c.pad
			y, u, v := SplitNV12(toNV12(src, stride), c.w, c.h, stride, nil, nil, nil)
			if y == nil {
				t.Fatal("SplitNV12 rejected valid input")
			}
			data, err := enc.EncodeYUVPlanes(nil, y, u, v, [3]int{}, c.w, c.h, Subsamp420, 90)
			if err != nil {
				t.Fatal(err)
			}
			checkDecodes(t, dec, data, src)

			// YU12 camera frames are these planes back to back; explicit
			// strides must give the same JPEG as zero ones.
			again, err := enc.EncodeYUVPlanes(nil, y, u, v, [3]int{c.w, c.w / 2, c.w / 2}, c.w, c.h, Subsamp420, 90)
			if err != nil || !bytes.Equal(again, data) {
				t.Errorf("explicit strides: err %v, equal %v", err, bytes.Equal(again, data))
			}
		})
	}
}

func TestEncodeGrayPlane(t *testing.T) {
	enc, dec := newCodecs(t)
	src := grayOf(gradient(50, 30))
	y := make([]byte, 50*30)
	for i := range y {
		y[i] = src.Pix[4*i]
	}
	data, err := enc.EncodeYUVPlanes(nil, y, nil, nil, [3]int{}, 50, 30, SubsampGray, 90)
	if err != nil {
		t.Fatal(err)
	}
	checkDecodes(t, dec, data, src)
}

// TestSplitYUYVExact compares the word-at-a-time code with the obvious loop
// at widths that hit every tail length, with row padding.
func TestSplitYUYVExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, w := range []int{1, 2, 3, 4, 6, 7, 8, 10, 14, 15, 16, 17, 18, 30, 33, 47, 48} {
		h, stride := 5, 2*pad(w, 2)+6
		src := make([]byte, stride*h)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		reuse := make([]byte, 4096)
		y, u, v := SplitYUYV(src, w, h, stride, reuse, nil, nil)
		if &y[0] != &reuse[0] {
			t.Errorf("w=%d: Y buffer not reused", w)
		}
		yw := pad(w, 2)
		for r := 0; r < h; r++ {
			for i := 0; i < yw/2; i++ {
				s := src[r*stride+4*i:]
				if y[r*yw+2*i] != s[0] || u[r*yw/2+i] != s[1] || y[r*yw+2*i+1] != s[2] || v[r*yw/2+i] != s[3] {
					t.Fatalf("w=%d row %d pair %d wrong", w, r, i)
				}
			}
		}
	}
}

func TestSplitNV12Exact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ w, h int }{{2, 2}, {3, 3}, {8, 4}, {10, 6}, {13, 7}, {34, 10}} {
		yw, yh := pad(c.w, 2), pad(c.h, 2)
		stride := yw + 4
		src := make([]byte, stride*c.h+stride*yh/2)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		y, u, v := SplitNV12(src, c.w, c.h, stride, nil, nil, nil)
		for r := 0; r < yh; r++ {
			for x := 0; x < yw; x++ {
				sr, sx := min(r, c.h-1), min(x, c.w-1) // padding repeats the edge
				if y[r*yw+x] != src[sr*stride+sx] {
					t.Fatalf("%v: Y(%d,%d) wrong", c, x, r)
				}
			}
		}
		for r := 0; r < yh/2; r++ {
			for x := 0; x < yw/2; x++ {
				o := c.h*stride + r*stride + 2*x
				if u[r*yw/2+x] != src[o] || v[r*yw/2+x] != src[o+1] {
					t.Fatalf("%v: UV(%d,%d) wrong", c, x, r)
				}
			}
		}
	}
}

func TestSplitRejectsShortInput(t *testing.T) {
	cases := []struct {
		name string
		run  func() []byte
	}{
		{"YUYV nil", func() []byte { y, _, _ := SplitYUYV(nil, 4, 4, 0, nil, nil, nil); return y }},
		{"YUYV short", func() []byte { y, _, _ := SplitYUYV(make([]byte, 31), 4, 4, 0, nil, nil, nil); return y }},
		{"YUYV small stride", func() []byte { y, _, _ := SplitYUYV(make([]byte, 64), 4, 4, 7, nil, nil, nil); return y }},
		{"YUYV zero size", func() []byte { y, _, _ := SplitYUYV(make([]byte, 64), 0, 4, 0, nil, nil, nil); return y }},
		{"NV12 nil", func() []byte { y, _, _ := SplitNV12(nil, 4, 4, 0, nil, nil, nil); return y }},
		{"NV12 short", func() []byte { y, _, _ := SplitNV12(make([]byte, 23), 4, 4, 0, nil, nil, nil); return y }},
		{"NV12 negative", func() []byte { y, _, _ := SplitNV12(make([]byte, 24), 4, -4, 0, nil, nil, nil); return y }},
	}
	for _, c := range cases {
		if y := c.run(); y != nil {
			t.Errorf("%s: got planes, want nil", c.name)
		}
	}
}
