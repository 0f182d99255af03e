package camera

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"lancam/camera/tjpeg"
)

// FuzzFixMJPEG: no input makes FixMJPEG panic or touch its input; every
// failure is nil plus an error wrapping ErrBadFrame; every success is a
// SOI..EOI frame that is either the input with its zero padding trimmed
// (returned without copying) or exactly that plus the Annex K DHT segment
// right before SOS, which happens only when no DHT came before SOS; a
// Huffman-coded frame (SOF0-3, 5-7, no arithmetic SOF) always leaves with a DHT before SOS;
// fixing twice changes nothing more; and when libjpeg-turbo can read the
// input's header it reads the same header from the output.
//
// Seeds: testdata/fuzz/FuzzFixMJPEG (a test-pattern frame, the real DHT-less
// frame testdata/nodht.jpg, and every crasher ever found) plus the variants
// below. `go test ./camera` replays all of them.
func FuzzFixMJPEG(f *testing.F) {
	orig := camJPEG(f, 64, 48)
	bare := stripDHT(f, orig)
	nodht, err := os.ReadFile(filepath.Join("testdata", "nodht.jpg"))
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range [][]byte{orig, bare, nodht} {
		f.Add(b)
		f.Add(append(bytes.Clone(b), 0, 0, 0)) // driver padding
		for _, cut := range []int{2, 20, 100, len(b) / 2, len(b) - 3} {
			f.Add(append(bytes.Clone(b[:cut]), 0xFF, mEOI)) // truncated, EOI re-added
			f.Add(bytes.Clone(b[:cut]))                     // truncated
		}
		for _, at := range []int{3, 5, 21, 40, 160, len(b) - 1} { // bit flips in headers and data
			v := bytes.Clone(b)
			v[at] ^= 0x10
			f.Add(v)
		}
		if i := bytes.Index(b, []byte{0xFF, 0xC0}); i > 0 {
			for _, sof := range []byte{0xC2, 0xC9, 0xCF} { // progressive, arithmetic
				v := bytes.Clone(b)
				v[i+1] = sof
				f.Add(v)
			}
		}
	}
	f.Add(make([]byte, 200))
	f.Fuzz(func(t *testing.T, b []byte) {
		keep := bytes.Clone(b)
		out, err := FixMJPEG(b)
		if !bytes.Equal(b, keep) {
			t.Fatal("input modified")
		}
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v does not wrap ErrBadFrame", err)
			}
			if out != nil {
				t.Fatalf("%d bytes returned with error %v", len(out), err)
			}
			return
		}
		if len(out) < MinFrameBytes || out[0] != 0xFF || out[1] != mSOI || out[len(out)-2] != 0xFF || out[len(out)-1] != mEOI {
			t.Fatalf("output %x... does not run SOI..EOI", out[:min(len(out), 8)])
		}
		trimmed := bytes.TrimRight(b, "\x00")
		codes, sos, ok := walkHeaders(out)
		if !ok {
			t.Fatalf("output headers do not reach SOS: %x", codes)
		}
		inCodes, _, _ := walkHeaders(trimmed)
		switch {
		case bytes.Equal(out, trimmed):
			if unsafe.SliceData(out) != unsafe.SliceData(b) {
				t.Fatal("unchanged frame was copied")
			}
		case len(out) == len(trimmed)+len(stdDHT) &&
			bytes.Equal(out[sos-len(stdDHT):sos], stdDHT) &&
			bytes.Equal(append(bytes.Clone(out[:sos-len(stdDHT)]), out[sos:]...), trimmed):
			if bytes.IndexByte(inCodes, mDHT) >= 0 {
				t.Fatalf("DHT inserted into a frame that had one: markers %x", inCodes)
			}
		default:
			t.Fatalf("output (%d bytes) is neither the input (%d bytes) nor the input plus DHT before SOS", len(out), len(trimmed))
		}
		if hasHuffmanSOF(codes) && bytes.IndexByte(codes, mDHT) < 0 {
			t.Fatalf("Huffman frame without DHT before SOS: markers %x", codes)
		}
		if hasHuffmanSOF(inCodes) && !bytes.Contains(out, []byte{0xFF, mDHT}) {
			t.Fatal("input had a Huffman SOF, output has no DHT marker")
		}
		again, err := FixMJPEG(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("fixing the output again: %d bytes, %v", len(again), err)
		}
		if hIn, err := tjpeg.DecodeHeader(trimmed); err == nil {
			hOut, err := tjpeg.DecodeHeader(out)
			if err != nil || hOut != hIn {
				t.Fatalf("header %+v became %+v, %v", hIn, hOut, err)
			}
		}
	})
}

// hasHuffmanSOF reports whether codes hold the SOF marker of a
// Huffman-coded frame (SOF0-3, SOF5-7), whose decoders need a DHT, and no
// arithmetic-coding SOF (SOF9-11, 13-15; libjpeg refuses a second SOF
// anyway, and FixMJPEG leaves arithmetic frames alone).
func hasHuffmanSOF(codes []byte) bool {
	huff := false
	for _, m := range codes {
		switch {
		case m >= 0xC0 && m <= 0xC7 && m != mDHT:
			huff = true
		case m >= 0xC9 && m <= 0xCF && m != 0xCC:
			return false
		}
	}
	return huff
}

// walkHeaders is the fuzz test's own marker walk from SOI to the first
// SOS, independent of scanHeaders: it returns the marker codes seen, the
// offset of the SOS marker and whether SOS was reached.
func walkHeaders(b []byte) (codes []byte, sos int, ok bool) {
	if len(b) < 2 || b[0] != 0xFF || b[1] != mSOI {
		return nil, 0, false
	}
	for i := 2; i < len(b) && b[i] == 0xFF; {
		start := i
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return codes, 0, false
		}
		m := b[i]
		i++
		if m == 0x01 || m >= 0xD0 && m <= 0xD7 {
			continue
		}
		codes = append(codes, m)
		if m == mSOS {
			return codes, start, true
		}
		if i+2 > len(b) {
			return codes, 0, false
		}
		i += int(b[i])<<8 | int(b[i+1])
	}
	return codes, 0, false
}
