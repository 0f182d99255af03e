package httpstream

import (
	"bytes"
	"testing"
)

// FuzzPartReader: no input makes the PartReader panic, return a frame over
// the limit or a non-JPEG, or keep going without consuming input; errors
// stay sticky.
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
