package mjpegload

import (
	"bytes"
	"time"
)

// Allocation-free byte helpers for the part parser.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// trimEOL drops one line break ("\r\n" or "\n") from the end of b.
func trimEOL(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
		if len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
	}
	return b
}

func indexByte(b []byte, c byte) int { return bytes.IndexByte(b, c) }

// equalFold compares b with the lower-case ASCII string s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// atoi parses a non-negative decimal integer of at most 12 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 12 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseTimestamp parses unix seconds with an optional fraction, such as
// "1764140000.123456". It returns the zero time if b is not such a number.
func parseTimestamp(b []byte) time.Time {
	dot := indexByte(b, '.')
	intPart, frac := b, []byte(nil)
	if dot >= 0 {
		intPart, frac = b[:dot], b[dot+1:]
	}
	sec, ok := atoi(intPart)
	if !ok {
		return time.Time{}
	}
	nsec, scale := 0, 100_000_000
	for _, c := range frac {
		if c < '0' || c > '9' {
			return time.Time{}
		}
		nsec += int(c-'0') * scale
		scale /= 10
	}
	return time.Unix(int64(sec), int64(nsec))
}
