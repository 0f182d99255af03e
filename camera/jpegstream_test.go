package camera

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/iotest"
)

// streamJPEG encodes a w×h picture with image/jpeg. noise > 0 adds random
// texture so that the entropy-coded data grows (and holds stuffed 0xFF00
// bytes) the way a camera's does.
func streamJPEG(t testing.TB, w, h, quality, noise int, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			n := 0
			if noise > 0 {
				n = rng.IntN(noise)
			}
			img.Set(x, y, color.RGBA{uint8(x*255/w + n), uint8(y*255/h + n), uint8((x+y)*3 + n), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func streamFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ffmpegFrames is testdata/jpegstream/ffmpeg5.mjpeg (ffmpeg -f lavfi -i
// testsrc2=size=160x120:rate=5 -frames:v 5 -f mjpeg -q:v 5) cut at every
// FF D9. That naive cut is right for this file only because ffmpeg's
// frames carry no thumbnail; each piece must decode to prove it.
func ffmpegFrames(t testing.TB) [][]byte {
	t.Helper()
	b := streamFixture(t, "jpegstream/ffmpeg5.mjpeg")
	var frames [][]byte
	for len(b) > 0 {
		i := bytes.Index(b, []byte{0xFF, mEOI})
		if i < 0 {
			t.Fatalf("ffmpeg5.mjpeg: %d bytes after the last EOI", len(b))
		}
		frames = append(frames, b[:i+2])
		b = b[i+2:]
	}
	if len(frames) != 5 {
		t.Fatalf("ffmpeg5.mjpeg: %d frames, want 5", len(frames))
	}
	for _, f := range frames {
		mustDecode(t, f)
	}
	return frames
}

// withThumbnail inserts after SOI an EXIF APP1 segment that embeds thumb,
// a whole JPEG, as cameras and phones write it (TIFF header, IFD0, IFD1
// pointing at the JPEGInterchangeFormat). Its SOI and EOI, inside a
// segment payload, are what a search for FF D9 gets wrong.
func withThumbnail(t testing.TB, main, thumb []byte) []byte {
	t.Helper()
	const ifd1 = 8 + 2 + 12 + 4 // TIFF header, then an empty-ish IFD0
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8}
	tiff = append(tiff, 0, 1, // IFD0: one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 1, 0, 0, // Orientation = 1
		0, 0, 0, ifd1) // next IFD
	thumbAt := ifd1 + 2 + 2*12 + 4
	tiff = append(tiff, 0, 2, // IFD1: two entries
		0x02, 0x01, 0, 4, 0, 0, 0, 1, 0, 0, byte(thumbAt>>8), byte(thumbAt), // JPEGInterchangeFormat
		0x02, 0x02, 0, 4, 0, 0, 0, 1, 0, 0, byte(len(thumb)>>8), byte(len(thumb)), // ...Length
		0, 0, 0, 0)
	tiff = append(tiff, thumb...)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	n := len(payload) + 2
	if n > 0xFFFF {
		t.Fatalf("thumbnail of %d bytes does not fit in APP1", len(thumb))
	}
	out := append([]byte{0xFF, mSOI, 0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	return append(out, main[2:]...)
}

// withFill puts 0xFF fill bytes before every marker up to SOS and before
// EOI, which JPEG (B.1.1.2) allows and the split must keep.
func withFill(t testing.TB, b []byte) []byte {
	t.Helper()
	out := []byte{0xFF, mSOI}
	i := 2
	for {
		if i+4 > len(b) || b[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m, n := b[i+1], int(b[i+2])<<8|int(b[i+3])
		out = append(out, 0xFF, 0xFF, 0xFF)
		if m == mSOS {
			out = append(out, b[i:len(b)-2]...)
			return append(out, 0xFF, 0xFF, 0xFF, mEOI)
		}
		out = append(out, b[i:i+2+n]...)
		i += 2 + n
	}
}

// entropyAt returns an offset inside the first scan's entropy-coded data.
func entropyAt(t testing.TB, b []byte) int {
	t.Helper()
	i := bytes.Index(b, []byte{0xFF, mSOS})
	if i < 0 {
		t.Fatal("no SOS")
	}
	sos := i + 2 + (int(b[i+2])<<8 | int(b[i+3]))
	if sos+20 >= len(b) {
		t.Fatal("scan too short")
	}
	return sos + (len(b)-sos)/2
}

// mustDecode checks that a frame is a JPEG image/jpeg reads, after the
// Huffman-table fix the camera sources apply to every frame.
func mustDecode(t testing.TB, b []byte) {
	t.Helper()
	fixed, err := FixMJPEG(b)
	if err != nil {
		t.Fatalf("frame of %d bytes: %v", len(b), err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(fixed)); err != nil {
		t.Fatalf("frame of %d bytes does not decode: %v", len(b), err)
	}
}

// splitAll reads s to its end, as a camera source does.
func splitAll(s *JPEGStream) ([][]byte, error) {
	var frames [][]byte
	for {
		f, err := s.Next()
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// streamReaders are the ways a pipe hands over bytes: all at once, a byte
// at a time, in halves, and with the last bytes arriving alongside io.EOF.
var streamReaders = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"dataerr", iotest.DataErrReader},
}

func TestJPEGStream(t *testing.T) {
	a := streamJPEG(t, 64, 48, 80, 40, 1)
	b := streamJPEG(t, 40, 24, 90, 0, 2)
	big := streamJPEG(t, 256, 192, 95, 200, 3)
	thumb := streamJPEG(t, 16, 16, 70, 0, 4)
	exif := withThumbnail(t, a, thumb)
	prog := streamFixture(t, "jpegstream/progressive.jpg")
	rst := streamFixture(t, "jpegstream/restart.jpg")
	nodht := streamFixture(t, "nodht.jpg")
	ffmpeg := streamFixture(t, "jpegstream/ffmpeg5.mjpeg")
	ff := ffmpegFrames(t)
	fill := withFill(t, a)
	for _, f := range [][]byte{a, b, big, thumb, exif, prog, rst, nodht, fill} {
		mustDecode(t, f)
	}
	if bytes.Count(prog, []byte{0xFF, mSOS}) < 2 {
		t.Fatal("progressive.jpg has a single scan")
	}
	if !bytes.Contains(rst, []byte{0xFF, mRST0}) {
		t.Fatal("restart.jpg has no restart marker")
	}
	// Garbage holds 0xFF, a stray EOI and a stuffed zero, and ends in 0xFF
	// fill, so "\xFF\xFF\xD8" starts the next frame; it never holds an SOI.
	garbage := []byte("\x00\xFFjunk\xFF\xD9\xFF\x00\xFF\xFF")
	cutA := entropyAt(t, a)
	cutProg := entropyAt(t, prog)
	sosA := bytes.Index(a, []byte{0xFF, mSOS})

	tests := []struct {
		name    string
		in      []byte
		max     int
		want    [][]byte
		err     error
		dropped uint64
		skipped int // -1: no garbage expected beyond dropped frames
	}{
		{name: "empty", in: nil, err: io.EOF},
		{name: "garbage only", in: garbage, err: io.EOF, skipped: len(garbage)},
		{name: "lone 0xFF at the end", in: cat(a, []byte{0xFF}), want: [][]byte{a}, err: io.EOF, skipped: 1},
		{name: "one frame", in: a, want: [][]byte{a}, err: io.EOF},
		{name: "clean concatenation", in: cat(a, b, prog, rst, nodht, exif, fill, ff[0], ff[1]),
			want: [][]byte{a, b, prog, rst, nodht, exif, fill, ff[0], ff[1]}, err: io.EOF},
		{name: "ffmpeg mjpeg stream", in: ffmpeg, want: ff, err: io.EOF},
		{name: "garbage before, between and after",
			in:   cat(garbage, a, garbage, prog, []byte("x"), exif, garbage, rst, garbage),
			want: [][]byte{a, prog, exif, rst}, err: io.EOF, skipped: 4*len(garbage) + 1},
		{name: "0xFF runs before SOI", in: cat([]byte{0xFF}, a, []byte{0xFF, 0xFF}, b, []byte{0xFF, 0xFF, 0xFF}, a),
			want: [][]byte{a, b, a}, err: io.EOF, skipped: 6},
		{name: "embedded thumbnail is not a frame end", in: cat(exif, b, exif),
			want: [][]byte{exif, b, exif}, err: io.EOF},
		{name: "progressive scans", in: cat(prog, prog), want: [][]byte{prog, prog}, err: io.EOF},
		{name: "restart markers", in: cat(rst, rst), want: [][]byte{rst, rst}, err: io.EOF},
		{name: "fill bytes before markers", in: cat(fill, a), want: [][]byte{fill, a}, err: io.EOF},
		{name: "cut mid-entropy then a whole frame", in: cat(a[:cutA], b),
			want: [][]byte{b}, err: io.EOF, dropped: 1, skipped: -1},
		{name: "progressive cut mid-scan then whole", in: cat(prog[:cutProg], prog),
			want: [][]byte{prog}, err: io.EOF, dropped: 1, skipped: -1},
		{name: "cut before SOS then a whole frame", in: cat(a[:sosA], b),
			want: [][]byte{b}, err: io.EOF, dropped: 1, skipped: -1},
		{name: "cut at the very end", in: cat(a, b[:len(b)-1]),
			want: [][]byte{a}, err: io.ErrUnexpectedEOF, dropped: 1, skipped: -1},
		{name: "cut right after SOI", in: cat(a, garbage, []byte{0xFF, mSOI}),
			want: [][]byte{a}, err: io.ErrUnexpectedEOF, dropped: 1, skipped: -1},
		{name: "cut in the thumbnail", in: cat(b, exif[:40]),
			want: [][]byte{b}, err: io.ErrUnexpectedEOF, dropped: 1, skipped: -1},
		{name: "marker expected, other byte", in: cat(a[:sosA], []byte{0x12}, a[sosA+1:], b),
			want: [][]byte{b}, err: io.EOF, dropped: 1, skipped: -1},
		{name: "segment length below 2", in: cat(a[:2], []byte{0xFF, 0xFE, 0, 1}, a[2:], b),
			want: [][]byte{b}, err: io.EOF, dropped: 1, skipped: -1},
		{name: "0xFF00 outside entropy data", in: cat(a[:2], []byte{0xFF, 0}, a[2:], b),
			want: [][]byte{b}, err: io.EOF, dropped: 1, skipped: -1},
		{name: "oversized frame dropped", in: cat(big, a, big), max: len(a),
			want: [][]byte{a}, err: io.EOF, dropped: 2, skipped: -1},
		{name: "oversized frame with a thumbnail", in: cat(exif, b), max: len(exif) - 1,
			want: [][]byte{b}, err: io.EOF, dropped: 1, skipped: -1},
		{name: "oversized and cut", in: cat(a, big[:len(big)-10]), max: len(a),
			want: [][]byte{a}, err: io.ErrUnexpectedEOF, dropped: 1, skipped: -1},
	}
	for _, tt := range tests {
		for _, rd := range streamReaders {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				s := NewJPEGStream(rd.wrap(bytes.NewReader(tt.in)), tt.max)
				got, err := splitAll(s)
				if err != tt.err {
					t.Errorf("err = %v, want %v", err, tt.err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("%d frames, want %d", len(got), len(tt.want))
				}
				inFrames := 0
				for i := range got {
					if !bytes.Equal(got[i], tt.want[i]) {
						t.Errorf("frame %d: %d bytes, want %d bytes", i, len(got[i]), len(tt.want[i]))
					}
					mustDecode(t, got[i])
					inFrames += len(got[i])
				}
				if d := s.DroppedFrames(); d != tt.dropped {
					t.Errorf("DroppedFrames = %d, want %d", d, tt.dropped)
				}
				// Every byte read is in a returned frame or counted.
				if sk := s.SkippedBytes(); sk != uint64(len(tt.in)-inFrames) {
					t.Errorf("SkippedBytes = %d, want %d", sk, len(tt.in)-inFrames)
				}
				if tt.skipped >= 0 && s.SkippedBytes() != uint64(tt.skipped) {
					t.Errorf("SkippedBytes = %d, want the %d bytes of garbage", s.SkippedBytes(), tt.skipped)
				}
				// The end stays the end; a cut frame is reported once.
				if f, err := s.Next(); f != nil || err != io.EOF {
					t.Errorf("Next after the end = %d bytes, %v; want io.EOF", len(f), err)
				}
			})
		}
	}
}

// TestJPEGStreamOwnedFrames: frames are published to many viewers, so a
// returned slice must not share memory with the stream's buffer or with
// another frame.
func TestJPEGStreamOwnedFrames(t *testing.T) {
	a := streamJPEG(t, 64, 48, 80, 40, 1)
	b := streamJPEG(t, 48, 32, 80, 40, 2)
	s := NewJPEGStream(bytes.NewReader(cat(a, b, a)), 0)
	f1, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	clear(f1)
	f2, err := s.Next()
	if err != nil || !bytes.Equal(f2, b) {
		t.Fatalf("second frame changed with the first: %v", err)
	}
	f3, err := s.Next()
	if err != nil || !bytes.Equal(f3, a) {
		t.Fatalf("third frame changed with the first: %v", err)
	}
	if cap(f3) != len(f3) {
		t.Errorf("frame has %d bytes of spare capacity: frames are kept per viewer, waste adds up", cap(f3)-len(f3))
	}
}

// flakyReader fails once with errFlaky after `at` bytes, then reads on,
// as a pipe with a read deadline does.
type flakyReader struct {
	r      io.Reader
	at     int
	failed bool
}

var errFlaky = errors.New("flaky read")

func (f *flakyReader) Read(p []byte) (int, error) {
	if !f.failed {
		if f.at == 0 {
			f.failed = true
			return 0, errFlaky
		}
		p = p[:min(len(p), f.at)]
	}
	n, err := f.r.Read(p)
	f.at -= n
	return n, err
}

// TestJPEGStreamReadError: errors other than the end come back unchanged,
// after the frames before them, and the split resumes where it stood.
func TestJPEGStreamReadError(t *testing.T) {
	a := streamJPEG(t, 64, 48, 80, 40, 1)
	b := streamJPEG(t, 48, 32, 80, 40, 2)
	in := cat(a, b, a)
	for _, at := range []int{0, 1, len(a), len(a) + entropyAt(t, b), len(in) - 1, len(in)} {
		s := NewJPEGStream(&flakyReader{r: bytes.NewReader(in), at: at}, 0)
		var got [][]byte
		flaky := 0
		for {
			f, err := s.Next()
			if err == errFlaky {
				flaky++
				continue
			}
			if err != nil {
				if err != io.EOF {
					t.Errorf("at %d: %v, want io.EOF", at, err)
				}
				break
			}
			got = append(got, f)
		}
		if flaky != 1 || len(got) != 3 || !bytes.Equal(got[1], b) || s.DroppedFrames() != 0 || s.SkippedBytes() != 0 {
			t.Errorf("error at %d: %d errors, %d frames, %d dropped, %d skipped; want 1, 3, 0, 0",
				at, flaky, len(got), s.DroppedFrames(), s.SkippedBytes())
		}
	}
}

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestJPEGStreamNoProgress(t *testing.T) {
	if _, err := NewJPEGStream(stuckReader{}, 0).Next(); err != io.ErrNoProgress {
		t.Fatalf("err = %v, want io.ErrNoProgress", err)
	}
}

// endlessFrame is a frame that never ends: SOI, a scan header, then
// entropy-coded data forever, the way a camera that hangs mid-frame looks.
type endlessFrame struct {
	head []byte
	n    int // bytes left before io.EOF
}

func (e *endlessFrame) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), e.n)]
	n := copy(p, e.head)
	e.head = e.head[n:]
	for i := n; i < len(p); i++ {
		p[i] = byte(i) | 0x01 // never 0xFF: never a marker
		if p[i] == 0xFF {
			p[i] = 0x7F
		}
	}
	e.n -= len(p)
	return len(p), nil
}

// TestJPEGStreamBoundedMemory: a frame that never ends costs no more than
// the limit, however long it goes on.
func TestJPEGStreamBoundedMemory(t *testing.T) {
	const limit = 100 << 10
	a := streamJPEG(t, 64, 48, 80, 40, 1)
	sos := bytes.Index(a, []byte{0xFF, mSOS})
	head := a[:sos+2+(int(a[sos+2])<<8|int(a[sos+3]))]
	s := NewJPEGStream(&endlessFrame{head: head, n: 20 << 20}, limit)
	if f, err := s.Next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("Next = %d bytes, %v; want io.ErrUnexpectedEOF", len(f), err)
	}
	if s.DroppedFrames() != 1 || s.SkippedBytes() != 20<<20 {
		t.Errorf("%d dropped, %d skipped; want 1, %d", s.DroppedFrames(), s.SkippedBytes(), 20<<20)
	}
	if len(s.buf) > 2*(limit+streamMinRead) {
		t.Errorf("buffer grew to %d bytes for a limit of %d", len(s.buf), limit)
	}
}

// TestJPEGStreamCounters reads the counters from another goroutine while
// frames are split, as a status page does; -race checks them.
func TestJPEGStreamCounters(t *testing.T) {
	a := streamJPEG(t, 64, 48, 80, 40, 1)
	cut := entropyAt(t, a)
	var in []byte
	for range 50 {
		in = cat(in, []byte("garbage"), a[:cut], a)
	}
	s := NewJPEGStream(iotest.HalfReader(bytes.NewReader(in)), 0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				_, _ = s.SkippedBytes(), s.DroppedFrames()
			}
		}
	})
	frames, err := splitAll(s)
	close(done)
	wg.Wait()
	if err != io.EOF || len(frames) != 50 || s.DroppedFrames() != 50 ||
		s.SkippedBytes() != uint64(50*(len("garbage")+cut)) {
		t.Errorf("%d frames, %v, %d dropped, %d skipped", len(frames), err, s.DroppedFrames(), s.SkippedBytes())
	}
}

// BenchmarkJPEGStream splits a stream of ~100 KB frames, the size of a
// 1280×720 camera frame; MB/s is the split's throughput.
func BenchmarkJPEGStream(b *testing.B) {
	frame := streamJPEG(b, 400, 300, 92, 120, 9)
	const n = 30
	in := bytes.Repeat(frame, n)
	b.Logf("%d frames of %d bytes", n, len(frame))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s := NewJPEGStream(bytes.NewReader(in), 0)
		got := 0
		for {
			_, err := s.Next()
			if err != nil {
				break
			}
			got++
		}
		if got != n {
			b.Fatalf("%d frames, want %d", got, n)
		}
	}
}
