package tjpeg

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"lancam/internal/testenv"
)

// jpegtranArgs are jpegtran's options for each op (libjpeg-turbo-progs).
var jpegtranArgs = map[Op][]string{
	OpNone:       nil,
	OpHFlip:      {"-flip", "horizontal"},
	OpVFlip:      {"-flip", "vertical"},
	OpTranspose:  {"-transpose"},
	OpTransverse: {"-transverse"},
	OpRot90:      {"-rotate", "90"},
	OpRot180:     {"-rotate", "180"},
	OpRot270:     {"-rotate", "270"},
}

// jpegtran runs jpegtran on data; -copy all as TurboJPEG copies every marker.
func jpegtran(t testing.TB, data []byte, args ...string) []byte {
	t.Helper()
	bin := testenv.Tool(t, "jpegtran") // Debian: libjpeg-turbo-progs
	in := filepath.Join(t.TempDir(), "in.jpg")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(append([]string{"-copy", "all"}, args...), in)...).Output()
	if err != nil {
		t.Fatalf("jpegtran %q: %v", args, err)
	}
	return out
}

func newTransformer(t testing.TB) *Transformer {
	t.Helper()
	tr, err := NewTransformer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}

// TestTransformMatchesJpegtran: every op on an MCU-aligned 720p frame is
// byte for byte what jpegtran -perfect writes, and on a frame of odd size
// what jpegtran -trim writes, with the size it reports.
func TestTransformMatchesJpegtran(t *testing.T) {
	enc, _ := newCodecs(t)
	tr := newTransformer(t)
	aligned, err := enc.EncodeRGBA(nil, Reference720p(), Subsamp420, 80)
	if err != nil {
		t.Fatal(err)
	}
	odd, err := enc.EncodeRGBA(nil, gradient(1278, 717), Subsamp422, 80)
	if err != nil {
		t.Fatal(err)
	}
	for op, args := range jpegtranArgs {
		got, w, h, err := tr.Transform(aligned, op, true)
		if err != nil {
			t.Fatalf("op %d: %v", op, err)
		}
		if want := jpegtran(t, aligned, append([]string{"-perfect"}, args...)...); !bytes.Equal(got, want) {
			t.Errorf("op %d (jpegtran %q): %d bytes differ from jpegtran's %d", op, args, len(got), len(want))
		}
		if ww, wh := 1280, 720; op.SwapsAxes() && (w != wh || h != ww) || !op.SwapsAxes() && (w != ww || h != wh) {
			t.Errorf("op %d: size %dx%d", op, w, h)
		}

		trimmed, w, h, err := tr.Transform(odd, op, false)
		if err != nil {
			t.Fatalf("op %d, odd size: %v", op, err)
		}
		want := jpegtran(t, odd, append([]string{"-trim"}, args...)...)
		hdr, _ := DecodeHeader(want)
		if !bytes.Equal(trimmed, want) || w != hdr.Width || h != hdr.Height {
			t.Errorf("op %d, odd size: %dx%d (%d bytes), jpegtran -trim %dx%d (%d bytes)", op, w, h, len(trimmed), hdr.Width, hdr.Height, len(want))
		}
	}
}

// TestTransformImperfect: asking for a perfect transform of a picture whose
// moved edge has partial blocks is ErrImperfect, decided before any work;
// ops that move no partial block still work.
func TestTransformImperfect(t *testing.T) {
	enc, _ := newCodecs(t)
	tr := newTransformer(t)
	odd, err := enc.EncodeRGBA(nil, gradient(1278, 720), Subsamp420, 80) // 720 rows are whole MCUs, 1278 columns are not
	if err != nil {
		t.Fatal(err)
	}
	for op, ok := range map[Op]bool{OpNone: true, OpTranspose: true, OpVFlip: true, OpRot90: true,
		OpHFlip: false, OpRot180: false, OpRot270: false, OpTransverse: false} {
		_, _, _, err := tr.Transform(odd, op, true)
		if ok && err != nil || !ok && !errors.Is(err, ErrImperfect) {
			t.Errorf("op %d on 1278x720: %v, want ok=%v", op, err, ok)
		}
	}
	if _, _, _, err := tr.Transform([]byte("not a jpeg"), OpRot90, false); err == nil {
		t.Error("garbage transformed")
	}
}

// TestTransformTurnsThePicture: on decoded pixels, a black block in the
// top-left corner ends up where each op should put it.
func TestTransformTurnsThePicture(t *testing.T) {
	enc, dec := newCodecs(t)
	tr := newTransformer(t)
	src := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for i := range src.Pix {
		src.Pix[i] = 255
	}
	for y := range 16 {
		for x := range 16 {
			src.Set(x, y, color.Black)
		}
	}
	data, err := enc.EncodeRGBA(nil, src, Subsamp420, 95)
	if err != nil {
		t.Fatal(err)
	}
	// Where the block's centre lands in the 64x32 or 32x64 result.
	for op, at := range map[Op]image.Point{
		OpNone: {8, 8}, OpHFlip: {56, 8}, OpVFlip: {8, 24}, OpRot180: {56, 24},
		OpRot90: {24, 8}, OpRot270: {8, 56}, OpTranspose: {8, 8}, OpTransverse: {24, 56},
	} {
		out, _, _, err := tr.Transform(data, op, true)
		if err != nil {
			t.Fatal(err)
		}
		img, err := dec.DecodeRGBA(nil, out, ScaleFull)
		if err != nil {
			t.Fatal(err)
		}
		if r, _, _ := pixel(img, at.X, at.Y); r > 40 {
			t.Errorf("op %d: %v is not black (%d)", op, at, r)
		}
		var dark int
		for y := range img.Rect.Dy() {
			for x := range img.Rect.Dx() {
				if r, _, _ := pixel(img, x, y); r < 128 {
					dark++
				}
			}
		}
		if dark < 200 || dark > 312 {
			t.Errorf("op %d: %d dark pixels, want the 256 of the block", op, dark)
		}
	}
}

// TestOpFor: rotations and mirrors map onto the eight transforms.
func TestOpFor(t *testing.T) {
	for _, tc := range []struct {
		deg    int
		mirror bool
		want   Op
	}{
		{0, false, OpNone}, {90, false, OpRot90}, {180, false, OpRot180}, {270, false, OpRot270},
		{0, true, OpHFlip}, {90, true, OpTranspose}, {180, true, OpVFlip}, {270, true, OpTransverse},
	} {
		if got, err := OpFor(tc.deg, tc.mirror); err != nil || got != tc.want {
			t.Errorf("OpFor(%d, %v) = %d, %v; want %d", tc.deg, tc.mirror, got, err, tc.want)
		}
	}
	for _, deg := range []int{-90, 45, 360} {
		if _, err := OpFor(deg, false); err == nil {
			t.Errorf("OpFor(%d) accepted", deg)
		}
	}
}

// BenchmarkTransform720p is one lossless rotation of the 720p reference
// frame (compare BenchmarkJpegtran720p: the same work by jpegtran).
func BenchmarkTransform720p(b *testing.B) {
	for _, op := range []Op{OpRot90, OpRot180} {
		b.Run(map[Op]string{OpRot90: "rot90", OpRot180: "rot180"}[op], func(b *testing.B) {
			enc, _ := newCodecs(b)
			tr := newTransformer(b)
			data, err := enc.EncodeRGBA(nil, Reference720p(), Subsamp420, 80)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, _, err := tr.Transform(data, op, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJpegtran720p runs jpegtran -rotate 90 on the same frame, process
// start included (what a script around a camera would pay).
func BenchmarkJpegtran720p(b *testing.B) {
	enc, _ := newCodecs(b)
	data, err := enc.EncodeRGBA(nil, Reference720p(), Subsamp420, 80)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		jpegtran(b, data, "-perfect", "-rotate", "90")
	}
}
