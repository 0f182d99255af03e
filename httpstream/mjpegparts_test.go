package httpstream

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Fake JPEGs: only the SOI marker matters to the PartReader.
const (
	jpgA = "\xFF\xD8aaaa\xFF\xD9"
	jpgB = "\xFF\xD8bbbbbbbb\xFF\xD9"
	// jpgTricky holds a whole fake part, boundary line included, as
	// entropy-coded data may; only Content-Length gets it right.
	jpgTricky = "\xFF\xD8x\r\n--b\r\nContent-Length: 2\r\n\r\n\xFF\xD8\r\n--b--\r\n\xFF\xD9"
)

// clPart is a part with Content-Length, as lancam and mjpg-streamer send it.
func clPart(body string) string {
	return "--b\r\nContent-Type: image/jpeg\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body + "\r\n"
}

// bare is a part without Content-Length, as many ESP32 cameras send it.
func bare(body string) string {
	return "--b\r\nContent-Type: image/jpeg\r\n\r\n" + body + "\r\n"
}

type partCase struct {
	name     string
	boundary string
	in       string
	cfg      PartReaderConfig
	want     []string // frames, in order
	err      error    // what Next ends with (errors.Is)
	skipped  uint64
}

// partCases are hostile and merely sloppy streams; the fuzz test seeds its
// corpus with them.
func partCases() []partCase {
	small := PartReaderConfig{MaxFrameBytes: 64, MaxHeaderBytes: 256}
	return []partCase{
		{name: "content-length", in: clPart(jpgA) + clPart(jpgB) + "--b\r\n", want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "no content-length", in: bare(jpgA) + bare(jpgB) + "--b\r\n", want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "mixed", in: bare(jpgA) + clPart(jpgB) + bare(jpgA) + "--b\r\n", want: []string{jpgA, jpgB, jpgA}, err: io.EOF},
		{name: "boundary inside jpeg with content-length", in: clPart(jpgTricky) + clPart(jpgA) + "--b\r\n", want: []string{jpgTricky, jpgA}, err: io.EOF},
		{name: "huge content-length", in: "--b\r\nContent-Length: 1099511627776\r\n\r\n" + jpgA, err: ErrFrameTooLarge},
		{name: "content-length overflowing int", in: "--b\r\nContent-Length: 99999999999999999999999999999\r\n\r\n" + jpgA, err: ErrFrameTooLarge},
		{name: "content-length one over the cap", cfg: small, in: clPart(jpgA) + "--b\r\nContent-Length: 65\r\n\r\n" + jpgA, want: []string{jpgA}, err: ErrFrameTooLarge},
		{name: "content-length at the cap", cfg: small, in: clPart("\xFF\xD8"+strings.Repeat("x", 62)) + "--b--\r\n", want: []string{"\xFF\xD8" + strings.Repeat("x", 62)}, err: io.EOF},
		{name: "scan over the cap", cfg: small, in: bare("\xFF\xD8" + strings.Repeat("x\r\n", 30)), err: ErrFrameTooLarge},
		{name: "scan at the cap", cfg: small, in: bare("\xFF\xD8"+strings.Repeat("x", 62)) + "--b\r\n", want: []string{"\xFF\xD8" + strings.Repeat("x", 62)}, err: io.EOF},
		{name: "bogus content-length scans", in: "--b\r\nContent-Length: 12abc\r\n\r\n" + jpgA + "\r\n--b\r\nContent-Length: 0\r\n\r\n" + jpgB + "\r\n--b\r\n", want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "truncated body with content-length", in: "--b\r\nContent-Length: 100\r\n\r\n" + jpgA, err: io.ErrUnexpectedEOF},
		{name: "truncated body without content-length", in: clPart(jpgB) + "--b\r\n\r\n" + jpgA, want: []string{jpgB}, err: io.ErrUnexpectedEOF},
		{name: "truncated headers", in: clPart(jpgA) + "--b\r\nContent-Type: image/jpeg\r\nContent-Le", want: []string{jpgA}, err: io.ErrUnexpectedEOF},
		{name: "endless header lines", in: "--b\r\n" + strings.Repeat("X-Junk: 0123456789\r\n", 1<<16), err: ErrHeaderTooLarge},
		{name: "endless header line", in: "--b\r\nX-Junk: " + strings.Repeat("x", 1<<20), err: ErrHeaderTooLarge},
		{name: "garbage between parts", in: "preamble\r\n" + clPart(jpgA) + "junk\r\n\r\n  \r\n\x00\x01garbage\r\n" + bare(jpgB) + "\r\n\r\n" + clPart(jpgA) + "--b--\r\n", want: []string{jpgA, jpgB, jpgA}, err: io.EOF},
		{name: "long garbage line", in: strings.Repeat("g", 40000) + "--b\r\n" + clPart(jpgA), want: []string{jpgA}, err: io.EOF},
		{name: "no boundary at all", cfg: small, in: strings.Repeat("garbage\r\n", 100), err: ErrNoBoundary},
		{name: "LF line ends", in: "--b\nContent-Length: 8\n\n" + jpgA + "\n--b\ncontent-type: image/jpeg\n\n" + jpgB + "\n--b\n", want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "not a jpeg is skipped", in: clPart("GIF89a") + clPart(jpgA) + bare("hello") + bare(jpgB) + "--b\r\n", want: []string{jpgA, jpgB}, err: io.EOF, skipped: 2},
		{name: "empty parts", in: "--b\r\n--b\r\n\r\n--b\r\n" + clPart(jpgA), want: []string{jpgA}, err: io.EOF},
		{name: "quoted boundary", boundary: `"b"`, in: clPart(jpgA), want: []string{jpgA}, err: io.EOF},
		{name: "quoted boundary with dashes", boundary: `"--b"`, in: clPart(jpgA) + bare(jpgB) + "--b\r\n", want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "dashes missing in the body", in: "b\r\nContent-Length: 8\r\n\r\n" + jpgA + "\r\nb\r\n\r\n" + jpgB + "\r\nb\r\n", want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "no opening boundary", in: "Content-Type: image/jpeg\r\nContent-Length: 8\r\n\r\n" + jpgA + "\r\n" + clPart(jpgB), want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "header names in any case", in: "--b\r\nCONTENT-LENGTH :  8 \r\n\r\n" + jpgA + "\r\n--b\r\ncOnTeNt-LeNgTh: 12\r\n\r\n" + jpgB + "\r\n", want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "whitespace around boundary lines", in: "  --b  \r\n\r\n\r\nContent-Length: 8\r\n\r\n" + jpgA + "\r\n\t--b\t\r\n" + clPart(jpgB), want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "part without headers", in: "--b\r\n\r\n" + jpgA + "\r\n--b\r\n", want: []string{jpgA}, err: io.EOF},
		{name: "closing boundary ends the stream", in: clPart(jpgA) + "--b--\r\n" + clPart(jpgB), want: []string{jpgA}, err: io.EOF},
		{name: "closing boundary after a scanned part", in: bare(jpgA) + "--b--", want: []string{jpgA}, err: io.EOF},
		{name: "sniffed boundary", boundary: "", in: "\r\n--sniffed\r\nContent-Length: 8\r\n\r\n" + jpgA + "\r\n--sniffed\r\n\r\n" + jpgB + "\r\n--sniffed\r\n", want: []string{jpgA, jpgB}, err: io.EOF},
		{name: "boundary prefix is no boundary", in: bare(jpgA+"\r\n--bb\r\n"+jpgB) + "--b\r\n", want: []string{jpgA + "\r\n--bb\r\n" + jpgB}, err: io.EOF},
		{name: "empty stream", in: "", err: io.EOF},
		{name: "ends after a boundary", in: clPart(jpgA) + "--b\r\n", want: []string{jpgA}, err: io.EOF},
	}
}

func TestPartReader(t *testing.T) {
	for _, tc := range partCases() {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.boundary
			if b == "" && tc.name != "sniffed boundary" {
				b = "b"
			}
			p := NewPartReader(strings.NewReader(tc.in), b, tc.cfg)
			var got []string
			var err error
			for {
				var f []byte
				if f, err = p.Next(); err != nil {
					break
				}
				got = append(got, string(f))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("frames %q, want %q", got, tc.want)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("ended with %v, want %v", err, tc.err)
			}
			if _, again := p.Next(); again != err {
				t.Errorf("error not sticky: %v then %v", err, again)
			}
			if p.Skipped() != tc.skipped {
				t.Errorf("skipped %d parts, want %d", p.Skipped(), tc.skipped)
			}
		})
	}
}

// TestPartReaderAllocBound: whatever a stream claims or sends, one Next
// allocates at most the frame limit plus a small constant.
func TestPartReaderAllocBound(t *testing.T) {
	const limit = 1 << 20
	const slack = 2*scanDoublingMax + 64<<10 // scan buffers outgrown, bufio buffer, error values
	cases := map[string]io.Reader{
		"huge content-length": strings.NewReader("--b\r\nContent-Length: 1099511627776\r\n\r\n" + jpgA),
		"endless body": io.MultiReader(strings.NewReader("--b\r\n\r\n\xFF\xD8"),
			io.LimitReader(repeatReader("0123456789abcdef\r\n"), 20<<20)),
		"endless headers": io.MultiReader(strings.NewReader("--b\r\n"), io.LimitReader(repeatReader("X: y\r\n"), 20<<20)),
		"endless garbage": io.LimitReader(repeatReader("garbage\r\n"), 20<<20),
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			p := NewPartReader(r, "b", PartReaderConfig{MaxFrameBytes: limit})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := p.Next()
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("Next returned a frame")
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > limit+slack {
				t.Errorf("allocated %d bytes for a %d-byte limit (%v)", n, limit, err)
			}
		})
	}
}

// repeatReader endlessly repeats s.
type repeatReader string

func (r repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], r)
	}
	return n, nil
}

// TestPartReaderReusesBuffer: in steady state a frame costs no allocation,
// and the returned slice is the reader's buffer (valid until the next call).
func TestPartReaderReusesBuffer(t *testing.T) {
	var stream bytes.Buffer
	for range 200 {
		stream.WriteString(clPart(jpgB))
		stream.WriteString(bare(jpgA))
	}
	p := NewPartReader(&stream, "b", PartReaderConfig{})
	first, err := p.Next()
	if err != nil {
		t.Fatal(err)
	}
	firstAddr := &first[0]
	second, err := p.Next()
	if err != nil {
		t.Fatal(err)
	}
	if &second[0] != firstAddr {
		t.Error("the second frame is not in the first one's buffer")
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame", allocs)
	}
}

func TestParseContentType(t *testing.T) {
	for ct, want := range map[string][2]string{
		"multipart/x-mixed-replace;boundary=frame":              {"multipart/x-mixed-replace", "frame"},
		"multipart/x-mixed-replace; boundary=--frame":           {"multipart/x-mixed-replace", "frame"},
		`multipart/x-mixed-replace; boundary="--frame"`:         {"multipart/x-mixed-replace", "frame"},
		`Multipart/X-Mixed-Replace; Boundary="frame`:            {"multipart/x-mixed-replace", "frame"},
		"multipart/x-mixed-replace;boundary=a:b;charset=x;;":    {"multipart/x-mixed-replace", "a:b"},
		"multipart/x-mixed-replace":                             {"multipart/x-mixed-replace", ""},
		"image/jpeg":                                            {"image/jpeg", ""},
		"text/html; charset=utf-8":                              {"text/html", ""},
		"":                                                      {"", ""},
		"multipart/x-mixed-replace;boundary=\"\"":               {"multipart/x-mixed-replace", ""},
		"multipart/x-mixed-replace;boundary=--":                 {"multipart/x-mixed-replace", ""},
		"multipart/x-mixed-replace; boundary=myboundary; x=\"y": {"multipart/x-mixed-replace", "myboundary"},
	} {
		mt, b := parseContentType(ct)
		if mt != want[0] || b != want[1] {
			t.Errorf("parseContentType(%q) = %q, %q; want %q, %q", ct, mt, b, want[0], want[1])
		}
	}
}
