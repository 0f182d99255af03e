package httpstream

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzPartReader: no input makes the PartReader panic, return a frame over
// the limit or a non-JPEG, or keep going without consuming input; errors
// stay sticky.
//
// Seeds: the partCases streams below plus testdata/fuzz/FuzzPartReader:
// streams shaped like lancam's, mjpg-streamer's and ustreamer's, one
// without Content-Length, one LF-only with the boundary sniffed from the
// body, one without an opening boundary, one cut off mid-part, and every
// crasher ever found. `go test ./httpstream` replays all of them.
func FuzzPartReader(f *testing.F) {
	for _, tc := range partCases() {
		// The endless-header cases are megabytes; the fuzzer mutates
		// better from their first few kilobytes.
		in := tc.in
		if len(in) > 4<<10 {
			in = in[:4<<10]
		}
		f.Add([]byte(in), tc.boundary)
	}
	f.Fuzz(func(t *testing.T, data []byte, boundary string) {
		for _, cfg := range []PartReaderConfig{{}, {MaxFrameBytes: 16, MaxHeaderBytes: 32}} {
			p := NewPartReader(bytes.NewReader(data), boundary, cfg)
			limit := cfg.MaxFrameBytes
			if limit == 0 {
				limit = DefaultMaxFrameBytes
			}
			// Every frame consumes at least its two-byte SOI, so more
			// frames than input bytes would mean a loop.
			for n := 0; ; n++ {
				if n > len(data) {
					t.Fatalf("%d frames from %d bytes", n, len(data))
				}
				frame, err := p.Next()
				if err != nil {
					if _, again := p.Next(); again != err {
						t.Fatalf("error not sticky: %v then %v", err, again)
					}
					break
				}
				if len(frame) > limit {
					t.Fatalf("frame of %d bytes over the limit %d", len(frame), limit)
				}
				if !isJPEG(frame) {
					t.Fatalf("frame %q is no JPEG", frame)
				}
			}
		}
	})
}

// TestPartReaderSeedStreams checks that the real-world-shaped streams of the
// seed corpus (testdata/fuzz/FuzzPartReader) still parse into the frames
// they hold, so the fuzzer starts from streams the reader understands.
func TestPartReaderSeedStreams(t *testing.T) {
	for name, want := range map[string]struct {
		frames int
		err    error
	}{
		"lancam":              {2, io.EOF},
		"mjpg-streamer":       {2, io.EOF},
		"ustreamer":           {2, io.EOF},
		"no-content-length":   {2, io.EOF},
		"lf-only-sniffed":     {2, io.EOF},
		"no-opening-boundary": {2, io.EOF},
		"truncated-mid-part":  {1, io.ErrUnexpectedEOF},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzPartReader", name))
			if err != nil {
				t.Fatal(err)
			}
			// "go test fuzz v1", then []byte("...") and string("...").
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) != 3 || lines[0] != "go test fuzz v1" {
				t.Fatalf("not a two-argument corpus file: %q", lines)
			}
			data, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
			if err != nil {
				t.Fatal(err)
			}
			boundary, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[2], "string("), ")"))
			if err != nil {
				t.Fatal(err)
			}
			p := NewPartReader(strings.NewReader(data), boundary, PartReaderConfig{})
			n := 0
			for {
				frame, err := p.Next()
				if err != nil {
					if n != want.frames || !errors.Is(err, want.err) {
						t.Fatalf("%d frames, then %v; want %d, then %v", n, err, want.frames, want.err)
					}
					break
				}
				if !bytes.HasSuffix(frame, []byte{0xFF, 0xD9}) {
					t.Fatalf("frame %d does not end with EOI: %q", n, frame[max(0, len(frame)-8):])
				}
				n++
			}
		})
	}
}
