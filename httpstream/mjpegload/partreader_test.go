package mjpegload

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const jpg1, jpg2 = "\xff\xd8one\xff\xd9", "\xff\xd8two\r\n--XY\n\xff\xd9"

var ts1 = time.Unix(1764140000, 123456000)

// head formats a part's headers and body the way lancam does, eol being
// "\r\n" or "\n".
func head(eol, body string, withLength bool) string {
	h := "Content-Type: image/jpeg" + eol
	if withLength {
		h += fmt.Sprintf("Content-Length: %d%s", len(body), eol)
	}
	return h + "X-Timestamp: 1764140000.123456" + eol + eol + body
}

// part is head followed by the next boundary, as lancam writes it.
func part(eol, body string, withLength bool) string {
	return head(eol, body, withLength) + eol + "--XYZ" + eol
}

type wantPart struct {
	ct     string
	length int
	ts     time.Time
	body   string
}

func (w wantPart) String() string {
	return fmt.Sprintf("{ct=%q len=%d ts=%v body=%q}", w.ct, w.length, w.ts, w.body)
}

func TestPartReader(t *testing.T) {
	j1 := wantPart{"image/jpeg", len(jpg1), ts1, jpg1}
	j2 := wantPart{"image/jpeg", len(jpg2), ts1, jpg2}
	tests := []struct {
		name     string
		boundary string
		stream   string
		max      int
		want     []wantPart
		wantErr  error
	}{
		{"well-formed", "XYZ", "--XYZ\r\n" + part("\r\n", jpg1, true) + part("\r\n", jpg2, true), 0,
			[]wantPart{j1, j2}, io.EOF},
		{"LF only", "XYZ", "--XYZ\n" + part("\n", jpg1, true) + part("\n", jpg2, true), 0,
			[]wantPart{j1, j2}, io.EOF},
		{"boundary param with dashes", "--XYZ", "--XYZ\r\n" + part("\r\n", jpg1, true), 0,
			[]wantPart{j1}, io.EOF},
		{"boundary lines with extra dashes", `"XYZ"`, "----XYZ\r\n" + part("\r\n", jpg1, true), 0,
			[]wantPart{j1}, io.EOF},
		{"no Content-Length: boundary scan", "XYZ", "--XYZ\r\n" + part("\r\n", jpg1, false) + part("\r\n", jpg2, false), 0,
			[]wantPart{{"image/jpeg", -1, ts1, jpg1}, {"image/jpeg", -1, ts1, jpg2}}, io.EOF},
		{"no Content-Length, LF only", "XYZ", "--XYZ\n" + part("\n", jpg2, false), 0,
			[]wantPart{{"image/jpeg", -1, ts1, jpg2}}, io.EOF},
		{"headers any order, case and spacing", "XYZ",
			"  --XYZ  \r\n x-timestamp:1764140000.123456\r\nCONTENT-LENGTH :  7\r\nX-Other: 1\r\nno colon\r\n\r\n" + jpg1 + "\r\n--XYZ--\r\n", 0,
			[]wantPart{{"", 7, ts1, jpg1}}, io.EOF},
		{"closing boundary ends stream", "XYZ", "--XYZ\r\n" + head("\r\n", jpg1, false) + "\r\n--XYZ--", 0,
			[]wantPart{{"image/jpeg", -1, ts1, jpg1}}, io.EOF},
		{"garbage between parts", "XYZ",
			"HTTP junk\r\n\r\n--XYZ\r\n" + head("\r\n", jpg1, true) + "\r\nnoise\r\n--XYZZY\r\n" +
				strings.Repeat("x", 70000) + "--XYZ\r\n\r\n--XYZ\r\n" + part("\r\n", jpg2, true), 0,
			[]wantPart{j1, j2}, io.EOF},
		{"oversized part", "XYZ", "--XYZ\r\n" + part("\r\n", jpg1, true), 4,
			nil, ErrPartTooLarge},
		{"oversized part, boundary scan", "XYZ", "--XYZ\r\n" + part("\r\n", jpg1+jpg1, false), 8,
			nil, ErrPartTooLarge},
		{"truncated body", "XYZ", "--XYZ\r\nContent-Length: 100\r\n\r\n\xff\xd8abc", 0,
			nil, io.ErrUnexpectedEOF},
		{"truncated scanned body", "XYZ", "--XYZ\r\n\r\n\xff\xd8abc\r\n--XY", 0,
			nil, io.ErrUnexpectedEOF},
		{"truncated headers", "XYZ", "--XYZ\r\n" + part("\r\n", jpg1, true) + "Content-Type: image/jpeg\r\nContent-Le", 0,
			[]wantPart{j1}, io.ErrUnexpectedEOF},
		{"empty stream", "XYZ", "", 0, nil, io.EOF},
		{"empty boundary", "--", "--XYZ\r\n" + part("\r\n", jpg1, true), 0, nil, ErrMalformed},
		{"header block never ends", "XYZ", "--XYZ\r\n" + strings.Repeat("a: b\r\n", 200), 0, nil, ErrMalformed},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"bytewise": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rname, mk := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				pr := NewPartReader(mk(tt.stream), tt.boundary)
				pr.SetMaxPart(tt.max)
				var got []wantPart
				var err error
				for {
					var p Part
					if p, err = pr.Next(); err != nil {
						break
					}
					got = append(got, wantPart{p.ContentType, p.Length, p.Timestamp, string(p.Body)})
				}
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("final error = %v, want %v", err, tt.wantErr)
				}
				if _, again := pr.Next(); again != err {
					t.Errorf("error not sticky: %v then %v", err, again)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %d parts %v, want %d", len(got), got, len(tt.want))
				}
				for i := range got {
					g, w := got[i], tt.want[i]
					if g.ct != w.ct || g.length != w.length || !g.ts.Equal(w.ts) || g.body != w.body {
						t.Errorf("part %d = %v, want %v", i, g, w)
					}
				}
			})
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	for in, want := range map[string]time.Time{
		"1764140000.123456":     ts1,
		"1764140000":            time.Unix(1764140000, 0),
		"1764140000.5":          time.Unix(1764140000, 500_000_000),
		"1764140000.1234567891": time.Unix(1764140000, 123_456_789),
		"":                      {},
		"17x":                   {},
		"1.2.3":                 {},
	} {
		if got := parseTimestamp([]byte(in)); !got.Equal(want) {
			t.Errorf("parseTimestamp(%q) = %v, want %v", in, got, want)
		}
	}
}

// loopReader replays data forever without allocating.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

// loopStream is an endless stream of 120 KB parts, as lancam sends them.
func loopStream(withLength bool) (*loopReader, int) {
	body := "\xff\xd8" + strings.Repeat("j", 120_000) + "\xff\xd9"
	s := "--XYZ\r\n" + strings.TrimSuffix(part("\r\n", body, withLength), "--XYZ\r\n")
	return &loopReader{data: []byte(s)}, len(body)
}

func TestPartReaderZeroAllocs(t *testing.T) {
	for _, withLength := range []bool{true, false} {
		r, n := loopStream(withLength)
		pr := NewPartReader(r, "XYZ")
		next := func() {
			if p, err := pr.Next(); err != nil || len(p.Body) != n || p.Timestamp.IsZero() {
				t.Fatalf("Next = %d bytes, %v", len(p.Body), err)
			}
		}
		next() // first part sizes the buffer and caches the Content-Type
		if a := testing.AllocsPerRun(200, next); a != 0 {
			t.Errorf("withLength=%v: %v allocs per part, want 0", withLength, a)
		}
	}
}

func benchmarkPartReader(b *testing.B, withLength bool) {
	r, n := loopStream(withLength)
	pr := NewPartReader(r, "XYZ")
	if _, err := pr.Next(); err != nil { // sizes the buffer
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pr.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPartReader reads parts by Content-Length: 0 allocs/op.
func BenchmarkPartReader(b *testing.B) { benchmarkPartReader(b, true) }

// BenchmarkPartReaderScan reads parts by boundary scan: 0 allocs/op.
func BenchmarkPartReaderScan(b *testing.B) { benchmarkPartReader(b, false) }
