//go:build !openh264

package h264

import "fmt"

// openH264Built says whether this build links OpenH264 (-tags openh264).
const openH264Built = false

// NewOpenH264 is unavailable in builds without -tags openh264 (see
// openh264.go for why the .debs leave it out).
func NewOpenH264(Config) (Encoder, error) {
	return nil, fmt.Errorf("%w: openh264 is not built in (go build -tags openh264)", ErrUnavailable)
}
